"""What the job remembers of a client request id, and how old a request id is (no PyFlink).

Each stateful pass of a client request at an instance leaves the request's record there,
in the same state write as the instance's state (see :mod:`stateflow_flink.operator`):

- ``{"response": <Response JSON text>}``: the pass produced the request's answer;
- ``{"forward": <address>}``: the pass sent the request's next event to ``address``
  (``{"entity", "key"}``, or ``"$construct"`` for the request's create key); a retry here
  follows it with a ``Query`` (the answer stays at the instance that made it);
- ``{"replyTo": <the first copy's replyTo>, "waiting": [<replyTo>, ...]}``: pending, its
  answer comes back in a ``Settle``: a create at its ``$construct/<request id>`` key, and
  records written by earlier versions; ``waiting`` lists the other addresses that sent
  the same id meanwhile, each answered when the answer arrives.

``"keep": true`` marks a record kept for good: its request id does not say when it was
made, so forgetting it after ``dedupTtlSeconds`` could let a late retry run again.
``"lookup": true`` marks a record made at an instance other than the one the request
started at (its first key): it only serves ``Query`` lookups, guards nothing, and may be
forgotten (window, TTL) whatever its id, so it is never kept for good.
Records written by earlier versions (``""`` for pending, the bare Response text) are read too.

That is the record's *text* (:meth:`Record.dumps`), kept where a request id's record is a
text of its own (PyFlink's ``requests`` maps). Where many records share one stored value
(Flink's cell, Statefun's ``requests`` value) each is stored as its *entry*
(:meth:`Record.entry`), a compact JSON object without what can be rebuilt when it is read:

- ``{"res": {<the Response's fields but kind, requestId, replyTo and an empty stack>}}``;
- ``{"fwd": <address>}``;
- ``{"to": <replyTo>, "wait": [<replyTo>, ...]}`` (``wait`` only when not empty);

each may add ``"k": 1`` (kept for good) and ``"l": 1`` (lookup-only). A pass hands the
operator's state a :class:`Record` with the answer's fields still parsed, so storing an
entry parses nothing.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Dict, List, Optional

from . import json_text

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)

#: A dated request id more than this far ahead of the job's clock is treated as undated.
MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000


def issued_at_ms(request_id: Any) -> Optional[int]:
    """When a request id was made (ms since the epoch) if it is a UUIDv7 (RFC 9562), else None."""
    if not isinstance(request_id, str):
        return None
    return _issued_at_ms(request_id)


@lru_cache(maxsize=256)  # one request's pass asks up to three times
def _issued_at_ms(request_id: str) -> Optional[int]:
    if not _UUID.match(request_id):
        return None
    return int(request_id[:8] + request_id[9:13], 16)


def ttl_margin_ms(ttl_seconds: int) -> int:
    """Clock skew tolerated between a client and the job: a tenth of the TTL, at most 5 minutes."""
    return min(ttl_seconds * 100, MAX_CLOCK_AHEAD_MS)


def expired(request_id: Any, ttl_seconds: int, now_ms: int) -> bool:
    """Whether a request id is too old to be told apart from a forgotten one.

    With ``ttl_seconds`` > 0, a dated id (UUIDv7) older than the TTL minus the skew margin
    may have been answered and forgotten already: it must not run.
    """
    if ttl_seconds <= 0:
        return False
    issued = issued_at_ms(request_id)
    if issued is None or issued > now_ms + MAX_CLOCK_AHEAD_MS:
        return False
    return now_ms - issued > ttl_seconds * 1000 - ttl_margin_ms(ttl_seconds)


def kept_for_good(request_id: Any, ttl_seconds: int, now_ms: int) -> bool:
    """Whether a new record must outlive the TTL: an id of unknown age (not a UUIDv7, or
    dated far in the future) could be retried at any time."""
    if ttl_seconds <= 0:
        return False
    issued = issued_at_ms(request_id)
    return issued is None or issued > now_ms + MAX_CLOCK_AHEAD_MS


#: ``forward`` of a record whose request's next event was a create (routed by request id).
CONSTRUCT_ADDRESS = "$construct"


#: Fields of a stored answer that are rebuilt when it is read (every copy gets its own replyTo).
REBUILT_FIELDS = ("kind", "requestId", "replyTo")


class Record:
    """One request id's record (see the module docstring).

    ``response`` is the answer's JSON text; ``answer``, when given, the same Response
    already parsed (the kernel's own event), so that :meth:`entry` need not parse it.
    """

    def __init__(self, response: Optional[str] = None, reply_to: Any = None,
                 waiting: Optional[List[Any]] = None, keep: bool = False,
                 forward: Any = None, lookup: bool = False, answer: Optional[Dict[str, Any]] = None):
        self.response = response
        self.reply_to = reply_to
        self.waiting: List[Any] = waiting or []
        self.keep = keep
        self.forward = forward
        self.lookup = lookup
        self.answer = answer

    @staticmethod
    def parse(text: str, request_id: Any = None) -> "Record":
        """A record from its text (:meth:`dumps`, or an earlier version's), or from its
        entry's JSON (:meth:`entry`; ``request_id`` rebuilds its answer)."""
        if text == "":
            return Record()
        return Record.of_value(json.loads(text), request_id, text)

    @staticmethod
    def of_value(value: Dict[str, Any], request_id: Any = None, text: Optional[str] = None) -> "Record":
        """A record from the parsed JSON of its text or of its entry (``text``: that JSON,
        if at hand: an earlier version's bare Response is kept as it was)."""
        if "res" in value or "fwd" in value or "to" in value:
            return Record.of_entry(request_id, value)
        if value.get("kind") == "Response":  # an earlier version's answered record
            return Record(response=text if text is not None else json.dumps(value), answer=value)
        return Record(value.get("response"), value.get("replyTo"), value.get("waiting"), bool(value.get("keep")),
                      value.get("forward"), bool(value.get("lookup")))

    @staticmethod
    def of_entry(request_id: Any, entry: Dict[str, Any]) -> "Record":
        """The record of ``request_id`` stored as ``entry`` (see :meth:`entry`)."""
        keep, lookup = bool(entry.get("k")), bool(entry.get("l"))
        if "res" in entry:
            response: Dict[str, Any] = {"kind": "Response", "requestId": request_id, "stack": [], "replyTo": None}
            response.update(entry["res"])
            return Record(response=json_text.dumps(response), answer=response, keep=keep, lookup=lookup)
        if "fwd" in entry:
            return Record(forward=entry["fwd"], keep=keep, lookup=lookup)
        return Record(reply_to=entry.get("to"), waiting=list(entry.get("wait") or []), keep=keep, lookup=lookup)

    @property
    def answered(self) -> bool:
        return self.response is not None

    @property
    def forwarded(self) -> bool:
        return not self.answered and self.forward is not None

    @property
    def pending(self) -> bool:
        """Waiting for a ``Settle`` (a create's key, or a record of an earlier version)."""
        return not self.answered and self.forward is None

    def response_event(self) -> Dict[str, Any]:
        """The answer, parsed (once)."""
        if self.answer is None:
            self.answer = json_text.loads(self.response)
        return self.answer

    def wait(self, reply_to: Any) -> bool:
        """Adds an address to answer when the answer arrives; False when it gets it anyway."""
        if reply_to == self.reply_to or reply_to in self.waiting:
            return False
        self.waiting.append(reply_to)
        return True

    def dumps(self) -> str:
        if self.answered:
            value: Dict[str, Any] = {"response": self.response}
        elif self.forward is not None:
            value = {"forward": self.forward}
        else:
            value = {"replyTo": self.reply_to, "waiting": self.waiting}
        if self.keep:
            value["keep"] = True
        if self.lookup:
            value["lookup"] = True
        return json.dumps(value)

    def entry(self) -> Dict[str, Any]:
        """The compact form (see the module docstring): what :meth:`of_entry` reads back."""
        entry: Dict[str, Any]
        if self.answered:
            response = self.response_event()
            entry = {"res": {k: v for k, v in response.items() if k not in REBUILT_FIELDS and not (k == "stack" and v == [])}}
        elif self.forward is not None:
            entry = {"fwd": self.forward}
        else:
            entry = {"to": self.reply_to}
            if self.waiting:
                entry["wait"] = self.waiting
        if self.keep:
            entry["k"] = 1
        if self.lookup:
            entry["l"] = 1
        return entry


def readdress(response: str, reply_to: Any) -> str:
    """The Response text sent to ``reply_to`` instead of its own ``replyTo``."""
    event = json_text.loads(response)
    if event.get("replyTo") == reply_to:
        return response
    event["replyTo"] = reply_to
    return json_text.dumps(event)


def expired_response(event: Dict[str, Any], ttl_seconds: int) -> Dict[str, Any]:
    """The error answering a request id older than the dedup TTL."""
    return {
        "type": "RequestExpired",
        "message": (
            "request id '%s' was made more than dedupTtlSeconds (%d s) ago: this job may have run it "
            "and forgotten its outcome, so it does not run it again; read the state to see whether it "
            "took effect, and send a new request (a new id) if it did not"
        ) % (event.get("requestId"), ttl_seconds),
        "code": "RequestExpired",
    }


class RequestRecords:
    """Where a key's request records live, looked up with as few state reads as possible.

    With a TTL there are two maps: ``seen`` (expires) and ``kept`` (for good). In PyFlink a
    map read that misses is a round trip from the Python worker to the JVM, and a new
    request always misses, so the lookup reads one map whenever it can:

    - an undated id (not a UUIDv7) is only ever kept: ``kept``;
    - a dated id is in ``seen``, or in ``kept`` if it was dated far ahead of the job's clock
      when admitted. ``dated_kept`` (a per-key flag in value state, which PyFlink caches) says
      whether this key holds such a record: ``False`` once the key was written by this
      version without one, ``None`` for state written before (then both maps are read).

    ``seen``/``kept``: objects with ``get(k)``/``put(k, v)``; ``dated_kept``: ``value()``/
    ``update(v)``. Without a TTL, ``kept`` is ``seen`` and ``dated_kept`` is not used.
    """

    def __init__(self, seen, kept, dated_kept=None):
        self.seen = seen
        self.kept = kept
        self.dated_kept = dated_kept

    def get(self, request_id: str) -> Optional[str]:
        if self.kept is self.seen:
            return self.seen.get(request_id)
        if issued_at_ms(request_id) is None:
            return self.kept.get(request_id)
        found = self.seen.get(request_id)
        if found is None and self.dated_kept.value() is not False:
            found = self.kept.get(request_id)
        return found

    def put(self, request_id: str, record: str, keep: bool) -> None:
        if self.kept is self.seen:
            self.seen.put(request_id, record)
            return
        (self.kept if keep else self.seen).put(request_id, record)
        flag = self.dated_kept.value()
        if keep and issued_at_ms(request_id) is not None:
            if flag is not True:
                self.dated_kept.update(True)
        elif flag is None:
            self.dated_kept.update(False)
