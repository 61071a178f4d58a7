"""Tests of stateflow_flink.routing and .operator with a plain Python (run by routing.test.ts)."""
import json
import os
import time

from stateflow_flink.operator import EntityLogic
from stateflow_flink.dedup import Record, expired, issued_at_ms
from stateflow_flink.routing import DEAD, INGRESS, REJECTED, Router, route_key
from fake_state import FakeState

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "..", "ir", "test", "fixtures", "shop.ir.json"), encoding="utf-8") as f:
    PROGRAM = json.load(f)
CONFIG = {"topics": {"ingress": "in", "internal": "loop", "egress": "out", "deadLetter": "dead"}, "replyTopics": ["replies"]}
REPLY = {"channel": "kafka:replies", "id": "c1"}
router = Router(PROGRAM, CONFIG)
passed = 0


def check(cond, what):
    global passed
    assert cond, what
    passed += 1


def event(**kw):
    e = {"requestId": "r1", "seq": 0, "stack": [], "replyTo": REPLY}
    e.update(kw)
    return json.dumps(e)


# Valid requests keep their text, keyed by target or by request id for creates.
invoke = event(kind="Invoke", requestId="r2", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[1], kwargs={})
check(router.admit(invoke) == ("Item/coke", INGRESS, invoke), "invoke admitted")
construct = event(kind="Construct", entity="Item", args=["coke", 1], kwargs={})
check(router.admit(construct)[:2] == ("$construct/r1", INGRESS), "construct keyed by request id")

# Unanswerable records go to the dead-letter topic, with the reason and the record.
for raw, reason in [("not json", "not JSON"), ("[1]", "not a JSON object"), ('{"kind": "Invoke"}', "replyTo"),
                    (b"\xff\xfe", "not UTF-8"), (None, "no value")]:
    key, origin, text = router.admit(raw)
    check(origin == DEAD and reason in json.loads(text)["reason"], "dead letter for %r" % (raw,))
elsewhere = event(kind="Invoke", target={"entity": "Item", "key": "coke"}, method="m", args=[], kwargs={})
elsewhere = elsewhere.replace("kafka:replies", "kafka:unknown")
check(router.admit(elsewhere)[1] == DEAD, "reply topic not allowed")

# Answerable bad requests become error Responses to their replyTo.
for bad, error_type in [
    (event(kind="Reply"), "InvalidRequest"),
    (event(kind="Query", target={"entity": "Item", "key": "coke"}, hops=0), "InvalidRequest"),
    (event(kind="Settle", target={"entity": "Item", "key": "coke"}, response="{}"), "InvalidRequest"),
    (event(kind="Invoke", target={"entity": "Nope", "key": "x"}, method="f"), "UnknownEntity"),
    (event(kind="Invoke", target={"entity": "Item", "key": 1}, method="f"), "InvalidRequest"),
    (event(kind="Invoke", target={"entity": "Item", "key": "k"}, method="f", args={}), "BadArguments"),
    (event(kind="Invoke", target={"entity": "Item", "key": "k"}), "InvalidRequest"),
    (event(kind="Invoke", target={"entity": "Item", "key": "k"}, method="f", stack=[{}]), "InvalidRequest"),
]:
    key, origin, text = router.admit(bad)
    response = json.loads(text)
    check(origin == REJECTED and response["kind"] == "Response" and response["replyTo"] == REPLY
          and response["result"]["error"]["type"] == error_type, "error response %s for %s" % (error_type, bad))



# The call-argument vectors every backend shares (@stateflow/ir request-values.json
# "calls"): the same message whether routing refuses the call or the kernel does.
with open(os.path.join(HERE, "..", "..", "ir", "test", "fixtures", "request-values.json"), encoding="utf-8") as f:
    CALLS = json.load(f)["calls"]
for vector in CALLS["invalid"]:
    text = event(kind="Construct", entity="Item", requestId="calls-" + vector["name"], **vector["call"])
    key, origin, answer = router.admit(text)
    if origin == INGRESS:  # well-formed lists: the values are the kernel's to refuse
        [answer] = EntityLogic(PROGRAM).handle(origin, text, FakeState())[1]
    error = json.loads(answer)["result"]["error"]
    check(error["code"] == "BadArguments" and error["message"] == vector["message"],
          "call vector %r: %r" % (vector["name"], error))
