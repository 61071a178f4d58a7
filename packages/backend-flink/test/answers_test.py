"""Answers stay where they are made: stateflow_flink.operator's records, Query and Settle, with
a plain Python (run by answers.test.ts). See the operator module's docstring for the contract."""
import json
import os
import random
import time
from collections import deque

from stateflow_flink.dedup import CONSTRUCT_ADDRESS, Record
from stateflow_flink.operator import MAX_QUERY_HOPS, EntityLogic, query_event
from stateflow_flink.routing import INGRESS, INTERNAL, route_key
from fake_state import FakeState

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "..", "conformance", "scenarios", "kwargs-defaults", "remote-call-with-kwargs",
                       "program.ir.json"), encoding="utf-8") as f:
    BANK = json.load(f)["program"]  # Bank.transfer: bank -> B -> bank -> A -> bank -> B -> bank -> B (detached answer)
with open(os.path.join(HERE, "..", "..", "ir", "test", "fixtures", "shop.ir.json"), encoding="utf-8") as f:
    SHOP = json.load(f)
REPLY = {"channel": "kafka:replies", "id": "c1"}
passed = 0


def check(cond, what):
    global passed
    assert cond, what
    passed += 1




def dated(offset_ms=60_000):
    """A UUIDv7 dated ``offset_ms`` from now (by default a minute ahead: later than the logic's start
    however slow the machine, so no Settle for earlier versions, and inside the clock-skew margin)."""
    h = "%012x" % (int(time.time() * 1000) + offset_ms)
    return "%s-%s-7%03x-8%03x-%012x" % (h[:8], h[8:], random.getrandbits(12), random.getrandbits(12), random.getrandbits(48))


def req(rid, reply=REPLY, **kw):
    e = {"requestId": rid, "seq": 0, "stack": [], "replyTo": reply}
    e.update(kw)
    return json.dumps(e)


def client(n):
    return {"channel": "kafka:replies", "id": "c%d" % n}


class Counting:
    """Wraps a kernel, counting the events it runs."""

    def __init__(self, kernel):
        self.kernel, self.runs = kernel, 0

    def process(self, event, state):
        self.runs += 1
        return self.kernel.process(event, state)

    def fail(self, event, error):
        return self.kernel.fail(event, error)


class Network:
    """Keys with their state, and one FIFO channel per (sender, receiver) pair: the order the
    engines keep (see the operator's docstring). ``step`` delivers the head of a random channel,
    so events of different pairs interleave in every way the engines allow."""

    def __init__(self, logic, seed=0):
        self.logic = logic
        self.keys = {}
        self.channels = {}
        self.answers = []  # (where answered, Response dict)
        self.passes = []   # (kind, key) of every event run
        self.rng = random.Random(seed)

    def send(self, sender, origin, text):
        to = route_key(json.loads(text))
        self.channels.setdefault((sender, to), deque()).append((origin, text))

    def client_sends(self, text):
        self.send("client", INGRESS, text)

    def step(self):
        busy = [pair for pair, q in self.channels.items() if q]
        pair = self.rng.choice(sorted(busy))
        origin, text = self.channels[pair].popleft()
        key = pair[1]
        self.passes.append((json.loads(text)["kind"], key))
        internal, responses, dead = self.logic.handle(origin, text, self.keys.setdefault(key, FakeState()))
        assert dead == []
        for event in internal:
            self.send(key, INTERNAL, event)
        self.answers += [(key, json.loads(r)) for r in responses]

    def idle(self):
        return not any(self.channels.values())

    def drain(self):
        while not self.idle():
            self.step()

    def record(self, key, rid):
        text = self.keys[key].seen.get(rid) if key in self.keys else None
        return Record.parse(text) if text is not None else None


def bank(seed=0, dedup=True):
    logic = EntityLogic(BANK, dedup=dedup)
    logic.kernel = Counting(logic.kernel)
    net = Network(logic, seed)
    for create in (dict(entity="Account", args=["A"], kwargs={"balance": 100}), dict(entity="Account", args=["B"], kwargs={}),
                   dict(entity="Bank", args=["bank"], kwargs={})):
        net.client_sends(req(dated(), kind="Construct", **create))
    net.drain()
    net.answers = []
    net.passes = []
    return net


