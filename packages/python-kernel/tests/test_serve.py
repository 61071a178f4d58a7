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
    def __init__(self, **extra_env: str) -> None:
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR, PYTHONDONTWRITEBYTECODE="1", **extra_env)
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
    assert "cannot read a request frame" in stderr


def deep_list(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_a_frame_too_deep_to_read_is_answered_with_its_own_id() -> None:
    server = Server()
    try:
        assert server.call({"kind": "load", "program": programs.shop_program()})["ok"] is True
        event = construct("Item", "DEEP", 3)
        server.n += 1
        # Hosts write the id first; json.dumps keeps insertion order.
        body = json.dumps({"id": server.n, "kind": "batch", "requests": [{"event": event, "state": None}]})
        server.send_raw(body.replace('"DEEP"', "[" * 1000 + "]" * 1000).encode("utf-8"))
        answer = server.receive()
        assert answer["id"] == server.n
        assert answer["error"]["type"] == "EncodingError"
        assert "nested too deeply" in answer["error"]["message"]
        # A frame that is not JSON at all, but starts with its id, is answered to that id.
        server.n += 1
        server.send_raw(b'{"id": %d, "kind": "batch", "requests": [' % server.n)
        broken = server.receive()
        assert broken["id"] == server.n and broken["error"]["type"] == "BadFrame"
        # The process keeps serving.
        again = server.call({"kind": "batch", "requests": [
            {"event": construct("Item", "pepsi", 2), "state": None}]})
        assert again["results"][0]["out"][0]["target"] == {"entity": "Item", "key": "pepsi"}
    finally:
        server.close()
    assert server.proc.returncode == 0


def test_an_answer_too_deep_to_encode_is_an_error_with_the_request_id(monkeypatch: Any) -> None:
    from stateflow_kernel import serve

    monkeypatch.setattr(serve, "_handle", lambda kernel, request: (kernel, {"id": request["id"], "ok": deep_list(100_000)}))
    _, data = serve._answer(None, b'{"id": 7, "kind": "ping"}')
    answer = json.loads(data)
    assert answer == {"id": 7, "error": {"type": "EncodingError", "message": answer["error"]["message"]}}
    assert "cannot encode the answer" in answer["error"]["message"]


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


SPIN = (
    "from stateflow import stateflow\n"
    "@stateflow\n"
    "class S:\n"
    "    def __init__(self, k: str):\n"
    "        self.k = k\n"
    "        self.n = 0\n"
    "    def spin(self):\n"
    "        self.n += 1\n"
    "        while True:\n"
    "            pass\n"
    "    def stubborn(self):\n"
    "        while True:\n"
    "            try:\n"
    "                while True:\n"
    "                    pass\n"
    "            except BaseException:\n"
    "                pass\n"
    "    def bump(self):\n"
    "        self.n += 1\n"
    "        return self.n\n"
    "    def __key__(self):\n"
    "        return self.k\n"
)


def invoke(key: str, method: str) -> Dict[str, Any]:
    return {"kind": "Invoke", "target": {"entity": "S", "key": key}, "method": method, "args": [],
            "kwargs": {}, "requestId": "r2", "seq": 0, "stack": [], "replyTo": {"channel": "t", "id": "1"}}


def spin_program() -> Dict[str, Any]:
    return programs.program("spin", SPIN, [programs.entity("S", [
        programs.method("spin"), programs.method("stubborn"), programs.method("bump")])])


def test_time_limit_fails_the_hop_and_fail_frames() -> None:
    server = Server(STATEFLOW_TIMEOUT_MS="200")
    state = {"k": "a", "n": 0}
    try:
        assert server.call({"kind": "load", "program": spin_program()})["ok"] is True
        results = server.call({"kind": "batch", "requests": [
            {"event": invoke("a", "spin"), "state": state},
            {"event": invoke("a", "bump"), "state": state},
        ]})["results"]
        assert "state" not in results[0]
        assert results[0]["out"][0]["result"]["error"]["type"] == "TimeoutError"
        assert results[1]["out"][0]["result"] == {"ok": 1}
        failed = server.call({"kind": "fail", "requests": [
            {"event": invoke("a", "bump"), "error": {"type": "Internal", "message": "gone", "code": "Internal"}}]})
        assert failed["results"][0]["out"][0]["result"]["error"]["message"] == "gone"
    finally:
        server.close()


def test_a_hop_that_ignores_the_time_limit_ends_the_process() -> None:
    server = Server(STATEFLOW_TIMEOUT_MS="200")
    try:
        assert server.call({"kind": "load", "program": spin_program()})["ok"] is True
        server.n += 1
        server.send_raw(json.dumps({"kind": "batch", "id": server.n, "requests": [
            {"event": invoke("a", "bump"), "state": {"k": "a", "n": 0}},
            {"event": invoke("a", "stubborn"), "state": {"k": "a", "n": 0}}]}).encode("utf-8"))
        assert server.proc.wait(timeout=30) == 75
        # Its last frame answers the batch and names the request that ignored the limit.
        last = server.receive()
        assert last["id"] == server.n and last["stopped"] == 1
        assert last["error"]["type"] == "TimeoutError"
    finally:
        server.proc.kill()


def _deposit_for_ann(rid: str) -> Dict[str, Any]:
    """bob's ``deposit`` hop of ann's ``transfer`` (whose resume block is detached)."""
    frame = {"entity": "Account", "key": "ann", "method": "transfer", "resume": "b1",
             "resultVar": "__sf_t0", "env": {}}
    return {"kind": "Invoke", "requestId": rid, "seq": 1, "stack": [frame],
            "replyTo": {"channel": "t", "id": "1"}, "target": {"entity": "Account", "key": "bob"},
            "method": "deposit", "args": [5], "kwargs": {}}


def test_a_load_with_resume_detached_answers_a_transfer_at_the_callee() -> None:
    from test_detached import detached_program

    server = Server()
    try:
        state = {"name": "bob", "balance": 0}
        assert server.call({"kind": "load", "program": detached_program()})["ok"] is True
        plain = server.call({"kind": "batch", "requests": [{"event": _deposit_for_ann("r1"), "state": state}]})
        assert [e["kind"] for e in plain["results"][0]["out"]] == ["Reply"]
        assert server.call({"kind": "load", "program": detached_program(), "resumeDetached": True})["ok"] is True
        on = server.call({"kind": "batch", "requests": [{"event": _deposit_for_ann("r2"), "state": state}]})
        (response,) = on["results"][0]["out"]
        assert response["kind"] == "Response" and response["result"] == {"ok": True}
        assert response["origin"] == {"entity": "Account", "key": "ann"}
        assert on["results"][0]["state"]["balance"] == 5
        # Each load makes a new kernel: without the flag, the plain one again.
        assert server.call({"kind": "load", "program": detached_program()})["ok"] is True
        again = server.call({"kind": "batch", "requests": [{"event": _deposit_for_ann("r3"), "state": state}]})
        assert [e["kind"] for e in again["results"][0]["out"]] == ["Reply"]
    finally:
        server.close()