for vector in CALLS["valid"]:
    text = event(kind="Construct", entity="Item", **vector["call"])
    check(router.admit(text)[1] == INGRESS, "call vector %r admitted" % vector["name"])

check(router.response_topic(json.dumps({"replyTo": REPLY})) == "replies", "reply topic from replyTo")
check(route_key({"kind": "Query", "requestId": "q", "target": {"entity": "Item", "key": "coke"}}) == "Item/coke", "a Query goes to its target")
check(route_key({"kind": "Query", "requestId": "q"}) == "$construct/q", "a Query without target goes to the create key")
check(router.response_topic(json.dumps({"replyTo": {"channel": "http", "id": "x"}})) == "out", "default egress")
check(router.topic_of_response({"replyTo": REPLY}) == "replies" and router.topic_of_response({"replyTo": None}) == "out"
      and router.topic_of_response("not an event") == "out", "reply topic from a parsed Response")

# read: admit's answer with the valid request's event as parsed (so the operator parses it once).
admitted = router.read(invoke)
check(tuple(admitted[:3]) == router.admit(invoke) and admitted.event == json.loads(invoke), "read hands out the parsed event")
check(router.read("not json").event is None and router.read(event(kind="Reply")).event is None, "no event for a refused record")


logic = EntityLogic(PROGRAM)
keys = {}

# run: a record's event handed over parsed is not parsed again; what it sends carries its fields.
given = json.loads(event(kind="Construct", entity="Item", args=["pepsi", 1], kwargs={}, requestId="given"))
sent_internal, sent_responses, _ = EntityLogic(PROGRAM).run(INGRESS, "not parsed: the event is given", FakeState(), given)
check([o.event["kind"] for o in sent_internal] == ["Insert"] and json.loads(sent_internal[0].text) == sent_internal[0].event,
      "run takes the parsed event; each event sent has its text and its fields")


def run(origin, text, logic=logic, keys=keys):
    return logic.handle(origin, text, keys.setdefault(route_key(json.loads(text)), FakeState()))


def flow(origin, text, logic=logic, keys=keys):
    """Runs a record and every internal event it leads to; returns all responses, in order."""
    responses = []
    queue = [(origin, text)]
    while queue:
        o, t = queue.pop(0)
        internal, out, _ = run(o, t, logic, keys)
        responses += [json.loads(r) for r in out]
        queue += [("N", i) for i in internal]
    return responses


internal, responses, dead = run(INGRESS, construct)
check(len(internal) == 1 and json.loads(internal[0])["kind"] == "Insert" and not responses, "construct emits Insert")
internal2, responses, _ = run("N", internal[0])
check(json.loads(responses[0])["result"] == {"ok": {"$entity": "Item", "$key": "coke"}}, "insert answers the reference")
check(json.loads(keys["Item/coke"].state)["stock"] == 0, "state stored")
_, responses, _ = run(INGRESS, invoke)
check(json.loads(responses[0])["result"] == {"ok": True}, "invoke runs")
_, again, _ = run(INGRESS, invoke)
check([json.loads(r) for r in again] == [json.loads(r) for r in responses] and json.loads(keys["Item/coke"].state)["stock"] == 1,
      "retry answered from memory, run once")
get = event(kind="GetState", target={"entity": "Item", "key": "coke"}, requestId="g1")
_, responses, _ = run(INGRESS, get)
check(json.loads(responses[0])["result"]["ok"]["stock"] == 1, "GetState")
check("g1" not in keys["Item/coke"].seen, "GetState is not remembered")
_, responses, _ = run(INGRESS, event(kind="GetState", target={"entity": "Item", "key": "nope"}))
check(json.loads(responses[0])["result"]["error"]["code"] == "EntityNotFound", "GetState of a missing instance")
check(logic.handle(REJECTED, "R", FakeState()) == ([], ["R"], []), "rejected forwarded as response")
check(logic.handle(DEAD, "D", FakeState()) == ([], [], ["D"]), "dead letter forwarded")

