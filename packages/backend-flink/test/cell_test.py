"""Tests of stateflow_flink.cell (one value per key: the instance and its recent request ids),
with a plain Python and fake keyed state (run by cell.test.ts)."""
import json
import os
import random

from stateflow_flink.cell import CELL_PREFIX, CellState
from stateflow_flink.dedup import Record, RequestRecords, issued_at_ms
from stateflow_flink.operator import EntityLogic
from stateflow_flink.routing import INGRESS, INTERNAL, route_key

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "..", "ir", "test", "fixtures", "shop.ir.json"), encoding="utf-8") as f:
    PROGRAM = json.load(f)
TTL = 3600
passed = 0


def check(cond, what):
    global passed
    assert cond, what
    passed += 1


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


def uuid7(ms):
    r = "%020x" % random.getrandbits(80)
    return "%08x-%04x-7%s-8%s-%s" % (ms >> 16, ms & 0xFFFF, r[:3], r[3:6], r[6:18])


class Keyed:
    """Keyed state of a fake backend: one dict per state name, indexed by the current key."""

    def __init__(self):
        self.key = None
        self.data = {}
        self.reads = {}
        self.writes = {}

    def _count(self, table, name):
        table[name] = table.get(name, 0) + 1

    def cell(self, name):
        return self.data.setdefault(name, {})


class Value:
    def __init__(self, keyed, name):
        self.keyed, self.name = keyed, name

    def value(self):
        self.keyed._count(self.keyed.reads, self.name)
        return self.keyed.cell(self.name).get(self.keyed.key)

    def update(self, v):
        self.keyed._count(self.keyed.writes, self.name)
        self.keyed.cell(self.name)[self.keyed.key] = v


class Map:
    def __init__(self, keyed, name):
        self.keyed, self.name = keyed, name

    def _m(self):
        return self.keyed.cell(self.name).setdefault(self.keyed.key, {})

    def get(self, k):
        self.keyed._count(self.keyed.reads, self.name)
        return self._m().get(k)

    def put(self, k, v):
        self.keyed._count(self.keyed.writes, self.name)
        self._m()[k] = v

    def items(self):
        self.keyed._count(self.keyed.reads, self.name)
        return list(self._m().items())

    def clear(self):
        self.keyed._count(self.keyed.writes, self.name)
        self._m().clear()


class Operator:
    """What job.py's EntityOperator does around EntityLogic (without hops in place)."""

    def __init__(self, ttl=TTL, window=64):
        self.keyed = Keyed()
        self.clock = Clock()
        seen, kept, flag = Map(self.keyed, "requests"), Map(self.keyed, "requests-kept"), Value(self.keyed, "requests-dated-kept")
        records = RequestRecords(seen, kept, flag) if ttl > 0 else RequestRecords(seen, seen)
        self.view = CellState(Value(self.keyed, "instance"), records, ttl, window,
                              construct_value=Value(self.keyed, "request") if ttl > 0 else None, clock=self.clock)
        self.logic = EntityLogic(PROGRAM, True, ttl, clock=self.clock)

    def record(self, origin, text):
        key = route_key(json.loads(text))
        self.keyed.key = key
        self.view.at(key)
        out = self.logic.handle(origin, text, self.view)
        self.view.flush()
        return out

    def run(self, origin, text):
        """Runs a record and every internal event it leads to; returns the responses."""
        queue, responses = [(origin, text)], []
        while queue:
            o, t = queue.pop(0)
            internal, answered, _ = self.record(o, t)
            responses += answered
            queue += [(INTERNAL, e) for e in internal]
        return responses

    def stored(self, key):
        return self.keyed.cell("instance").get(key)


def req(rid, reply="c1", **kw):
    e = {"requestId": rid, "seq": 0, "stack": [], "replyTo": {"channel": "kafka:replies", "id": reply}}
    e.update(kw)
    return json.dumps(e)


def update_balance(rid, amount, reply="c1"):
    return req(rid, reply, kind="Invoke", target={"entity": "User", "key": "alice"}, method="update_balance", args=[amount], kwargs={})


def results(responses):
    return [json.loads(r)["result"] for r in responses]


def cell_of(text):
    """A cell's three lines: {"head", "ids", "s"}."""
    head, ids, state = text.split("\n", 2)
    return {"head": json.loads(head), "ids": json.loads(ids), "s": state or None}


def now_ms(op):
    return int(op.clock() * 1000)


op = Operator()
[created] = op.run(INGRESS, req(uuid7(now_ms(op)), kind="Construct", entity="User", args=["alice"], kwargs={}))
check("ok" in json.loads(created)["result"], "a create is answered")
check(op.stored("User/alice").startswith(CELL_PREFIX), "an instance is stored as a cell")

