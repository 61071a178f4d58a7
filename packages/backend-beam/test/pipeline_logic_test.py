"""Tests of stateflow_beam's routing, request dedup and entity logic with a plain Python
(no Beam; run by pipeline-logic.test.ts). A small in-memory driver plays the pipeline:
classify -> entity steps (by key; request dedup and answers in the key's own state), with
events between entities looping back as they would through the internal topic.

Run twice (pipeline-logic.test.ts): with each key's entry in one text
(``STATEFLOW_BEAM_TEST_STORE=cell``) and as the pipeline keeps it, a log of texts
(``log``; there every pass rewrites the log whole, LOG_LIMIT 1, so the table's old ids
leave it at each write as they do with one text). The log's own checks, with the real
LOG_LIMIT (one appended text per pass), are at the end and run in both."""
import json
import os

from stateflow_beam import entities, requests
from stateflow_beam.entities import CLIENT, EVENT, EntityLogic, HOP_MEMORY, LogStore
from stateflow_beam.routing import DEAD, READ, REJECTED, REQUEST, Router, route_key

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "..", "ir", "test", "fixtures", "shop.ir.json"), encoding="utf-8") as f:
    PROGRAM = json.load(f)
CONFIG = {"topics": {"ingress": "in", "internal": "loop", "egress": "out", "deadLetter": "dead"}, "replyTopics": ["replies"]}
REPLY = {"channel": "kafka:replies", "id": "c1"}
OTHER = {"channel": "kafka:replies", "id": "c2"}
router = Router(PROGRAM, CONFIG)
passed = 0
STORE = os.environ.get("STATEFLOW_BEAM_TEST_STORE", "cell")
REAL_LOG_LIMIT = entities.LOG_LIMIT
if STORE == "log":
    entities.LOG_LIMIT = 1


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


class Bag:
    """A key's log of texts (Beam BagState), counting the requests a runner would get."""

    def __init__(self):
        self.texts = []
        self.adds = 0
        self.clears = 0

    def read(self):
        return list(self.texts)

    def add(self, text):
        self.texts.append(text)
        self.adds += 1

    def clear(self):
        self.texts = []
        self.clears += 1


class LogCell:
    """A log-kept key as the checks look at it: ``read`` gives the entry the log folds to."""

    def __init__(self):
        self.bag = Bag()

    def read(self):
        return json.dumps(LogStore(self.bag).load()) if self.bag.texts else None

    def write(self, text):
        self.bag.texts = [text]


class Driver:
    """The pipeline's steps in memory (state cells per key, like Beam state)."""

    def __init__(self, ttl=0, now_ms=0, dedup=True, kernel=None, router=router, program=PROGRAM, resume_detached=True, store=None):
        self.store = store or STORE
        self.logic = EntityLogic(program, resume_detached)
        if kernel is not None:
            self.logic.kernel = kernel
        self.router = router
        self.dedup = dedup
        self.held = []
        self.hold_kinds = ()  # internal events of these kinds are held (see ``ingress``)
        self.cells = {}
        self.ttl = ttl
        self.now_ms = now_ms
        self.sent = []  # everything written to a reply topic or the dead letters: (topic, text)

    def cell(self, *name):
        return self.cells.setdefault(name, LogCell() if self.store == "log" else Cell())

    def ingress(self, value, hold=False):
        """One ingress record; with ``hold``, events between entities are queued in
        ``self.held`` (still in the internal topic) instead of run."""
        what, text, ev = self.router.admit(value)
        if what == DEAD:
            self.sent.append(("dead", text))
        elif what == REJECTED:
            self.sent.append((self.router.response_topic(text), text))
        else:
            check(what in (REQUEST, READ), "a request")
            self.entity((EVENT if what == READ else CLIENT) + text, hold)

    def entity(self, tagged, hold=False):
        pending = [tagged]
        while pending:
            t = pending.pop(0)
            key = route_key(json.loads(t[1:]))
            target = self.cell("entry", key)
            internal, sends = self.logic.handle(t, target.bag if self.store == "log" else target, self.dedup, self.ttl, self.now_ms)
            for k, e in internal:
                check(k == route_key(json.loads(e)), "internal events keyed by their route key")
                held = hold or json.loads(e)["kind"] in self.hold_kinds
                (self.held if held else pending).append(EVENT + e)
            for r in sends:
                self.sent.append((self.router.response_topic(r), r))

    def release(self):
        held, self.held = self.held, []
        for e in held:
            self.entity(e)

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
check(route_key({"kind": "Query", "at": "Item/coke", "target": {"entity": "User", "key": "x"}}) == "Item/coke", "a Query goes to the key it names")
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
    (event(kind="Query", at="Item/coke"), "InvalidRequest"),  # internal only: a client may not send it
    (event(kind="Settle", target={"entity": "Item", "key": "coke"}), "InvalidRequest"),
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
check("g1" not in json.loads(d.cell("entry", "Item/coke").read())["requests"]["ids"], "reads are not remembered")