# -- retries of split methods and creates: a repeated id always gets the outcome ----------
OTHER = {"channel": "kafka:replies", "id": "c2"}
keys2 = {}
logic2 = EntityLogic(PROGRAM)


def req(rid, reply=REPLY, **kw):
    e = {"requestId": rid, "seq": 0, "stack": [], "replyTo": reply}
    e.update(kw)
    return json.dumps(e)


user = req("u1", kind="Construct", entity="User", args=["alice"], kwargs={})
check([r["result"] for r in flow(INGRESS, user, logic2, keys2)] == [{"ok": {"$entity": "User", "$key": "alice"}}], "create user")
item = req("i1", kind="Construct", entity="Item", args=["coke", 1], kwargs={})
flow(INGRESS, item, logic2, keys2)
flow(INGRESS, req("s1", kind="Invoke", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[5], kwargs={}), logic2, keys2)
flow(INGRESS, req("b0", kind="Invoke", target={"entity": "User", "key": "alice"}, method="update_balance", args=[9], kwargs={}), logic2, keys2)
buy = req("buy1", kind="Invoke", target={"entity": "User", "key": "alice"}, method="buy_item",
          args=[2, {"$entity": "Item", "$key": "coke"}], kwargs={})
first = flow(INGRESS, buy, logic2, keys2)
check([r["result"] for r in first] == [{"ok": True}], "split method answered once")
check(Record.parse(keys2["User/alice"].seen["buy1"]).answered, "the later hop recorded the answer at the request's key")
again = flow(INGRESS, buy, logic2, keys2)
check([(r["result"], r["replyTo"]) for r in again] == [({"ok": True}, REPLY)], "retry of a split method after its answer gets it")
other = flow(INGRESS, req("buy1", reply=OTHER, kind="Invoke", target={"entity": "User", "key": "alice"}, method="buy_item",
                          args=[2, {"$entity": "Item", "$key": "coke"}], kwargs={}), logic2, keys2)
check([r["replyTo"] for r in other] == [OTHER], "the stored answer goes to the retry's replyTo")
check(json.loads(keys2["Item/coke"].state)["stock"] == 3, "ran once (stock 5 - 2)")

buy2 = req("buy2", kind="Invoke", target={"entity": "User", "key": "alice"}, method="buy_item",
           args=[1, {"$entity": "Item", "$key": "coke"}], kwargs={})
# A retry while the answer is on its way: a Query follows the request (behind its events) and
# gets the answer where it is made. Nothing runs twice.
internal, out, _ = run(INGRESS, buy2, logic2, keys2)
check(out == [] and len(internal) == 1, "first hop of the split method: a Read, no answer yet")
check(Record.parse(keys2["User/alice"].seen["buy2"]).forward == {"entity": "Item", "key": "coke"},
      "the request's key records where it went")
queries = []
for reply in (REPLY, OTHER):
    more, out, _ = run(INGRESS, buy2.replace(json.dumps(REPLY), json.dumps(reply)), logic2, keys2)
    check(out == [] and [(json.loads(q)["kind"], route_key(json.loads(q))) for q in more] == [("Query", "Item/coke")],
          "a retry meanwhile sends a Query where the request went, and runs nothing")
    queries += more
rest = []
queue = [("N", i) for i in internal + queries]
while queue:
    i2, o2, _ = run(*queue.pop(0), logic=logic2, keys=keys2)
    rest += [json.loads(r) for r in o2]
    queue += [("N", i) for i in i2]
check(sorted((r["replyTo"]["id"], json.dumps(r["result"])) for r in rest) == [("c1", '{"ok": true}'), ("c1", '{"ok": true}'), ("c2", '{"ok": true}')],
      "the answer reaches the first copy and each retry")
check(json.loads(keys2["Item/coke"].state)["stock"] == 2, "ran once (stock 3 - 1)")

