"""The generated functions through the service's request-reply handler, without a JVM:
ToFunction in, FromFunction out (the SDK's protobuf messages; its StringType for the values).

Usage: <python with apache-flink-statefun> functions_test.py <built app folder>; prints `ok <n>`.
"""
import json
import os
import sys

app = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(app, "python"))

from statefun import StringType  # noqa: E402
from statefun.kafka_egress_pb2 import KafkaProducerRecord  # noqa: E402
from statefun.request_reply_pb2 import FromFunction, ToFunction  # noqa: E402

from stateflow_statefun import stored_value  # noqa: E402
from stateflow_statefun.functions import StorageState, address_of, build_functions  # noqa: E402
from stateflow_statefun.request_reply import RequestReplyHandler  # noqa: E402
from stateflow_statefun.requests_text import decode as decode_requests, encode as encode_requests  # noqa: E402
from stateflow_flink.dedup import Record  # noqa: E402

program = json.load(open(os.path.join(app, "program.ir.json")))
config = json.load(open(os.path.join(app, "statefun-app.json")))
handler = RequestReplyHandler(build_functions(program, config))
ser = StringType.serializer()
REPLY_TO = {"channel": "kafka:shop-egress", "id": "c1"}
passed = 0


#: The persisted values the last call wrote (name -> text, None when deleted).
last_state = {}


def call(typename, id_, argument, typename_of_arg, state=None, handler=handler):
    tf = ToFunction()
    inv = tf.invocation
    inv.target.namespace, _, inv.target.type = typename.rpartition("/")
    inv.target.id = id_
    if typename != "stateflow.system/ingress":
        for name in ("instance", "requests"):
            s = inv.state.add()
            s.state_name = name
            value = (state or {}).get(name)
            if value is not None:
                s.state_value.typename = "io.statefun.types/string"
                s.state_value.has_value = True
                s.state_value.value = ser.serialize(value)
    arg = inv.invocations.add().argument
    arg.typename, arg.has_value, arg.value = typename_of_arg, True, argument
    out = FromFunction()
    out.ParseFromString(handler.handle_sync(tf.SerializeToString()))
    result = out.invocation_result
    last_state.clear()
    for m in result.state_mutations:
        last_state[m.state_name] = ser.deserialize(m.state_value.value) if m.state_value.has_value else None
    messages = [("%s/%s" % (m.target.namespace, m.target.type), m.target.id, m.argument.value.decode()) for m in result.outgoing_messages]
    egress = []
    for e in result.outgoing_egresses:
        record = KafkaProducerRecord()
        record.ParseFromString(e.argument.value)
        egress.append((record.topic, record.value_bytes.decode()))
    return messages, egress


def records_of(values):
    """The request records' text of an address's persisted values (either layout)."""
    records = stored_value.split(values.get("instance"))[1]
    return records if records is not None else values.get("requests")


def after_call(values):
    """An address's persisted values after the last call wrote to them."""
    out = dict(values, **last_state)
    return {k: v for k, v in out.items() if v is not None}


def check(name, cond):
    global passed
    assert cond, name
    passed += 1


# A record that is not an event: a dead letter, nothing else.
messages, egress = call("stateflow.system/ingress", "-", b"not json", "stateflow/request")
check("garbage -> dead letter", messages == [] and len(egress) == 1 and egress[0][0] == "shop-dead-letter" and "not JSON" in egress[0][1])

# A bad request with a readable replyTo: an error Response on its reply topic.
bad = {"kind": "Invoke", "requestId": "r0", "seq": 0, "stack": [], "replyTo": REPLY_TO, "target": {"entity": "Nope", "key": "x"}, "method": "f", "args": [], "kwargs": {}}
messages, egress = call("stateflow.system/ingress", "Nope/x", json.dumps(bad).encode(), "stateflow/request")
check("unknown entity -> error reply", messages == [] and egress[0][0] == "shop-egress" and json.loads(egress[0][1])["result"]["error"]["code"] == "UnknownEntity")

# A valid Invoke goes on to the instance's function, marked as a client request.
invoke = {"kind": "Invoke", "requestId": "r1", "seq": 0, "stack": [], "replyTo": REPLY_TO, "target": {"entity": "Item", "key": "coke"}, "method": "update_stock", "args": [1], "kwargs": {}}
messages, egress = call("stateflow.system/ingress", "Item/coke", json.dumps(invoke).encode(), "stateflow/request")
check("valid invoke -> message to stateflow/Item", egress == [] and messages == [("stateflow/Item", "coke", "I" + json.dumps(invoke))])

# At the instance: runs the kernel on the persisted state, answers on the egress.
state = {"instance": json.dumps({"item_name": "coke", "stock": 3, "price": 2})}
messages, egress = call("stateflow/Item", "coke", messages[0][2].encode(), "stateflow/event", state)
check("method runs and answers", messages == [] and json.loads(egress[0][1])["result"] == {"ok": True})

# No state: EntityNotFound, answered.
messages, egress = call("stateflow/Item", "pepsi", ("I" + json.dumps({**invoke, "requestId": "r2", "target": {"entity": "Item", "key": "pepsi"}})).encode(), "stateflow/event")
check("missing instance -> EntityNotFound", json.loads(egress[0][1])["result"]["error"]["code"] == "EntityNotFound")

