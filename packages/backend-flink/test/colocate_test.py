"""Tests of stateflow_flink.colocate with a plain Python (run by colocate.test.ts)."""
import json
import time
import os

from stateflow_flink.colocate import LocalHops, row_key_hash, subtask_of
from stateflow_flink.operator import EntityLogic, texts
from stateflow_flink.routing import INGRESS, INTERNAL, route_key
from fake_state import FakeState

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "..", "ir", "test", "fixtures", "shop.ir.json"), encoding="utf-8") as f:
    PROGRAM = json.load(f)
REPLY = {"channel": "kafka:replies", "id": "c1"}
passed = 0


def check(cond, what):
    global passed
    assert cond, what
    passed += 1


# Flink's own answers (KeyGroupRangeAssignment over Row.of(key), Flink 2.3, max parallelism 128):
# key -> (Row hashCode, owner at parallelism 2, owner at parallelism 4).
FLINK = {
    "Account/acct1": (-1118514118, 0, 0),
    "Account/acct2": (-1118514117, 0, 1),
    "x": (182, 0, 1),
    "$construct/abc": (1527763140, 0, 1),
    "\u00dcn\u00efcode/\U0001F600": (-671385018, 1, 3),
}
for key, (hash_code, p2, p4) in FLINK.items():
    check(row_key_hash(key) == hash_code, "Row hashCode of %r" % key)
    check(subtask_of(key, 128, 2) == p2 and subtask_of(key, 128, 4) == p4, "owner of %r" % key)
    check(subtask_of(key, 128, 1) == 0, "one subtask owns everything")




class Subtask:
    """One subtask's keyed state (a dict of FakeState by key) and its LocalHops."""

    def __init__(self, parallelism, index):
        self.keys = {}
        self.current = None
        self.logic = EntityLogic(PROGRAM)
        self.switches = []
        self.hops = LocalHops(128, parallelism, index, handle=self.run, switch=self.switch)
        #: Whether each hop run in place came with its fields (parsed by nobody on the way).
        self.given_fields = []

    def run(self, origin, text, event=None):
        self.given_fields.append(event is not None and json.loads(text) == event)
        return self.logic.run(origin, text, self.keys.setdefault(self.current, FakeState()), event)

    def handle(self, origin, text):
        return texts(self.logic.run(origin, text, self.keys.setdefault(self.current, FakeState())))

    def switch(self, key):
        self.switches.append(key)
        self.current = key

    def record(self, origin, text):
        self.current = route_key(json.loads(text))
        self.hops.check(self.current)
        return texts(self.hops.run(self.current, self.logic.run(origin, text, self.keys.setdefault(self.current, FakeState()))))


def req(rid, **kw):
    e = {"requestId": rid, "seq": 0, "stack": [], "replyTo": REPLY}
    e.update(kw)
    return json.dumps(e)


# Parallelism 1: a create and a split method (User.buy_item reads and updates an Item)
# complete inside one record each: nothing goes through Kafka.
one = Subtask(1, 0)
for text in (req("u", kind="Construct", entity="User", args=["alice"], kwargs={}),
             req("i", kind="Construct", entity="Item", args=["coke", 1], kwargs={})):
    internal, responses, _ = one.record(INGRESS, text)
    check(internal == [] and len(responses) == 1, "a create answered in place")
one.record(INGRESS, req("s", kind="Invoke", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[5], kwargs={}))
one.record(INGRESS, req("b", kind="Invoke", target={"entity": "User", "key": "alice"}, method="update_balance", args=[9], kwargs={}))
buy = req("buy1", kind="Invoke", target={"entity": "User", "key": "alice"}, method="buy_item",
          args=[2, {"$entity": "Item", "$key": "coke"}], kwargs={})
internal, responses, _ = one.record(INGRESS, buy)
check(internal == [] and [json.loads(r)["result"] for r in responses] == [{"ok": True}], "a split method answered in place")
check(json.loads(one.keys["Item/coke"].state)["stock"] == 3 and json.loads(one.keys["User/alice"].state)["balance"] == 8,
      "both instances updated")
check(one.current == "User/alice", "the state backend points at the record's key again")
_, again, _ = one.record(INGRESS, buy)
check([json.loads(r) for r in again] == [json.loads(r) for r in responses] and json.loads(one.keys["Item/coke"].state)["stock"] == 3,
      "its retry gets the stored answer, runs once")
check(one.hops.inline > 0 and one.hops.remote == 0, "counted as hops in place")

# Parallelism 2: a hop to a key another subtask owns goes to Kafka, unchanged.
owner = {k: subtask_of(k, 128, 2) for k in ("User/alice", "Item/coke")}
sub = Subtask(2, owner["User/alice"])
sub.keys = {k: v for k, v in one.keys.items()}
internal, responses, _ = sub.record(INGRESS, req("buy2", kind="Invoke", target={"entity": "User", "key": "alice"}, method="buy_item",
                                                  args=[1, {"$entity": "Item", "$key": "coke"}], kwargs={}))
