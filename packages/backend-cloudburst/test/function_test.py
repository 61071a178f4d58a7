"""Tests of stateflow_cloudburst (request checks, the chain runner, the function class)
with plain Python and an in-memory store standing in for Anna (run by function.test.ts
on the test Python, and on Cloudburst's Python 3.7 when it is built).

Runs without pytest (Cloudburst's venv has none): prints ``ok <checks>`` at the end.
"""
import json
import os
import sys

from stateflow_kernel import Kernel
from stateflow_cloudburst.function import Handler, StateflowFunction
from stateflow_cloudburst.store import MemoryStore

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "transfers.ir.json"), encoding="utf-8") as f:
    PROGRAM = json.load(f)
REPLY = {"channel": "lambda", "id": "c1"}
passed = 0


def check(cond, what):
    global passed
    assert cond, what
    passed += 1


def request(kind, rid, **kw):
    e = {"kind": kind, "requestId": rid, "replyTo": REPLY}
    e.update(kw)
    return e


def ref(key):
    return {"$entity": "Account", "$key": key}


def at(key):
    return {"entity": "Account", "key": key}


store = MemoryStore()
fn = Handler(Kernel(PROGRAM), "app|")

# Creates and a transfer across two instances: states in the store as JSON text.
check(fn.handle(request("Construct", "c-a", entity="Account", args=["a", 100]), store)["result"] == {"ok": ref("a")}, "create a")
check(fn.handle(request("Construct", "c-b", entity="Account", args=["b", 0]), store)["result"] == {"ok": ref("b")}, "create b")
check(json.loads(store.data["app|e|Account|a"]) == {"name": "a", "balance": 100}, store.data)
gets, puts = store.gets, store.puts
r = fn.handle(request("Invoke", "t1", target=at("a"), method="transfer", args=[ref("b"), 30]), store)
check(r["kind"] == "Response" and r["result"] == {"ok": True} and r["requestId"] == "t1", r)
# One round trip for the answer record and the target, one for the other instance, one write.
check((store.gets - gets, store.puts - puts) == (2, 1), (store.gets - gets, store.puts - puts))
check(json.loads(store.data["app|e|Account|b"])["balance"] == 30, store.data)

# A retry with the same request id gets the stored answer and changes nothing.
r = fn.handle(request("Invoke", "t1", target=at("a"), method="transfer", args=[ref("b"), 30]), store)
check(r["result"] == {"ok": True}, r)
check(json.loads(store.data["app|e|Account|a"])["balance"] == 70, "retry ran once")
# The same id for another call is refused.
r = fn.handle(request("Invoke", "t1", target=at("a"), method="transfer", args=[ref("b"), 31]), store)
check(r["result"]["error"]["code"] == "IdempotencyKeyReused", r)

# A read changes nothing and writes no answer.
puts = store.puts
r = fn.handle(request("Invoke", "r1", target=at("a"), method="get_balance"), store)
check(r["result"] == {"ok": 70} and store.puts == puts and "app|r|r1" not in store.data, r)

# User errors and system errors are answers.
r = fn.handle(request("Invoke", "e1", target=at("zz"), method="get_balance"), store)
check(r["result"]["error"]["code"] == "EntityNotFound", r)
r = fn.handle(request("Construct", "e2", entity="Account", args=["a", 1]), store)
check(r["result"]["error"]["code"] == "EntityExists", r)

# GetState and Ping.
check(fn.handle(request("GetState", "g1", target=at("a")), store)["result"] == {"ok": {"name": "a", "balance": 70}}, "get")
check(fn.handle(request("GetState", "g2", target=at("q")), store)["result"]["error"]["code"] == "EntityNotFound", "get missing")
check(fn.handle({"kind": "Ping"}, store) == {"kind": "Pong"}, "ping")

# Malformed requests: error Responses, never exceptions.
for bad in ["{oops", [], 5, None, {}, {"kind": "Invoke"}, {"kind": "Invoke", "requestId": "x", "replyTo": REPLY},
            {"kind": "Invoke", "requestId": "x", "replyTo": REPLY, "target": at("a"), "method": "add", "kwargs": []},
            {"kind": "Invoke", "requestId": "x", "replyTo": REPLY, "target": at("k" * 1001), "method": "add"},
            {"kind": "Reply", "requestId": "x", "replyTo": REPLY}]:
    r = fn.handle(json.dumps(bad) if not isinstance(bad, str) else bad, store)
    check(r["kind"] == "Response" and r["result"]["error"]["code"] == "BadArguments", (bad, r))

# A bug of ours (the store fails) is an Internal error answer, not an exception.
class BrokenStore(MemoryStore):
    def put_many(self, values):
        raise RuntimeError("anna is down")
r = fn.handle(request("Invoke", "x1", target=at("a"), method="add", args=[1]), BrokenStore())
check(r["result"]["error"]["code"] in ("Internal", "EntityNotFound"), r)

# Unbounded recursion stops at maxHops.
small = Handler(Kernel(PROGRAM), "app|", max_hops=1)
r = small.handle(request("Invoke", "h1", target=at("a"), method="transfer", args=[ref("b"), 1]), store)
check(r["result"]["error"]["code"] == "Internal" and "hops" in r["result"]["error"]["message"], r)

# The Cloudburst class: built with the config as JSON text, run with JSON text in and out.
class FakeCb:
    pass
cls_fn = StateflowFunction(FakeCb(), json.dumps({"program": PROGRAM, "prefix": "p|", "maxHops": 100}))
import stateflow_cloudburst.function as function_module
function_module.AnnaStore = lambda cb: store  # the Anna store needs Cloudburst; the memory one stands in
out = cls_fn.run(FakeCb(), json.dumps(request("Construct", "k1", entity="Account", args=["z", 5])))
check(isinstance(out, str) and json.loads(out)["result"] == {"ok": ref("z")}, out)
check("p|e|Account|z" in store.data, "prefix used")

print("python %d.%d" % sys.version_info[:2], file=sys.stderr)
print("ok %d" % passed)