# A record keyed Item/coke comes straight from the Kafka ingress (keyRouting): validated and run here.
direct = {**invoke, "requestId": "r3"}
messages, egress = call("stateflow/Item", "coke", json.dumps(direct).encode(), "stateflow/request", state)
check("direct record runs and answers", messages == [] and len(egress) == 1 and json.loads(egress[0][1])["requestId"] == "r3" and json.loads(egress[0][1])["result"] == {"ok": True})

# ... a bad one is answered there, never run or retried.
messages, egress = call("stateflow/Item", "coke", json.dumps({**invoke, "requestId": "r4", "args": "x"}).encode(), "stateflow/request", state)
check("direct bad record -> error reply", messages == [] and "error" in json.loads(egress[0][1])["result"])
messages, egress = call("stateflow/Item", "coke", b"\xff not json", "stateflow/request", state)
check("direct garbage -> dead letter", messages == [] and egress[0][0] == "shop-dead-letter")

# ... and one whose body names another instance than its key goes on to that instance.
other = {**invoke, "requestId": "r5", "target": {"entity": "Item", "key": "pepsi"}}
messages, egress = call("stateflow/Item", "coke", json.dumps(other).encode(), "stateflow/request", state)
check("direct record for another instance -> forwarded", egress == [] and messages == [("stateflow/Item", "pepsi", "I" + json.dumps(other))])

# The protocol where it differs from a plain call (the SDK's handler answers alike).
from statefun.request_reply_v3 import collect_failure  # noqa: E402
from statefun import ValueSpec  # noqa: E402


def to_function(typename, id_, arguments, state_names=(), state=None):
    tf = ToFunction()
    inv = tf.invocation
    inv.target.namespace, _, inv.target.type = typename.rpartition("/")
    inv.target.id = id_
    for name in state_names:
        s = inv.state.add()
        s.state_name = name
        if (state or {}).get(name) is not None:
            s.state_value.typename, s.state_value.has_value, s.state_value.value = "io.statefun.types/string", True, ser.serialize(state[name])
    for typename_of_arg, argument in arguments:
        arg = inv.invocations.add().argument
        arg.typename, arg.has_value, arg.value = typename_of_arg, True, argument
    return tf.SerializeToString()


# Missing values (the runtime's first call of a function type): the specs, as the SDK writes them.
specs = [ValueSpec(name="instance", type=StringType), ValueSpec(name="requests", type=StringType)]
direct_coke = json.dumps({**invoke, "requestId": "p1"}).encode()
for sent in ((), ("instance",), ("requests",)):
    answer = handler.handle_sync(to_function("stateflow/Item", "coke", [("stateflow/request", direct_coke)], sent))
    check("missing values %s: IncompleteInvocationContext as the SDK's" % (sent,),
          answer == collect_failure([v for v in specs if v.name not in sent]).SerializeToString())
# A batch: each invocation sees what the one before wrote; one reply with every message and one write.
batch = [("stateflow/request", json.dumps({**invoke, "requestId": "b%d" % i, "args": [1]}).encode()) for i in range(3)]
out = FromFunction()
out.ParseFromString(handler.handle_sync(to_function("stateflow/Item", "coke", batch, ("instance", "requests"), state)))
result = out.invocation_result
written = ser.deserialize(result.state_mutations[0].state_value.value)
check("batch: one write of the value, all three runs in it",
      [m.state_name for m in result.state_mutations] == ["instance"] and json.loads(stored_value.split(written)[0])["stock"] == 6
      and list(decode_requests(stored_value.split(written)[1])) == ["b0", "b1", "b2"])
check("batch: the answers in order, on the Kafka egress as KafkaProducerRecords",
      [(e.egress_namespace, e.egress_type, e.argument.typename) for e in result.outgoing_egresses]
      == [tuple(config["egressId"].rsplit("/", 1)) + ("type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord",)] * 3
      and [json.loads(KafkaProducerRecord.FromString(e.argument.value).value_bytes)["requestId"] for e in result.outgoing_egresses] == ["b0", "b1", "b2"])
# A batch where an invocation fails: dead-lettered; the others run on the value the last good one left.
broken = [batch[0], ("stateflow/event", b"I{not json"), ("stateflow/request", json.dumps({**invoke, "requestId": "b9", "args": [1]}).encode())]
out = FromFunction()
out.ParseFromString(handler.handle_sync(to_function("stateflow/Item", "coke", broken, ("instance", "requests"), state)))
result = out.invocation_result
topics = [KafkaProducerRecord.FromString(e.argument.value).topic for e in result.outgoing_egresses]
written = ser.deserialize(result.state_mutations[0].state_value.value)
check("batch with a failure: a dead letter between the two answers, both runs written",
      topics == ["shop-egress", "shop-dead-letter", "shop-egress"] and json.loads(stored_value.split(written)[0])["stock"] == 5
      and list(decode_requests(stored_value.split(written)[1])) == ["b0", "b9"])
# An address with nothing sent and nothing changed: an empty reply, as the SDK's.
check("a call that changes nothing: an empty FromFunction",
      handler.handle_sync(to_function("stateflow/Item", "coke", [], ("instance", "requests"), state)) == FromFunction().SerializeToString())
# The reply's bytes, written by hand: what protobuf's classes write for the same message.
from stateflow_statefun import from_function  # noqa: E402
from stateflow_statefun.calls import Call  # noqa: E402