# Creates: answered at the new instance's key, settled back at $construct/<requestId>.
internal, out, _ = run(INGRESS, item.replace('"i1"', '"i2"').replace('"coke"', '"pepsi"'), logic2, keys2)
_, out, _ = run(INGRESS, item.replace('"i1"', '"i2"').replace('"coke"', '"pepsi"').replace(json.dumps(REPLY), json.dumps(OTHER)), logic2, keys2)
check(out == [], "retry of a create while pending waits")
settle_internal, out, _ = run("N", internal[0], logic2, keys2)
check([json.loads(r)["replyTo"] for r in out] == [REPLY] and json.loads(settle_internal[0])["kind"] == "Settle", "insert answers and settles")
_, out, _ = run("N", settle_internal[0], logic2, keys2)
check([(json.loads(r)["replyTo"], json.loads(r)["result"]) for r in out] == [(OTHER, {"ok": {"$entity": "Item", "$key": "pepsi"}})],
      "the settle answers the waiting retry")
again = flow(INGRESS, item.replace('"i1"', '"i2"').replace('"coke"', '"pepsi"'), logic2, keys2)
check([r["result"] for r in again] == [{"ok": {"$entity": "Item", "$key": "pepsi"}}], "retry of a create after its answer gets it")
exists = flow(INGRESS, item.replace('"i1"', '"i3"'), logic2, keys2)
check(exists[0]["result"]["error"]["code"] == "EntityExists", "a new create of an existing key")
check(flow(INGRESS, item.replace('"i1"', '"i3"'), logic2, keys2)[0]["result"]["error"]["code"] == "EntityExists", "its retry: the same error")

# -- detached continuations: an answer produced at the callee carries ``origin`` ---------------
# Hand-made kernel outputs (as Kernel(program, resume_detached=True) makes them): User/alice's
# split method calls Item/coke, whose hop runs alice's detached resume block and answers.
ALICE = {"entity": "User", "key": "alice"}


class ScriptedKernel:
    """Stands in for the kernel: the output of each event comes from ``script``; counts the runs."""

    def __init__(self, script):
        self.script = script
        self.runs = []

    def process(self, event, state):
        self.runs.append(event["kind"])
        return self.script(event, state)

    def fail(self, event, error):
        raise AssertionError("no failure expected: %r" % (error,))


def detached_script(origin=ALICE):
    def script(event, state):
        base = {"requestId": event["requestId"], "replyTo": event["replyTo"]}
        if event["kind"] == "Invoke" and event["target"]["entity"] == "User":
            frame = {"entity": "User", "key": "alice", "method": "pay", "resume": "b1", "resultVar": "r", "env": {}}
            return {"state": {"balance": 1}, "out": [dict(base, kind="Invoke", seq=1, target={"entity": "Item", "key": "coke"},
                                                           method="take", args=[], kwargs={}, stack=[frame])]}
        response = dict(base, kind="Response", seq=event["seq"] + 1, stack=[], result={"ok": "paid"})
        if origin is not None:
            response["origin"] = origin
        return {"state": {"stock": 1}, "out": [response]}
    return script


def detached_logic(dedup=True, origin=ALICE):
    logic = EntityLogic(PROGRAM, dedup=dedup)
    logic.kernel = ScriptedKernel(detached_script(origin))
    return logic, {}


def now_id():
    """A UUIDv7 dated a minute ahead: later than any logic's start, even one made after it on a
    slow machine (no Settle for old versions' records), and well inside the clock-skew margin."""
    ms = int(time.time() * 1000) + 60_000
    h = "%012x" % ms
    return "%s-%s-7abc-8def-0123456789ab" % (h[:8], h[8:])


PAY = now_id()
pay = req(PAY, kind="Invoke", target=ALICE, method="pay", args=[], kwargs={})
d_logic, d_keys = detached_logic()
internal, out, _ = run(INGRESS, pay, d_logic, d_keys)
check(out == [] and [route_key(json.loads(i)) for i in internal] == ["Item/coke"], "the first hop calls the callee")
check(Record.parse(d_keys["User/alice"].seen[PAY]).forward == {"entity": "Item", "key": "coke"},
      "origin records where the request went")
more, out, _ = run("N", internal[0], d_logic, d_keys)
check([(json.loads(r)["replyTo"], json.loads(r)["result"]) for r in out] == [(REPLY, {"ok": "paid"})] and more == [],
      "the callee answers the client directly, and sends no Settle")
