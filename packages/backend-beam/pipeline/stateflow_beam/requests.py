"""Exactly-once answers to client requests, kept in the entity's own state (no Beam import).

A client request runs at the key it names (``Entity/key``; a create at
``$construct/Entity/<requestId>``), in the stateful step of that entity class, and its
``Response`` is made at that same key: the kernel answers the client from the frame at
the bottom of the call stack, which is the request's target (a create is answered by the
``Insert`` at the new instance's key, see :func:`Requests.ran`). So the key's state cell
records, next to the instance's state, the request ids it ran and their answers (a
:class:`Requests` table), and one stateful step per hop does what needed three before
(admit by request id, the entity, answers by request id):

- a request whose id the table holds does not run again: it gets the recorded answer at
  its own ``replyTo``, or, while the answer is still on its way (a method that calls
  another entity), waits for it;
- a ``Response`` made again (a hop run again after a failed bundle) is sent once;
- a second copy of a create, whose answer is made at another key, becomes a
  ``DuplicateRequest`` event to that key (see :func:`duplicate_notice`).

Dated ids (UUIDv7) are dropped from the table ``dedupTtlSeconds`` after they were made (on
the next write of that key); an older copy is refused with ``RequestExpired``, since it
could no longer be told from a new request. Other ids are remembered for good.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Protocol

_UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)

#: A dated request id more than this far ahead of the pipeline's clock is treated as undated.
MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000

#: The internal event that hands a create's second copy to the key that answers it.
DUPLICATE_REQUEST = "DuplicateRequest"


class Cell(Protocol):
    """One state cell of the current key (Beam ``ReadModifyWriteState`` of text)."""

    def read(self) -> Optional[str]: ...
    def write(self, value: str) -> None: ...


def issued_at_ms(request_id: Any) -> Optional[int]:
    """When a request id was made (ms since the epoch) if it is a UUIDv7 (RFC 9562), else None."""
    if not isinstance(request_id, str) or not _UUID7.match(request_id):
        return None
    return int(request_id[:8] + request_id[9:13], 16)


def forget_at_ms(request_id: Any, ttl_seconds: int, now_ms: int) -> Optional[int]:
    """When the record of a request id may be dropped (None: never)."""
    if ttl_seconds <= 0:
        return None
    issued = issued_at_ms(request_id)
    if issued is None or issued > now_ms + MAX_CLOCK_AHEAD_MS:
        return None
    return issued + ttl_seconds * 1000


def expired(request_id: Any, ttl_seconds: int, now_ms: int) -> bool:
    """A dated id older than the TTL (minus a skew margin) may have been answered and forgotten."""
    forget = forget_at_ms(request_id, ttl_seconds, now_ms)
    if forget is None:
        return False
    margin = min(ttl_seconds * 100, MAX_CLOCK_AHEAD_MS)
    return now_ms > forget - margin


def expired_response(event: Dict[str, Any], ttl_seconds: int) -> str:
    from .routing import error_response

    message = (
        "request id '%s' was made more than dedupTtlSeconds (%d s) ago: this pipeline may have run it "
        "and forgotten its outcome, so it does not run it again; read the state to see whether it "
        "took effect, and send a new request (a new id) if it did not"
    ) % (event.get("requestId"), ttl_seconds)
    return error_response(event, "RequestExpired", message, "RequestExpired")


def readdress(response: str, reply_to: Any) -> str:
    """The Response text sent to ``reply_to`` instead of its own ``replyTo``."""
    event = json.loads(response)
    if event.get("replyTo") == reply_to:
        return response
    event["replyTo"] = reply_to
    return json.dumps(event)


def duplicate_notice(request_id: str, reply_to: Any, at: Dict[str, Any]) -> Dict[str, Any]:
    """The event that asks the key ``at`` ({entity, key}) to answer another copy of a request."""
    return {"kind": DUPLICATE_REQUEST, "requestId": request_id, "seq": 0, "stack": [], "replyTo": reply_to, "target": at}


class Requests:
    """The request ids one key ran or answers, as stored in its cell:
    ``{id: {"to": first replyTo, "wait": [other replyTos], "res": Response text,
    "at": {entity, key} answering it elsewhere, "until": ms to forget it}}``."""

    def __init__(self, table: Optional[Dict[str, Any]], ttl_seconds: int, now_ms: int):
        self.table: Dict[str, Any] = table if table is not None else {}
        self.ttl_seconds = ttl_seconds
        self.now_ms = now_ms
        self.changed = False

    def on_request(self, event: Dict[str, Any]) -> "tuple[str, List[str], Optional[Dict[str, Any]]]":
        """A client request at this key -> ``("run", [], None)``, or ``("answered", texts to
        send, event to send on or None)`` for a copy of a request this key knows (or refuses)."""
        request_id = event["requestId"]
        reply_to = event.get("replyTo")
        record = self.table.get(request_id)
        if record is None:
            if expired(request_id, self.ttl_seconds, self.now_ms):
                return "answered", [expired_response(event, self.ttl_seconds)], None
            record = {"to": reply_to}
            until = forget_at_ms(request_id, self.ttl_seconds, self.now_ms)
            if until is not None:
                record["until"] = until
            self.table[request_id] = record
            self.changed = True
            return "run", [], None
        return ("answered",) + self._copy(request_id, record, reply_to)

    def on_notice(self, event: Dict[str, Any]) -> List[str]:
        """A ``DuplicateRequest`` at this key: the answer, or wait for it (the create's
        ``Insert`` may still be on its way here)."""
        request_id = event["requestId"]
        record = self.table.get(request_id)
        if record is None:
            record = self.table[request_id] = {}
            until = forget_at_ms(request_id, self.ttl_seconds, self.now_ms)
            if until is not None:
                record["until"] = until
        sends, _ = self._copy(request_id, record, event.get("replyTo"))
        return sends

    def _copy(self, request_id: str, record: Dict[str, Any], reply_to: Any):
        if "res" in record:
            return [readdress(record["res"], reply_to)], None
        if "at" in record:
            return [], duplicate_notice(request_id, reply_to, record["at"])
        wait = record.setdefault("wait", [])
        # The first copy's address gets the answer anyway (the same client redelivering).
        if reply_to != record.get("to") and reply_to not in wait:
            wait.append(reply_to)
            self.changed = True
        return [], None

    def ran(self, event: Dict[str, Any], out: List[Dict[str, Any]]) -> None:
        """After a create ran here: where its answer will be made (its ``Insert``'s key)."""
        record = self.table.get(event["requestId"])
        if record is None:
            return
        for e in out:
            if e.get("kind") == "Insert":
                record["at"] = e["target"]
                self.changed = True

    def on_response(self, response: Dict[str, Any], text: str) -> List[str]:
        """A ``Response`` made at this key: the texts to send (none when already answered)."""
        request_id = response.get("requestId")
        record = self.table.get(request_id)
        if record is None:
            record = self.table[request_id] = {"to": response.get("replyTo")}
            until = forget_at_ms(request_id, self.ttl_seconds, self.now_ms)
            if until is not None:
                record["until"] = until
        elif "res" in record:
            return []
        record["res"] = text
        self.changed = True
        record.pop("at", None)
        waiting = record.pop("wait", [])
        return [text] + [readdress(text, r) for r in waiting]

    def stored(self) -> Dict[str, Any]:
        """The table to write back, without the ids whose time is up."""
        now = self.now_ms
        return {k: r for k, r in self.table.items() if r.get("until", now + 1) > now}