# One read and one write of one value per request, no map access: the point of the cell.
rid = uuid7(now_ms(op))
op.keyed.reads, op.keyed.writes = {}, {}
[first] = op.run(INGRESS, update_balance(rid, 5))
check(op.keyed.reads == {"instance": 1} and op.keyed.writes == {"instance": 1}, "one read, one write: %r %r" % (op.keyed.reads, op.keyed.writes))
cell = cell_of(op.stored("User/alice"))
check(rid in cell["ids"] and "res" in cell["ids"][rid], "the answer is in the cell")
check(json.loads(cell["s"])["balance"] == 6, "the instance is in the cell")
# The stored text is the earlier version's, byte for byte: compact JSON as json.dumps writes it.
head_line, ids_line, _ = op.stored("User/alice").split("\n", 2)
check(head_line == json.dumps(json.loads(head_line), separators=(",", ":")), "the head line as before")
check(ids_line == json.dumps(json.loads(ids_line), separators=(",", ":")), "the request ids line as before")

# A retry (another replyTo) gets the stored answer, does not run again.
[again] = op.run(INGRESS, update_balance(rid, 5, reply="c2"))
check(json.loads(again)["replyTo"]["id"] == "c2" and results([again]) == results([first]), "a retry gets the answer at its replyTo")
check(json.loads(cell_of(op.stored("User/alice"))["s"])["balance"] == 6, "the retry did not run again")
check(json.loads(again)["requestId"] == rid and json.loads(again)["kind"] == "Response", "the stored answer is rebuilt whole")

# GetState reads the instance, not the cell.
[state] = op.run(INGRESS, req(uuid7(now_ms(op)), kind="GetState", target={"entity": "User", "key": "alice"}))
check(json.loads(state)["result"]["ok"]["balance"] == 6, "GetState gives the instance's fields")

# Undated request ids are kept for good: in the requests-kept map, not in the cell.
[undated] = op.run(INGRESS, update_balance("plain-id-1", 1))
check("plain-id-1" not in cell_of(op.stored("User/alice"))["ids"], "an undated id is not in the cell")
check(op.keyed.cell("requests-kept")["User/alice"].get("plain-id-1") is not None, "it is in requests-kept")
op.run(INGRESS, update_balance("plain-id-1", 1, reply="c3"))
check(json.loads(cell_of(op.stored("User/alice"))["s"])["balance"] == 7, "its retry does not run again")

# The window: only the newest answered dated ids stay; an older copy is refused, never run twice.
small = Operator(window=2)
small.run(INGRESS, req(uuid7(now_ms(small)), kind="Construct", entity="User", args=["alice"], kwargs={}))
ids = []
for i in range(8):  # past the window and its slack (4): pruned once
    small.clock.now += 1
    ids.append(uuid7(now_ms(small)))
    small.run(INGRESS, update_balance(ids[-1], 1))
cell = cell_of(small.stored("User/alice"))
check(set(ids[-2:]) <= set(cell["ids"]) and len(cell["ids"]) <= 2 + small.view.slack and ids[0] not in cell["ids"]
      and cell["head"]["forgot"] > 0, "the newest answered ids are kept, the oldest dropped")
[refused] = small.run(INGRESS, update_balance(ids[0], 1, reply="c9"))
check(json.loads(refused)["result"]["error"]["code"] == "RequestExpired", "a copy of a forgotten id is refused")
check(json.loads(cell["s"])["balance"] == json.loads(cell_of(small.stored("User/alice"))["s"])["balance"] == 9, "and does not run")
[kept] = small.run(INGRESS, update_balance(ids[-1], 1, reply="c9"))
check("ok" in json.loads(kept)["result"], "a copy of a kept id gets its answer")
small.clock.now += 2
[new] = small.run(INGRESS, update_balance(uuid7(now_ms(small)), 1))
check("ok" in json.loads(new)["result"], "a new id runs")

# The TTL: ids older than it leave the cell; a copy older than it is refused (as before).
old_id = uuid7(now_ms(op))
op.run(INGRESS, update_balance(old_id, 1))
op.clock.now += TTL + 1
op.run(INGRESS, update_balance(uuid7(now_ms(op)), 1))
check(old_id not in cell_of(op.stored("User/alice"))["ids"], "an id past the TTL leaves the cell")
[late] = op.run(INGRESS, update_balance(old_id, 1))
check(json.loads(late)["result"]["error"]["code"] == "RequestExpired", "a copy past the TTL is refused")

# A split method (buy_item: User -> Item -> User): each pass leaves the request's record in the
# cell of the key it ran at; a retry from another client meanwhile follows it with a Query.
shop = Operator()
for text in (req(uuid7(now_ms(shop)), kind="Construct", entity="User", args=["alice"], kwargs={}),
             req(uuid7(now_ms(shop)), kind="Construct", entity="Item", args=["coke", 1], kwargs={})):
    shop.run(INGRESS, text)
