"""Serves the kernel over stdin/stdout: ``python -m stateflow_kernel.serve``.

Frames are a 4-byte big-endian length followed by that many bytes of UTF-8 JSON, in
both directions. Requests carry an ``id`` echoed by the response:

- ``{"id", "kind": "load", "program": {...}}`` → ``{"id", "ok": true}``
  (with ``"resumeDetached": true`` the kernel runs the callers' detached resume blocks
  where a value is produced: ``Kernel(program, resume_detached=True)``, see
  ``stateflow_kernel.detached``; the host must then accept a ``Response`` with ``origin``)
- ``{"id", "kind": "batch", "requests": [{"event", "state"}, ...]}`` → ``{"id", "results": [...]}``
  (a request may also be a compact list, with ``"replyTo": [...]`` in the frame, and
  gets a compact result then: see ``stateflow_kernel.wire``;
  a request ``{"event", "chained": true}`` runs on the state the previous request for
  the same target left, ``{"event", "held": true}`` on the state this process holds for
  it from earlier batches; ``"reset": true`` forgets those first: see
  ``stateflow_kernel.chain``; with ``"route": {...}`` the process also runs the events
  emitted for instances it holds in the same round trip and adds ``"local"`` to the
  response: see ``stateflow_kernel.local_route``)
- ``{"id", "kind": "ping"}`` → ``{"id", "ok": true, "python": "3.11.7"}``
- ``{"id", "kind": "fail", "requests": [{"event", "error"}, ...]}`` → ``{"id", "results": [...]}``
  (each event fails with its error without running user code: see ``Kernel.fail``)

Limits, from the environment: ``STATEFLOW_TIMEOUT_MS`` bounds each event (hop) of a
batch: when it runs longer, a ``TimeoutError`` is raised in the user code (the hop
fails like any exception, its state changes are discarded); if the code swallows it
and keeps running for another period, the process exits with status 75 and the host
restarts it; its last frame, ``{"id", "stopped": i, "error"}``, answers the batch
and names the request ``i`` that ignored the limit (when it is one of the batch's own
requests), so the host fails only that one. ``STATEFLOW_MAX_MEMORY_MB`` caps the address space (``RLIMIT_AS``):
allocations past it raise ``MemoryError`` in the user code.

A request that fails gets ``{"id", "error": {"type", "message"}}``; the server keeps
running. The id is that of the request even when the frame cannot be parsed (hosts
write ``"id"`` first, and it is read from there): a frame whose values are nested too
deeply to read, or whose answer cannot be encoded, gets ``"type": "EncodingError"``. Responses come in request order. The server exits on end of input. User
``print`` output and logs go to stderr, so stdout carries frames only.
"""
from __future__ import annotations

import gc
import json
import os
import re
import struct
import sys
import traceback
from typing import Any, BinaryIO, Dict, Optional

from .chain import StateChain, run_request
from .errors import LoadError
from .kernel import Kernel
from .local_route import run_routed
from .wire import compact_result, reply_index

_LEN = struct.Struct(">I")

#: Compact JSON for response frames (responses are trees built here: no cycles to check).
_dumps = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode

#: Exit status of a process that ignored its time limit.
EXIT_TIMEOUT = 75


class _Timeout(BaseException):
    """Raised in user code when a hop exceeds its time limit (a BaseException, so
    ``except Exception`` in user code does not swallow it)."""


class _Limits:
    def __init__(self, timeout_ms: int):
        self.seconds = timeout_ms / 1000.0
        self.fired = 0
        #: Where the last words of a process stopped for its time limit go (the frames' stream).
        self.out: Optional[BinaryIO] = None
        #: The batch running: its request id, its number of requests, and how many hops it started.
        self.batch_id: Any = None
        self.batch_size = 0
        self.started = 0
        self.event: Dict[str, Any] = {}
        if self.seconds > 0:
            import signal
            self._setitimer = signal.setitimer
            self._timer = signal.ITIMER_REAL
            signal.signal(signal.SIGALRM, self._on_alarm)

    def _on_alarm(self, signum, frame):
        self.fired += 1
        if self.fired > 1:
            _log("a hop ignored its time limit; exiting so the host restarts this process")
            self._last_words()
            os._exit(EXIT_TIMEOUT)
        raise _Timeout()

    def _last_words(self) -> None:
        """Tells the host which request of the batch ignored its time limit (``"stopped"``:
        its index), so it fails that one without running it again. Written between frames:
        hops run while no frame is being written. Not for an event run by local routing."""
        index = self.started - 1
        if self.out is None or not 0 <= index < self.batch_size:
            return
        try:
            data = json.dumps({"id": self.batch_id, "stopped": index,
                               "error": timeout_error(self.event, self.seconds)}).encode("utf-8")
            self.out.write(_LEN.pack(len(data)) + data)
            self.out.flush()
        except Exception:  # the host then re-runs the batch's events one by one to find it
            pass

    def begin(self, rid: Any, size: int) -> None:
        """A batch of ``size`` requests starts (its first ``size`` hops are its requests, in order)."""
        self.batch_id = rid
        self.batch_size = size
        self.started = 0

    def run(self, kernel: Kernel, event: Dict[str, Any], state: Any) -> Dict[str, Any]:
        if self.seconds <= 0:
            return kernel.process(event, state)
        self.fired = 0
        self.started += 1
        self.event = event
        self._setitimer(self._timer, self.seconds, self.seconds)
        try:
            return kernel.process(event, state)
        except _Timeout:
            self._setitimer(self._timer, 0)
            return kernel.fail(event, timeout_error(event, self.seconds))
        finally:
            self._setitimer(self._timer, 0)