# -- a duplicated record runs once, and every copy is answered -------------------------
d.ingress(run)
check(d.state("Item/coke")["stock"] == 5, "duplicate not applied again")
check(len(d.responses("r2")) == 2 and d.responses("r2")[1] == d.responses("r2")[0], "duplicate answered from the record")
d.ingress(run.replace('"c1"', '"c2"'))
check(d.responses("r2")[-1]["replyTo"] == OTHER, "a retry from elsewhere gets the answer at its own address")

# A duplicate that arrives while the answer is on its way (a method that calls another
# entity) follows it: a Query to where the call went, which waits there for the call.
d2 = Driver()
d2.ingress(event(kind="Construct", entity="User", args=["bob"], kwargs={}, requestId="cu"))
d2.ingress(event(kind="Construct", entity="Item", args=["tea", 1], kwargs={}, requestId="ci"))
d2.ingress(event(kind="Invoke", target={"entity": "Item", "key": "tea"}, method="update_stock", args=[3], kwargs={}, requestId="s"))
buy = event(kind="Invoke", target={"entity": "User", "key": "bob"}, method="buy_item", args=[1, {"$entity": "Item", "$key": "tea"}], kwargs={}, requestId="w")
d2.ingress(buy, hold=True)
check(d2.held and d2.responses("w") == [], "the call to the item is on its way")
d2.ingress(buy.replace('"c1"', '"c2"'))
d2.ingress(buy)
check(d2.responses("w") == [], "no answer yet: the copies wait")
d2.release()
answers = d2.responses("w")
check(sorted(a["replyTo"]["id"] for a in answers) == ["c1", "c1", "c2"], "the answer reaches the first request and each copy: %r" % answers)
check(answers[0]["result"] == {"ok": True} and d2.state("Item/tea")["stock"] == 2, "the calls ran once: %r" % d2.state("Item/tea"))
d2.ingress(buy)
check(len(d2.responses("w")) == 4 and d2.responses("w")[3] == answers[0], "a later copy gets the recorded answer")
# A Response produced again (a hop run again after a failed bundle) is sent once: the
# item's reply to the user, redelivered, is skipped by hop ids; the user's cell records
# the answer, so running the reply's hop afresh would send nothing either.
user = json.loads(d2.cell("entry", "User/bob").read())
check(user["requests"]["ids"]["w"]["res"], "the answer is recorded at the user's key")

# A second copy of a create is answered by the new instance's key (where the Insert ran).
d2.ingress(event(kind="Construct", entity="Item", args=["tea", 1], kwargs={}, requestId="ci").replace('"c1"', '"c2"'))
again = d2.responses("ci")
check(len(again) == 2 and again[1]["result"] == again[0]["result"] and again[1]["replyTo"] == OTHER,
      "a create's copy gets the create's answer: %r" % again)
check(d2.state("Item/tea")["stock"] == 2, "the copy did not create again")
# ... also when the copy's notice reaches that key before the Insert does.
d6 = Driver()
create = event(kind="Construct", entity="Item", args=["mate", 1], kwargs={}, requestId="cm")
d6.ingress(create, hold=True)
insert = d6.held
d6.held = []
d6.ingress(create.replace('"c1"', '"c2"'))
check(d6.responses("cm") == [], "the copy waits for the Insert")
for e in insert:
    d6.entity(e)
check(sorted(a["replyTo"]["id"] for a in d6.responses("cm")) == ["c1", "c2"], "both copies answered once the Insert ran: %r" % d6.responses("cm"))

# -- hop dedup: a redelivered event between entities is applied once --------------------
d3 = Driver()
d3.ingress(event(kind="Construct", entity="User", args=["ann"], kwargs={}, requestId="u"))
hop = event(kind="Invoke", target={"entity": "User", "key": "ann"}, method="update_balance", args=[7], kwargs={}, requestId="h", seq=3)
d3.entity(EVENT + hop)
d3.entity(EVENT + hop)
check(d3.state("User/ann")["balance"] == 8, "redelivered hop applied once")
for i in range(HOP_MEMORY):
    d3.entity(EVENT + event(kind="Invoke", target={"entity": "User", "key": "ann"}, method="update_balance", args=[1], kwargs={}, requestId="x%d" % i, seq=1))
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
d7 = Driver(ttl=60, now_ms=issued + 1000)
d7.ingress(event(kind="Construct", entity="Item", args=["x", 1], kwargs={}, requestId="plain"))
d7.ingress(event(kind="Invoke", target={"entity": "Item", "key": "x"}, method="update_stock", args=[1], kwargs={}, requestId=uuid7))
check(set(json.loads(d7.cell("entry", "Item/x").read())["requests"]["ids"]) == {"plain", uuid7}, "both ids remembered")
d7.now_ms = issued + 61_000
d7.ingress(event(kind="Invoke", target={"entity": "Item", "key": "x"}, method="update_stock", args=[1], kwargs={}, requestId="later"))
check(set(json.loads(d7.cell("entry", "Item/x").read())["requests"]["ids"]) == {"plain", "later"}, "a dated id is dropped after the TTL")

