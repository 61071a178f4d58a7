"""Serves the kernel over stdin/stdout: ``python -m stateflow_kernel.serve``.

Frames are a 4-byte big-endian length followed by that many bytes of UTF-8 JSON, in
both directions. Requests carry an ``id`` echoed by the response:

- ``{"id", "kind": "load", "program": {...}}`` → ``{"id", "ok": true}``
- ``{"id", "kind": "batch", "requests": [{"event", "state"}, ...]}`` → ``{"id", "results": [...]}``
- ``{"id", "kind": "ping"}`` → ``{"id", "ok": true, "python": "3.11.7"}``

A request that fails gets ``{"id", "error": {"type", "message"}}``; the server keeps
running. Responses come in request order. The server exits on end of input. User
``print`` output and logs go to stderr, so stdout carries frames only.
"""
from __future__ import annotations

import json
import os
import struct
import sys
import traceback
from typing import Any, BinaryIO, Dict, Optional

from .errors import LoadError
from .kernel import Kernel

_LEN = struct.Struct(">I")


def _read_exact(stream: BinaryIO, n: int) -> Optional[bytes]:
    data = stream.read(n)
    if not data:
        return None
    while len(data) < n:
        more = stream.read(n - len(data))
        if not more:
            raise EOFError("input ended inside a frame")
        data += more
    return data


def _log(message: str) -> None:
    sys.stderr.write("[stateflow-kernel] %s\n" % message)
    sys.stderr.flush()


def _handle(kernel: Optional[Kernel], request: Dict[str, Any]):
    kind = request.get("kind")
    rid = request.get("id")
    if kind == "batch":
        if kernel is None:
            return kernel, {"id": rid, "error": {
                "type": "NotLoaded", "message": "no program is loaded; send a load frame first"}}
        process = kernel.process
        return kernel, {"id": rid, "results": [
            process(r["event"], r.get("state")) for r in request["requests"]]}
    if kind == "load":
        try:
            kernel = Kernel(request["program"])
        except LoadError as e:
            return kernel, {"id": rid, "error": {"type": "LoadError", "message": str(e)}}
        return kernel, {"id": rid, "ok": True}
    if kind == "ping":
        return kernel, {"id": rid, "ok": True, "python": "%d.%d.%d" % sys.version_info[:3]}
    return kernel, {"id": rid, "error": {
        "type": "BadFrame", "message": "unknown frame kind %r" % (kind,)}}


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Reads request frames from ``stdin`` and writes response frames to ``stdout``."""
    kernel: Optional[Kernel] = None
    while True:
        header = _read_exact(stdin, 4)
        if header is None:
            return
        (length,) = _LEN.unpack(header)
        body = _read_exact(stdin, length) if length else b""
        if body is None:
            raise EOFError("input ended inside a frame")
        rid = None
        try:
            request = json.loads(body)
            rid = request.get("id")
            kernel, response = _handle(kernel, request)
            data = json.dumps(response, separators=(",", ":")).encode("utf-8")
        except Exception as e:
            _log("request failed:\n" + traceback.format_exc())
            data = json.dumps({"id": rid, "error": {
                "type": type(e).__name__, "message": str(e)}}).encode("utf-8")
        stdout.write(_LEN.pack(len(data)))
        stdout.write(data)
        stdout.flush()


def main() -> None:
    # Keep a private handle on the real stdout for frames, and point file
    # descriptor 1 (and sys.stdout) at stderr so stray prints cannot corrupt frames.
    frames_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    out = os.fdopen(frames_fd, "wb", buffering=1 << 16)
    try:
        serve(sys.stdin.buffer, out)
    except (EOFError, KeyboardInterrupt, BrokenPipeError) as e:
        _log("stopping: %s" % (type(e).__name__,))


if __name__ == "__main__":
    main()
