"""Tests of stateflow_beam's routing, request dedup and entity logic with a plain Python
(no Beam; run by pipeline-logic.test.ts). A small in-memory driver plays the pipeline:
classify -> admit (by request id) -> entity steps (by key) -> answers (by request id),
with events between entities looping back as they would through the internal topic."""
import json
import os

from stateflow_beam import requests
from stateflow_beam.entities import EntityLogic, HOP_MEMORY
from stateflow_beam.routing import DEAD, READ, REJECTED, REQUEST, Router, route_key

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "..", "ir", "test", "fixtures", "shop.ir.json"), encoding="utf-8") as f:
    PROGRAM = json.load(f)
CONFIG = {"topics": {"ingress": "in", "internal": "loop", "egress": "out", "deadLetter": "dead"}, "replyTopics": ["replies"]}
REPLY = {"channel": "kafka:replies", "id": "c1"}
OTHER = {"channel": "kafka:replies", "id": "c2"}
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


class Cell:
    def __init__(self):
        self.value = None

    def read(self):
        return self.value

    def write(self, value):
        self.value = value

    def clear(self):
        self.value = None


class Driver:
    """The pipeline's steps in memory (state cells per key, like Beam state)."""

    def __init__(self, ttl=0, now_ms=0):
        self.logic = EntityLogic(PROGRAM)
        self.cells = {}
        self.ttl = ttl
        self.now_ms = now_ms
        self.sent = []  # everything written to a reply topic or the dead letters: (topic, text)

    def cell(self, *name):
        return self.cells.setdefault(name, Cell())

    def ingress(self, value):
        what, text, ev = router.admit(value)
        if what == DEAD:
            self.sent.append(("dead", text))
        elif what == REJECTED:
            self.sent.append((router.response_topic(text), text))
        elif what == READ:
            self.entity(text)
        else:
            check(what == REQUEST, "a request")
            verdict, out = requests.admit(ev, text, self.cell("seen", ev["requestId"]), self.ttl, self.now_ms)
            if verdict == "run":
                self.entity(text)
            elif verdict == "duplicate":
                self.answer(ev["requestId"], requests.on_duplicate(out, self.cell("answer", ev["requestId"])))
            else:
                self.sent.append((router.response_topic(out), out))

    def entity(self, text, queue=None):
        pending = [text]
        while pending:
            t = pending.pop(0)
            key = route_key(json.loads(t))
            internal, responses, replies = self.logic.handle(t, self.cell("entry", key))
            pending += internal
            for r in replies:
                self.sent.append((router.response_topic(r), r))
            for r in responses:
                rid = json.loads(r)["requestId"]
                self.answer(rid, requests.on_response(r, self.cell("answer", rid)))
            if queue is not None:
                queue += internal

    def answer(self, rid, out):
        for r in out:
            self.sent.append((router.response_topic(r), r))

    def responses(self, rid):
        return [json.loads(t) for topic, t in self.sent if topic != "dead" and json.loads(t).get("requestId") == rid]

    def state(self, key):
        text = self.cell("entry", key).read()
        return json.loads(text)["state"] if text else None


# -- routing --------------------------------------------------------------------------
invoke = event(kind="Invoke", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[1], kwargs={})
check(router.admit(invoke)[:2] == (REQUEST, invoke), "invoke admitted")
construct = event(kind="Construct", entity="Item", args=["coke", 1], kwargs={})
check(route_key(json.loads(construct)) == "$construct/Item/r1", "construct keyed by class and request id")
get = event(kind="GetState", target={"entity": "Item", "key": "coke"}, requestId="g1")
check(router.admit(get)[0] == READ, "GetState is a read")
for raw, reason in [("not json", "not JSON"), ("[1]", "not a JSON object"), ('{"kind": "Invoke"}', "replyTo"),
                    (b"\xff\xfe", "not UTF-8"), (None, "no value")]:
    what, text, _ = router.admit(raw)
    check(what == DEAD and reason in json.loads(text)["reason"], "dead letter for %r" % (raw,))
elsewhere = event(kind="Invoke", target={"entity": "Item", "key": "coke"}, method="m").replace("kafka:replies", "kafka:unknown")
check(router.admit(elsewhere)[0] == DEAD, "reply topic not allowed")
for bad, error_type in [
    (event(kind="Reply"), "InvalidRequest"),
    (event(kind="Invoke", target={"entity": "Nope", "key": "x"}, method="f"), "UnknownEntity"),
    (event(kind="Invoke", target={"entity": "Item", "key": 1}, method="f"), "InvalidRequest"),
    (event(kind="Invoke", target={"entity": "Item", "key": "k"}, method="f", args={}), "BadArguments"),
    (event(kind="Invoke", target={"entity": "Item", "key": "k"}, method="f", stack=[{}]), "InvalidRequest"),
]:
    what, text, _ = router.admit(bad)
    response = json.loads(text)
    check(what == REJECTED and response["replyTo"] == REPLY and response["result"]["error"]["type"] == error_type,
          "error response %s for %s" % (error_type, bad))