# Past REQUEST_MEMORY answered dated ids, a key drops the oldest, and refuses a copy of
# one it dropped (never runs it twice); undated ids are kept.
def uuid7_at(ms, n):
    h = "%012x" % ms
    return "%s-%s-7000-8000-%012x" % (h[:8], h[8:], n)

d9 = Driver(ttl=3600, now_ms=issued + 10_000)
d9.ingress(event(kind="Construct", entity="Item", args=["z", 1], kwargs={}, requestId="keep"))
ids = [uuid7_at(issued + i, i) for i in range(requests.REQUEST_MEMORY + 5)]
for rid in ids:
    d9.ingress(event(kind="Invoke", target={"entity": "Item", "key": "z"}, method="update_stock", args=[1], kwargs={}, requestId=rid))
table = json.loads(d9.cell("entry", "Item/z").read())["requests"]
check(len(table["ids"]) == requests.REQUEST_MEMORY + 1 and "keep" in table["ids"] and ids[0] not in table["ids"], "oldest dated ids dropped: %d" % len(table["ids"]))
check(table["forgot"] == issued + 4, "the newest dropped time is kept")
d9.ingress(event(kind="Invoke", target={"entity": "Item", "key": "z"}, method="update_stock", args=[1], kwargs={}, requestId=ids[2]))
check(d9.responses(ids[2])[-1]["result"]["error"]["code"] == "RequestExpired", "a dropped id's copy is refused")
check(d9.state("Item/z")["stock"] == len(ids), "and not run again")
d9.ingress(event(kind="Invoke", target={"entity": "Item", "key": "z"}, method="update_stock", args=[1], kwargs={}, requestId=ids[-1]))
check(d9.responses(ids[-1])[-1]["result"] == {"ok": True} and len(d9.responses(ids[-1])) == 2 and d9.state("Item/z")["stock"] == len(ids), "a remembered id's copy gets its answer")

# -- without request dedup, requests go straight to the kernel (hop ids only) -----------
d8 = Driver(dedup=False)
d8.ingress(event(kind="Construct", entity="Item", args=["y", 1], kwargs={}, requestId="cy"))
once = event(kind="Invoke", target={"entity": "Item", "key": "y"}, method="update_stock", args=[2], kwargs={}, requestId="o")
d8.ingress(once)
d8.ingress(once)
check(d8.state("Item/y")["stock"] == 2 and "requests" not in json.loads(d8.cell("entry", "Item/y").read()), "dedup off: no request table, hop ids still apply")
check(d8.responses("o") and all(r["result"] == {"ok": True} for r in d8.responses("o")), "dedup off: answered")

# -- a user exception leaves the state and answers an error ----------------------------
d5 = Driver()
d5.ingress(event(kind="Construct", entity="Item", args=["gum", 1], kwargs={}, requestId="g"))
d5.ingress(event(kind="Invoke", target={"entity": "Item", "key": "gum"}, method="update_stock", args=[-3], kwargs={}, requestId="neg"))
check("error" in d5.responses("neg")[0]["result"] and d5.state("Item/gum")["stock"] == 0, "error answered, state unchanged")

# -- answers made at another key (detached continuations): recorded where they are made ---
class TransferKernel:
    """Hand-made kernel outputs, as ``Kernel(program, resume_detached=True)`` makes them for
    ``Account.transfer(to, amount)``: take ``amount`` from self, ``to.deposit(amount)``, then
    ``return True``, a detached block the kernel runs at ``to``, whose Response carries
    ``origin``: the transfer's key. ``deposit(0)`` changes nothing."""

    def process(self, event, state):
        target, args = event["target"], event.get("args", [])
        if event["method"] == "transfer":
            to, amount = args
            if state["balance"] < amount:
                return {"out": [self._answer(event, {"error": {"type": "ValueError", "message": "too low"}})]}
            frame = {"entity": "Account", "key": target["key"], "method": "transfer", "resume": "b1", "resultVar": "t", "env": {}}
            call = {"kind": "Invoke", "requestId": event["requestId"], "seq": event["seq"] + 1, "stack": [frame],
                    "replyTo": event["replyTo"], "target": {"entity": "Account", "key": to["$key"]}, "method": "deposit", "args": [amount], "kwargs": {}}
            return {"state": {"balance": state["balance"] - amount}, "out": [call]}
        amount = args[0]
        bottom = event["stack"][0] if event["stack"] else target
        answer = self._answer(event, {"ok": True}, {"entity": bottom["entity"], "key": bottom["key"]})
        return ({"state": {"balance": state["balance"] + amount}} if amount else {}) | {"out": [answer]}

    @staticmethod
    def _answer(event, result, origin=None):
        answer = {"kind": "Response", "requestId": event["requestId"], "seq": event["seq"] + 1, "stack": [], "replyTo": event["replyTo"], "result": result}
        if origin is not None:
            answer["origin"] = origin
        return answer

    def fail(self, event, error):
        return {"out": [self._answer(event, {"error": error})]}


