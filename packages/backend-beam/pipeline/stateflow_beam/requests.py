"""Exactly-once answers to client requests, kept in the entity's own state (no Beam import).

A client request runs at the key it names (``Entity/key``; a create at
``$construct/Entity/<requestId>``), in the stateful step of that entity class, and that
key's state cell records, next to the instance's state, the request ids it ran and their
answers (a :class:`Requests` table), so one stateful step per hop does what needed three
before (admit by request id, the entity, answers by request id). Most answers are made at
that same key (the kernel answers the client from the frame at the bottom of the call
stack, which is the request's target). Two are made elsewhere:

- a create is answered by the ``Insert`` at the new instance's key, which records the
  answer itself (see :func:`Requests.ran`);
- a method whose last step the kernel ran at the callee (a detached continuation, e.g. the
  ``return True`` after ``to.deposit(x)`` in a transfer) is answered by the callee: its
  ``Response`` carries ``origin``, the request's key. The callee sends it to the client at
  once and a ``Settle`` event (see :func:`settle_notice`) to ``origin``, which records the
  answer there (:func:`Requests.on_settle`), off the client's path.

At the request's key:

- a request whose id the table holds does not run again: it gets the recorded answer at
  its own ``replyTo``, or, while the answer is still on its way (a method that calls
  another entity), waits for it;
- a ``Response`` made again (a hop run again after a failed bundle) is sent once;
- a second copy of a create, whose answer is made at another key, becomes a
  ``DuplicateRequest`` event to that key (see :func:`duplicate_notice`).

The table is read and written whole with every event of its key, so it is kept short.
Dated ids (UUIDv7, the client's default) are dropped ``dedupTtlSeconds`` after they were
made, and, past :data:`REQUEST_MEMORY` answered ones, the oldest are dropped first; the key
remembers the newest time it dropped (``forgot``). A copy of a dated request older than
the TTL, or not newer than ``forgot`` and no longer in the table, is refused with
``RequestExpired``: it could no longer be told from a new request, so it is never run
twice. Other ids (undated) are remembered for good: each adds to every later event's cost
at that key, so clients should send UUIDv7 ids.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Protocol

_UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)

#: A dated request id more than this far ahead of the pipeline's clock is treated as undated.
MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000

#: How many answered dated requests a key remembers (past the TTL's own limit): each
#: costs about 60 bytes of JSON read and written with every event of the key.
REQUEST_MEMORY = 64

#: The internal event that hands a create's second copy to the key that answers it.
DUPLICATE_REQUEST = "DuplicateRequest"

#: The internal event that records, at the key a request ran at, the answer another key made.
SETTLE = "Settle"


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


def forgotten_response(event: Dict[str, Any]) -> str:
    from .routing import error_response

    message = (
        "request id '%s' is older than the %d newest requests its target remembers (it answered "
        "them since): this pipeline may have run it and forgotten its outcome, so it does not run it "
        "again; read the state to see whether it took effect, and send a new request (a new id) if it did not"
    ) % (event.get("requestId"), REQUEST_MEMORY)
    return error_response(event, "RequestExpired", message, "RequestExpired")


def readdress(response: str, reply_to: Any) -> str:
    """The Response text sent to ``reply_to`` instead of its own ``replyTo``."""
    event = json.loads(response)
    if event.get("replyTo") == reply_to:
        return response
    event["replyTo"] = reply_to
    return json.dumps(event)


def duplicate_notice(request_id: str, reply_to: Any, first: Any, at: Dict[str, Any]) -> Dict[str, Any]:
    """The event that asks the key ``at`` ({entity, key}) to answer another copy of a request
    (``first``: the first copy's replyTo, which gets the answer anyway)."""
    return {"kind": DUPLICATE_REQUEST, "requestId": request_id, "seq": 0, "stack": [], "replyTo": reply_to, "first": first, "target": at}


def answered_elsewhere(response: Dict[str, Any], here: str) -> Optional[Dict[str, Any]]:
    """The key ({entity, key}) that remembers the request a ``Response`` made at the key
    ``here`` answers, when that is another key (the Response's ``origin``), else None."""
    origin = response.get("origin")
    if not isinstance(origin, dict) or "%s/%s" % (origin.get("entity"), origin.get("key")) == here:
        return None
    return {"entity": origin["entity"], "key": origin["key"]}


def settle_notice(response: Dict[str, Any], at: Dict[str, Any]) -> Dict[str, Any]:
    """The event that records a ``Response`` made elsewhere at the key ``at`` ({entity, key}),
    where its request ran (the first copy's replyTo got the Response itself)."""
    return {"kind": SETTLE, "requestId": response.get("requestId"), "seq": response.get("seq"), "stack": [],
            "replyTo": response.get("replyTo"), "target": at, "result": response.get("result")}


class Requests:
    """The request ids one key ran or answers, as stored in its cell: ``{"ids": {id:
    {"to": first replyTo, "wait": [other replyTos], "at": {entity, key} answering it
    elsewhere, "t": when a dated id was made} while it runs, then {"res": [seq, result] of
    its Response, "t"}}, "forgot": newest "t"
    dropped before the TTL}``."""

    def __init__(self, stored: Optional[Dict[str, Any]], ttl_seconds: int, now_ms: int):
        stored = stored or {}
        self.table: Dict[str, Any] = stored.get("ids", {})
        self.forgot: int = stored.get("forgot", 0)
        self.ttl_seconds = ttl_seconds
        self.now_ms = now_ms
        self.changed = False

    def _new(self, request_id: str, record: Dict[str, Any]) -> Dict[str, Any]:
        issued = issued_at_ms(request_id)
        if issued is not None and issued <= self.now_ms + MAX_CLOCK_AHEAD_MS:
            record["t"] = issued
        self.table[request_id] = record
        self.changed = True
        return record

    def on_request(self, event: Dict[str, Any]) -> "tuple[str, List[str], Optional[Dict[str, Any]]]":
        """A client request at this key -> ``("run", [], None)``, or ``("answered", texts to
        send, event to send on or None)`` for a copy of a request this key knows (or refuses)."""
        request_id = event["requestId"]
        reply_to = event.get("replyTo")
        record = self.table.get(request_id)
        if record is None:
            if expired(request_id, self.ttl_seconds, self.now_ms):
                return "answered", [expired_response(event, self.ttl_seconds)], None
            if self._forgotten(request_id):
                return "answered", [forgotten_response(event)], None
            self._new(request_id, {"to": reply_to})
            return "run", [], None
        return ("answered",) + self._copy(request_id, record, reply_to)

    def _forgotten(self, request_id: str) -> bool:
        issued = issued_at_ms(request_id)
        return issued is not None and self.forgot > 0 and issued <= self.forgot

    def on_notice(self, event: Dict[str, Any]) -> List[str]:
        """A ``DuplicateRequest`` at this key: the answer, or wait for it (the create's
        ``Insert`` may still be on its way here)."""
        request_id = event["requestId"]
        record = self.table.get(request_id)
        if record is None:
            record = self._new(request_id, {"to": event.get("first")})
        sends, _ = self._copy(request_id, record, event.get("replyTo"))
        return sends

    def _copy(self, request_id: str, record: Dict[str, Any], reply_to: Any):
        if "res" in record:
            seq, result = record["res"]
            return [json.dumps({"kind": "Response", "requestId": request_id, "seq": seq, "stack": [], "replyTo": reply_to, "result": result})], None
        if "at" in record:
            return [], duplicate_notice(request_id, reply_to, record.get("to"), record["at"])
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
            record = self._new(request_id, {"to": response.get("replyTo")})
        elif "res" in record:
            return []
        waiting = record.get("wait", [])
        answered = {"res": [response.get("seq"), response.get("result")]}
        if "t" in record:
            answered["t"] = record["t"]
        self.table[request_id] = answered
        self.changed = True
        return [text] + [readdress(text, r) for r in waiting]

    def on_settle(self, event: Dict[str, Any]) -> List[str]:
        """A ``Settle`` at this key: records the answer another key made and sent to the first
        copy; returns the answers for the copies waiting. Nothing when the answer is already
        recorded (a Settle sent again) or the id is no longer remembered (past its TTL)."""
        request_id = event.get("requestId")
        record = self.table.get(request_id)
        if record is None or "res" in record:
            return []
        answered = {"res": [event.get("seq"), event.get("result")]}
        if "t" in record:
            answered["t"] = record["t"]
        self.table[request_id] = answered
        self.changed = True
        text = json.dumps({"kind": "Response", "requestId": request_id, "seq": event.get("seq"), "stack": [],
                           "replyTo": record.get("to"), "result": event.get("result")})
        return [readdress(text, r) for r in record.get("wait", [])]

    def stored(self) -> Dict[str, Any]:
        """The table to write back, without the ids whose time is up, and with at most
        :data:`REQUEST_MEMORY` answered dated ids."""
        ttl_ms = self.ttl_seconds * 1000
        now = self.now_ms
        table = {k: r for k, r in self.table.items() if "t" not in r or ttl_ms <= 0 or r["t"] + ttl_ms > now}
        dated = [(r["t"], k) for k, r in table.items() if "t" in r and "res" in r]
        forgot = self.forgot
        if len(dated) > REQUEST_MEMORY:
            dated.sort()
            for t, k in dated[: len(dated) - REQUEST_MEMORY]:
                del table[k]
                forgot = max(forgot, t)
        out: Dict[str, Any] = {"ids": table}
        if forgot:
            out["forgot"] = forgot
        return out