if owner["Item/coke"] == owner["User/alice"]:
    check(internal == [] and len(responses) == 1, "same owner: in place")
else:
    check(len(internal) == 1 and responses == [] and route_key(json.loads(internal[0])) == "Item/coke", "other owner: through Kafka")

# A record whose key is not ours by the rule switches hops in place off (never a wrong key).
stray = Subtask(2, 1 - owner["User/alice"])
stray.record(INGRESS, req("b2", kind="Invoke", target={"entity": "User", "key": "alice"}, method="update_balance", args=[1], kwargs={}))
check(not stray.hops.enabled, "a key of another subtask turns hops in place off")

# The bound: at most max_steps events in place per record, the rest through Kafka.
bounded = Subtask(1, 0)
bounded.keys = {k: v for k, v in one.keys.items()}
bounded.hops.max_steps = 1
internal, responses, _ = bounded.record(INGRESS, req("buy3", kind="Invoke", target={"entity": "User", "key": "alice"}, method="buy_item",
                                                      args=[1, {"$entity": "Item", "$key": "coke"}], kwargs={}))
check(len(internal) == 1 and responses == [], "beyond max_steps: through Kafka")

# A detached continuation: the callee answers (Response with origin) in place, with no Settle
# back to the caller's key (hand-made kernel outputs). The answer stays at the callee.
class DetachedKernel:
    def process(self, event, state):
        base = {"requestId": event["requestId"], "replyTo": event["replyTo"]}
        if event["target"]["entity"] == "User":
            frame = {"entity": "User", "key": "bob", "method": "pay", "resume": "b1", "resultVar": "r", "env": {}}
            return {"state": {}, "out": [dict(base, kind="Invoke", seq=1, target={"entity": "Item", "key": "cola"},
                                              method="take", args=[], kwargs={}, stack=[frame])]}
        return {"state": {}, "out": [dict(base, kind="Response", seq=2, stack=[], result={"ok": 7},
                                          origin={"entity": "User", "key": "bob"})]}


def now_id():
    # A minute ahead: later than the logic's start however slow the machine (no compatibility Settle).
    h = "%012x" % (int(time.time() * 1000) + 60_000)
    return "%s-%s-7abc-8def-0123456789ab" % (h[:8], h[8:])


detached = Subtask(1, 0)
detached.logic.kernel = DetachedKernel()
PAY = now_id()
pay = req(PAY, kind="Invoke", target={"entity": "User", "key": "bob"}, method="pay", args=[], kwargs={})
internal, responses, _ = detached.record(INGRESS, pay)
check(internal == [] and [json.loads(r)["result"] for r in responses] == [{"ok": 7}], "the callee's answer, once")
check(json.loads(detached.keys["User/bob"].seen[PAY]) == {"fwd": {"entity": "Item", "key": "cola"}}, "origin records where it went")
check(detached.given_fields == [True], "the hop run in place gets the kernel's event with its text: not parsed again")
check(detached.switches == ["Item/cola", "User/bob"], "one hop in place, no Settle")
queries, again, _ = detached.record(INGRESS, pay)
check(again == [] and [json.loads(q)["kind"] for q in queries] == ["Query"], "a retry's Query goes through Kafka, never in place")
check(detached.switches == ["Item/cola", "User/bob"], "(nothing ran in place for it)")
detached.switch("Item/cola")
_, answered, _ = detached.handle(INTERNAL, queries[0])
check([json.loads(r)["result"] for r in answered] == [{"ok": 7}], "where it arrives, the Query gets the stored answer")

# Why: past max_steps an event goes through Kafka; a Query run in place behind it would overtake it.
late = Subtask(1, 0)
late.logic.kernel = DetachedKernel()
late.hops.max_steps = 0
LATE = now_id().replace("0123456789ab", "0123456789ac")
internal, responses, _ = late.record(INGRESS, req(LATE, kind="Invoke", target={"entity": "User", "key": "bob"}, method="pay", args=[], kwargs={}))
check(len(internal) == 1 and responses == [], "past max_steps the call goes through Kafka")
late.hops.max_steps = 1000  # the next record may run hops in place again
queries, _, _ = late.record(INGRESS, req(LATE, kind="Invoke", target={"entity": "User", "key": "bob"}, method="pay", args=[], kwargs={}))
check([json.loads(q)["kind"] for q in queries] == ["Query"] and "Item/cola" not in late.keys,
      "the Query follows it through Kafka, in order, instead of finding nothing in place")
print("ok %d" % passed)