bank = Router({"entities": [{"name": "Account", "methods": [{"name": "transfer"}, {"name": "deposit"}]}]}, CONFIG)


def bank_driver(balances, **kw):
    d = Driver(kernel=TransferKernel(), router=bank, **kw)
    for key, balance in balances.items():
        d.cell("entry", "Account/" + key).write(json.dumps({"state": {"balance": balance}, "hops": []}))
    return d


def transfer(rid, frm="a", to="b", amount=5, reply=REPLY):
    return json.dumps({"kind": "Invoke", "requestId": rid, "seq": 0, "stack": [], "replyTo": reply, "target": {"entity": "Account", "key": frm},
                       "method": "transfer", "args": [{"$entity": "Account", "$key": to}, amount], "kwargs": {}})


def requests_at(d, key):
    return json.loads(d.cell("entry", key).read()).get("requests", {"ids": {}})["ids"]


def kinds(events):
    return [json.loads(e[1:])["kind"] for e in events]


def deposit_event(rid, amount=5, frm="a", to="b"):
    return EVENT + json.dumps({"kind": "Invoke", "requestId": rid, "seq": 1, "stack": [{"entity": "Account", "key": frm, "method": "transfer", "resume": "b1", "resultVar": "t", "env": {}}],
                               "replyTo": REPLY, "target": {"entity": "Account", "key": to}, "method": "deposit", "args": [amount], "kwargs": {}})


t = bank_driver({"a": 10, "b": 0})
t.ingress(transfer("t1"))
first = t.responses("t1")
check(len(first) == 1 and first[0]["result"] == {"ok": True} and first[0]["replyTo"] == REPLY and first[0]["origin"] == {"entity": "Account", "key": "a"},
      "the client gets the receiver's answer at once: %r" % first)
check(t.state("Account/a") == {"balance": 5} and t.state("Account/b") == {"balance": 5}, "the transfer ran once")
check(not t.held and requests_at(t, "Account/b")["t1"] == {"res": [2, {"ok": True}]}, "no Settle: the receiver records the answer it made")
check(requests_at(t, "Account/a")["t1"] == {"fw": ["Account/b", 1], "n": 0}, "the sender records where the request went: %r" % requests_at(t, "Account/a"))
# A copy at the sender follows the request with a Query to the receiver, which answers it.
t.hold_kinds = ("Query",)
t.ingress(transfer("t1", reply=OTHER))
check(kinds(t.held) == ["Query"] and route_key(json.loads(t.held[0][1:])) == "Account/b" and json.loads(t.held[0][1:])["seq"] == 1,
      "a copy at the sender becomes a Query to the receiver, after the deposit's seq: %r" % t.held)
t.hold_kinds = ()
t.release()
answers = t.responses("t1")
check(len(answers) == 2 and answers[1]["replyTo"] == OTHER and answers[1]["result"] == {"ok": True} and answers[1]["seq"] == first[0]["seq"],
      "the copy gets the receiver's answer at its own address: %r" % answers)
t.ingress(transfer("t1"))
check(len(t.responses("t1")) == 3 and t.responses("t1")[2]["replyTo"] == REPLY, "a copy from the first address is answered too")
check(t.state("Account/a") == {"balance": 5} and t.state("Account/b") == {"balance": 5}, "and nothing ran again")
# The receiver's hop delivered again deposits nothing and answers nobody.
t.entity(deposit_event("t1"))
check(len(t.responses("t1")) == 3 and t.state("Account/b") == {"balance": 5} and not t.held, "a redelivered deposit answers nobody, deposits nothing")
# A receiver's hop that changed nothing is not a hop id, but its record keeps it from answering twice.
t.ingress(transfer("t0", amount=0))
t.entity(deposit_event("t0", amount=0))
check(len(t.responses("t0")) == 1 and requests_at(t, "Account/b")["t0"]["res"], "an unchanged receiver's hop answers once")
# An error made at the request's own key is recorded there, nothing sent on.
t.ingress(transfer("t2", amount=50))
check(t.responses("t2")[0]["result"]["error"]["type"] == "ValueError" and "origin" not in t.responses("t2")[0], "an error answered by the sender")
check(requests_at(t, "Account/a")["t2"]["res"][1]["error"], "and recorded there")
# Without request dedup the answer goes to the client and nothing is recorded anywhere.
n = bank_driver({"a": 10, "b": 0}, dedup=False)
n.ingress(transfer("t4"))
check(n.responses("t4")[0]["result"] == {"ok": True} and not n.held and requests_at(n, "Account/a") == {} and requests_at(n, "Account/b") == {},
      "dedup off: answered, no records")

