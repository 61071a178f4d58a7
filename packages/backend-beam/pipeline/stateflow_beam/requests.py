"""Exactly-once answers to client requests, by request id (no Beam import).

Two stateful steps keyed by ``requestId`` sit around the entity steps (Beam graphs have
no cycles, so one step cannot both admit a request and record its answer):

- **admit** (before the entities) remembers each request id it let through, with the
  first copy's ``replyTo``. A second copy (a redelivered Kafka record, a client retry)
  does not run again: it becomes a *duplicate notice* for the answers step.
- **answers** (after the entities) records each request's ``Response``. A duplicate
  notice gets the recorded answer, or, while the answer is still on its way (a split
  method, a create), waits for it. A ``Response`` produced twice (a hop run again after
  a failed bundle) is sent once.

Each step's state for an id is one small JSON text (see :class:`Cell`). Dated ids
(UUIDv7) are forgotten ``dedupTtlSeconds`` after they were made; an older copy is refused
with ``RequestExpired``, since it could no longer be told from a new request. Other ids
are remembered for good.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Protocol, Tuple

_UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)

#: A dated request id more than this far ahead of the pipeline's clock is treated as undated.
MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000


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


#: What admit makes of a request: ("run", text) | ("duplicate", notice JSON) | ("reply", Response text).
Admitted = Tuple[str, str]


def admit(event: Dict[str, Any], text: str, seen: Cell, ttl_seconds: int, now_ms: int) -> Admitted:
    """The admit step for one client request (``seen``: this request id's cell)."""
    prior = seen.read()
    if prior is not None:
        notice = {"requestId": event["requestId"], "replyTo": event.get("replyTo"), "first": json.loads(prior)}
        return "duplicate", json.dumps(notice)
    if expired(event.get("requestId"), ttl_seconds, now_ms):
        return "reply", expired_response(event, ttl_seconds)
    seen.write(json.dumps(event.get("replyTo")))
    return "run", text


def on_response(response: str, cell: Cell) -> List[str]:
    """The answers step for a ``Response``: what to send (nothing when already answered)."""
    prior = cell.read()
    record = json.loads(prior) if prior is not None else {}
    if "response" in record:
        return []
    cell.write(json.dumps({"response": response}))
    return [response] + [readdress(response, r) for r in record.get("waiting", [])]


def on_duplicate(notice_text: str, cell: Cell) -> List[str]:
    """The answers step for a duplicate notice: the recorded answer, or wait for it."""
    notice = json.loads(notice_text)
    reply_to = notice.get("replyTo")
    prior = cell.read()
    record = json.loads(prior) if prior is not None else {}
    if "response" in record:
        return [readdress(record["response"], reply_to)]
    waiting = record.get("waiting", [])
    # The first copy's address gets the answer anyway (the same client redelivering).
    if reply_to != notice.get("first") and reply_to not in waiting:
        cell.write(json.dumps({"waiting": waiting + [reply_to]}))
    return []
