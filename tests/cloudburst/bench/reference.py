"""The benchmark's reference: the accounts workload written by hand as a Cloudburst
function, no StateFlow. Same requests and answers as the generated function (JSON text
in and out, states as JSON text in Anna), none of its checks, answer records or kernel.

    python reference.py   registers the function and a one-function DAG ``ref-accounts``
"""
import json
import sys

NAME = "ref-accounts"


def ref_accounts(cb, request_text):
    import json as j

    req = j.loads(request_text)
    rid = req["requestId"]
    if req["kind"] == "Construct":
        name, balance = req["args"]
        key = "ref|" + name
        if cb.get(key) is not None:
            return j.dumps({"requestId": rid, "result": {"error": {"type": "EntityExists", "message": name}}})
        cb.put(key, j.dumps({"name": name, "balance": balance}))
        return j.dumps({"requestId": rid, "result": {"ok": {"$entity": "Account", "$key": name}}})
    # transfer(to, amount) on target
    src = "ref|" + req["target"]["key"]
    dst = "ref|" + req["args"][0]["$key"]
    amount = req["args"][1]
    found = cb.get([src, dst])
    a, b = j.loads(found[src]), j.loads(found[dst])
    if a["balance"] < amount:
        return j.dumps({"requestId": rid, "result": {"ok": False}})
    a["balance"] -= amount
    b["balance"] += amount
    cb.put(src, j.dumps(a))
    cb.put(dst, j.dumps(b))
    return j.dumps({"requestId": rid, "result": {"ok": True}})


if __name__ == "__main__":
    from cloudburst.client.client import CloudburstConnection

    conn = CloudburstConnection("127.0.0.1", "127.0.0.1", tid=11, local=True)
    conn.register(ref_accounts, NAME)
    ok, error = conn.register_dag(NAME, [NAME], [])
    if not ok:
        conn.delete_dag(NAME)
        ok, error = conn.register_dag(NAME, [NAME], [])
    if not ok:
        sys.exit("the DAG %s was refused (error %s)" % (NAME, error))
    print("registered " + NAME)