# -- a Query never overtakes the event it follows (Beam keeps no order between elements) ---
# The deposit is still on its way (held) when a copy's Query reaches the receiver: the
# receiver parks it in a record and answers it when the deposit has run.
q = bank_driver({"a": 10, "b": 0})
q.hold_kinds = ("Invoke",)
q.ingress(transfer("q1"))
deposit_on_its_way = q.held
q.held = []
q.hold_kinds = ()
q.ingress(transfer("q1", reply=OTHER))
check(q.responses("q1") == [] and requests_at(q, "Account/b")["q1"] == {"wait": [OTHER]}, "the Query waits at the receiver: %r" % requests_at(q, "Account/b"))
check(q.state("Account/b") == {"balance": 0}, "and runs nothing")
for e in deposit_on_its_way:
    q.entity(e)
check(sorted(r["replyTo"]["id"] for r in q.responses("q1")) == ["c1", "c2"] and q.state("Account/b") == {"balance": 5},
      "the deposit's pass answers the client and the parked copy: %r" % q.responses("q1"))
check(requests_at(q, "Account/b")["q1"] == {"res": [2, {"ok": True}]}, "and records the answer, the wait list gone")

# Records of the previous layout keep working: a sender waiting for a Settle (written by
# an older pipeline, restored from its checkpoint) parks copies and answers them when the
# Settle comes; a Settle delivered again answers nobody.
old = bank_driver({"a": 5, "b": 5})
old.cell("entry", "Account/a").write(json.dumps({"state": {"balance": 5}, "hops": [], "requests": {"ids": {"s1": {"to": REPLY}}}}))
old.ingress(transfer("s1", reply=OTHER))
check(old.responses("s1") == [] and requests_at(old, "Account/a")["s1"] == {"to": REPLY, "wait": [OTHER]}, "a copy waits for the Settle")
settle = EVENT + json.dumps({"kind": "Settle", "requestId": "s1", "seq": 2, "stack": [], "replyTo": REPLY, "target": {"entity": "Account", "key": "a"}, "result": {"ok": True}})
old.entity(settle)
check([r["replyTo"]["id"] for r in old.responses("s1")] == ["c2"] and requests_at(old, "Account/a")["s1"] == {"res": [2, {"ok": True}]}, "the Settle answers it and is recorded")
old.entity(settle)
old.ingress(transfer("s1"))
check(len(old.responses("s1")) == 2 and old.responses("s1")[1]["replyTo"] == REPLY and old.state("Account/a") == {"balance": 5}, "a Settle again answers nobody; a later copy gets the answer")

# Dated ids keep the TTL and the 64-id window at every key: a sender's records of transfers
# sent on count to it, the oldest are dropped, a copy of a dropped one is refused (not run
# again), and a Query at a receiver that no longer knows the request answers RequestExpired.
w = bank_driver({"a": 1000, "b": 0}, ttl=3600, now_ms=issued + 10_000)
dated = [uuid7_at(issued + i, 100 + i) for i in range(requests.REQUEST_MEMORY + 3)]
for rid in dated:
    w.ingress(transfer(rid, amount=1))
for key in ("Account/a", "Account/b"):
    table = json.loads(w.cell("entry", key).read())["requests"]
    check(len(table["ids"]) == requests.REQUEST_MEMORY and dated[0] not in table["ids"] and table["forgot"] == issued + 2,
          "%s keeps the window: %d" % (key, len(table["ids"])))
w.ingress(transfer(dated[1], amount=1))
check(w.responses(dated[1])[-1]["result"]["error"]["code"] == "RequestExpired" and w.state("Account/b") == {"balance": len(dated)},
      "a dropped id's copy is refused, not run again")
w.ingress(transfer(dated[-1], amount=1, reply=OTHER))
check(w.responses(dated[-1])[-1]["result"] == {"ok": True} and w.responses(dated[-1])[-1]["replyTo"] == OTHER, "a remembered id's copy gets its answer")
# The sender still remembers a request the receiver dropped (a receiver busier than the sender).
a_cell = json.loads(w.cell("entry", "Account/a").read())
a_cell["requests"]["ids"][dated[1]] = {"fw": ["Account/b", 1], "n": 0, "t": issued + 1}
w.cell("entry", "Account/a").write(json.dumps(a_cell))
w.ingress(transfer(dated[1], amount=1, reply=OTHER))
gone = w.responses(dated[1])[-1]
check(gone["replyTo"] == OTHER and gone["result"]["error"]["code"] == "RequestExpired" and "no longer remembers" in gone["result"]["error"]["message"],
      "a Query at a key that forgot the request: RequestExpired: %r" % gone)
