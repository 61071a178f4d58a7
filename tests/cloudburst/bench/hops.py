"""How should a call chain's hops run on Cloudburst? Measures, on the running local
Cloudburst, a 3-hop chain where each hop reads and writes one key in Anna (what a
StateFlow hop does with its instance's state):

- ``one function``: one function doing the three hops in a row (the generated code's way),
- ``DAG of 3``: three functions chained by a DAG (f1 -> f2 -> f3), each doing one hop,
- ``3 calls``: three separate one-function DAG calls from the client (what chaining by
  continuation or by a driver costs at least: a scheduler round trip per hop).

    python hops.py [calls]     (Cloudburst's Python; prints JSON)
"""
import json
import sys
import time

from cloudburst.client.client import CloudburstConnection


def hop(cb, token):
    # One hop: read the instance, change it, write it back.
    import json as j

    key = "hops|" + str(token % 8)
    old = cb.get(key)
    state = j.loads(old) if old else {"n": 0}
    state["n"] += 1
    cb.put(key, j.dumps(state))
    return token


def three_hops(cb, token):
    for _ in range(3):
        hop(cb, token)
    return token


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    conn = CloudburstConnection("127.0.0.1", "127.0.0.1", tid=12, local=True)
    conn.response_sock.setsockopt(__import__("zmq").RCVTIMEO, 10000)
    for name, fn in [("hop-a", hop), ("hop-b", hop), ("hop-c", hop), ("hop-s", hop), ("hop-one", three_hops)]:
        conn.register(fn, name)
    dags = {"hops-one": (["hop-one"], []), "hops-dag": (["hop-a", "hop-b", "hop-c"], [("hop-a", "hop-b"), ("hop-b", "hop-c")]),
            "hops-single": (["hop-s"], [])}
    for name, (fns, edges) in dags.items():
        ok, err = conn.register_dag(name, fns, edges)
        if not ok:
            conn.delete_dag(name)
            ok, err = conn.register_dag(name, fns, edges)
        assert ok, (name, err)

    def timed(f):
        lat = []
        for i in range(calls):
            t = time.perf_counter()
            f(i)
            lat.append((time.perf_counter() - t) * 1000)
        lat.sort()
        return {"p50": round(lat[len(lat) // 2], 2), "p99": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2)}

    def call(dag, first, i):
        r = conn.call_dag(dag, {first: [i]}, direct_response=True)
        assert r == i, (dag, r, i)

    for _ in range(20):  # warm-up: pinning, connections
        call("hops-one", "hop-one", 0)
        call("hops-dag", "hop-a", 0)
    out = {
        "calls": calls,
        "one function (3 hops inside)": timed(lambda i: call("hops-one", "hop-one", i)),
        "DAG of 3 functions": timed(lambda i: call("hops-dag", "hop-a", i)),
        "3 separate calls": timed(lambda i: [call("hops-single", "hop-s", i) for _ in range(3)]),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