def timeout_error(event: Dict[str, Any], seconds: float) -> Dict[str, Any]:
    """The error value of a hop stopped by the time limit."""
    target = event.get("target") or {}
    where = "%s %r" % (target.get("entity"), target.get("key")) if target else event.get("entity", "?")
    return {"type": "TimeoutError", "message": "%s event on %s ran longer than the %g ms time limit and was stopped"
            % (event.get("kind"), where, seconds * 1000)}


def _limit_memory(megabytes: int) -> None:
    try:
        import resource
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError) as e:
        _log("cannot limit memory to %d MB: %s" % (megabytes, e))


_limits = _Limits(0)

#: The latest state of every instance this process ran (resident states).
_resident = StateChain()


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
        held = _resident._last
        if request.get("reset"):
            held.clear()
        process = kernel.process if _limits.seconds <= 0 else (
            lambda event, state: _limits.run(kernel, event, state))
        reply_tos = request.get("replyTo") or []
        route = request.get("route")
        _limits.begin(rid, len(request["requests"]))
        if route is not None:
            results, local = run_routed(process, held, request["requests"], route, reply_tos)
            return kernel, {"id": rid, "results": results, "local": local}
        reply_ids = reply_index(reply_tos)
        results = []
        append = results.append
        # A request without "state" is "chained" or "held": it runs on the state held
        # for its target. A list is a compact request (stateflow_kernel.wire).
        for r in request["requests"]:
            event, result, compact = run_request(process, held, r, reply_tos)
            append(compact_result(event, result, reply_ids) if compact else result)
        return kernel, {"id": rid, "results": results}
    if kind == "fail":
        if kernel is None:
            return kernel, {"id": rid, "error": {
                "type": "NotLoaded", "message": "no program is loaded; send a load frame first"}}
        return kernel, {"id": rid, "results": [
            kernel.fail(r["event"], r["error"]) for r in request["requests"]]}
    if kind == "load":
        _resident.clear()
        try:
            kernel = Kernel(request["program"], resume_detached=request.get("resumeDetached") is True)
        except LoadError as e:
            return kernel, {"id": rid, "error": {"type": "LoadError", "message": str(e)}}
        # The program's objects live until the next load: move them out of the
        # collector's way, so full collections only scan what batches create.
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        return kernel, {"id": rid, "ok": True}
    if kind == "ping":
        return kernel, {"id": rid, "ok": True, "python": "%d.%d.%d" % sys.version_info[:3]}
    return kernel, {"id": rid, "error": {
        "type": "BadFrame", "message": "unknown frame kind %r" % (kind,)}}


#: A request frame's id, read without parsing the frame: hosts write ``{"id": n, ...`` first.
_ID = re.compile(rb'\s*\{\s*"id"\s*:\s*(\d+)\s*[,}]')


def _frame_id(body: bytes) -> Optional[int]:
    match = _ID.match(body)
    return int(match.group(1)) if match else None


def _error_frame(rid: Any, type_name: str, message: str) -> bytes:
    return json.dumps({"id": rid, "error": {"type": type_name, "message": message}}).encode("utf-8")


def _too_deep(e: BaseException) -> str:
    return "a value is nested too deeply for the Python kernel (%s: %s)" % (type(e).__name__, e)


def _answer(kernel: Optional[Kernel], body: bytes):
    """Handles one request frame; returns the kernel and the response frame's bytes.

    Never answers a request it can tell apart with ``"id": null``: a frame that cannot
    be parsed is answered with the id read from its start, and an answer that cannot be
    encoded becomes an error with the request's id. The error type is ``EncodingError``
    for values that cannot be read or written (the host then re-runs the batch's events
    one by one, so only the event carrying such a value fails).
    """
    try:
        request = json.loads(body)
    except RecursionError as e:
        _log("cannot read a request frame: %s" % (e,))
        return kernel, _error_frame(_frame_id(body), "EncodingError", "cannot read the request: " + _too_deep(e))
    except ValueError as e:
        _log("cannot read a request frame: %s" % (e,))
        return kernel, _error_frame(_frame_id(body), "BadFrame", "the request is not JSON: %s" % (e,))
    if type(request) is not dict:
        return kernel, _error_frame(_frame_id(body), "BadFrame", "the request is not a JSON object")
    rid = request.get("id")
    try:
        kernel, response = _handle(kernel, request)
    except RecursionError as e:
        _log("request failed: %s" % (e,))
        return kernel, _error_frame(rid, "EncodingError", "cannot run the request: " + _too_deep(e))
    except Exception as e:
        _log("request failed:\n" + traceback.format_exc())
        return kernel, _error_frame(rid, type(e).__name__, str(e))
    try:
        return kernel, _dumps(response).encode("utf-8")
    except (RecursionError, ValueError) as e:
        _log("cannot encode an answer: %s" % (e,))
        return kernel, _error_frame(rid, "EncodingError", "cannot encode the answer: " + _too_deep(e))


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
        kernel, data = _answer(kernel, body)
        stdout.write(_LEN.pack(len(data)))
        stdout.write(data)
        stdout.flush()


def main() -> None:
    global _limits
    _limits = _Limits(int(os.environ.get("STATEFLOW_TIMEOUT_MS") or 0))
    memory = int(os.environ.get("STATEFLOW_MAX_MEMORY_MB") or 0)
    if memory > 0:
        _limit_memory(memory)
    # Keep a private handle on the real stdout for frames, and point file
    # descriptor 1 (and sys.stdout) at stderr so stray prints cannot corrupt frames.
    frames_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    out = os.fdopen(frames_fd, "wb", buffering=1 << 16)
    _limits.out = out
    try:
        serve(sys.stdin.buffer, out)
    except (EOFError, KeyboardInterrupt, BrokenPipeError) as e:
        _log("stopping: %s" % (type(e).__name__,))


if __name__ == "__main__":
    main()