def transfer(rid, reply=REPLY):
    return req(rid, reply, kind="Invoke", target={"entity": "Bank", "key": "bank"}, method="transfer",
               args=[{"$entity": "Account", "$key": "A"}, {"$entity": "Account", "$key": "B"}, 30], kwargs={})


def balances(net):
    return [json.loads(net.keys["Account/" + k].state)["balance"] for k in "AB"]


# -- a transfer's passes, and where the records are -------------------------------------------
net = bank()
T1 = dated()
net.client_sends(transfer(T1))
net.drain()
check([(at, r["result"]) for at, r in net.answers] == [("Account/B", {"ok": [70, 29, 29]})], "the last callee answers the client")
check(all(kind != "Settle" for kind, _ in net.passes), "no Settle: %r" % net.passes)
check(net.passes == [("Invoke", "Bank/bank"), ("Read", "Account/B"), ("Reply", "Bank/bank"), ("Invoke", "Account/A"), ("Reply", "Bank/bank"),
                    ("Invoke", "Account/B"), ("Reply", "Bank/bank"), ("Invoke", "Account/B")], "the kernel's passes, none added: %r" % net.passes)
first = net.record("Bank/bank", T1)
check(first.forward == {"entity": "Account", "key": "B"} and not first.lookup, "the first key: forward to where the request went last")
check(net.record("Account/A", T1).forward == {"entity": "Bank", "key": "bank"} and net.record("Account/A", T1).lookup,
      "each callee: a lookup-only record of where it sent the request")
at_b = net.record("Account/B", T1)
check(at_b.answered and at_b.lookup and not at_b.keep and json.loads(at_b.response)["result"] == {"ok": [70, 29, 29]},
      "the answer stays at B, in a lookup-only record")

# -- a retry after the answer: a Query fetches it, nothing runs -------------------------------
runs = net.logic.kernel.runs
net.answers, net.passes = [], []
net.client_sends(transfer(T1, client(2)))
net.drain()
check(net.passes == [("Invoke", "Bank/bank"), ("Query", "Account/B")], "the retry's Query goes straight to B: %r" % net.passes)
check([(r["replyTo"], r["result"]) for _, r in net.answers] == [(client(2), {"ok": [70, 29, 29]})], "the retry gets the answer at its replyTo")
check(net.logic.kernel.runs == runs and balances(net) == [70, 29], "and nothing ran")

# -- retries while the request is in flight, in every order the engines allow -----------------
# The chain visits the bank four times, between B, A and B again (A -> B -> A -> C).
for seed in range(60):
    net = bank(seed)
    rid = dated()
    net.client_sends(transfer(rid))
    retries = 0
    while not net.idle():
        if net.rng.random() < 0.3 and retries < 4:
            retries += 1
            net.client_sends(transfer(rid, client(10 + retries)))
        net.step()
    results = sorted((r["replyTo"]["id"], json.dumps(r["result"])) for _, r in net.answers)
    expected = sorted([("c1", '{"ok": [70, 29, 29]}')] + [("c%d" % (10 + i), '{"ok": [70, 29, 29]}') for i in range(1, retries + 1)])
    check(results == expected, "seed %d: every copy gets the outcome, none RequestExpired: %r" % (seed, results))
    check(balances(net) == [70, 29], "seed %d: ran once" % seed)

# -- a Query never runs anything; its hops are bounded; no record: RequestExpired ---------------
net = bank()
rid = dated()
net.keys["Account/A"].seen[rid] = Record(forward={"entity": "Account", "key": "B"}, lookup=True).dumps()
net.keys["Account/B"].seen[rid] = Record(forward={"entity": "Account", "key": "A"}, lookup=True).dumps()
runs = net.logic.kernel.runs
net.send("x", INTERNAL, query_event(rid, client(3), {"entity": "Account", "key": "A"}, 1))
net.drain()
check(len(net.passes) == MAX_QUERY_HOPS and all(k == "Query" for k, _ in net.passes), "a Query follows at most %d records" % MAX_QUERY_HOPS)
[(_, stop)] = net.answers
check(stop["result"]["error"]["code"] == "Unavailable" and "retry later" in stop["result"]["error"]["message"]
      and stop["replyTo"] == client(3), "then gives up: Unavailable (retry later)")
