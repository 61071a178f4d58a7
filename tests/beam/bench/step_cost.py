"""CPU per event of the stateful step's own code, outside Beam: the generated pipeline's
entity step (EntityLogic.handle: the StateFlow kernel, hop ids, request dedup, the key's
log) beside the
hand-written pipeline's Accounts.process, on an in-memory state cell.

    BEAM_PYTHON step_cost.py PROGRAM.ir.json   (PYTHONPATH: the pipeline template and the kernel)

Prints microseconds per event for a read, an update, and each hop of a transfer.
"""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))

from stateflow_beam.entities import CLIENT, EVENT, EntityLogic  # noqa: E402

import pipeline as reference  # noqa: E402  (the hand-written pipeline's module)

N = 3000
REPLY = {"channel": "kafka:r", "id": "c"}


class Log:
    """A key's log of texts (the generated step's BagState)."""

    def __init__(self):
        self.texts = []

    def read(self):
        return self.texts

    def add(self, text):
        self.texts.append(text)

    def clear(self):
        self.texts = []


class Cell:
    def __init__(self, value=None):
        self.value = value

    def read(self):
        return self.value

    def write(self, value):
        self.value = value


NOW_MS = int(time.time() * 1000)


def uuid7(n):
    """A UUIDv7 made now (the client's default request ids), the n-th."""
    h = "%012x" % NOW_MS
    return "%s-%s-7000-8000-%012x" % (h[:8], h[8:], n)


def per_event_us(fn, n=N):
    """The least of three timings (the machine may be shared: the least is the code's own cost)."""
    best = None
    for rep in range(3):
        t0 = time.perf_counter()
        for i in range(n):
            fn(rep * n + i)
        us = (time.perf_counter() - t0) / n * 1e6
        best = us if best is None else min(best, us)
    return best


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        program = json.load(f)
    logic = EntityLogic(program)
    cells = {}

    def cell(key):
        return cells.setdefault(key, Log())

    def request(i, **kw):
        e = {"requestId": uuid7(i), "seq": 0, "stack": [], "replyTo": REPLY, "kind": "Invoke", "kwargs": {}}
        e.update(kw)
        return e

    # a create runs at its $construct key; its Insert at the new key
    for k in ("a", "b"):
        create = request(0, kind="Construct", entity="Account", args=[k, 10**9], requestId="C" + k)
        internal, _ = logic.handle(CLIENT + json.dumps(create), Log())
        for key, text in internal:
            logic.handle(EVENT + text, cell(key))
    target = {"entity": "Account", "key": "a"}
    results = {}
    for dedup in (False, True):
        tag = "generated" + ("" if dedup else ", dedup off")
        results[tag + ": read"] = per_event_us(lambda i: logic.handle(CLIENT + json.dumps(request(i, target=target, method="read", args=[])), cell("Account/a"), dedup, 3600, NOW_MS))
        results[tag + ": update"] = per_event_us(lambda i: logic.handle(CLIENT + json.dumps(request(i + 3 * N, target=target, method="update", args=["y" * 100])), cell("Account/a"), dedup, 3600, NOW_MS))
        hops = {"n": 6 * N}

        def transfer(i):
            hops["n"] += 1
            ev = request(hops["n"], target=target, method="transfer", args=[1, {"$entity": "Account", "$key": "b"}])
            internal, _ = logic.handle(CLIENT + json.dumps(ev), cell("Account/a"), dedup, 3600, NOW_MS)
            hop_b = internal
            for key, text in hop_b:  # the deposit at b
                back, _ = logic.handle(EVENT + text, cell(key), dedup, 3600, NOW_MS)
                for key2, text2 in back:  # none: the receiver answers (no Reply, no Settle)
                    logic.handle(EVENT + text2, cell(key2), dedup, 3600, NOW_MS)

        results[tag + ": transfer (2 hops)"] = per_event_us(transfer, N // 3)

    accounts = reference.Accounts("internal", "egress")
    fields = Cell(json.dumps({"id": "a", "balance": 10**9, "field0": "x" * 100}))
    other = Cell(json.dumps({"id": "b", "balance": 10**9, "field0": "x" * 100}))
    run = lambda ev, f: list(accounts.process(("a", json.dumps(ev)), fields=f))  # noqa: E731
    results["hand-written: read"] = per_event_us(lambda i: run(request(i, target=target, method="read", args=[]), fields))
    results["hand-written: update"] = per_event_us(lambda i: run(request(i, target=target, method="update", args=["y" * 100]), fields))

    def ref_transfer(i):
        for _, _, text in run(request(i, target=target, method="transfer", args=[1, {"$entity": "Account", "$key": "b"}]), fields):
            run(json.loads(text), other)

    results["hand-written: transfer (2 hops)"] = per_event_us(ref_transfer, N // 3)
    for what, us in results.items():
        print("%-40s %8.1f µs" % (what, us))


if __name__ == "__main__":
    main()