check(w.state("Account/b") == {"balance": len(dated)}, "and nothing ran")
# A Query that went around too many keys gives up with Unavailable (never runs anything).
lost = EVENT + json.dumps({"kind": "Query", "requestId": dated[-1], "seq": 0, "stack": [], "replyTo": OTHER, "at": "Account/a", "hops": requests.MAX_QUERY_HOPS})
w.entity(lost)
check(w.responses(dated[-1])[-1]["result"]["error"]["code"] == "Unavailable", "a Query past the hop bound gives up")

# -- the same through the kernel: a transfer whose last block is detached ------------------
BANK_SOURCE = '''
from stateflow import stateflow


@stateflow
class Account:
    def __init__(self, name: str, balance: int):
        self.name = name
        self.balance = balance

    def __key__(self):
        return self.name

    def deposit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    def read(self) -> int:
        return self.balance

    def transfer(self, to, amount):  # b0: take, to.deposit(amount); b1 (detached): return True
        ...


def __sf_Account__transfer__b0(self, __sf_env):
    to = __sf_env['to']
    amount = __sf_env['amount']
    if self.balance < amount:
        return ('return', False)
    self.balance -= amount
    return ('invoke', to, 'deposit', [amount], {}, 'b1', '__sf_t0', {})


def __sf_Account__transfer__b1(self, __sf_env):
    __sf_t0 = __sf_env['__sf_t0']
    return ('return', True)
'''
ANY = {"kind": "Any"}


def bank_method(name, params, blocks=(), detached=(), writes=True):
    body = {"kind": "SimpleBody"}
    if blocks:
        body = {"kind": "SplitBody", "entry": blocks[0], "blocks": [
            dict({"kind": "Block", "id": b, "function": "__sf_Account__%s__%s" % (name, b), "params": [], "mayReturn": True,
                  "terminator": {"kind": "Return", "loc": "synthetic"}, "loc": "synthetic"}, **({"detached": True} if b in detached else {}))
            for b in blocks]}
    return {"kind": "Method", "name": name, "returns": ANY, "writes": writes, "loc": "synthetic", "body": body,
            "params": [{"kind": "Param", "name": p, "type": ANY, "mode": "positional-or-keyword", "loc": "synthetic"} for p in params]}


BANK = {"kind": "Program", "irVersion": "0.1.0", "module": {"kind": "PythonModule", "name": "bank", "path": "bank.py", "source": BANK_SOURCE},
        "entities": [{"kind": "EntityClass", "name": "Account", "loc": "synthetic", "key": {"method": "__key__", "type": {"kind": "Str"}},
                      "fields": [], "init": bank_method("__init__", ["name", "balance"]),
                      "methods": [bank_method("deposit", ["amount"]), bank_method("transfer", ["to", "amount"], ["b0", "b1"], ["b1"]),
                                  bank_method("read", [], writes=False)]}]}
k = Driver(program=BANK, router=bank)
for name, balance in (("a", 10), ("b", 0)):
    k.ingress(json.dumps({"kind": "Construct", "entity": "Account", "requestId": "new-" + name, "seq": 0, "stack": [], "replyTo": REPLY, "args": [name, balance], "kwargs": {}}))
check([k.responses("new-" + n)[0]["result"]["ok"]["$key"] for n in "ab"] == ["a", "b"], "accounts created")
move = json.dumps({"kind": "Invoke", "requestId": "k1", "seq": 0, "stack": [], "replyTo": REPLY, "target": {"entity": "Account", "key": "a"},
                   "method": "transfer", "args": [{"$entity": "Account", "$key": "b"}, 4], "kwargs": {}})
k.ingress(move)
got = k.responses("k1")
check(len(got) == 1 and got[0]["result"] == {"ok": True} and got[0].get("origin") == {"entity": "Account", "key": "a"},
      "the kernel answers the transfer from the receiver, with origin: %r" % got)
check(k.state("Account/a")["balance"] == 6 and k.state("Account/b")["balance"] == 4 and requests_at(k, "Account/a")["k1"]["fw"] == ["Account/b", 1]
      and requests_at(k, "Account/b")["k1"]["res"][1] == {"ok": True}, "the transfer ran; the sender points at the receiver, which holds the answer")
k.ingress(move.replace('"c1"', '"c2"'))
check([r["replyTo"]["id"] for r in k.responses("k1")] == ["c1", "c2"] and k.state("Account/b")["balance"] == 4, "a copy gets the answer through a Query, nothing runs again")
k.ingress(move.replace('"k1"', '"k2"').replace(", 4]", ", 40]"))
check(k.responses("k2")[0]["result"] == {"ok": False} and "origin" not in k.responses("k2")[0] and requests_at(k, "Account/a")["k2"]["res"],
      "a transfer refused at the sender is answered and recorded there")