check(net.logic.kernel.runs == runs, "a Query never runs the kernel")
net.answers = []
net.send("x", INTERNAL, query_event("never-here", client(4), {"entity": "Account", "key": "A"}, 1))
net.drain()
[(_, miss)] = net.answers
check(miss["result"]["error"]["code"] == "RequestExpired" and miss["replyTo"] == client(4)
      and "Account/A no longer remembers" in miss["result"]["error"]["message"]
      and "read the state" in miss["result"]["error"]["message"], "no record: RequestExpired, saying what to do")
check("never-here" not in net.keys["Account/A"].seen, "and leaves nothing behind")

# -- dedup off: no records, no Query, no Settle ------------------------------------------------
net = bank(dedup=False)
rid = dated()
net.client_sends(transfer(rid))
net.drain()
check(all(k.seen == {} for k in net.keys.values()), "dedup off: no records anywhere")
check([k for k, _ in net.passes] == ["Invoke", "Read", "Reply", "Invoke", "Reply", "Invoke", "Reply", "Invoke"], "dedup off: the same passes")

# -- undated ids: kept for good where they start, never elsewhere -------------------------------
ttl_logic = EntityLogic(BANK, ttl_seconds=3600)
net = Network(ttl_logic)
for create in (dict(entity="Account", args=["A"], kwargs={"balance": 100}), dict(entity="Account", args=["B"], kwargs={}),
               dict(entity="Bank", args=["bank"], kwargs={})):
    net.client_sends(req(dated(), kind="Construct", **create))
net.drain()
net.client_sends(transfer("my-transfer"))
net.drain()
check(net.keys["Bank/bank"].kept["my-transfer"] is True, "an undated id is kept for good at its first key")
check(net.keys["Account/A"].kept["my-transfer"] is False and net.keys["Account/B"].kept["my-transfer"] is False,
      "but not at the callees (lookup-only records may be forgotten)")
check(Record.parse(net.keys["Bank/bank"].seen["my-transfer"]).keep, "the first key's record keeps its keep flag across passes")

# -- records of an earlier version, and Settle events already in flight ------------------------
# A request admitted by an earlier version has a pending record (with retries waiting) at its
# first key. Its later passes here answer the waiting retries, or send each a Query.
def old_pending_at_bank(net, rid, waiting):
    net.keys["Bank/bank"].seen[rid] = Record(reply_to=REPLY, waiting=waiting, keep=True).dumps()


net = bank()
net.logic = EntityLogic(BANK, resume_detached=False)  # the bank's last pass answers
old = dated(-60_000)  # made before this logic started
net.client_sends(transfer(old))
for _ in range(8):  # up to the last Reply to the bank
    net.step()
old_pending_at_bank(net, old, [client(5)])
net.step()
check(net.idle() and sorted((r["replyTo"]["id"], json.dumps(r["result"])) for _, r in net.answers)
      == [("c1", '{"ok": [70, 29, 29]}'), ("c5", '{"ok": [70, 29, 29]}')], "a pass that answers also answers the waiting retries")
after = Record.parse(net.keys["Bank/bank"].seen[old])
check(after.answered and after.keep and not after.lookup, "and records the answer, still kept, still the first key's")

net = bank()
old2 = dated(-60_000)
net.client_sends(transfer(old2))
net.step()
old_pending_at_bank(net, old2, [client(6)])
net.step()  # Read at B
net.step()  # Reply at the bank: forwards to A, and sends the waiting retry a Query behind the request
check(Record.parse(net.keys["Bank/bank"].seen[old2]).forward == {"entity": "Account", "key": "A"}, "a pass that forwards records the forward")
check([json.loads(t)["kind"] for _, t in net.channels[("Bank/bank", "Account/A")]] == ["Invoke", "Query"],
      "and sends each waiting retry a Query behind the request")
net.drain()
check(sorted(r["replyTo"]["id"] for _, r in net.answers) == ["c1", "c6"] and balances(net) == [70, 29], "both get the answer; ran once")

