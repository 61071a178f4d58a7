"""Tests of stateflow_lambda (payload checks, the optimistic chain runner, the function)
with a plain Python and an in-memory table (run by function.test.ts)."""
import json
import os

from stateflow_kernel import Kernel
from stateflow_lambda.chain import ChainRunner
from stateflow_lambda.function import Function
from stateflow_lambda.table import AlreadyAnswered, Conflict, TooLarge

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "transfers.ir.json"), encoding="utf-8") as f:
    PROGRAM = json.load(f)
REPLY = {"channel": "lambda", "id": "c1"}
passed = 0


def check(cond, what):
    global passed
    assert cond, what
    passed += 1


class MemoryTable:
    """The Table interface over dicts, with the same conditions as the DynamoDB one."""

    def __init__(self):
        self.items = {}      # (entity, key) -> (state, version)
        self.answers = {}    # request id -> (response, fingerprint)
        self.before_commit = None
        self.commits = 0

    def read_instance(self, address):
        return self.items.get(address, (None, None))

    def read_answer(self, request_id):
        return self.answers.get(request_id)

    def commit(self, reads, writes, request_id, fingerprint, response):
        if self.before_commit:
            hook, self.before_commit = self.before_commit, None
            hook()
        if len(reads) + 1 > 100:
            raise TooLarge("too many")
        if request_id in self.answers:
            raise AlreadyAnswered()
        for address, version in reads.items():
            if self.items.get(address, (None, None))[1] != version:
                raise Conflict()
        for address, state in writes.items():
            self.items[address] = (state, (reads[address] or 0) + 1)
        self.answers[request_id] = (response, fingerprint)
        self.commits += 1


def request(kind, rid, **kw):
    e = {"kind": kind, "requestId": rid, "replyTo": REPLY}
    e.update(kw)
    return e


def ref(key):
    return {"$entity": "Account", "$key": key}


table = MemoryTable()
kernel = Kernel(PROGRAM)
fn = Function(kernel, table)
fn.runner.sleep = lambda s: None

# Creates and a transfer across two instances commit once each, with versions.
check(fn.handle(request("Construct", "c-a", entity="Account", args=["a", 100]))["result"] == {"ok": ref("a")}, "create a")
check(fn.handle(request("Construct", "c-b", entity="Account", args=["b", 0]))["result"] == {"ok": ref("b")}, "create b")
r = fn.handle(request("Invoke", "t1", target={"entity": "Account", "key": "a"}, method="transfer", args=[ref("b"), 30]))
check(r["result"] == {"ok": True}, r)
check(table.items[("Account", "a")] == ({"name": "a", "balance": 70}, 2), table.items)
check(table.items[("Account", "b")][0]["balance"] == 30, table.items)

# The same request id again: the committed answer, nothing runs twice.
commits = table.commits
r = fn.handle(request("Invoke", "t1", target={"entity": "Account", "key": "a"}, method="transfer", args=[ref("b"), 30]))
check(r["result"] == {"ok": True} and table.commits == commits, "dedupe")
check(table.items[("Account", "a")][0]["balance"] == 70, "not applied twice")
# ... but a different call under that id is refused.
r = fn.handle(request("Invoke", "t1", target={"entity": "Account", "key": "a"}, method="add", args=[1]))
check(r["result"]["error"]["code"] == "IdempotencyKeyReused", r)

# A conflicting commit in between (another invocation wrote b): the chain runs again on
# the fresh state and no update is lost.
def concurrent_write():
    state, version = table.items[("Account", "b")]
    table.items[("Account", "b")] = (dict(state, balance=state["balance"] + 5), version + 1)

table.before_commit = concurrent_write
r = fn.handle(request("Invoke", "t2", target={"entity": "Account", "key": "a"}, method="transfer", args=[ref("b"), 10]))
check(r["result"] == {"ok": True}, r)
check(fn.runner.conflicts == 1, fn.runner.conflicts)
check(table.items[("Account", "b")][0]["balance"] == 45, table.items[("Account", "b")])
check(table.items[("Account", "a")][0]["balance"] == 60, table.items[("Account", "a")])