shop.run(INGRESS, req(uuid7(now_ms(shop)), kind="Invoke", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[5], kwargs={}))
shop.run(INGRESS, update_balance(uuid7(now_ms(shop)), 9))
buy_id = uuid7(now_ms(shop))
buy = dict(kind="Invoke", target={"entity": "User", "key": "alice"}, method="buy_item", args=[2, {"$entity": "Item", "$key": "coke"}], kwargs={})
internal, responses, _ = shop.record(INGRESS, req(buy_id, "c1", **buy))
check(len(internal) == 1 and responses == [], "the call goes on to the Item")
check(cell_of(shop.stored("User/alice"))["ids"][buy_id] == {"fwd": {"entity": "Item", "key": "coke"}}, "the cell records where it went")
queries, none, _ = shop.record(INGRESS, req(buy_id, "c2", **buy))
check(none == [] and [json.loads(q)["kind"] for q in queries] == ["Query"], "a retry meanwhile sends a Query")
answers = shop.run(INTERNAL, internal[0]) + shop.run(INTERNAL, queries[0])
check(sorted(json.loads(a)["replyTo"]["id"] for a in answers) == ["c1", "c2"] and results(answers) == [{"ok": True}] * 2,
      "the answer goes to the first copy and to the retry")
check(cell_of(shop.stored("Item/coke"))["ids"][buy_id] == {"fwd": {"entity": "User", "key": "alice"}, "l": 1},
      "the callee's cell has a lookup-only forward record")
check("res" in cell_of(shop.stored("User/alice"))["ids"][buy_id], "the answer is stored where it was made")

# Lookup-only records are dropped beyond the window like the others, but do not move ``forgot``:
# a new request at that key is never refused for them. A retry whose answer was dropped there
# gets RequestExpired, and nothing runs.
callee = Operator(window=2)
for text in (req(uuid7(now_ms(callee)), kind="Construct", entity="User", args=["alice"], kwargs={}),
             req(uuid7(now_ms(callee)), kind="Construct", entity="Item", args=["coke", 1], kwargs={})):
    callee.run(INGRESS, text)
callee.run(INGRESS, req(uuid7(now_ms(callee)), kind="Invoke", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[50], kwargs={}))
callee.run(INGRESS, update_balance(uuid7(now_ms(callee)), 90))
buys = []
for i in range(8):
    callee.clock.now += 1
    buys.append(uuid7(now_ms(callee)))
    callee.run(INGRESS, req(buys[-1], **buy))
coke = cell_of(callee.stored("Item/coke"))
check(buys[0] not in coke["ids"] and buys[-1] in coke["ids"] and coke["ids"][buys[-1]].get("l") == 1, "the callee keeps its newest lookup records")
check(coke["head"].get("forgot", 0) < issued_at_ms(buys[0]), "dropping lookup records does not move forgot")
check(buys[0] not in cell_of(callee.stored("User/alice"))["ids"], "the first key dropped the oldest too")
stock = json.loads(coke["s"])["stock"]
[gone] = callee.run(INGRESS, req(buys[0], "c7", **buy))
check(json.loads(gone)["result"]["error"]["code"] == "RequestExpired", "a retry of a forgotten request: RequestExpired")
check(json.loads(cell_of(callee.stored("Item/coke"))["s"])["stock"] == stock, "and nothing ran")
[query_miss] = callee.record(INTERNAL, json.dumps({"kind": "Query", "requestId": buys[0], "seq": 0, "stack": [], "replyTo": {"channel": "kafka:replies", "id": "c8"},
                                                     "target": {"entity": "Item", "key": "coke"}, "hops": 1}))[1]
check(json.loads(query_miss)["result"]["error"]["code"] == "RequestExpired" and "Item/coke no longer remembers" in json.loads(query_miss)["result"]["error"]["message"],
      "a Query for a dropped record: RequestExpired, saying where")
late_made = uuid7(issued_at_ms(buys[0]) + 500)  # made before the dropped lookup records' requests
[late_stock] = callee.run(INGRESS, req(late_made, kind="Invoke", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[1], kwargs={}))
check(results([late_stock]) == [{"ok": True}], "a new request at the callee's key is not refused for dropped lookup records")

# Undated ids: kept for good where the request starts (requests-kept), but a later pass elsewhere
# leaves a lookup-only record in the cell, dated by when it was written, which goes like any other.
undated_op = Operator(window=2)
for text in (req(uuid7(now_ms(undated_op)), kind="Construct", entity="User", args=["alice"], kwargs={}),
             req(uuid7(now_ms(undated_op)), kind="Construct", entity="Item", args=["coke", 1], kwargs={})):
    undated_op.run(INGRESS, text)
