"""CPU per operation of a Statefun function service, in one process, without Statefun.

Usage: <statefun-venv>/bin/python service-cpu.py gen|ref <app folder> [--workload A|T]
       [--ops 4000] [--warm 2000] [--entities 1000] [--profile out.prof]

Drives the service's RequestReplyHandler the way Statefun does (a small stand-in for the
runtime, in this process): a ToFunction per message with the target address's persisted
values attached, the state mutations of the FromFunction kept for the next call, its
messages delivered in order, its egress records counted as answers. ``gen``: the generated
application built in <app folder> (``stateflow build --target statefun``); ``ref``: the
hand-written reference (bench/reference/service.py) copied into <app folder>.

Prints one JSON line: microseconds of handler time per operation (a transfer is every call
it makes), calls per operation and the bytes of state that travel per call. Warm-up
operations (--warm, spread over the keys) first grow each instance's state as a run of the
benchmark does; then --ops are timed. ``--profile`` writes cProfile stats of the timed part.
"""
import argparse
import asyncio
import json
import os
import random
import sys
import time

from statefun.kafka_egress_pb2 import KafkaProducerRecord
from statefun.request_reply_pb2 import FromFunction, ToFunction, TypedValue

p = argparse.ArgumentParser()
p.add_argument("side", choices=["gen", "ref"])
p.add_argument("app")
p.add_argument("--workload", default="A")
p.add_argument("--ops", type=int, default=4000)
p.add_argument("--warm", type=int, default=2000)
p.add_argument("--entities", type=int, default=1000)
p.add_argument("--profile", default="")
args = p.parse_args()
app = os.path.abspath(args.app)
REPLY_TO = {"channel": "kafka:%s-replies" % args.side, "id": "client-1"}


def load_generated():
    sys.path.insert(0, os.path.join(app, "python"))
    from statefun import RequestReplyHandler
    from stateflow_statefun.functions import build_functions

    program = json.load(open(os.path.join(app, "program.ir.json")))
    config = json.load(open(os.path.join(app, "statefun-app.json")))
    return RequestReplyHandler(build_functions(program, config)), "stateflow/Account", "stateflow/request"


def load_reference():
    import aiohttp.web

    aiohttp.web.run_app = lambda *a, **k: None  # import its functions without serving
    path = os.path.join(app, "reference", "service.py")
    scope = {"__file__": path, "__name__": "reference"}
    exec(compile(open(path).read(), path, "exec"), scope)
    return scope["handler"], "bench/account", "bench/request"


handler, ACCOUNT, REQUEST_TYPE = load_generated() if args.side == "gen" else load_reference()
state = {}  # (typename, id) -> {name: TypedValue}
stats = {"handler_s": 0.0, "calls": 0, "state_bytes": 0, "answers": 0}


async def call(typename, target_id, argument):
    """One function call as Statefun makes it (with the retry after missing state specs)."""
    values = state.setdefault((typename, target_id), {})
    while True:
        tf = ToFunction()
        inv = tf.invocation
        inv.target.namespace, _, inv.target.type = typename.partition("/")
        inv.target.id = target_id
        for name, tv in values.items():
            pv = inv.state.add()
            pv.state_name = name
            pv.state_value.CopyFrom(tv)
            stats["state_bytes"] += len(tv.value)
        inv.invocations.add().argument.CopyFrom(argument)
        body = tf.SerializeToString()
        t0 = time.thread_time()  # CPU time: the machine may be shared
        answer = await handler.handle_async(body)
        stats["handler_s"] += time.thread_time() - t0
        stats["calls"] += 1
        out = FromFunction()
        out.ParseFromString(answer)
        if out.HasField("incomplete_invocation_context"):
            for missing in out.incomplete_invocation_context.missing_values:
                values[missing.state_name] = TypedValue(typename=missing.type_typename, has_value=False)
            continue
        result = out.invocation_result
        for m in result.state_mutations:
            if m.mutation_type == FromFunction.PersistedValueMutation.MODIFY:
                values[m.state_name] = m.state_value
            else:
                values[m.state_name] = TypedValue(typename=values[m.state_name].typename, has_value=False)
        for e in result.outgoing_egresses:
            record = KafkaProducerRecord()
            record.ParseFromString(e.argument.value)
            stats["answers"] += 1
        return [("%s/%s" % (m.target.namespace, m.target.type), m.target.id, m.argument) for m in result.outgoing_messages]


async def request(event, key):
    """A client record keyed ``Account/key`` through the (key-routing) ingress, then every message it causes."""
    queue = [(ACCOUNT, "Account/" + key if args.side == "ref" else key,
              TypedValue(typename=REQUEST_TYPE, has_value=True, value=json.dumps(event).encode()))]
    while queue:
        queue.extend(await call(*queue.pop(0)))


async def create_all():
    if args.side == "ref":
        return  # the reference starts every account at 1,000,000
    for i in range(args.entities):
        event = {"kind": "Construct", "requestId": "c-%d" % i, "seq": 0, "stack": [], "replyTo": REPLY_TO,
                 "entity": "Account", "args": ["acct%d" % i, 1_000_000], "kwargs": {}}
        tv = TypedValue(typename=REQUEST_TYPE, has_value=True, value=json.dumps(event).encode())
        queue = [("stateflow.system/ingress", "-", tv)]
        while queue:
            queue.extend(await call(*queue.pop(0)))


def operations(workload, seed):
    rnd = random.Random(seed)
    n = 0
    while True:
        n += 1
        a = rnd.randrange(args.entities)
        if workload == "T":
            b = rnd.randrange(args.entities)
            if b == a:
                b = (a + 1) % args.entities
            method, margs = "transfer", [1, {"$entity": "Account", "$key": "acct%d" % b}]
        elif rnd.random() < 0.5:
            method, margs = "read", []
        else:
            method, margs = "update", ["v" * 100]
        key = "acct%d" % a
        yield key, {"kind": "Invoke", "requestId": "%s-%s-%d" % (args.side, workload, n + seed * 10_000_000), "seq": 0,
                    "stack": [], "replyTo": REPLY_TO, "target": {"entity": "Account", "key": key},
                    "method": method, "args": margs, "kwargs": {}}


async def main():
    await create_all()
    ops = operations(args.workload, 1)
    for _ in range(args.warm):
        key, event = next(ops)
        await request(event, key)
    for k in stats:
        stats[k] = 0 if k != "handler_s" else 0.0
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    for _ in range(args.ops):
        key, event = next(ops)
        await request(event, key)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    print(json.dumps({
        "side": args.side, "workload": args.workload, "ops": args.ops, "warm": args.warm,
        "handlerUsPerOp": round(stats["handler_s"] / args.ops * 1e6, 1),
        "callsPerOp": round(stats["calls"] / args.ops, 2),
        "answersPerOp": round(stats["answers"] / args.ops, 2),
        "stateBytesPerCall": round(stats["state_bytes"] / max(1, stats["calls"])),
    }))


asyncio.run(main())
