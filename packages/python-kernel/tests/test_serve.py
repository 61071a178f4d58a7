"""The stdin/stdout frame server, run as a real subprocess."""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from typing import Any, Dict

import programs

PYTHON_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "python"))


class Server:
    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR, PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "stateflow_kernel.serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.n = 0

    def send_raw(self, body: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(struct.pack(">I", len(body)) + body)
        self.proc.stdin.flush()

    def receive(self) -> Dict[str, Any]:
        assert self.proc.stdout is not None
        (n,) = struct.unpack(">I", self.proc.stdout.read(4))
        return json.loads(self.proc.stdout.read(n))

    def call(self, frame: Dict[str, Any]) -> Dict[str, Any]:
        self.n += 1
        frame = dict(frame, id=self.n)
        self.send_raw(json.dumps(frame).encode("utf-8"))
        response = self.receive()
        assert response["id"] == self.n
        return response

    def close(self) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode("utf-8")


def construct(entity: str, *args: Any) -> Dict[str, Any]:
    return {"kind": "Construct", "entity": entity, "args": list(args), "kwargs": {},
            "requestId": "r1", "seq": 0, "stack": [], "replyTo": {"channel": "t", "id": "1"}}


def test_load_batch_and_errors_as_frames() -> None:
    server = Server()
    try:
        assert server.call({"kind": "ping"})["ok"] is True
        not_loaded = server.call({"kind": "batch", "requests": []})
        assert not_loaded["error"]["type"] == "NotLoaded"
        assert server.call({"kind": "load", "program": programs.shop_program()}) == {
            "id": 3, "ok": True}
        results = server.call({"kind": "batch", "requests": [
            {"event": construct("Item", "coke", 3), "state": None},
            {"event": construct("User"), "state": None},
        ]})["results"]
        assert results[0]["out"][0]["kind"] == "Insert"
        assert results[1]["out"][0]["result"]["error"]["code"] == "BadArguments"
        bad = server.call({"kind": "load", "program": {"module": {}}})
        assert bad["error"]["type"] == "LoadError"
        assert server.call({"kind": "nope"})["error"]["type"] == "BadFrame"
        server.send_raw(b"{not json")
        assert "error" in server.receive()
        # still alive, and the earlier program is still loaded
        again = server.call({"kind": "batch", "requests": [
            {"event": construct("Item", "pepsi", 2), "state": None}]})
        assert again["results"][0]["out"][0]["target"] == {"entity": "Item", "key": "pepsi"}
    finally:
        stderr = server.close()
    assert server.proc.returncode == 0
    assert "request failed" in stderr


def test_user_prints_go_to_stderr() -> None:
    server = Server()
    source = (
        "from stateflow import stateflow\n"
        "print('loading')\n"
        "@stateflow\n"
        "class A:\n"
        "    def __init__(self, k: str):\n"
        "        print('init', k)\n"
        "        self.k = k\n"
        "    def __key__(self):\n"
        "        return self.k\n"
    )
    prog = programs.program("noisy", source, [programs.entity("A", [])])
    try:
        assert server.call({"kind": "load", "program": prog})["ok"] is True
        res = server.call({"kind": "batch", "requests": [
            {"event": construct("A", "x"), "state": None}]})
        assert res["results"][0]["out"][0]["state"] == {"k": "x"}
    finally:
        stderr = server.close()
    assert "loading" in stderr and "init x" in stderr
