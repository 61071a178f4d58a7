"""What the keyed operator does with one record, independent of PyFlink.

``job.py`` wraps :class:`EntityLogic` in a ``KeyedProcessFunction`` whose keyed state
(``ValueState`` for the instance's encoded state, ``MapState`` for the request ids seen
at this key) implements :class:`KeyState`.
"""
from __future__ import annotations

import json
import sys
import traceback
from typing import Any, Dict, List, Optional, Protocol, Tuple

from .routing import DEAD, INGRESS, REJECTED, error_response, split_output


class KeyState(Protocol):
    """The keyed state of the current key."""

    def get_state(self) -> Optional[str]: ...
    def set_state(self, text: str) -> None: ...
    def get_seen(self, request_id: str) -> Optional[str]: ...
    def put_seen(self, request_id: str, response: str) -> None: ...


#: What one record produces: (internal events, responses, dead letters), as JSON texts.
Output = Tuple[List[str], List[str], List[str]]


class EntityLogic:
    """Runs the kernel for one record under its key, with deduplication of client requests.

    A client request (origin ``INGRESS``) is remembered by ``requestId`` at the key it
    runs under. A second copy (a client retry) is not run again: if the first one
    answered in the same hop, its ``Response`` is sent again; otherwise the answer is
    still on its way through the dataflow and the copy is dropped.
    """

    def __init__(self, program: Dict[str, Any], dedup: bool = True):
        from stateflow_kernel import Kernel  # imported in the Python worker

        self.kernel = Kernel(program)
        self.dedup = dedup

    def handle(self, origin: str, text: str, state: KeyState) -> Output:
        if origin == REJECTED:
            return [], [text], []
        if origin == DEAD:
            return [], [], [text]
        event = json.loads(text)
        request_id = event.get("requestId")
        remember = origin == INGRESS and self.dedup and event.get("kind") != "GetState"
        if remember:
            prior = state.get_seen(request_id)
            if prior is not None:
                return [], ([prior] if prior else []), []
        if event.get("kind") == "GetState":
            out = self._get_state(event, state)
        else:
            out = self._process(event, state)
        if remember:
            # Remember the answer when this hop produced it, else that the request was seen.
            state.put_seen(request_id, out[1][0] if out[1] else "")
        return out

    def _process(self, event: Dict[str, Any], state: KeyState) -> Output:
        try:
            before = state.get_state()
            result = self.kernel.process(event, json.loads(before) if before else None)
            if "state" in result:
                state.set_state(json.dumps(result["state"]))
            internal, responses = split_output(result["out"])
            return internal, responses, []
        except Exception as e:  # never fail the job on one event
            traceback.print_exc(file=sys.stderr)
            message = "%s: %s" % (type(e).__name__, e)
            fallback = self.kernel.fail(event, {"type": "Internal", "message": message, "code": "Internal"})
            internal, responses = split_output(fallback.get("out", []))
            return internal, responses, []

    def _get_state(self, event: Dict[str, Any], state: KeyState) -> Output:
        text = state.get_state()
        target = event["target"]
        if text is None:
            message = "%s(%s) does not exist" % (target["entity"], json.dumps(target["key"]))
            return [], [error_response(event, "EntityNotFound", message, "EntityNotFound")], []
        response = {
            "kind": "Response",
            "requestId": event["requestId"],
            "seq": 1,
            "stack": [],
            "replyTo": event["replyTo"],
            "result": {"ok": json.loads(text)},
        }
        return [], [json.dumps(response)], []