at_coke = Record.parse(d_keys["Item/coke"].seen[PAY])
check(at_coke.answered and at_coke.lookup and not at_coke.keep, "the callee records the answer (a lookup-only record)")

# Dedup off: nothing is remembered anywhere.
n_logic, n_keys = detached_logic(dedup=False)
internal, _, _ = run(INGRESS, pay, n_logic, n_keys)
internal, out, _ = run("N", internal[0], n_logic, n_keys)
check(internal == [] and len(out) == 1 and "origin" in json.loads(out[0]), "dedup off: the answer, no Settle")
check(all(k.seen == {} for k in n_keys.values()), "dedup off: no records")

# A nested create whose caller's continuation was detached: answered at the new instance, no Settle.
i_logic = EntityLogic(PROGRAM)
i_logic.kernel = ScriptedKernel(lambda event, state: {"state": {}, "out": [
    {"kind": "Response", "requestId": event["requestId"], "seq": event["seq"] + 1, "stack": [],
     "replyTo": event["replyTo"], "result": {"ok": 1}, "origin": ALICE}]})
insert = req(now_id(), kind="Insert", seq=3, target={"entity": "Item", "key": "fanta"}, state={}, stack=[])
internal, out, _ = run("N", insert, i_logic, {})
check(internal == [] and len(out) == 1, "an Insert's detached answer: no Settle")
check(route_key(json.loads(settle_internal[0])) == "$construct/i2" and "target" not in json.loads(settle_internal[0]),
      "a create's Settle has no target and goes to $construct/<requestId>")

# The same with the real kernel (EntityLogic runs it with resume_detached=True): Bank.transfer's
# last block (``return [a, b, c]``) is detached, so the last deposit's hop answers the client:
# bank -> B -> bank -> A -> bank -> B, each pass leaving the request's record where it ran.
with open(os.path.join(HERE, "..", "..", "conformance", "scenarios", "kwargs-defaults", "remote-call-with-kwargs",
                       "program.ir.json"), encoding="utf-8") as f:
    BANK = json.load(f)["program"]
b_logic, b_keys = EntityLogic(BANK), {}
for rid, create in (("cA", dict(entity="Account", args=["A"], kwargs={"balance": 100})),
                    ("cB", dict(entity="Account", args=["B"], kwargs={})), ("cK", dict(entity="Bank", args=["bank"], kwargs={}))):
    check(len(flow(INGRESS, req(rid, kind="Construct", **create), b_logic, b_keys)) == 1, "create %s" % rid)
TR1 = now_id()
transfer = req(TR1, kind="Invoke", target={"entity": "Bank", "key": "bank"}, method="transfer",
               args=[{"$entity": "Account", "$key": "A"}, {"$entity": "Account", "$key": "B"}, 30], kwargs={})
hops, answers, queue = [], [], [(INGRESS, transfer)]
while queue:
    o, t = queue.pop(0)
    hops.append((json.loads(t)["kind"], route_key(json.loads(t))))
    internal, out, _ = run(o, t, b_logic, b_keys)
    answers += [(route_key(json.loads(t)), json.loads(r)) for r in out]
    queue += [("N", i) for i in internal]
check([(at, r["result"], r.get("origin")) for at, r in answers] == [("Account/B", {"ok": [70, 29, 29]}, {"entity": "Bank", "key": "bank"})],
      "real kernel: the last callee answers, with origin")
check(hops == [("Invoke", "Bank/bank"), ("Read", "Account/B"), ("Reply", "Bank/bank"), ("Invoke", "Account/A"), ("Reply", "Bank/bank"), ("Invoke", "Account/B"), ("Reply", "Bank/bank"),
               ("Invoke", "Account/B")],
      "real kernel: no Reply back to the bank after the last call, and no Settle")