# Another invocation answered the same request id first: its answer is returned.
def other_answer():
    table.answers["t3"] = ({"kind": "Response", "requestId": "t3", "seq": 1, "stack": [], "replyTo": REPLY, "result": {"ok": "theirs"}}, "")

table.before_commit = other_answer
r = fn.handle(request("Invoke", "t3", target={"entity": "Account", "key": "a"}, method="transfer", args=[ref("b"), 1]))
check(r["result"] == {"ok": "theirs"}, r)
check(table.items[("Account", "a")][0]["balance"] == 60, "the losing run's effects are not applied")

# A call that reads one instance and changes nothing commits nothing.
commits = table.commits
r = fn.handle(request("Invoke", "ro1", target={"entity": "Account", "key": "a"}, method="get_balance"))
check(r["result"] == {"ok": 60} and table.commits == commits and "ro1" not in table.answers, (r, table.commits))

# User errors and system errors are answers too.
r = fn.handle(request("Invoke", "e1", target={"entity": "Account", "key": "zz"}, method="get_balance"))
check(r["result"]["error"]["code"] == "EntityNotFound", r)
r = fn.handle(request("Construct", "e2", entity="Account", args=["a", 1]))
check(r["result"]["error"]["code"] == "EntityExists", r)

# GetState reads without a commit; Ping warms up.
check(fn.handle(request("GetState", "g1", target={"entity": "Account", "key": "a"}))["result"] == {"ok": {"name": "a", "balance": 60}}, "get")
check(fn.handle(request("GetState", "g2", target={"entity": "Account", "key": "q"}))["result"]["error"]["code"] == "EntityNotFound", "get missing")
check(fn.handle({"kind": "Ping"}) == {"kind": "Pong"}, "ping")

# Malformed payloads: error Responses, never exceptions.
for bad in ["{oops", [], 5, None, {}, {"kind": "Invoke"}, {"kind": "Invoke", "requestId": "x", "replyTo": REPLY},
            {"kind": "Invoke", "requestId": "x", "replyTo": REPLY, "target": {"entity": "Account", "key": "a"}, "method": "add", "kwargs": []},
            {"kind": "Invoke", "requestId": "x", "replyTo": REPLY, "target": {"entity": "Account", "key": "k" * 1001}, "method": "add"},
            {"kind": "Invoke", "requestId": "", "replyTo": REPLY}, {"kind": "Reply", "requestId": "x", "replyTo": REPLY}]:
    r = fn.handle(bad)
    check(r["kind"] == "Response" and r["result"]["error"]["type"] == "BadRequest", (bad, r))

# Payloads that used to escape as exceptions (the checks Cloudburst's function shares).
r = fn.handle("[" * 100000 + "]" * 100000)
check(r["result"]["error"]["message"] == "the payload nests arrays or objects too deeply to read", r)
r = fn.handle(request("GetState", "s1", target={"entity": "Account", "key": "\ud800"}))
check(r["result"]["error"]["message"] == "the key is not valid Unicode (it holds a lone UTF-16 surrogate)", r)

# An HTTP API event: the request is the body, the answer the response body.
r = fn.handle({"requestContext": {}, "body": json.dumps(request("Invoke", "h1", target={"entity": "Account", "key": "b"}, method="get_balance"))})
check(r["statusCode"] == 200 and json.loads(r["body"])["result"] == {"ok": 45}, r)

# Unbounded recursion stops at the hop limit.
runner = ChainRunner(kernel.process, MemoryTable(), max_hops=2)
runner.table.items[("Account", "a")] = ({"name": "a", "balance": 10}, 1)
runner.table.items[("Account", "b")] = ({"name": "b", "balance": 0}, 1)
r = runner.run(dict(request("Invoke", "h", target={"entity": "Account", "key": "a"}, method="transfer", args=[ref("b"), 1], kwargs={}), seq=0, stack=[]))
check("exceeded 2 hops" in r["result"]["error"]["message"], r)

print("ok %d" % passed)