def protobuf_reply(call, names, received, values):
    reply = FromFunction()
    result = reply.invocation_result
    for name in names:
        if values.get(name) is received[name]:
            continue
        mutation = result.state_mutations.add()
        mutation.state_name = name
        if values.get(name) is None:
            mutation.mutation_type = FromFunction.PersistedValueMutation.DELETE
        else:
            mutation.mutation_type = FromFunction.PersistedValueMutation.MODIFY
            mutation.state_value.typename, mutation.state_value.has_value = "io.statefun.types/string", True
            mutation.state_value.value = ser.serialize(values[name])
    for typename, id_, value_typename, value in call.messages:
        message = result.outgoing_messages.add()
        message.target.namespace, _, message.target.type = typename.rpartition("/")
        message.target.id = id_
        message.argument.typename, message.argument.has_value, message.argument.value = value_typename, True, value
    for egress, topic, value in call.egress:
        out = result.outgoing_egresses.add()
        out.egress_namespace, _, out.egress_type = egress.rpartition("/")
        out.argument.typename, out.argument.has_value = "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord", True
        out.argument.value = KafkaProducerRecord(topic=topic, value_bytes=value.encode()).SerializeToString()
    return reply.SerializeToString()


texts = ["", "a", "é😀\n\t\"", "x" * 127, "x" * 128, "y" * 20000]
for text in texts:
    for before in (None, "old", text):
        received = {"instance": before, "requests": "#2 0"}
        for values in ({"instance": text, "requests": "#2 0"}, {"instance": text, "requests": None}, dict(received)):
            values["requests"] = received["requests"] if values["requests"] == "#2 0" else None
            sample = Call("stateflow/Item", text)
            sample.send("stateflow.system/construct", text, "stateflow/event", text.encode())
            sample.send("stateflow/Item", "", "stateflow/event", b"")
            sample.send_to_kafka("stateflow/egress", "shop-egress", text)
            sample.send_to_kafka("a.b/c", text or "t", "")
            for c in (sample, Call("x/y", "z")):
                check("reply bytes (%d chars, %r): as protobuf writes them" % (len(text), sorted(k for k in values if values[k] is not received[k])),
                      from_function.reply(c, ("instance", "requests"), received, values) == protobuf_reply(c, ("instance", "requests"), received, values))
try:
    handler.handle_sync(to_function("stateflow/Nope", "x", []))
    check("an unknown function type raises (the runtime retries)", False)
except ValueError:
    check("an unknown function type raises (the runtime retries)", True)

# Routing keys to addresses.
check("address of an entity", address_of("User/a/b") == ("stateflow/User", "a/b"))
check("address of a create", address_of("$construct/r9") == ("stateflow.system/construct", "r9"))


# The request ids remembered per instance are bounded; the oldest go first.
cells = {"instance": None, "requests": None}
view = StorageState(cells, window=2)
for rid in ("a", "b", "c"):
    view.put_seen(rid, Record(forward={"entity": "Item", "key": rid}), False)
check("nothing is written before the flush", cells["instance"] is None)
view.flush()
check("dedup window keeps the newest", list(decode_requests(stored_value.split(cells["instance"])[1])) == ["b", "c"])
check("a record is stored as its compact entry", decode_requests(stored_value.split(cells["instance"])[1])["c"] == '>["Item","c"]')
check("no instance: the value starts with the line break", cells["instance"].startswith("\n#2 2\n") and cells["requests"] is None)
check("and read back", view.get_seen("c").forward == {"entity": "Item", "key": "c"} and view.get_seen("a") is None)


# A read (an Invoke of a method the compiler found read-only, answered here, nothing sent, the
# state unchanged) leaves no record, so the call writes nothing; a retry runs it again and
# sees the state as it is then. Anything else is recorded as before. The program: the shop
# with two methods added to Item, ``stock_of`` (read-only) and ``bump`` (marked read-only,
# but it changes the state: still recorded, the state check guards it).
import copy  # noqa: E402

read_program = copy.deepcopy(program)
read_program["module"]["source"] = read_program["module"]["source"].replace(
    "    def __key__(self):\n        return self.item_name",
    "    def stock_of(self) -> int:\n        return self.stock\n\n"
    "    def bump(self) -> int:\n        self.stock += 1\n        return self.stock\n\n"
    "    def __key__(self):\n        return self.item_name", 1)
item_entity = next(e for e in read_program["entities"] if e["name"] == "Item")
for name in ("stock_of", "bump"):
    item_entity["methods"].append({**item_entity["methods"][0], "name": name, "params": [], "returns": {"kind": "Int"}, "writes": False})
reads = RequestReplyHandler(build_functions(read_program, config))


def item_call(method, request_id, values, args=()):
    """A client record keyed Item/coke, run at coke with ``values``; returns (answers' results, values after)."""
    event = {**invoke, "requestId": request_id, "method": method, "args": list(args)}
    messages, egress = call("stateflow/Item", "coke", json.dumps(event).encode(), "stateflow/request", values, reads)
    assert messages == [], messages
    return [json.loads(v)["result"] for _, v in egress], after_call(values)