check(Record.parse(b_keys["Bank/bank"].seen[TR1]).forward == {"entity": "Account", "key": "B"}, "real kernel: the bank's record points at B")
check(json.loads(Record.parse(b_keys["Account/B"].seen[TR1]).response)["result"] == {"ok": [70, 29, 29]}, "real kernel: recorded at B")
retry = flow(INGRESS, transfer, b_logic, b_keys)
check([r["result"] for r in retry] == [{"ok": [70, 29, 29]}] and json.loads(b_keys["Account/B"].state)["balance"] == 29,
      "real kernel: a retry gets the stored answer through a Query, runs once")

# resumeDetached: false (EntityLogic(resume_detached=False)): the answer comes from the bank
# after a Reply, with no origin and no Settle, the same answer.
n_logic, n_keys = EntityLogic(BANK, resume_detached=False), {}
for rid, create in (("cA", dict(entity="Account", args=["A"], kwargs={"balance": 100})),
                    ("cB", dict(entity="Account", args=["B"], kwargs={})), ("cK", dict(entity="Bank", args=["bank"], kwargs={}))):
    flow(INGRESS, req(rid, kind="Construct", **create), n_logic, n_keys)
hops, answers, queue = [], [], [(INGRESS, transfer)]
while queue:
    o, t = queue.pop(0)
    hops.append((json.loads(t)["kind"], route_key(json.loads(t))))
    internal, out, _ = run(o, t, n_logic, n_keys)
    answers += [(route_key(json.loads(t)), json.loads(r)) for r in out]
    queue += [("N", i) for i in internal]
check([(at, r["result"], r.get("origin")) for at, r in answers] == [("Bank/bank", {"ok": [70, 29, 29]}, None)],
      "resume_detached=False: the bank answers, without origin")
check(hops[-2:] == [("Invoke", "Account/B"), ("Reply", "Bank/bank")] and all(k != "Settle" for k, _ in hops),
      "resume_detached=False: a Reply back to the bank, no Settle")

# Old records (an earlier version's "" and bare Response text) are still understood.
check(not Record.parse("").answered and Record.parse(json.dumps({"kind": "Response", "result": {"ok": 1}})).answered, "old records")

# Records as compact entries: an answer without what a retry's copy rebuilds; every form reads back.
answer = {"kind": "Response", "requestId": "e1", "seq": 3, "stack": [], "replyTo": REPLY, "result": {"ok": [1, "x"]},
          "origin": {"entity": "Bank", "key": "bank"}}
entries = [
    (Record(response=json.dumps(answer), answer=answer, lookup=True), {"res": {"seq": 3, "result": {"ok": [1, "x"]}, "origin": {"entity": "Bank", "key": "bank"}}, "l": 1}),
    (Record(response=json.dumps(answer)), {"res": {"seq": 3, "result": {"ok": [1, "x"]}, "origin": {"entity": "Bank", "key": "bank"}}}),
    (Record(forward={"entity": "Item", "key": "coke"}, keep=True), {"fwd": {"entity": "Item", "key": "coke"}, "k": 1}),
    (Record(forward="$construct"), {"fwd": "$construct"}),
    (Record(reply_to=REPLY, waiting=[{"channel": "kafka:replies", "id": "c2"}]), {"to": REPLY, "wait": [{"channel": "kafka:replies", "id": "c2"}]}),
    (Record(reply_to=None), {"to": None}),
]
for record, entry in entries:
    check(record.entry() == entry, "entry of %s" % record.dumps())
    back = Record.parse(json.dumps(entry), "e1")
    check((back.answered, back.forward, back.reply_to, back.waiting, back.keep, back.lookup)
          == (record.answered, record.forward, record.reply_to, record.waiting, record.keep, record.lookup), "entry %s reads back" % entry)
    if record.answered:
        rebuilt = json.loads(back.response)
        check(rebuilt == dict(answer, replyTo=None), "the answer is rebuilt whole (replyTo is each copy's own)")
    old = Record.parse(record.dumps(), "e1")  # the record's text, as earlier versions stored it
    check((old.answered, old.forward, old.keep, old.lookup) == (record.answered, record.forward, record.keep, record.lookup),
          "the record's text reads back too")
check(len(json.dumps(entries[0][0].entry(), separators=(",", ":"))) * 2 < len(entries[0][0].dumps()), "an entry is much smaller than the text")

