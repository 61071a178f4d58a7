"""Exactly-once answers to client requests, kept in the entity's own state (no Beam import).

A client request runs at the key it names (``Entity/key``; a create at
``$construct/Entity/<requestId>``), in the stateful step of that entity class, and that
key's state cell records, next to the instance's state, the request ids it ran (a
:class:`Requests` table), so one stateful step per hop does what needed three before
(admit by request id, the entity, answers by request id).

Answers stay where they are made. Every stateful pass of a request ``R`` at a key leaves
``R``'s record there, in the same state write as the pass: ``res`` (the answer) when the
pass made ``R``'s ``Response``, else ``fw``: the key ``R``'s next event went to and that
event's ``seq``, and ``n``: the ``seq`` of the event the pass ran. Most answers are made at
the request's own key (the kernel answers from the frame at the bottom of the call stack).
A method whose last step the kernel ran at the callee (a detached continuation, e.g. the
``return True`` after ``to.deposit(x)`` in a transfer) is answered by the callee, which
records the answer itself: no trip back to the request's key.

At the request's key:

- a request whose id the table holds does not run again: it gets the recorded answer at
  its own ``replyTo``; if the key sent the request on (``fw``), a ``Query`` follows it
  (see :func:`query`) to where the answer was made;
- a ``Response`` made again (a hop run again after a failed bundle) is sent once;
- a second copy of a create, whose answer is made at another key, becomes a
  ``DuplicateRequest`` event to that key (see :func:`duplicate_notice`).

A ``Query`` never runs anything: at a key whose record holds the answer it sends it to the
query's ``replyTo``; at a key that sent the request on, it goes on. Beam does not keep the
order of two elements, so a ``Query`` may reach a key before the event it follows (the
one its sender sent there, whose ``seq`` it carries): a key whose record has not seen that
event yet (no record, or ``n`` below it) parks the ``Query`` in the record (``wait``) and
serves it when the event's pass runs. A key with no record that may have forgotten it (a
dated id past the TTL or not newer than ``forgot``) answers ``RequestExpired`` instead.

Records of the previous layout keep working: a request's key waiting for a ``Settle``
(another key's answer, made by an older pipeline) records it and answers the copies
waiting (:meth:`Requests.on_settle`).

The table is read with every event of its key (each pass appends the records it changed,
and the key's log is rewritten whole now and then: see ``entities.LogStore``), so it is kept short.
Dated ids (UUIDv7, the client's default) are dropped ``dedupTtlSeconds`` after they were
made, and, past :data:`REQUEST_MEMORY` finished ones (answered or sent on), the oldest are
dropped first; the key remembers the newest time it dropped (``forgot``). A copy of a dated
request older than the TTL, or not newer than ``forgot`` and no longer in the table, is
refused with ``RequestExpired``: it could no longer be told from a new request, so it is
never run twice. Other ids (undated) are remembered for good, at every key they pass: each
adds to every later event's cost at that key, so clients should send UUIDv7 ids.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Protocol

_UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)

#: A dated request id more than this far ahead of the pipeline's clock is treated as undated.
MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000

#: How many finished dated requests (answered, or sent on) a key remembers (past the TTL's
#: own limit): each costs about 60 bytes of JSON read and written with every event of the key.
REQUEST_MEMORY = 64

#: The internal event that hands a create's second copy to the key that answers it.
DUPLICATE_REQUEST = "DuplicateRequest"

#: The internal event that recorded, at the key a request ran at, the answer another key
#: made (pipelines before answers stayed where they are made; still accepted).
SETTLE = "Settle"

#: The internal event that follows a request from key to key to the answer, for a copy.
QUERY = "Query"

#: How many keys a ``Query`` visits before it gives up (a request's chain of calls is
#: longer than this only in a loop of remote calls; the copy is then told to retry).
MAX_QUERY_HOPS = 64


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


def query(request_id: str, reply_to: Any, forward: List[Any], hops: int) -> Dict[str, Any]:
    """The ``Query`` for a copy of ``request_id`` (answer at ``reply_to``) that follows the
    request to the key ``forward[0]`` (a route key), after its event ``seq`` ``forward[1]``."""
    return {"kind": QUERY, "requestId": request_id, "seq": forward[1], "stack": [], "replyTo": reply_to, "at": forward[0], "hops": hops}


def query_gave_up(event: Dict[str, Any]) -> str:
    from .routing import error_response

    message = (
        "request id '%s' passed more than %d keys and its answer was not found on the way; it ran once "
        "and is not run again: send the same request again later to get its answer"
    ) % (event.get("requestId"), MAX_QUERY_HOPS)
    return error_response(event, "Unavailable", message, "Unavailable")


def not_known_response(event: Dict[str, Any], ttl_seconds: int) -> str:
    from .routing import error_response

    message = (
        "request id '%s' ran, but the key its answer was made at no longer remembers it (dedupTtlSeconds: %d s, "
        "or the %d newest requests that key remembers): read the state to see whether it took effect, and "
        "send a new request (a new id) if it did not"
    ) % (event.get("requestId"), ttl_seconds, REQUEST_MEMORY)
    return error_response(event, "RequestExpired", message, "RequestExpired")


class Requests:
    """The request ids one key ran or passed, as stored in its cell: ``{"ids": {id: record},
    "forgot": newest "t" dropped before the TTL}``. A record holds ``"t"`` (when a dated id
    was made) and what the key knows of the request:

    - ``{"res": [seq, result]}``: the key made its ``Response``;
    - ``{"fw": [route key, seq], "n": seq}``: its last pass here ran the event ``n`` and sent
      the event ``seq`` to the key (answers are found by following it);
    - ``{"to": first replyTo}`` while a client request runs here (one state write: never
      stored); ``"at": {entity, key}`` for a create, whose answer is made at that key;
    - ``"wait": [replyTos]``: copies waiting for the answer here (a ``Query`` that came
      before the event it follows, or, in the previous layout, copies waiting for a ``Settle``).
    """

    def __init__(self, stored: Optional[Dict[str, Any]], ttl_seconds: int, now_ms: int):
        stored = stored or {}
        self.table: Dict[str, Any] = stored.get("ids", {})
        self.forgot: int = stored.get("forgot", 0)
        self.ttl_seconds = ttl_seconds
        self.now_ms = now_ms
        self.dirty: Dict[str, None] = {}  # ids whose record this pass changed (in order)

    def _new(self, request_id: str, record: Dict[str, Any]) -> Dict[str, Any]:
        issued = issued_at_ms(request_id)
        if issued is not None and issued <= self.now_ms + MAX_CLOCK_AHEAD_MS:
            record["t"] = issued
        self.table[request_id] = record
        self.dirty[request_id] = None
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
        return ("answered",) + self._copy(request_id, record, reply_to, 0)

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
        sends, _ = self._copy(request_id, record, event.get("replyTo"), 0)
        return sends

    def on_query(self, event: Dict[str, Any]) -> "tuple[List[str], Optional[Dict[str, Any]]]":
        """A ``Query`` at this key -> (texts to send, the ``Query`` sent on or None)."""
        request_id = event["requestId"]
        reply_to = event.get("replyTo")
        record = self.table.get(request_id)
        if record is None:
            if expired(request_id, self.ttl_seconds, self.now_ms) or self._forgotten(request_id):
                return [not_known_response(event, self.ttl_seconds)], None
            # The event the query follows has not come yet (or the record is gone: never
            # for an undated id, which is kept; a dated one goes after the TTL).
            record = self._new(request_id, {})
        elif "res" not in record and record.get("n", -1) < event.get("seq", 0):
            record = record  # this key has not run the event the query follows: wait for it
        else:
            hops = int(event.get("hops") or 0) + 1
            if "fw" in record and "res" not in record and hops > MAX_QUERY_HOPS:
                return [query_gave_up(event)], None
            return self._copy(request_id, record, reply_to, hops)
        self._wait(request_id, record, reply_to)
        return [], None

    def _wait(self, request_id: str, record: Dict[str, Any], reply_to: Any) -> None:
        wait = record.setdefault("wait", [])
        if reply_to != record.get("to") and reply_to not in wait:
            wait.append(reply_to)
            self.dirty[request_id] = None

    def _copy(self, request_id: str, record: Dict[str, Any], reply_to: Any, hops: int):
        if "res" in record:
            seq, result = record["res"]
            return [json.dumps({"kind": "Response", "requestId": request_id, "seq": seq, "stack": [], "replyTo": reply_to, "result": result})], None
        if "at" in record:
            return [], duplicate_notice(request_id, reply_to, record.get("to"), record["at"])
        if "fw" in record:
            return [], query(request_id, reply_to, record["fw"], hops)
        # Still running here (the previous layout: waiting for a Settle). The first copy's
        # address gets the answer anyway (the same client redelivering).
        self._wait(request_id, record, reply_to)
        return [], None

    def ran(self, event: Dict[str, Any], out: List[Dict[str, Any]]) -> None:
        """After a create ran here: where its answer will be made (its ``Insert``'s key)."""
        record = self.table.get(event["requestId"])
        if record is None:
            return
        for e in out:
            if e.get("kind") == "Insert":
                record["at"] = e["target"]
                self.dirty[event["requestId"]] = None

    def passed(self, event: Dict[str, Any], sent: Optional[Dict[str, Any]], sent_key: str) -> List[Dict[str, Any]]:
        """After a pass of ``event``'s request here that made no ``Response``, ``sent`` (its
        next event, to the route key ``sent_key``) or None: records where it went, and
        returns the ``Query`` events that send the copies waiting here after it."""
        request_id = event.get("requestId")
        record = self.table.get(request_id)
        if record is None:
            record = self._new(request_id, {})
        if "res" in record or "at" in record:
            return []  # answered here already (a pass run again), or a create: its own way
        record["n"] = event.get("seq", 0)
        self.dirty[request_id] = None
        if sent is None:
            return []  # nothing sent on (waits here: the previous layout's Settle)
        record.pop("to", None)  # copies follow ``fw`` from now on
        record["fw"] = [sent_key, sent.get("seq", 0)]
        waiting = record.pop("wait", [])
        return [query(request_id, r, record["fw"], 1) for r in waiting]

    def on_response(self, response: Dict[str, Any], text: str) -> List[str]:
        """A ``Response`` made at this key: the texts to send (none when already answered):
        to its own ``replyTo`` and to the copies waiting here."""
        request_id = response.get("requestId")
        record = self.table.get(request_id)
        if record is None:
            record = self._new(request_id, {"to": response.get("replyTo")})
        elif "res" in record:
            return []
        waiting = [r for r in record.get("wait", []) if r != response.get("replyTo")]
        answered = {"res": [response.get("seq"), response.get("result")]}
        if "t" in record:
            answered["t"] = record["t"]
        self.table[request_id] = answered
        self.dirty[request_id] = None
        return [text] + [readdress(text, r) for r in waiting]

    def on_settle(self, event: Dict[str, Any]) -> List[str]:
        """A ``Settle`` at this key (sent by a pipeline before answers stayed where they are
        made): records the answer another key made and sent to the first copy; returns the
        answers for the copies waiting. Nothing when the answer is already recorded (a
        Settle sent again) or the id is no longer remembered (past its TTL)."""
        request_id = event.get("requestId")
        record = self.table.get(request_id)
        if record is None or "res" in record:
            return []
        answered = {"res": [event.get("seq"), event.get("result")]}
        if "t" in record:
            answered["t"] = record["t"]
        self.table[request_id] = answered
        self.dirty[request_id] = None
        text = json.dumps({"kind": "Response", "requestId": request_id, "seq": event.get("seq"), "stack": [],
                           "replyTo": record.get("to"), "result": event.get("result")})
        return [readdress(text, r) for r in record.get("wait", [])]

    @property
    def changed(self) -> bool:
        return bool(self.dirty)

    def changes(self) -> Dict[str, Any]:
        """The records this pass changed, whole (a later one replaces an earlier one of the
        same id when the key's state is read back: see :mod:`entities`)."""
        return {k: self.table[k] for k in self.dirty if k in self.table}

    def stored(self) -> Dict[str, Any]:
        """The table to write back, without the ids whose time is up, and with at most
        :data:`REQUEST_MEMORY` finished dated ids (answered or sent on, no copy waiting)."""
        ttl_ms = self.ttl_seconds * 1000
        now = self.now_ms
        table = {k: r for k, r in self.table.items() if "t" not in r or ttl_ms <= 0 or r["t"] + ttl_ms > now}
        dated = [(r["t"], k) for k, r in table.items() if "t" in r and ("res" in r or "fw" in r) and not r.get("wait")]
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