coke = {"instance": json.dumps({"item_name": "coke", "stock": 3, "price": 2})}
results, coke = item_call("stock_of", "read-1", coke)
check("read: answered", results == [{"ok": 3}])
check("read: writes nothing (no record)", last_state == {})
results, coke = item_call("update_stock", "write-1", coke, [2])
check("write: runs and is recorded", results == [{"ok": True}] and "write-1" in decode_requests(records_of(coke)))
results, coke = item_call("stock_of", "read-1", coke)
check("read: a retry runs again and sees the state as it is now", results == [{"ok": 5}] and last_state == {})
results, coke = item_call("update_stock", "write-1", coke, [2])
check("write: a retry gets the stored answer and runs nothing", results == [{"ok": True}] and last_state == {}
      and json.loads(stored_value.split(coke["instance"])[0])["stock"] == 5)
results, coke = item_call("stock_of", "write-1", coke)
check("a read with a written request's id gets that request's answer (nothing runs)", results == [{"ok": True}] and last_state == {})
results, coke = item_call("update_stock", "read-2", coke, [-9])
check("a failed write (a user exception, nothing changed) is recorded", "error" in results[0] and "read-2" in decode_requests(records_of(coke)))
results, coke = item_call("stock_of", "read-3", coke)
results, coke = item_call("update_stock", "read-3", coke, [1])
check("an id used for a read, then for a write: the write runs once", results == [{"ok": True}]
      and json.loads(stored_value.split(coke["instance"])[0])["stock"] == 6)
results, coke = item_call("update_stock", "read-3", coke, [1])
check("... and its retry gets its answer", results == [{"ok": True}] and last_state == {})
results, coke = item_call("bump", "bump-1", coke)
check("a read-only method that changed the state: recorded", results == [{"ok": 7}] and "bump-1" in decode_requests(records_of(coke)))
results, coke = item_call("bump", "bump-1", coke)
check("... its retry gets the stored answer, runs nothing", results == [{"ok": 7}] and last_state == {})
results, _ = item_call("stock_of", "read-4", {})
check("a read of a missing instance: EntityNotFound, nothing written",
      results[0]["error"]["code"] == "EntityNotFound" and last_state == {})
# A value exactly as the previous version wrote it (the state, then records, read-1 among them,
# as it stored every read): a read is answered, writes nothing; its retry gets the stored answer.
PREVIOUS = json.dumps({"item_name": "coke", "stock": 3, "price": 2}) + "\n#2 2\n\"read-1\"\t+[1,3]\n\"write-1\"\t+[1,true]"
results, _ = item_call("stock_of", "read-5", {"instance": PREVIOUS})
check("previous version's value: a read is answered, writes nothing", results == [{"ok": 3}] and last_state == {})
results, _ = item_call("stock_of", "read-1", {"instance": PREVIOUS})
check("previous version's value: a recorded read's retry gets the stored answer", results == [{"ok": 3}] and last_state == {})
results, after = item_call("update_stock", "write-2", {"instance": PREVIOUS}, [1])
check("previous version's value: a write keeps its records", results == [{"ok": True}]
      and list(decode_requests(records_of(after))) == ["read-1", "write-1", "write-2"])

# A detached continuation (hand-made kernel outputs, as Kernel(program, resume_detached=True)
# makes them): User/alice calls Item/coke, whose hop answers the client with origin
# User/alice. The answer stays at Item/coke (no Settle); a retry at alice follows alice's
# forward record there with a Query message.
import time  # noqa: E402

import stateflow_statefun.functions as functions_module  # noqa: E402

ALICE = {"entity": "User", "key": "alice"}


class DetachedKernel:
    def process(self, event, state):
        base = {"requestId": event["requestId"], "replyTo": event["replyTo"]}
        if event["target"]["entity"] == "User":
            frame = {"entity": "User", "key": "alice", "method": "pay", "resume": "b1", "resultVar": "r", "env": {}}
            return {"out": [dict(base, kind="Invoke", seq=1, target={"entity": "Item", "key": "coke"},
                                 method="take", args=[], kwargs={}, stack=[frame])]}
        return {"out": [dict(base, kind="Response", seq=2, stack=[], result={"ok": "paid"}, origin=ALICE)]}


class DetachedLogic(functions_module.EntityLogic):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kernel = DetachedKernel()


functions_module.EntityLogic = DetachedLogic
detached = RequestReplyHandler(build_functions(program, config))
time.sleep(0.002)
ms = "%012x" % int(time.time() * 1000)
PAY = "%s-%s-7abc-8def-0123456789ab" % (ms[:8], ms[8:])  # a UUIDv7 made after the functions started
ALICE_INSTANCE = json.dumps({"name": "alice", "balance": 1})
alice_state = {"instance": ALICE_INSTANCE}
coke_state = dict(state)
pay = {"kind": "Invoke", "requestId": PAY, "seq": 0, "stack": [], "replyTo": REPLY_TO, "target": ALICE, "method": "pay", "args": [], "kwargs": {}}
messages, egress = call("stateflow/User", "alice", ("I" + json.dumps(pay)).encode(), "stateflow/event", alice_state, detached)
check("detached: the caller's hop calls the callee", egress == [] and [m[:2] for m in messages] == [("stateflow/Item", "coke")])
alice_state = after_call(alice_state)
check("detached: the caller records where the request went, in the one value",
      decode_requests(records_of(alice_state))[PAY] == '>["Item","coke"]' and set(last_state) == {"instance"})
