"""One hop: the events it emits and the call stack it carries.

A frame on the stack is the continuation of a method waiting for a result: the encoded
dict of the IR's ``Frame`` when it came with the event, or a :class:`PendingFrame`
pushed in this hop, whose env stays raw Python until the hop sends it on (in-line self
calls resume it without any encoding).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .values import Codec


class PendingFrame:
    """A frame pushed in this hop by an in-line self call; its env is still raw Python."""

    __slots__ = ("entity", "key", "method", "resume", "result_var", "env")

    def __init__(self, entity: str, key: str, method: str, resume: str, result_var: str,
                 env: Dict[str, Any]):
        self.entity = entity
        self.key = key
        self.method = method
        self.resume = resume
        self.result_var = result_var
        self.env = env


def frame_address(frame: Any) -> Tuple[str, str]:
    """The entity and key of the instance a frame (pending or encoded) belongs to."""
    if type(frame) is PendingFrame:
        return frame.entity, frame.key
    return frame["entity"], frame["key"]


class Hop:
    """Output and call stack of one ``process`` call."""

    __slots__ = ("request_id", "reply_to", "seq", "out", "stack", "entity", "key", "writes")

    def __init__(self, event: Dict[str, Any]):
        self.request_id = event.get("requestId")
        self.reply_to = event.get("replyTo")
        self.seq = event.get("seq", 0)
        self.out: List[Dict[str, Any]] = []
        self.stack: List[Any] = list(event.get("stack") or ())
        #: the instance user code runs on in this hop, once known
        self.entity: Optional[str] = None
        self.key: Optional[str] = None
        #: whether the state must be reported even if it looks unchanged
        self.writes = False

    def emit(self, event: Dict[str, Any]) -> None:
        self.seq += 1
        event["requestId"] = self.request_id
        event["seq"] = self.seq
        event["replyTo"] = self.reply_to
        self.out.append(event)

    def finish(self, result: Dict[str, Any]) -> None:
        """Sends ``result`` to the innermost waiting frame, or to the client."""
        if self.stack:
            frame = self.stack[-1]
            rest = self.stack[:-1]
            self.emit({
                "kind": "Reply",
                "target": {"entity": frame["entity"], "key": frame["key"]},
                "frame": frame,
                "result": result,
                "stack": rest,
            })
        else:
            self.emit({"kind": "Response", "result": result, "stack": []})

    def at_home(self, frame: Any) -> bool:
        """Whether ``frame`` waits on the instance this hop runs on (resumed in-line)."""
        return self.entity is not None and frame_address(frame) == (self.entity, self.key)

    def push(self, method: str, resume: str, result_var: str, live: Dict[str, Any]) -> None:
        """Pushes the continuation of ``method`` of this hop's instance."""
        self.stack.append(PendingFrame(self.entity, self.key, method, resume, result_var, live))  # type: ignore[arg-type]

    def emit_call(self, event: Dict[str, Any], codec: Codec) -> None:
        """Emits an outgoing interaction with the stack; encodes the frames pushed in this hop."""
        stack = []
        for frame in self.stack:
            if type(frame) is PendingFrame:
                frame = {
                    "entity": frame.entity,
                    "key": frame.key,
                    "method": frame.method,
                    "resume": frame.resume,
                    "resultVar": frame.result_var,
                    "env": codec.encode_fields(
                        frame.env, "variable", "%s.%s (carried across a remote call)",
                        (frame.entity, frame.method)),
                }
            stack.append(frame)
        self.stack = stack
        event["stack"] = stack
        self.emit(event)

    def fail(self, error: Dict[str, Any]) -> None:
        """Discards the hop's events and sends ``error`` on. The frames of this instance
        (pushed by in-line self calls, or waiting here) fail with it in-line; the rest of
        the stack gets it frame by frame."""
        self.out = []
        while self.stack and self.at_home(self.stack[-1]):
            self.stack.pop()
        self.finish({"error": error})