# A Settle sent by the earlier version answers the waiting retries and records the answer.
settle_net = bank()
old3 = dated(-60_000)
settle_net.keys["Bank/bank"].seen[old3] = Record(reply_to=REPLY, waiting=[client(7)], keep=True).dumps()
answer = json.dumps({"kind": "Response", "requestId": old3, "seq": 9, "stack": [], "replyTo": REPLY, "result": {"ok": "done"}})
settle = json.dumps({"kind": "Settle", "requestId": old3, "seq": 10, "stack": [], "target": {"entity": "Bank", "key": "bank"},
                     "replyTo": REPLY, "response": answer})
_, out, _ = settle_net.logic.handle(INTERNAL, settle, settle_net.keys["Bank/bank"])
check([(json.loads(r)["replyTo"], json.loads(r)["result"]) for r in out] == [(client(7), {"ok": "done"})], "an in-flight Settle answers the waiting retry")
after = Record.parse(settle_net.keys["Bank/bank"].seen[old3])
check(after.answered and after.keep, "and records the answer, keeping its keep flag")
_, out, _ = settle_net.logic.handle(INTERNAL, settle, settle_net.keys["Bank/bank"])
check(out == [], "a second copy answers nobody again")
_, out, _ = settle_net.logic.handle(INTERNAL, settle, FakeState())
check(out == [], "a Settle where nothing is remembered does nothing")

# A detached answer of a request the earlier version may have admitted (made before this started,
# or undated) still sends a Settle to origin, whose pending record waits for it.
for make_id, settles in ((lambda: dated(-60_000), True), (lambda: "undated-id", True), (dated, False)):
    net = bank()
    rid = make_id()  # made after the logic started (unless dated back)
    net.client_sends(transfer(rid))
    net.drain()
    check((("Settle", "Bank/bank") in net.passes) == settles, "%s: Settle to origin %s" % (rid, "sent" if settles else "not sent"))
    if settles:
        check(Record.parse(net.keys["Bank/bank"].seen[rid]).answered, "%s: the answer recorded at origin" % rid)

# -- a request whose next event is a create: forward to its create key -------------------------
ALICE = {"entity": "User", "key": "alice"}


class NestedCreate:
    """User/alice creates Item/kiwi; the Insert's hop runs alice's detached block and answers."""

    def process(self, event, state):
        base = {"requestId": event["requestId"], "replyTo": event["replyTo"]}
        frame = {"entity": "User", "key": "alice", "method": "make", "resume": "b1", "resultVar": "r", "env": {}}
        if event["kind"] == "Invoke":
            return {"state": {"n": 1}, "out": [dict(base, kind="Construct", seq=1, entity="Item", args=["kiwi", 1], kwargs={}, stack=[frame])]}
        if event["kind"] == "Construct":
            return {"out": [dict(base, kind="Insert", seq=2, target={"entity": "Item", "key": "kiwi"}, state={"stock": 1}, stack=[frame])]}
        return {"state": event["state"], "out": [dict(base, kind="Response", seq=3, stack=[], result={"ok": "kiwi"}, origin=ALICE)]}

    def fail(self, event, error):
        raise AssertionError(error)


nested = EntityLogic(SHOP)
nested.kernel = NestedCreate()
net = Network(nested)
MAKE = dated()
make = req(MAKE, kind="Invoke", target=ALICE, method="make", args=[], kwargs={})
net.client_sends(make)
net.drain()
check(net.passes == [("Invoke", "User/alice"), ("Construct", "$construct/" + MAKE), ("Insert", "Item/kiwi")], "three passes, no Settle")
check(net.record("User/alice", MAKE).forward == CONSTRUCT_ADDRESS and net.record("$construct/" + MAKE, MAKE).forward == {"entity": "Item", "key": "kiwi"},
      "alice forwards to the create key, which forwards to the new instance")
net.answers, net.passes = [], []
net.client_sends(make.replace(json.dumps(REPLY), json.dumps(client(8))))
net.drain()
check(net.passes == [("Invoke", "User/alice"), ("Query", "$construct/" + MAKE), ("Query", "Item/kiwi")], "the retry's Query follows them")
check([(r["replyTo"], r["result"]) for _, r in net.answers] == [(client(8), {"ok": "kiwi"})], "and gets the answer")