check("detached: the instance's state leads the value", stored_value.split(alice_state["instance"])[0] == json.dumps({"name": "alice", "balance": 1}))
check("detached: a UUID request id is written in base64url", "\n~" in records_of(alice_state) and PAY not in records_of(alice_state))
to_coke = messages[0][2]
messages, egress = call("stateflow/Item", "coke", to_coke.encode(), "stateflow/event", coke_state, detached)
check("detached: the callee answers the client", [(t, json.loads(v)["result"]) for t, v in egress] == [("shop-egress", {"ok": "paid"})])
check("detached: and sends no Settle", messages == [])
coke_state = after_call(coke_state)
stored = decode_requests(records_of(coke_state))[PAY]
check("detached: the answer stays at the callee, compact (no kind, requestId, replyTo, empty stack)",
      stored == 'l+[2,"paid","User","alice"]')
OTHER_TO = {"channel": "kafka:shop-egress", "id": "c2"}
messages, egress = call("stateflow/User", "alice", ("I" + json.dumps({**pay, "replyTo": OTHER_TO})).encode(), "stateflow/event", alice_state, detached)
query = messages[0][2] if len(messages) == 1 else ""
check("detached: a retry at origin sends a Query message to the callee",
      egress == [] and [m[:2] for m in messages] == [("stateflow/Item", "coke")] and json.loads(query[1:])["kind"] == "Query")
messages, egress = call("stateflow/Item", "coke", query.encode(), "stateflow/event", coke_state, detached)
check("detached: the Query gets the stored answer at the retry's replyTo",
      messages == [] and [(json.loads(v)["replyTo"], json.loads(v)["result"]) for _, v in egress] == [(OTHER_TO, {"ok": "paid"})])
check("detached: and changes nothing", "instance" not in last_state and "requests" not in last_state)
messages, egress = call("stateflow/Item", "coke", ("N" + json.dumps({**json.loads(query[1:]), "requestId": "unknown"})).encode(), "stateflow/event", coke_state, detached)
check("detached: a Query for a request not remembered: RequestExpired",
      [json.loads(v)["result"]["error"]["code"] for _, v in egress] == ["RequestExpired"])

# A job restored from a checkpoint of an earlier version: its ``requests`` values hold whole
# record texts (the Response as an escaped JSON string, forward records, pending ones), in the
# line layout or the JSON object before it. Each is still found and answered from, and the
# value is written in the compact form when it next changes.
OLD = "%s-%s-7abc-8def-0123456789ac" % (ms[:8], ms[8:])
old_answer = {"kind": "Response", "requestId": OLD, "seq": 2, "stack": [], "replyTo": REPLY_TO, "result": {"ok": "old"}, "origin": ALICE}
old_records = {OLD: Record(response=json.dumps(old_answer), lookup=True).dumps()}
for layout, old_value in (("lines", encode_requests(old_records)), ("JSON object", json.dumps(old_records))):
    old_coke = dict(state, requests=old_value)
    retry = {"kind": "Query", "requestId": OLD, "seq": 0, "stack": [], "replyTo": OTHER_TO, "target": {"entity": "Item", "key": "coke"}, "hops": 1}
    messages, egress = call("stateflow/Item", "coke", ("N" + json.dumps(retry)).encode(), "stateflow/event", old_coke, detached)
    check("earlier layout (%s): a Query gets the stored answer" % layout,
          messages == [] and [(json.loads(v)["replyTo"], json.loads(v)["result"]) for _, v in egress] == [(OTHER_TO, {"ok": "old"})])
    old_records_alice = {OLD: Record(forward={"entity": "Item", "key": "coke"}).dumps(), "undated": Record(reply_to=REPLY_TO, keep=True).dumps()}
    old_alice = dict(instance=ALICE_INSTANCE, requests=(encode_requests if layout == "lines" else json.dumps)(old_records_alice))
    messages, egress = call("stateflow/User", "alice", ("I" + json.dumps({**pay, "requestId": OLD, "replyTo": OTHER_TO})).encode(),
                            "stateflow/event", old_alice, detached)
    check("earlier layout (%s): a retry at origin follows the old forward record" % layout,
          egress == [] and [m[:2] for m in messages] == [("stateflow/Item", "coke")] and json.loads(messages[0][2][1:])["kind"] == "Query")
    messages, egress = call("stateflow/User", "alice", ("I" + json.dumps({**pay, "requestId": "undated", "replyTo": OTHER_TO})).encode(),
                            "stateflow/event", old_alice, detached)
    written = decode_requests(records_of(last_state))
    check("earlier layout (%s): a retry of an old pending request waits; its record is rewritten compact, the others stay" % layout,
          messages == [] and egress == [] and json.loads(written["undated"]) == {"to": REPLY_TO, "wait": [OTHER_TO], "k": 1}
          and written[OLD] == old_records_alice[OLD])
    NEW = "%s-%s-7abc-8def-0123456789ad" % (ms[:8], ms[8:])
    messages, egress = call("stateflow/User", "alice", ("I" + json.dumps({**pay, "requestId": NEW})).encode(), "stateflow/event", old_alice, detached)
    written = decode_requests(records_of(last_state))
    check("earlier layout (%s): a new request runs, and the old records stay readable beside it" % layout,
          [m[:2] for m in messages] == [("stateflow/Item", "coke")] and list(written) == [OLD, "undated", NEW]
          and Record.parse(written["undated"], "undated").pending and Record.parse(written[OLD], OLD).forwarded)

