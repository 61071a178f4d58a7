"""Tests of stateflow_flink.routing and .operator with a plain Python (run by routing.test.ts)."""
import json
import os

from stateflow_flink.operator import EntityLogic
from stateflow_flink.routing import DEAD, INGRESS, REJECTED, Router

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
invoke = event(kind="Invoke", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[1], kwargs={})
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

check(router.response_topic(json.dumps({"replyTo": REPLY})) == "replies", "reply topic from replyTo")
check(router.response_topic(json.dumps({"replyTo": {"channel": "http", "id": "x"}})) == "out", "default egress")


class FakeState:
    def __init__(self):
        self.state = None
        self.seen = {}

    def get_state(self):
        return self.state

    def set_state(self, text):
        self.state = text

    def get_seen(self, rid):
        return self.seen.get(rid)

    def put_seen(self, rid, response):
        self.seen[rid] = response


logic = EntityLogic(PROGRAM)
keys = {}


def run(origin, text):
    ev = json.loads(text)
    key = "$construct/" + ev["requestId"] if ev["kind"] == "Construct" else "%s/%s" % (ev["target"]["entity"], ev["target"]["key"])
    return logic.handle(origin, text, keys.setdefault(key, FakeState()))


internal, responses, dead = run(INGRESS, construct)
check(len(internal) == 1 and json.loads(internal[0])["kind"] == "Insert" and not responses, "construct emits Insert")
internal2, responses, _ = run("N", internal[0])
check(json.loads(responses[0])["result"] == {"ok": {"$entity": "Item", "$key": "coke"}}, "insert answers the reference")
check(json.loads(keys["Item/coke"].state)["stock"] == 0, "state stored")
_, responses, _ = run(INGRESS, invoke)
check(json.loads(responses[0])["result"] == {"ok": True}, "invoke runs")
_, again, _ = run(INGRESS, invoke)
check(again == responses and json.loads(keys["Item/coke"].state)["stock"] == 1, "retry answered from memory, run once")
get = event(kind="GetState", target={"entity": "Item", "key": "coke"}, requestId="g1")
_, responses, _ = run(INGRESS, get)
check(json.loads(responses[0])["result"]["ok"]["stock"] == 1, "GetState")
check("g1" not in keys["Item/coke"].seen, "GetState is not remembered")
_, responses, _ = run(INGRESS, event(kind="GetState", target={"entity": "Item", "key": "nope"}))
check(json.loads(responses[0])["result"]["error"]["code"] == "EntityNotFound", "GetState of a missing instance")
check(logic.handle(REJECTED, "R", FakeState()) == ([], ["R"], []), "rejected forwarded as response")
check(logic.handle(DEAD, "D", FakeState()) == ([], [], ["D"]), "dead letter forwarded")
print("ok %d" % passed)
