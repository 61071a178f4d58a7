"""Writes ``test-vectors/frames.json``: golden frames of the host <-> kernel protocol.

Run after a deliberate change of the protocol, review the diff, and commit it:
``python packages/python-kernel/scripts/write_frame_vectors.py``. Both sides test
against the file: the kernel (``tests/test_frame_vectors.py``) answers each request with
exactly the response bytes written here; the Node host (``@stateflow/python-host``
``test/frame-vectors.test.ts``) frames, encodes and decodes the same frames.
"""
from __future__ import annotations

import io
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(PACKAGE, "python"))

from stateflow_kernel import Kernel, serve  # noqa: E402
from stateflow_kernel.wire import encode_event, reply_index  # noqa: E402

IR_FIXTURES = os.path.join(PACKAGE, "..", "ir", "test", "fixtures")
SHOP = os.path.join(IR_FIXTURES, "shop.ir.json")
OUT = os.path.join(PACKAGE, "test-vectors", "frames.json")

#: What the Node host writes: JSON.stringify (no spaces, non-ASCII as is).
def host_text(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


REPLY = {"channel": "http", "id": "c1"}


def construct(rid, name, price):
    return {"kind": "Construct", "requestId": rid, "seq": 0, "stack": [], "replyTo": REPLY,
            "entity": "Item", "args": [name, price], "kwargs": {}}


def invoke(rid, key, method, args):
    return {"kind": "Invoke", "requestId": rid, "seq": 0, "stack": [], "replyTo": REPLY,
            "target": {"entity": "Item", "key": key}, "method": method, "args": args, "kwargs": {}}


def load_fixture(name):
    with open(os.path.join(IR_FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


def detached_deposit(bank):
    """The compact Invoke that ann's transfer of 30 to bob sends (its frame's resume block,
    ``return True``, is detached), and bob's state: what a host sends the callee."""
    kernel = Kernel(bank)
    state = {"owner": "bob", "balance": 0, "transfers": 0, "history": []}
    ann = {"owner": "ann", "balance": 100, "transfers": 0, "history": []}
    call = {"kind": "Invoke", "requestId": "t1", "seq": 0, "stack": [], "replyTo": REPLY,
            "target": {"entity": "Account", "key": "ann"}, "method": "transfer",
            "args": [{"$entity": "Account", "$key": "bob"}, 30], "kwargs": {}}
    (deposit,) = kernel.process(call, ann)["out"]
    return [encode_event(deposit, reply_index([REPLY])), state]


def main() -> None:
    program = load_fixture("shop.ir.json")
    coke = {"item_name": "coke", "stock": 0, "price": 3}
    requests = [
        ("a batch before any load is refused", {"id": 1, "kind": "batch", "requests": []}),
        ("load", {"id": 2, "kind": "load", "program": None}),
        ("a load error", {"id": 3, "kind": "load", "program": {"module": {}}}),
        ("an object-form batch: a create, and a create refused (BadArguments)", {"id": 4, "kind": "batch", "requests": [
            {"event": construct("r1", "café", 3), "state": None},
            {"event": construct("r2", {"$int": 5}, 3), "state": None},
        ]}),
        ("a compact batch: a result that is its own Response, and a user exception", {
            "id": 5, "kind": "batch", "requests": [
                [[0, "r3", 0, 0, [], "Item", "coke", "update_stock", [5], {}], coke],
                [[0, "r4", 0, 0, [], "Item", "coke", "update_stock", [-99], {}], coke],
            ], "replyTo": [REPLY]}),
        ("a fail frame", {"id": 6, "kind": "fail", "requests": [
            {"event": invoke("r5", "coke", "update_stock", [1]),
             "error": {"type": "TimeoutError", "message": "stopped"}}]}),
        ("an unknown frame kind", {"id": 7, "kind": "nope"}),
        ("a load with resumeDetached", {"id": 11, "kind": "load", "program": "bank.ir.json", "resumeDetached": True}),
        ("a compact batch whose callee runs the caller's detached block: its Response carries origin", {
            "id": 12, "kind": "batch", "requests": [detached_deposit(load_fixture("bank.ir.json"))],
            "replyTo": [REPLY]}),
    ]
    raw = [
        ("a frame that is not JSON is answered to the id it starts with", b'{"id":8,"kind":"batch","requests":['),
        ("a frame that is not a JSON object", b"[1]"),
        ("a frame nested too deeply to read", b'{"id":9,"kind":"batch","requests":[' + b"[" * 100000 + b"]" * 100000 + b"]}"),
    ]
    kernel = None
    exchanges = []
    for name, request in requests:
        sent = request
        if request.get("kind") == "load" and request["program"] is None:
            sent = dict(request, program=program)
        elif request.get("kind") == "load" and isinstance(request["program"], str):
            sent = dict(request, program=load_fixture(request["program"]))
        kernel, answer = serve._answer(kernel, host_text(sent).encode("utf-8"))
        exchanges.append({"name": name, "request": request, "response": answer.decode("utf-8")})
    for name, body in raw:
        kernel, answer = serve._answer(kernel, body)
        text = body.decode("utf-8")
        entry = {"name": name, "response": answer.decode("utf-8")}
        if len(text) > 1000:
            entry["requestText"] = {"prefix": text[:35], "repeat": ["[", 100000, "]", 100000], "suffix": "]}"}
            # Python's own RecursionError text differs between versions: compared up to it.
            entry["exactUpTo"] = "(RecursionError: "
        else:
            entry["requestText"] = text
        exchanges.append(entry)

    # The last words of a process stopped for its time limit.
    limits = serve._Limits(0)
    limits.seconds = 0.25
    limits.out = io.BytesIO()
    limits.begin(10, 2)
    limits.started = 2
    limits.event = invoke("r6", "coke", "update_stock", [1])
    limits._last_words()
    stopped = limits.out.getvalue()

    framing = []
    for name, value in [("ASCII", {"id": 1, "kind": "ping"}),
                        ("non-ASCII: the length counts UTF-8 bytes", {"id": 2, "kind": "batch", "note": "café ☕ 😀"})]:
        data = host_text(value).encode("utf-8")
        framing.append({"name": name, "value": value,
                        "hex": (len(data).to_bytes(4, "big") + data).hex()})
    vectors = {
        "about": ("Golden frames of the protocol between the Node hosts (@stateflow/python-host frames.ts, "
                  "wire-format.ts) and the kernel's frame server (stateflow_kernel/serve.py, wire.py); "
                  "written by scripts/write_frame_vectors.py. `framing`: exact bytes of a frame (4-byte "
                  "big-endian length, UTF-8 JSON as JSON.stringify writes it). `exchanges`: requests in "
                  "order to one server and its exact response text; a request with `program: null` is a "
                  "load of @stateflow/ir test-vectors/shop.ir.json, and one with a file name (`\"bank.ir.json\"`) a "
                  "load of that test vector; `requestText` is a raw body, and "
                  "`{prefix, repeat, suffix}` spells a long one; `exactUpTo`: the response is compared up to the end of that text (Python's own message follows). `stopped`: the last frame of a process "
                  "that ignored its time limit. Byte-for-byte: the frame bytes and the kernel's "
                  "responses. Structural: the host's reading of responses (JSON objects, whose key "
                  "order is not part of the protocol)."),
        "framing": framing,
        "exchanges": exchanges,
        "stopped": {"hex": stopped.hex(), "text": stopped[4:].decode("utf-8")},
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(vectors, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
