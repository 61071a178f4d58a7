"""How much the request-reply protocol adds to a call of the generated function (the measurement
behind the choice of the function service, apps/docs/guide/statefun.md).

Usage: <statefun-venv>/bin/python sdk-overhead.py <built app folder> [calls]

Times, in one process, (1) the record logic alone (stateflow_flink EntityLogic + kernel: what
any function service must run) and (2) the whole request-reply call through the service's
RequestReplyHandler (stateflow_statefun.request_reply; the SDK's own in an app built before it
had one): ToFunction protobuf in (state attached), dispatch, FromFunction out. The difference
is what the protocol costs per call; a Node service speaking the protocol would pay its
own protobuf work plus a process boundary to reach the Python kernel (python-host).
"""
import asyncio
import json
import os
import sys
import time

app = os.path.abspath(sys.argv[1])
calls = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
sys.path.insert(0, os.path.join(app, "python"))

from statefun import StringType  # noqa: E402
from statefun.request_reply_pb2 import ToFunction  # noqa: E402

from stateflow_flink.operator import EntityLogic  # noqa: E402
from stateflow_statefun.functions import build_functions  # noqa: E402

try:
    from stateflow_statefun.request_reply import RequestReplyHandler  # noqa: E402
except ImportError:  # an app built before the service had its own handler
    from statefun import RequestReplyHandler  # noqa: E402

program = json.load(open(os.path.join(app, "program.ir.json")))
config = json.load(open(os.path.join(app, "statefun-app.json")))
state = json.dumps({"id": "a1", "balance": 1000, "field0": "x" * 100})
reply_to = {"channel": "kafka:bench-replies", "id": "c1"}


def event(i):
    return json.dumps({"kind": "Invoke", "requestId": "r%d" % i, "seq": 0, "stack": [], "replyTo": reply_to,
                       "target": {"entity": "Account", "key": "a1"}, "method": "deposit", "args": [1], "kwargs": {}})


class Dict:
    def __init__(self):
        self.s, self.seen = state, {}

    def get_state(self):
        return self.s

    def set_state(self, t):
        self.s = t

    def get_seen(self, r):
        return self.seen.get(r)

    def put_seen(self, r, rec, keep):
        self.seen[r] = rec


logic = EntityLogic(program, True, 3600)
for i in range(300):
    logic.handle("I", event(i), Dict())
t0 = time.perf_counter()
for i in range(calls):
    logic.handle("I", event(i), Dict())
logic_us = (time.perf_counter() - t0) / calls * 1e6

ser = StringType.serializer()


def to_function(i):
    tf = ToFunction()
    inv = tf.invocation
    inv.target.namespace, inv.target.type, inv.target.id = "stateflow", "Account", "a1"
    for name, value in (("instance", state), ("requests", None)):
        s = inv.state.add()
        s.state_name = name
        if value is not None:
            s.state_value.typename = "io.statefun.types/string"
            s.state_value.has_value = True
            s.state_value.value = ser.serialize(value)
    arg = inv.invocations.add().argument
    arg.typename, arg.has_value, arg.value = "stateflow/event", True, ("I" + event(i)).encode()
    return tf.SerializeToString()


handler = RequestReplyHandler(build_functions(program, config))
requests = [to_function(i) for i in range(calls)]


async def run():
    for r in requests[:300]:
        await handler.handle_async(r)
    t0 = time.perf_counter()
    for r in requests:
        await handler.handle_async(r)
    return (time.perf_counter() - t0) / calls * 1e6


sdk_us = asyncio.run(run())
print(json.dumps({"calls": calls, "logicUsPerCall": round(logic_us, 1), "sdkCallUsPerCall": round(sdk_us, 1), "sdkOverheadUs": round(sdk_us - logic_us, 1)}))