undated_op.run(INGRESS, req(uuid7(now_ms(undated_op)), kind="Invoke", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[50], kwargs={}))
undated_op.run(INGRESS, update_balance(uuid7(now_ms(undated_op)), 90))
undated_op.run(INGRESS, req("plain-buy", **buy))
at_coke = cell_of(undated_op.stored("Item/coke"))["ids"].get("plain-buy")
check(at_coke == {"fwd": {"entity": "User", "key": "alice"}, "l": 1, "t": now_ms(undated_op)}, "an undated lookup record is in the cell, dated")
check("plain-buy" not in (undated_op.keyed.cell("requests-kept").get("Item/coke") or {}), "and not kept for good")
check(Record.parse(undated_op.keyed.cell("requests-kept")["User/alice"]["plain-buy"]).keep, "the first key keeps it for good")
for i in range(8):
    undated_op.clock.now += 1
    undated_op.run(INGRESS, req(uuid7(now_ms(undated_op)), **buy))
check("plain-buy" not in cell_of(undated_op.stored("Item/coke"))["ids"], "the undated lookup record goes with the window")
[again_plain] = undated_op.run(INGRESS, req("plain-buy", "c4", **buy))
check(results([again_plain]) == [{"ok": True}], "its retry still gets the answer at the first key")
undated_op.clock.now += TTL + 10
undated_op.run(INGRESS, req("plain-2", **buy))
undated_op.clock.now += TTL + 10
undated_op.run(INGRESS, req(uuid7(now_ms(undated_op)), kind="Invoke", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[1], kwargs={}))
check("plain-2" not in cell_of(undated_op.stored("Item/coke"))["ids"], "and with the TTL")

# A create's key ($construct/<id>) keeps its record in a value of its own (which expires), no map.
cid = uuid7(now_ms(shop))
[c1] = shop.run(INGRESS, req(cid, kind="Construct", entity="Item", args=["tea", 2], kwargs={}))
check(shop.stored("$construct/" + cid) is None and cid in cell_of(shop.keyed.cell("request")["$construct/" + cid])["ids"],
      "a create's record is in its own value")
check("requests" not in shop.keyed.data and "requests-kept" not in shop.keyed.data, "no map was used")
[c2] = shop.run(INGRESS, req(cid, "c2", kind="Construct", entity="Item", args=["tea", 2], kwargs={}))
check(results([c1]) == results([c2]), "a create's retry gets its answer")

# State of the earlier layout: the instance's text alone, its records in the maps.
legacy = Operator()
legacy.keyed.key = "User/alice"
legacy.keyed.cell("instance")["User/alice"] = json.dumps({"username": "alice", "balance": 7, "items": []})
before = uuid7(now_ms(legacy) - 1000)
stored_answer = json.dumps({"kind": "Response", "requestId": before, "seq": 1, "stack": [], "replyTo": {"channel": "kafka:replies", "id": "c1"}, "result": {"ok": None}})
legacy.keyed.cell("requests")["User/alice"] = {before: Record(response=stored_answer).dumps()}
legacy.keyed.cell("requests-dated-kept")["User/alice"] = False
[old_answer] = legacy.run(INGRESS, update_balance(before, 100, reply="c5"))
check(results([old_answer]) == [{"ok": None}] and json.loads(old_answer)["replyTo"]["id"] == "c5", "a record of the earlier layout answers a retry")
check(json.loads(legacy.stored("User/alice"))["balance"] == 7, "the retry did not run")
legacy.keyed.reads = {}
[fresh] = legacy.run(INGRESS, update_balance(uuid7(now_ms(legacy)), 1))
check("ok" in json.loads(fresh)["result"] and json.loads(cell_of(legacy.stored("User/alice"))["s"])["balance"] == 8, "a new request runs")
check(legacy.stored("User/alice").startswith(CELL_PREFIX), "the instance's text became a cell")
check(legacy.keyed.reads == {"instance": 1}, "an id made after the start is not looked for in the maps")
[still] = legacy.run(INGRESS, update_balance(before, 100, reply="c6"))
check(results([still]) == [{"ok": None}], "the earlier record still answers")

# Without a TTL every id is kept for good: the earlier layout (the instance's text, records in a map).
forever = Operator(ttl=0)
forever.run(INGRESS, req(uuid7(now_ms(forever)), kind="Construct", entity="User", args=["alice"], kwargs={}))
fid = uuid7(now_ms(forever))
forever.run(INGRESS, update_balance(fid, 3))
check(not forever.stored("User/alice").startswith(CELL_PREFIX), "no cell without a TTL")
check(forever.keyed.cell("requests")["User/alice"].get(fid) is not None, "the record is in the map")
forever.run(INGRESS, update_balance(fid, 3, reply="c2"))
check(json.loads(forever.stored("User/alice"))["balance"] == 4, "a retry does not run again")
print("ok %d" % passed)