# With resumeDetached: false the sender resumes the transfer and answers, as before the
# option: the receiver's record points back at the sender (its Reply), and a copy's Query
# that reaches the sender before that Reply waits there for it.
f = Driver(program=BANK, router=bank, resume_detached=False)
for name, balance in (("a", 10), ("b", 0)):
    f.ingress(json.dumps({"kind": "Construct", "entity": "Account", "requestId": "new-" + name, "seq": 0, "stack": [], "replyTo": REPLY, "args": [name, balance], "kwargs": {}}))
f.ingress(move)
check(f.responses("k1")[0]["result"] == {"ok": True} and "origin" not in f.responses("k1")[0] and not f.held and requests_at(f, "Account/a")["k1"]["res"],
      "resume_detached off: the sender answers and records it")
check(requests_at(f, "Account/b")["k1"] == {"fw": ["Account/a", 2], "n": 1}, "the receiver's record points back at the sender: %r" % requests_at(f, "Account/b"))
f.hold_kinds = ("Reply",)
f.ingress(move.replace('"k1"', '"k3"'))
reply_on_its_way = f.held
f.held = []
f.hold_kinds = ()
f.ingress(move.replace('"k1"', '"k3"').replace('"c1"', '"c2"'))
check(f.responses("k3") == [] and requests_at(f, "Account/a")["k3"].get("wait") == [OTHER],
      "the copy's Query went to the receiver and back, and waits at the sender for the Reply: %r" % requests_at(f, "Account/a")["k3"])
for e in reply_on_its_way:
    f.entity(e)
check(sorted(r["replyTo"]["id"] for r in f.responses("k3")) == ["c1", "c2"] and f.state("Account/b")["balance"] == 8 and f.state("Account/a")["balance"] == 2,
      "the Reply's pass answers both, the transfer ran once: %r" % f.responses("k3"))

# -- the log a key's entry is kept in (entities.LogStore), with its real LOG_LIMIT -------
entities.LOG_LIMIT = REAL_LOG_LIMIT
LIMIT = REAL_LOG_LIMIT
T0 = issued + 10_000


bank_read = Router({"entities": [{"name": "Account", "methods": [{"name": "transfer"}, {"name": "deposit"}, {"name": "read"}]}]}, CONFIG)


def bank_driver(store):
    drv = Driver(program=BANK, router=bank_read, ttl=3600, now_ms=T0, store=store)
    for name, balance in (("a", 1000), ("b", 0)):
        drv.ingress(json.dumps({"kind": "Construct", "entity": "Account", "requestId": "new-" + name, "seq": 0, "stack": [], "replyTo": REPLY, "args": [name, balance], "kwargs": {}}))
    return drv


def bank_call(rid, key, method, args, reply=REPLY):
    return json.dumps({"kind": "Invoke", "requestId": rid, "seq": 0, "stack": [], "replyTo": reply, "target": {"entity": "Account", "key": key},
                       "method": method, "args": args, "kwargs": {}})


# The same requests (deposits, transfers, copies of both, a copy racing its transfer's
# hop) give the same answers, states, hop ids and request tables kept in one text and
# in a log; the log takes one append per pass and is rewritten whole past LOG_LIMIT.
one, log = bank_driver("cell"), bank_driver("log")
script = []
for i in range(3 * LIMIT):
    rid = uuid7_at(T0 + i, i)
    if i % 3 == 0:
        script.append(("in", bank_call(rid, "a", "deposit", [1])))
    else:
        script.append(("in", bank_call(rid, "a", "transfer", [{"$entity": "Account", "$key": "b"}, 2])))
    if i % 5 == 0:
        script.append(("in", bank_call(rid, "a", "transfer" if i % 3 else "deposit", [{"$entity": "Account", "$key": "b"}, 2] if i % 3 else [1], OTHER)))
    if i % 7 == 1:  # a copy sent while the transfer's deposit is still on its way to b
        script.append(("hold", bank_call(uuid7_at(T0 + i, 1000 + i), "a", "transfer", [{"$entity": "Account", "$key": "b"}, 2])))
        script.append(("in", bank_call(uuid7_at(T0 + i, 1000 + i), "a", "transfer", [{"$entity": "Account", "$key": "b"}, 2], OTHER)))
        script.append(("release", None))
for what, value in script:
    for drv in (one, log):
        if what == "release":
            drv.release()
        else:
            drv.ingress(value, hold=(what == "hold"))
check(one.sent == log.sent and len(one.sent) > 3 * LIMIT, "the same answers with the entry in one text or in a log (%d sent)" % len(one.sent))
for key in ("Account/a", "Account/b"):
    a, b = json.loads(one.cell("entry", key).read()), json.loads(log.cell("entry", key).read())
    check(a["state"] == b["state"] and a["hops"] == b["hops"] and a["requests"]["ids"] == b["requests"]["ids"],
          "%s: the log folds to the entry kept in one text" % key)