# -- the dedup TTL: a dated request id (UUIDv7) older than the TTL never runs -------------
NOW = 1_800_000_000_000


def uuid7(ms):
    h = "%012x" % ms
    return "%s-%s-7abc-8def-0123456789ab" % (h[:8], h[8:])


check(issued_at_ms(uuid7(NOW)) == NOW and issued_at_ms("r1") is None and issued_at_ms("0189f0a0-0000-4000-8000-000000000000") is None,
      "only UUIDv7 ids are dated")
check(not expired(uuid7(NOW - 3000_000), 3600, NOW) and expired(uuid7(NOW - 3500_000), 3600, NOW), "expired past TTL minus margin")
check(not expired(uuid7(NOW - 10**9), 0, NOW), "no TTL: never expired")
timed = EntityLogic(PROGRAM, ttl_seconds=3600, clock=lambda: NOW / 1000)
keys3 = {}
flow(INGRESS, user, timed, keys3)
old = req(uuid7(NOW - 2 * 3600_000), kind="Invoke", target={"entity": "User", "key": "alice"}, method="update_balance", args=[5], kwargs={})
answer = flow(INGRESS, old, timed, keys3)
check(answer[0]["result"]["error"]["code"] == "RequestExpired" and json.loads(keys3["User/alice"].state)["balance"] == 1,
      "a retry older than the TTL is refused, not run")
fresh = req(uuid7(NOW - 1000), kind="Invoke", target={"entity": "User", "key": "alice"}, method="update_balance", args=[5], kwargs={})
flow(INGRESS, fresh, timed, keys3)
check(keys3["User/alice"].kept[uuid7(NOW - 1000)] is False, "a dated id is forgotten after the TTL")
undated = req("my-own-id", kind="Invoke", target={"entity": "User", "key": "alice"}, method="update_balance", args=[5], kwargs={})
flow(INGRESS, undated, timed, keys3)
check(keys3["User/alice"].kept["my-own-id"] is True, "an undated id is kept for good")
# RequestRecords: the fewest map reads per lookup (a miss is a round trip to the JVM in PyFlink).
from stateflow_flink.dedup import RequestRecords  # noqa: E402


class CountingMap:
    def __init__(self):
        self.data, self.reads = {}, 0

    def get(self, k):
        self.reads += 1
        return self.data.get(k)

    def put(self, k, v):
        self.data[k] = v


class Flag:
    def __init__(self, v=None):
        self.v = v

    def value(self):
        return self.v

    def update(self, v):
        self.v = v


DATED = "0190a3c4-5e6f-7a1b-8c2d-3e4f5a6b7c8d"
DATED_2 = "0190a3c4-5e6f-7a1b-8c2d-3e4f5a6b7c8e"
seen_map, kept_map, flag = CountingMap(), CountingMap(), Flag()
records = RequestRecords(seen_map, kept_map, flag)
check(records.get("plain-id") is None and seen_map.reads == 0 and kept_map.reads == 1, "an undated id reads the kept map only")
records.put("plain-id", "r", True)
check(kept_map.data == {"plain-id": "r"} and flag.v is False, "an undated id is kept; the key is marked as written by this version")
check(records.get(DATED) is None and (seen_map.reads, kept_map.reads) == (1, 1), "a new dated id reads one map")
records.put(DATED, "d", False)
check(seen_map.data == {DATED: "d"} and records.get(DATED) == "d", "a dated id is in the expiring map")
records.put(DATED_2, "far", True)
check(flag.v is True and kept_map.data[DATED_2] == "far", "a dated id kept for good marks the key")
check(records.get(DATED_2) == "far", "and is found in the kept map")
old_seen, old_kept = CountingMap(), CountingMap()
old_kept.data[DATED] = "from an earlier version"
check(RequestRecords(old_seen, old_kept, Flag(None)).get(DATED) == "from an earlier version", "state of an earlier version: both maps are read")
one = CountingMap()
single = RequestRecords(one, one)
single.put("x", "1", True)
check(single.get("x") == "1" and one.reads == 1, "without a TTL there is one map")

print("ok %d" % passed)
