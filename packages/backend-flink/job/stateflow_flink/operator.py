"""What the keyed operator does with one record, independent of PyFlink.

``job.py`` wraps :class:`EntityLogic` in a ``KeyedProcessFunction`` whose keyed state
(``ValueState`` for the instance's encoded state, two ``MapState`` for the request ids seen
at this key: one with the dedup TTL, one kept for good) implements :class:`KeyState`.
"""
from __future__ import annotations

import json
import sys
import time
import traceback
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple

from .dedup import Record, expired, expired_response, kept_for_good, readdress
from .routing import DEAD, INGRESS, REJECTED, SETTLE, address_key, error_response, route_key, split_output


class KeyState(Protocol):
    """The keyed state of the current key."""

    def get_state(self) -> Optional[str]: ...
    def set_state(self, text: str) -> None: ...
    def get_seen(self, request_id: str) -> Optional[str]: ...
    def put_seen(self, request_id: str, record: str, keep: bool) -> None:
        """Stores a request id's record; ``keep``: not subject to the dedup TTL."""
        ...


#: What one record produces: (internal events, responses, dead letters), as JSON texts.
Output = Tuple[List[str], List[str], List[str]]


class EntityLogic:
    """Runs the kernel for one record under its key, with deduplication of client requests.

    A client request (origin ``INGRESS``) is remembered by ``requestId`` at the key it
    runs under (see :mod:`stateflow_flink.dedup`). A second copy (a client retry) never
    runs again and always gets the outcome: the stored answer at once, or, when the
    answer is still on its way through the dataflow (a split method, a create), the
    answer when it arrives. The hop that produces a request's answer records it at the
    request's key: a method's answer is usually produced at its own key; a create's at
    the new instance's key, which sends a ``Settle`` event to the create's key; a
    ``Response`` with ``origin`` (the kernel ran the caller's detached continuation at
    the callee) at the callee's key, which sends a ``Settle`` with ``target: origin``.
    The client gets the answer from the hop that produced it in every case.
    """

    def __init__(self, program: Dict[str, Any], dedup: bool = True, ttl_seconds: int = 0,
                 clock: Callable[[], float] = time.time, resume_detached: bool = True):
        from stateflow_kernel import Kernel  # imported in the Python worker

        # Detached continuations: a callee may answer the client itself (a Response with
        # ``origin``), recorded at origin by a Settle (``_answered``). Off: every call
        # returns to its caller (the ``resumeDetached`` setting).
        self.kernel = Kernel(program, resume_detached=resume_detached)
        self.dedup = dedup
        self.ttl_seconds = ttl_seconds
        self.clock = clock

    def handle(self, origin: str, text: str, state: KeyState) -> Output:
        if origin == REJECTED:
            return [], [text], []
        if origin == DEAD:
            return [], [], [text]
        event = json.loads(text)
        kind = event.get("kind")
        if kind == "GetState":
            return self._get_state(event, state)
        if kind == SETTLE:
            return [], self._settle(event["requestId"], event["response"], state), []
        if origin == INGRESS and self.dedup:
            return self._admit(event, state)
        out = self._process(event, state)
        if self.dedup and out[1]:
            return self._answered(event, out, state)
        return out

    def _admit(self, event: Dict[str, Any], state: KeyState) -> Output:
        request_id = event.get("requestId")
        prior = state.get_seen(request_id)
        if prior is not None:
            record = Record.parse(prior)
            if record.answered:
                return [], [readdress(record.response, event.get("replyTo"))], []
            if record.wait(event.get("replyTo")):
                state.put_seen(request_id, record.dumps(), record.keep)
            return [], [], []
        now_ms = int(self.clock() * 1000)
        if expired(request_id, self.ttl_seconds, now_ms):
            return [], [error_response_of(event, expired_response(event, self.ttl_seconds))], []
        out = self._process(event, state)
        keep = kept_for_good(request_id, self.ttl_seconds, now_ms)
        mine = [r for r in out[1] if json.loads(r).get("requestId") == request_id]
        record = Record(response=mine[0], keep=keep) if mine else Record(reply_to=event.get("replyTo"), keep=keep)
        state.put_seen(request_id, record.dumps(), record.keep)
        return out

    def _answered(self, event: Dict[str, Any], out: Output, state: KeyState) -> Output:
        """A later hop answered requests: record each answer where its request is remembered."""
        internal, responses, dead = out
        internal = list(internal)
        extra: List[str] = []
        for response in responses:
            answer = json.loads(response)
            request_id = answer.get("requestId")
            origin = answer.get("origin")
            if isinstance(origin, dict) and address_key(origin) != route_key(event):
                # Answered away from the instance the request started at: tell that instance.
                internal.append(settle_event(request_id, answer.get("seq", 0) + 1, event, response, origin))
            elif event.get("kind") == "Insert":
                # A create answered at the new instance's key: tell the create's key.
                internal.append(settle_event(request_id, event.get("seq", 0) + 1, event, response))
            else:
                extra += self._settle(request_id, response, state)
        return internal, list(responses) + extra, dead

    def _settle(self, request_id: str, response: str, state: KeyState) -> List[str]:
        """Records the answer of a pending request; returns the answers for the retries waiting
        (the first copy's answer is sent by the hop that produced it)."""
        prior = state.get_seen(request_id)
        if prior is None:
            return []  # not a client request remembered here (dedup off, or forgotten)
        record = Record.parse(prior)
        if record.answered:
            return []
        waiting = record.waiting
        state.put_seen(request_id, Record(response=response, keep=record.keep).dumps(), record.keep)
        return [readdress(response, reply_to) for reply_to in waiting]

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


def settle_event(request_id: Any, seq: int, event: Dict[str, Any], response: str,
                 target: Optional[Dict[str, Any]] = None) -> str:
    """The ``Settle`` (JSON text) carrying ``response`` to the key its request is remembered at:
    ``target``'s, or ``$construct/<requestId>`` without one (see ``routing.route_key``)."""
    settle: Dict[str, Any] = {"kind": SETTLE, "requestId": request_id, "seq": seq, "stack": []}
    if target is not None:
        settle["target"] = {"entity": target.get("entity"), "key": target.get("key")}
    settle["replyTo"] = event.get("replyTo")
    settle["response"] = response
    return json.dumps(settle)


def error_response_of(event: Dict[str, Any], error: Dict[str, Any]) -> str:
    return error_response(event, error["type"], error["message"], error.get("code"))