# A client's create keeps its Settle: pending at $construct/<id> until the Insert's answer comes back.
shop = EntityLogic(SHOP)
net = Network(shop)
CREATE = dated()
create = req(CREATE, kind="Construct", entity="Item", args=["tea", 2], kwargs={})
net.client_sends(create)
net.step()
check(net.record("$construct/" + CREATE, CREATE).pending, "a create's record is pending")
net.client_sends(create.replace(json.dumps(REPLY), json.dumps(client(2))))
net.step()
check(net.answers == [] and net.record("$construct/" + CREATE, CREATE).waiting == [client(2)], "its retry waits (no Query)")
net.drain()
check(("Settle", "$construct/" + CREATE) in net.passes, "the Insert's hop settles the create's key")
check(sorted(r["replyTo"]["id"] for _, r in net.answers) == ["c1", "c2"] and net.record("$construct/" + CREATE, CREATE).answered,
      "both copies get the answer, recorded at the create's key")
# A Query that reaches a pending record waits there like a retry.
pending_state = FakeState()
pending_state.seen["p-id"] = Record(reply_to=REPLY).dumps()
more, out, _ = shop.handle(INTERNAL, query_event("p-id", client(3), CONSTRUCT_ADDRESS, 1), pending_state)
check(more == [] and out == [] and Record.parse(pending_state.seen["p-id"]).waiting == [client(3)], "a Query at a pending record waits for its Settle")

# A read (an Invoke of a read-only method, answered where it started, nothing sent, the state
# unchanged) is recorded by default (the Flink job: a retry gets the first answer); with
# ``record_reads=False`` (the Statefun service) it leaves no record and a retry runs it again.
# A read-only method that calls another instance (Bank.transfer) is recorded either way.
READ_SHOP = json.loads(json.dumps(SHOP))
READ_SHOP["module"]["source"] = READ_SHOP["module"]["source"].replace(
    "    def __key__(self):\n        return self.item_name",
    "    def stock_of(self) -> int:\n        return self.stock\n\n    def __key__(self):\n        return self.item_name", 1)
ITEM = next(e for e in READ_SHOP["entities"] if e["name"] == "Item")
ITEM["methods"].append({**ITEM["methods"][0], "name": "stock_of", "params": [], "returns": {"kind": "Int"}, "writes": False})
read_event = req("read-1", kind="Invoke", target={"entity": "Item", "key": "coke"}, method="stock_of", args=[], kwargs={})
for record_reads in (True, False):
    item = FakeState()
    item.state = json.dumps({"item_name": "coke", "stock": 3, "price": 2})
    logic = EntityLogic(READ_SHOP, record_reads=record_reads)
    _, out, _ = logic.handle(INGRESS, read_event, item)
    check([json.loads(r)["result"] for r in out] == [{"ok": 3}], "a read is answered (record_reads=%s)" % record_reads)
    check(("read-1" in item.seen) == record_reads, "a read is recorded only with record_reads (%s)" % record_reads)
    item.state = json.dumps({"item_name": "coke", "stock": 4, "price": 2})
    _, out, _ = logic.handle(INGRESS, read_event, item)
    check([json.loads(r)["result"] for r in out] == [{"ok": 3 if record_reads else 4}],
          "its retry: the first answer with record_reads, else the state as it is then (%s)" % record_reads)
net = Network(EntityLogic(BANK, record_reads=False))
for create in (dict(entity="Account", args=["A"], kwargs={"balance": 100}), dict(entity="Account", args=["B"], kwargs={}),
               dict(entity="Bank", args=["bank"], kwargs={})):
    net.client_sends(req(dated(), kind="Construct", **create))
net.drain()
T9 = dated()
net.client_sends(transfer(T9))
net.drain()
check(net.record("Bank/bank", T9).forward == {"entity": "Account", "key": "B"},
      "record_reads=False: a read-only method that calls other instances still records where it went")

print("ok %d" % passed)
