"""CPU per operation of a Statefun function service, in one process, without Statefun.

Usage: <statefun-venv>/bin/python service-cpu.py gen|ref <app folder> [--workload A|T]
       [--ops 4000] [--warm 2000] [--entities 1000] [--profile out.prof]
       [--http --callers 32] [--request-ids uuidv7|plain] [--batches 1]

Drives the service's RequestReplyHandler the way Statefun does (a small stand-in for the
runtime, in this process): a ToFunction per message with the target address's persisted
values attached, the state mutations of the FromFunction kept for the next call, its
messages delivered in order, its egress records counted as answers. ``gen``: the generated
application built in <app folder> (``stateflow build --target statefun``); ``ref``: the
hand-written reference (bench/reference/service.py) copied into <app folder>.

Prints one JSON line: microseconds of handler time per operation (a transfer is every call
it makes), calls per operation, the bytes of state that travel per call, and per operation
what Statefun's JVM handles: the bytes of the ToFunction and FromFunction bodies, the state
mutations and their bytes (values it writes to RocksDB), the messages and egress records. Warm-up
operations (--warm, spread over the keys) first grow each instance's state as a run of the
benchmark does; then --ops are timed (with ``--batches N`` in N batches, and the fastest
batch's time per operation is printed too: on a shared machine it is the steadier number).
Request ids are UUIDv7, as the benchmark sends (``--request-ids plain``: undated ids, which
keep a transfer's third call, the compatibility ``Settle``). ``--profile`` writes cProfile stats of the timed part.

``--http``: the same through the service's HTTP server, started as its own process
(``service.py``), with --callers operations in flight (Statefun's many concurrent calls):
then the CPU counted is the whole service process's (from /proc), per operation.
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
p.add_argument("--http", action="store_true")
p.add_argument("--callers", type=int, default=32)
p.add_argument("--request-ids", choices=["uuidv7", "plain"], default="uuidv7")
# On a shared machine other processes preempt this one, and its CPU time per operation grows
# with their load (caches, frequency): the fastest of many small batches is steadier.
p.add_argument("--batches", type=int, default=1)
args = p.parse_args()
app = os.path.abspath(args.app)
REPLY_TO = {"channel": "kafka:%s-replies" % args.side, "id": "client-1"}


def load_generated():
    sys.path.insert(0, os.path.join(app, "python"))
    from stateflow_statefun.functions import build_functions

    try:
        from stateflow_statefun.request_reply import RequestReplyHandler
    except ImportError:  # an app built before the service had its own handler: the SDK's
        from statefun import RequestReplyHandler

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


if args.http:
    handler = None
    ACCOUNT, REQUEST_TYPE = ("stateflow/Account", "stateflow/request") if args.side == "gen" else ("bench/account", "bench/request")
else:
    handler, ACCOUNT, REQUEST_TYPE = load_generated() if args.side == "gen" else load_reference()
state = {}  # (typename, id) -> {name: TypedValue}
stats = {"handler_s": 0.0, "calls": 0, "state_bytes": 0, "answers": 0,
         # What Statefun's JVM handles per operation: request and reply bodies, state values written back, messages, egress records.
         "to_bytes": 0, "from_bytes": 0, "mutations": 0, "mutated_bytes": 0, "messages": 0, "message_bytes": 0, "egress_bytes": 0}


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
        stats["to_bytes"] += len(body)
        if args.http:
            async with locks.setdefault((typename, target_id), asyncio.Lock()):  # one call per address at a time
                async with session.post(url, data=body, headers={"Content-Type": "application/octet-stream"}) as response:
                    answer = await response.read()
        else:
            t0 = time.thread_time()  # CPU time: the machine may be shared
            answer = await handler.handle_async(body)
            stats["handler_s"] += time.thread_time() - t0
        stats["calls"] += 1
        stats["from_bytes"] += len(answer)
        out = FromFunction()
        out.ParseFromString(answer)
        if out.HasField("incomplete_invocation_context"):
            for missing in out.incomplete_invocation_context.missing_values:
                values[missing.state_name] = TypedValue(typename=missing.type_typename, has_value=False)
            continue
        result = out.invocation_result
        for m in result.state_mutations:
            stats["mutations"] += 1
            if m.mutation_type == FromFunction.PersistedValueMutation.MODIFY:
                stats["mutated_bytes"] += len(m.state_value.value)
                values[m.state_name] = m.state_value
            else:
                values[m.state_name] = TypedValue(typename=values[m.state_name].typename, has_value=False)
        for e in result.outgoing_egresses:
            record = KafkaProducerRecord()
            record.ParseFromString(e.argument.value)
            stats["answers"] += 1
            stats["egress_bytes"] += len(e.argument.value)
        for m in result.outgoing_messages:
            stats["messages"] += 1
            stats["message_bytes"] += len(m.argument.value)
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


def uuidv7(rnd):
    """A UUIDv7 (RFC 9562) made now: the client's default request id, as the benchmark sends."""
    value = (int(time.time() * 1000) << 80) | (0x7 << 76) | (rnd.getrandbits(12) << 64) | (0b10 << 62) | rnd.getrandbits(62)
    h = "%032x" % value
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


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
        # Dated ids (the default) need no Settle back to a transfer's first account; undated
        # ones (`plain`) keep it, so a transfer makes a third call.
        request_id = uuidv7(rnd) if args.request_ids == "uuidv7" else "%s-%s-%d" % (args.side, workload, n + seed * 10_000_000)
        yield key, {"kind": "Invoke", "requestId": request_id, "seq": 0,
                    "stack": [], "replyTo": REPLY_TO, "target": {"entity": "Account", "key": key},
                    "method": method, "args": margs, "kwargs": {}}