# A value exactly as the previous version wrote it (three of one account's records from a run
# of tests/statefun/bench/service-cpu.py with it): answered from, followed, and kept readable.
WRITTEN_BEFORE = (
    '#1 3\n"c-0"\t{"response": "{\\"kind\\": \\"Response\\", \\"result\\": {\\"ok\\": {\\"$entity\\": \\"Account\\", '
    '\\"$key\\": \\"acct0\\"}}, \\"stack\\": [], \\"requestId\\": \\"c-0\\", \\"seq\\": 2, \\"replyTo\\": {\\"channel\\": '
    '\\"kafka:gen-replies\\", \\"id\\": \\"client-1\\"}}", "lookup": true}\n'
    '"01a24dbc-b037-7414-9fb5-355e1e2feb89"\t{"forward": {"entity": "Account", "key": "acct1"}}\n'
    '"01a24dbc-b03e-7a6c-b27a-7185612e7696"\t{"response": "{\\"kind\\": \\"Response\\", \\"result\\": {\\"ok\\": true}, '
    '\\"stack\\": [], \\"origin\\": {\\"entity\\": \\"Account\\", \\"key\\": \\"acct1\\"}, \\"requestId\\": '
    '\\"01a24dbc-b03e-7a6c-b27a-7185612e7696\\", \\"seq\\": 2, \\"replyTo\\": {\\"channel\\": \\"kafka:gen-replies\\", '
    '\\"id\\": \\"client-1\\"}}", "lookup": true}'
)


def query_for(request_id):
    """A ``Query`` at alice for ``request_id``'s outcome, answered to ``OTHER_TO``."""
    return {"kind": "Query", "requestId": request_id, "seq": 0, "stack": [], "replyTo": OTHER_TO, "target": ALICE, "hops": 1}


def check_stored_value(label, value, answered_id, answered_by, forwarded_id, forwarded_to):
    """A value as an earlier version wrote it: a Query for ``answered_id`` gets the stored
    answer (made at Account ``answered_by``), one for ``forwarded_id`` follows its forward
    record to Account ``forwarded_to``. Returns the value as alice's state."""
    before = {"instance": ALICE_INSTANCE, "requests": value}
    messages, egress = call("stateflow/User", "alice", ("N" + json.dumps(query_for(answered_id))).encode(), "stateflow/event", before, detached)
    answers = [json.loads(v) for _, v in egress]
    check("%s: a Query gets the stored answer, whole" % label,
          messages == [] and [(a["requestId"], a["replyTo"], a["result"], a["origin"]) for a in answers]
          == [(answered_id, OTHER_TO, {"ok": True}, {"entity": "Account", "key": answered_by})])
    messages, egress = call("stateflow/User", "alice", ("N" + json.dumps(query_for(forwarded_id))).encode(),
                            "stateflow/event", before, detached)
    check("%s: a Query follows its forward record" % label,
          egress == [] and [m[:2] for m in messages] == [("stateflow/Account", forwarded_to)] and json.loads(messages[0][2][1:])["hops"] == 2)
    return before


check_stored_value("previous version's value", WRITTEN_BEFORE,
                   "01a24dbc-b03e-7a6c-b27a-7185612e7696", "acct1", "01a24dbc-b037-7414-9fb5-355e1e2feb89", "acct1")

# A value exactly as the version before this one wrote it (``#1``: request ids as JSON, JSON
# entries; three of one account's records from a run of tests/statefun/bench/service-cpu.py).
WRITTEN_1 = (
    '#1 3\n"c-0"\t{"res":{"result":{"ok":{"$entity":"Account","$key":"acct0"}},"seq":2},"l":1}\n'
    '"01a24e50-5c3d-70ac-871c-ae98d4ee8f76"\t{"fwd":{"entity":"Account","key":"acct831"}}\n'
    '"01a24e50-5e03-7383-a0aa-d8e2f19a59dd"\t{"res":{"result":{"ok":true},"origin":{"entity":"Account","key":"acct240"},"seq":2},"l":1}'
)
before = check_stored_value("#1 value", WRITTEN_1,
                            "01a24e50-5e03-7383-a0aa-d8e2f19a59dd", "acct240", "01a24e50-5c3d-70ac-871c-ae98d4ee8f76", "acct831")
messages, egress = call("stateflow/User", "alice", ("I" + json.dumps({**pay, "requestId": "01a24e50-5c3d-70ac-871c-ae98d4ee8f76", "replyTo": OTHER_TO})).encode(),
                        "stateflow/event", before, detached)
check("#1 value: a client retry at origin follows its forward record (runs nothing)",
      egress == [] and [m[:2] for m in messages] == [("stateflow/Account", "acct831")] and json.loads(messages[0][2][1:])["kind"] == "Query"
      and last_state == {})
NEW = "%s-%s-7abc-8def-0123456789ae" % (ms[:8], ms[8:])
messages, egress = call("stateflow/User", "alice", ("I" + json.dumps({**pay, "requestId": NEW})).encode(), "stateflow/event", before, detached)
rewritten = records_of(last_state) or ""
check("#1 value: a new request runs; the value is rewritten in the current layout, every record kept",
      [m[:2] for m in messages] == [("stateflow/Item", "coke")] and rewritten.startswith("#2 4\n") and last_state["requests"] is None
      and list(decode_requests(rewritten)) == ["c-0", "01a24e50-5c3d-70ac-871c-ae98d4ee8f76", "01a24e50-5e03-7383-a0aa-d8e2f19a59dd", NEW]
      and len(rewritten) < len(WRITTEN_1) + 50)
