"""The kernel's side of the golden frames (``test-vectors/frames.json``), which the Node
host tests too (``@stateflow/python-host`` ``test/frame-vectors.test.ts``).

Byte-for-byte: every response frame the server writes, and the ``stopped`` frame.
"""
from __future__ import annotations

import io
import json
import os
import struct
from typing import Any, Dict

import programs
from stateflow_kernel import serve

VECTORS_PATH = os.path.join(programs.ROOT, "packages", "python-kernel", "test-vectors", "frames.json")
with open(VECTORS_PATH, encoding="utf-8") as f:
    VECTORS = json.load(f)
with open(programs.SHOP_IR_FIXTURE, encoding="utf-8") as f:
    SHOP = json.load(f)


def host_text(value: Any) -> str:
    """What the Node host writes for a frame (``JSON.stringify``)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def request_body(exchange: Dict[str, Any]) -> bytes:
    raw = exchange.get("requestText")
    if isinstance(raw, str):
        return raw.encode("utf-8")
    if raw is not None:
        open_, n_open, close, n_close = raw["repeat"]
        return (raw["prefix"] + open_ * n_open + close * n_close + raw["suffix"]).encode("utf-8")
    request = exchange["request"]
    if request.get("kind") == "load" and request.get("program") is None:
        request = dict(request, program=SHOP)
    elif request.get("kind") == "load" and isinstance(request.get("program"), str):
        # A load of another test vector of @stateflow/ir, by file name.
        with open(os.path.join(os.path.dirname(programs.SHOP_IR_FIXTURE), request["program"]), encoding="utf-8") as f:
            request = dict(request, program=json.load(f))
    return host_text(request).encode("utf-8")


def test_the_server_answers_each_golden_request_with_the_golden_bytes() -> None:
    kernel = None
    for exchange in VECTORS["exchanges"]:
        kernel, answer = serve._answer(kernel, request_body(exchange))
        text = answer.decode("utf-8")
        expected = exchange["response"]
        upto = exchange.get("exactUpTo")
        if upto:
            cut = expected.index(upto) + len(upto)
            assert text[:cut] == expected[:cut], exchange["name"]
        else:
            assert text == expected, exchange["name"]


def test_serve_frames_the_answers_with_a_big_endian_byte_length() -> None:
    exchanges = [e for e in VECTORS["exchanges"] if "exactUpTo" not in e]
    stdin = io.BytesIO(b"".join(struct.pack(">I", len(b)) + b for b in map(request_body, exchanges)))
    stdout = io.BytesIO()
    serve.serve(stdin, stdout)
    out = stdout.getvalue()
    expected = b"".join(struct.pack(">I", len(r)) + r for r in (e["response"].encode("utf-8") for e in exchanges))
    assert out == expected


def test_the_framing_vectors_are_what_the_kernel_reads() -> None:
    for vector in VECTORS["framing"]:
        frame = bytes.fromhex(vector["hex"])
        (length,) = struct.unpack(">I", frame[:4])
        assert length == len(frame) - 4, vector["name"]
        assert json.loads(frame[4:]) == vector["value"], vector["name"]
        assert frame[4:] == host_text(vector["value"]).encode("utf-8"), vector["name"]


def test_the_stopped_frame_is_the_golden_one() -> None:
    vector = VECTORS["stopped"]
    limits = serve._Limits(0)
    limits.seconds = 0.25
    limits.out = io.BytesIO()
    limits.begin(10, 2)
    limits.started = 2
    limits.event = {"kind": "Invoke", "requestId": "r6", "seq": 0, "stack": [],
                    "replyTo": {"channel": "http", "id": "c1"},
                    "target": {"entity": "Item", "key": "coke"}, "method": "update_stock",
                    "args": [1], "kwargs": {}}
    limits._last_words()
    assert limits.out.getvalue() == bytes.fromhex(vector["hex"])
    assert bytes.fromhex(vector["hex"])[4:].decode("utf-8") == vector["text"]