check(log.state("Account/a")["balance"] + log.state("Account/b")["balance"] == 1000 + sum(1 for i in range(3 * LIMIT) if i % 3 == 0),
      "every deposit and transfer ran once")
bag = log.cell("entry", "Account/a").bag
check(1 <= len(bag.texts) <= LIMIT and bag.clears >= 1 and "hops" in json.loads(bag.texts[0]),
      "past LOG_LIMIT the log is rewritten as one whole entry (%d texts, %d clears)" % (len(bag.texts), bag.clears))

# A read appends only its record; an update its state too.
drv = bank_driver("log")
bag = drv.cell("entry", "Account/a").bag
adds, clears, texts = bag.adds, bag.clears, len(bag.texts)
drv.ingress(bank_call(uuid7_at(T0, 1), "a", "read", []))
part = json.loads(bag.texts[-1])
check(bag.adds == adds + 1 and bag.clears == clears and len(bag.texts) == texts + 1 and set(part) == {"ids"} and list(part["ids"]) == [uuid7_at(T0, 1)],
      "a read (no state changed) appends one text with its record: %r" % part)
drv.ingress(bank_call(uuid7_at(T0, 2), "a", "deposit", [5]))
part = json.loads(bag.texts[-1])
check(bag.adds == adds + 2 and bag.clears == clears and part["state"]["balance"] == 1005 and list(part["ids"]) == [uuid7_at(T0, 2)], "an update appends its state and record")
drv.ingress(bank_call(uuid7_at(T0, 2), "a", "deposit", [5], OTHER))
check(bag.adds == adds + 2 and [r["result"] for r in drv.responses(uuid7_at(T0, 2))] == [{"ok": 1005}] * 2 and drv.state("Account/a")["balance"] == 1005,
      "a copy is answered from an appended record, nothing appended, nothing run")
drv.ingress(bank_call(uuid7_at(T0, 3), "b", "deposit", [1]))
hop = [t for t in drv.cell("entry", "Account/b").bag.texts if "hop" in json.loads(t)]
check(hop == [], "a client request's pass adds no hop id")
drv.ingress(bank_call(uuid7_at(T0, 4), "a", "transfer", [{"$entity": "Account", "$key": "b"}, 1]))
hop = [json.loads(t)["hop"] for t in drv.cell("entry", "Account/b").bag.texts if "hop" in json.loads(t)]
check(hop == ["%s|1|Invoke" % uuid7_at(T0, 4)], "a hop that changed the receiver appends its id: %r" % hop)

# Old ids leave the table when the log is rewritten whole (not before: a record kept
# longer never lets a copy run twice).
drv.now_ms = T0 + 3600 * 1000 + 60_000
while len(bag.texts) < LIMIT:
    drv.ingress(bank_call("undated-%d" % len(bag.texts), "a", "read", []))
check(uuid7_at(T0, 1) in json.loads(drv.cell("entry", "Account/a").read())["requests"]["ids"], "an id past its TTL stays until the rewrite")
clears = bag.clears
drv.ingress(bank_call("undated-last", "a", "read", []))
ids = json.loads(bag.texts[0])["requests"]["ids"]
check(bag.clears == clears + 1 and len(bag.texts) == 1 and uuid7_at(T0, 1) not in ids and "undated-last" in ids,
      "the rewrite drops the ids past their TTL and keeps the new one")
drv.ingress(bank_call(uuid7_at(T0, 1), "a", "read", []))
check(drv.responses(uuid7_at(T0, 1))[-1]["result"]["error"]["code"] == "RequestExpired", "a copy of a dropped id is refused, not run")

# A key kept by a pipeline before the log (one text in the old cell) is read from there,
# and moved into the log whole at its first write.
old_cell, new_bag = Cell(), Bag()
old_cell.write(json.dumps({"state": {"name": "c", "balance": 7}, "hops": [], "requests": {"ids": {"s1": {"res": [1, {"ok": 7}]}}}}))
out = EntityLogic(BANK).handle(CLIENT + bank_call("s2", "c", "deposit", [1]), LogStore(new_bag, old_cell))
entry = LogStore(new_bag).load()
check(old_cell.read() is None and len(new_bag.texts) == 1 and entry["state"]["balance"] == 8 and set(entry["requests"]["ids"]) == {"s1", "s2"},
      "an entry of the old cell moves into the log: %r" % entry)
out = EntityLogic(BANK).handle(CLIENT + bank_call("s1", "c", "deposit", [1]), LogStore(new_bag, old_cell))
check(json.loads(out[1][0])["result"] == {"ok": 7} and LogStore(new_bag).load()["state"]["balance"] == 8, "its records still answer copies")

print("ok %d" % passed)