after = after_call(before)
messages, egress = call("stateflow/User", "alice", ("N" + json.dumps(query_for("01a24e50-5e03-7383-a0aa-d8e2f19a59dd"))).encode(),
                        "stateflow/event", after, detached)
check("#1 value, rewritten: the old answer is still found",
      [(json.loads(v)["requestId"], json.loads(v)["result"]) for _, v in egress] == [("01a24e50-5e03-7383-a0aa-d8e2f19a59dd", {"ok": True})])

# The pair of values exactly as the previous version wrote them (``instance``: the state's
# JSON alone; ``requests``: layout #2), from a create of acct0 and acct1, a transfer of 5
# from acct0 to acct1 and a deposit of 7 at acct1 (the accounts bench program).
TRANSFER, DEPOSIT = "01a24f10-1a2b-7c3d-8e4f-a0b1c2d3e4f5", "01a24f10-1a2c-7000-9abc-def012345678"
FIELD0 = "x" * 100
PAIR_ACCT0 = {
    "instance": '{"id": "acct0", "balance": 999995, "field0": "%s"}' % FIELD0,
    "requests": '#2 2\n"c-0"\tl+[2,{"$entity":"Account","$key":"acct0"}]\n~AaJPEBorfD2OT6CxwtPk9Q\tk>["Account","acct1"]',
}
PAIR_ACCT1 = {
    "instance": '{"id": "acct1", "balance": 1000012, "field0": "%s"}' % FIELD0,
    "requests": '#2 3\n"c-1"\tl+[2,{"$entity":"Account","$key":"acct1"}]\n~AaJPEBorfD2OT6CxwtPk9Q\tl+[2,true,"Account","acct0"]'
                '\n~AaJPEBoscACavN7wEjRWeA\tk+[1,1000012]',
}
PAIR_CREATE0 = {"requests": '#2 1\n"c-0"\tk+[2,{"$entity":"Account","$key":"acct0"}]'}


def answers_of(egress):
    return [(a["requestId"], a["replyTo"], a["result"], a.get("origin")) for a in (json.loads(v) for _, v in egress)]


messages, egress = call("stateflow/User", "alice", ("N" + json.dumps(query_for(TRANSFER))).encode(), "stateflow/event", PAIR_ACCT0, detached)
check("previous pair: a Query follows the forward record in requests, and writes nothing",
      egress == [] and [m[:2] for m in messages] == [("stateflow/Account", "acct1")] and last_state == {})
messages, egress = call("stateflow/User", "alice", ("N" + json.dumps(query_for(TRANSFER))).encode(), "stateflow/event", PAIR_ACCT1, detached)
check("previous pair: a Query gets the callee's stored answer",
      messages == [] and answers_of(egress) == [(TRANSFER, OTHER_TO, {"ok": True}, {"entity": "Account", "key": "acct0"})])
messages, egress = call("stateflow/User", "alice", ("I" + json.dumps({**pay, "requestId": DEPOSIT, "replyTo": OTHER_TO})).encode(),
                        "stateflow/event", PAIR_ACCT1, detached)
check("previous pair: a client retry gets the stored answer, runs nothing",
      messages == [] and answers_of(egress) == [(DEPOSIT, OTHER_TO, {"ok": 1000012}, None)] and last_state == {})
get_state = {"kind": "GetState", "requestId": "g1", "seq": 0, "stack": [], "replyTo": OTHER_TO, "target": ALICE}
messages, egress = call("stateflow/User", "alice", ("I" + json.dumps(get_state)).encode(), "stateflow/event", PAIR_ACCT1, detached)
check("previous pair: the state is read from instance",
      [json.loads(v)["result"]["ok"]["balance"] for _, v in egress] == [1000012])
retry_create = {"kind": "Construct", "requestId": "c-0", "seq": 0, "stack": [], "replyTo": OTHER_TO, "entity": "Account", "args": ["acct0", 1], "kwargs": {}}
messages, egress = call("stateflow.system/construct", "c-0", ("I" + json.dumps(retry_create)).encode(), "stateflow/event", PAIR_CREATE0, detached)
check("previous pair: a retried create gets the stored answer (no instance value)",
      messages == [] and answers_of(egress) == [("c-0", OTHER_TO, {"ok": {"$entity": "Account", "$key": "acct0"}}, None)])
NEW_2 = "%s-%s-7abc-8def-0123456789af" % (ms[:8], ms[8:])
messages, egress = call("stateflow/User", "alice", ("I" + json.dumps({**pay, "requestId": NEW_2})).encode(), "stateflow/event", PAIR_ACCT0, detached)
merged = last_state.get("instance") or ""
check("previous pair: the next write merges it into one value and deletes requests in the same reply",
      [m[:2] for m in messages] == [("stateflow/Item", "coke")] and set(last_state) == {"instance", "requests"} and last_state["requests"] is None
      and stored_value.split(merged)[0] == PAIR_ACCT0["instance"]
      and list(decode_requests(stored_value.split(merged)[1])) == ["c-0", TRANSFER, NEW_2]
      and merged == PAIR_ACCT0["instance"] + "\n" + PAIR_ACCT0["requests"].replace("#2 2", "#2 3") + "\n" + stored_value.split(merged)[1].rsplit("\n", 1)[1])