check(router.response_topic(json.dumps({"replyTo": {"channel": "http", "id": "x"}})) == "out", "default egress")

# -- a create, calls, a read, through the driver ---------------------------------------
d = Driver()
d.ingress(construct)
check(d.responses("r1")[0]["result"] == {"ok": {"$entity": "Item", "$key": "coke"}}, "create answered with the reference")
check(d.state("Item/coke")["stock"] == 0, "state stored")
run = event(kind="Invoke", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[5], kwargs={}, requestId="r2")
d.ingress(run)
check(d.responses("r2")[0]["result"] == {"ok": True} and d.state("Item/coke")["stock"] == 5, "invoke runs")
d.ingress(get)
check(d.responses("g1")[0]["result"]["ok"]["stock"] == 5, "GetState answers the state")
check(("answer", "g1") not in d.cells and ("seen", "g1") not in d.cells, "reads are not remembered")

# -- a duplicated record runs once, and every copy is answered -------------------------
d.ingress(run)
check(d.state("Item/coke")["stock"] == 5, "duplicate not applied again")
check(len(d.responses("r2")) == 2 and d.responses("r2")[1] == d.responses("r2")[0], "duplicate answered from the record")
d.ingress(run.replace('"c1"', '"c2"'))
check(d.responses("r2")[-1]["replyTo"] == OTHER, "a retry from elsewhere gets the answer at its own address")

# A duplicate that arrives while the answer is on its way waits for it.
d2 = Driver()
d2.ingress(event(kind="Construct", entity="Item", args=["tea", 2], kwargs={}, requestId="c"))
queue = []
first = event(kind="Invoke", target={"entity": "Item", "key": "tea"}, method="update_stock", args=[1], kwargs={}, requestId="w")
what, text, ev = router.admit(first)
check(requests.admit(ev, text, d2.cell("seen", "w"), 0, 0)[0] == "run", "first copy runs")
retry = text.replace('"c1"', '"c2"')
verdict, notice = requests.admit(json.loads(retry), retry, d2.cell("seen", "w"), 0, 0)
check(verdict == "duplicate", "second copy is a duplicate")
check(requests.on_duplicate(notice, d2.cell("answer", "w")) == [], "no answer yet: it waits")
same = requests.admit(ev, text, d2.cell("seen", "w"), 0, 0)[1]
check(requests.on_duplicate(same, d2.cell("answer", "w")) == [], "the first address is not added twice")
d2.entity(text)
answers = d2.responses("w")
check([a["replyTo"]["id"] for a in answers] == ["c1", "c2"], "the answer reaches the first copy and the waiting one: %r" % answers)
# A Response produced again (a hop run again after a failed bundle) is sent once.
check(requests.on_response(json.dumps(answers[0]), d2.cell("answer", "w")) == [], "a second Response is dropped")

# -- hop dedup: a redelivered event between entities is applied once --------------------
d3 = Driver()
d3.ingress(event(kind="Construct", entity="User", args=["ann"], kwargs={}, requestId="u"))
hop = event(kind="Invoke", target={"entity": "User", "key": "ann"}, method="update_balance", args=[7], kwargs={}, requestId="h", seq=3)
d3.entity(hop)
d3.entity(hop)
check(d3.state("User/ann")["balance"] == 8, "redelivered hop applied once")
for i in range(HOP_MEMORY):
    d3.entity(event(kind="Invoke", target={"entity": "User", "key": "ann"}, method="update_balance", args=[1], kwargs={}, requestId="x%d" % i, seq=1))
check(len(json.loads(d3.cell("entry", "User/ann").read())["hops"]) == HOP_MEMORY, "hop memory is bounded")

# -- dated request ids: forgotten after the TTL, older copies refused -------------------
uuid7 = "018f3b2c-0000-7000-8000-000000000000"
issued = requests.issued_at_ms(uuid7)
check(issued == 0x018F3B2C0000, "UUIDv7 time")
check(requests.forget_at_ms(uuid7, 60, issued) == issued + 60_000, "forgotten after the TTL")
check(requests.forget_at_ms("plain-id", 60, issued) is None, "undated ids kept for good")
check(requests.forget_at_ms(uuid7, 0, issued) is None, "TTL 0: kept for good")
d4 = Driver(ttl=60, now_ms=issued + 120_000)
d4.ingress(event(kind="Invoke", target={"entity": "Item", "key": "x"}, method="update_stock", args=[1], kwargs={}, requestId=uuid7))
check(d4.responses(uuid7)[0]["result"]["error"]["code"] == "RequestExpired", "an expired id is refused")

# -- a user exception leaves the state and answers an error ----------------------------
d5 = Driver()
d5.ingress(event(kind="Construct", entity="Item", args=["gum", 1], kwargs={}, requestId="g"))
d5.ingress(event(kind="Invoke", target={"entity": "Item", "key": "gum"}, method="update_stock", args=[-3], kwargs={}, requestId="neg"))
check("error" in d5.responses("neg")[0]["result"] and d5.state("Item/gum")["stock"] == 0, "error answered, state unchanged")

print("ok %d" % passed)