locks = {}
session = None
url = ""


def cpu_seconds(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_ops(ops, n):
    """n operations, --callers at a time in --http mode (each caller waits for its answer)."""
    if not args.http:
        for _ in range(n):
            key, event = next(ops)
            await request(event, key)
        return
    left = [n]

    async def caller():
        while left[0] > 0:
            left[0] -= 1
            key, event = next(ops)
            await request(event, key)

    await asyncio.gather(*(caller() for _ in range(args.callers)))


async def start_service():
    """The service of <app folder> (or its reference) on a free port; returns the process."""
    import socket
    import subprocess

    global session, url
    import aiohttp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if args.side == "gen":
        cmd = [sys.executable, os.path.join(app, "service.py"), "--port", str(port)]
    else:
        # The reference reads its port from statefun-app.json beside it: a copy with this port.
        folder = os.path.join(app, "reference")
        config = json.load(open(os.path.join(folder, "statefun-app.json")))
        config["service"]["port"] = port
        json.dump(config, open(os.path.join(folder, "statefun-app.json"), "w"))
        cmd = [sys.executable, os.path.join(folder, "service.py")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=sys.stderr)
    url = "http://127.0.0.1:%d/statefun" % port
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.callers))
    for _ in range(300):
        try:
            async with session.get("http://127.0.0.1:%d/health" % port) as r:
                if r.status == 200:
                    return proc
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the service did not start on port %d" % port)


async def main():
    proc = await start_service() if args.http else None
    try:
        await measure(proc)
    finally:
        if proc:
            await session.close()
            proc.terminate()
            proc.wait()


async def measure(proc):
    await create_all()
    ops = operations(args.workload, 1)
    await run_ops(ops, args.warm)
    for k in stats:
        stats[k] = 0 if k != "handler_s" else 0.0
    cpu0, wall0 = (cpu_seconds(proc.pid), time.perf_counter()) if proc else (0, 0)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    batch_us = []
    for i in range(args.batches):
        n = args.ops // args.batches + (1 if i < args.ops % args.batches else 0)
        before = stats["handler_s"]
        await run_ops(ops, n)
        batch_us.append((stats["handler_s"] - before) / max(1, n) * 1e6)
    if proc:
        stats["handler_s"] = cpu_seconds(proc.pid) - cpu0
        stats["opsPerSec"] = round(args.ops / (time.perf_counter() - wall0))
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    print(json.dumps({
        "side": args.side, "workload": args.workload, "ops": args.ops, "warm": args.warm,
        ("serviceCpuUsPerOp" if args.http else "handlerUsPerOp"): round(stats["handler_s"] / args.ops * 1e6, 1),
        **({"callers": args.callers, "opsPerSec": stats["opsPerSec"]} if args.http else {}),
        "callsPerOp": round(stats["calls"] / args.ops, 2),
        "answersPerOp": round(stats["answers"] / args.ops, 2),
        "stateBytesPerCall": round(stats["state_bytes"] / max(1, stats["calls"])),
        **{name: round(stats[key] / args.ops, 2 if key in ("mutations", "messages") else 0) for name, key in (
            ("toFunctionBytesPerOp", "to_bytes"), ("fromFunctionBytesPerOp", "from_bytes"), ("mutationsPerOp", "mutations"),
            ("mutatedBytesPerOp", "mutated_bytes"), ("messagesPerOp", "messages"), ("messageBytesPerOp", "message_bytes"),
            ("egressBytesPerOp", "egress_bytes"))},
        **({"fastestBatchUsPerOp": round(min(batch_us), 1), "batches": args.batches} if args.batches > 1 and not args.http else {}),
    }))


asyncio.run(main())