merged_acct0 = after_call(PAIR_ACCT0)
check("previous pair, merged: requests is gone", set(merged_acct0) == {"instance"})
messages, egress = call("stateflow/User", "alice", ("N" + json.dumps(query_for(TRANSFER))).encode(), "stateflow/event", merged_acct0, detached)
check("previous pair, merged: the old forward record is still followed",
      egress == [] and [m[:2] for m in messages] == [("stateflow/Account", "acct1")] and last_state == {})
stale = dict(merged_acct0, requests='#2 1\n"zzz"\t>["Account","nowhere"]')
messages, egress = call("stateflow/User", "alice", ("N" + json.dumps(query_for("zzz"))).encode(), "stateflow/event", stale, detached)
check("a merged value is read alone (a requests value beside it is not consulted)",
      [json.loads(v)["result"]["error"]["code"] for _, v in egress] == ["RequestExpired"])

# The value's layout itself.
check("stored value: state and records", stored_value.split(stored_value.join('{"a": 1}', "#2 0")) == ('{"a": 1}', "#2 0"))
check("stored value: records without an instance", stored_value.split(stored_value.join(None, "#2 0")) == (None, "#2 0"))
check("stored value: the earlier instance value alone", stored_value.split('{"a": "x"}') == ('{"a": "x"}', None))
check("stored value: nothing", stored_value.split(None) == (None, None))
check("stored value: a state's JSON has no raw line break", "\n" not in json.dumps({"s": "a\nb\tc"}))

# Every kind of record survives its compact line text: what is read back is the record written.
from stateflow_statefun import entry_text  # noqa: E402

addr = {"entity": "Account", "key": "acct1"}
samples = [
    Record(forward=addr), Record(forward=addr, keep=True, lookup=True), Record(forward="$construct"),
    Record(forward={"entity": "A", "key": 7}), Record(forward={"entity": "A", "key": ["x", 1]}), Record(forward={"entity": "A", "key": "k", "x": 1}),
    Record(reply_to=REPLY_TO), Record(reply_to=REPLY_TO, waiting=[OTHER_TO], keep=True),
]
answers = [
    {"result": {"ok": True}, "seq": 2}, {"result": {"ok": None}, "seq": 1}, {"result": {"ok": {"$entity": "A", "$key": "a"}}, "seq": 2},
    {"result": {"ok": [1, "x\n\t\"é"]}, "seq": 3, "origin": addr}, {"result": {"ok": 1}, "seq": 2, "origin": {"entity": "A", "key": 3}},
    {"result": {"error": {"type": "Boom", "message": "m", "code": "Boom"}}, "seq": 1},
    {"result": {"error": {"type": "Boom", "message": "m"}}, "seq": 2, "origin": addr}, {"result": {"ok": 1}, "seq": 2, "origin": {"entity": "A", "key": 3, "z": 0}},
    {"result": {"ok": 1}, "seq": 2, "stack": [{"x": 1}]}, {"result": {"ok": 1}},
]
for answer in answers:
    for keep, lookup in ((False, False), (True, False), (False, True), (True, True)):
        response = {"kind": "Response", "requestId": "r", "stack": [], "replyTo": REPLY_TO, **answer}
        samples.append(Record(response=json.dumps(response), answer=response, keep=keep, lookup=lookup))
for record in samples:
    text = entry_text.encode(record)
    back = entry_text.decode(text, "r")
    check("entry text %s: one line" % text, "\n" not in text and "\t" not in text)
    check("entry text %s: read back" % text, back.entry() == record.entry() and back.keep == record.keep and back.lookup == record.lookup)
    if record.answered:
        check("entry text %s: the same answer" % text, {**json.loads(back.response), "replyTo": REPLY_TO} == json.loads(record.response))
check("entry text: short forms", [entry_text.encode(r) for r in samples[:2]] == ['>["Account","acct1"]', 'kl>["Account","acct1"]'])
# The short forms are written by hand (not by the JSON encoder): byte for byte what it wrote.
scalars = [0, -7, 2**70, True, False, None, "", "acct1", "x\n\t\"\\é😀\u2028", 1.5, float("inf"), {"a": [1]}, [None]]
for a in scalars:
    for b in scalars:
        forward = Record(forward={"entity": a, "key": b})
        answer = {"kind": "Response", "requestId": "r", "stack": [], "replyTo": REPLY_TO, "result": {"ok": b}, "seq": 3, "origin": {"entity": "A", "key": a}}
        check("entry text: [%r, %r] as the encoder writes it" % (a, b),
              entry_text.encode(forward) == ">" + json.dumps([a, b], separators=(",", ":"))
              and entry_text.encode(Record(response=json.dumps(answer), answer=answer)) == "+" + json.dumps([3, b, "A", a], separators=(",", ":")))

# The persisted values' type: the SDK's StringType's bytes, under its type name.
from stateflow_statefun import string_type  # noqa: E402

for text in ("", "a", "é😀\n\t\"", "x" * 127, "x" * 128, "y" * 16383, "z" * 16384, "#2 1\n~AZOk\t>[1,2]" * 5000):
    check("string type: writes what StringType writes (%d chars)" % len(text), string_type.serialize(text) == ser.serialize(text))
    check("string type: reads what StringType writes (%d chars)" % len(text), string_type.deserialize(ser.serialize(text)) == text)
check("string type: the same type name", string_type.TYPENAME == StringType.typename)
check("string type: other framings go to protobuf's parser",
      string_type.deserialize(b"\x0a\x01a\x0a\x01b") == ser.deserialize(b"\x0a\x01a\x0a\x01b") == "b")

print("ok %d" % passed)
