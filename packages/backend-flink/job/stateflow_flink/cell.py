"""An instance's state and its recent request ids in one keyed value (no PyFlink import).

Each state access of a PyFlink operator that its worker's cache does not answer is a
round trip to the JVM, and a request id seen for the first time is never in the cache. So
an entity key keeps, in its one ``ValueState`` (``instance``), next to the instance's
encoded state, the dated request ids (UUIDv7, the client's default) it ran within the
dedup TTL: one read and one write per request, like the reference job's single value.

The value is either an earlier version's instance text (any JSON object of the instance's
fields) or a *cell*: three lines (JSON text has no raw line breaks), the first a JSON
object whose first key is ``$cell`` (no field of an instance can be called that)::

    {"$cell": 2, "n": <answered ids>, "old": <ms the oldest id was made>,
     "forgot": <newest id's time dropped before its TTL>, "dk": 1}
    {<request id>: <the record's entry (stateflow_flink.dedup.Record.entry)>:
                   {"res": {<the Response's fields but kind, requestId, replyTo and an
                             empty stack>}}
                 | {"fwd": <address the request's next event went to>}
                 | {"to": <replyTo>, "wait": [<replyTo>, ...]}
                 (each may add "l": 1, a lookup-only record, and "t": <ms it was written>), ...}
    <the instance's text, or nothing>

(the records of :mod:`stateflow_flink.dedup`: answered, forward, pending). An id's time is
read from the id itself (UUIDv7). Only the newest ``window`` answered or forward ids are kept
(a pending one stays until its TTL): a copy of a dated request not in the cell and not newer
than ``forgot`` may have run and been forgotten, so it is refused with ``RequestExpired`` (as
one older than the TTL is). Only records of requests that started here move ``forgot``: a
lookup-only record (``"l"``, made by a later pass of a request that started elsewhere)
guards nothing, so it is dropped like the others but a new request here is not refused for it.
Undated ids and ids dated far ahead of the job's clock are kept for good, so they cannot
live in a bounded cell: they stay in the ``requests-kept`` map (``dk`` marks a cell whose
key holds a dated one there). Lookup-only records are never kept for good: those of such
ids live in the cell too, dated by when they were written (``"t"``). A create's key
(``$construct/<request id>``) has no instance: its cell is a value state of its own
(``request``) that expires after the TTL. Without a TTL (``dedupTtlSeconds`` 0) every id is
kept for good and every record stays in the maps, as before (lookup-only records too).

State written by the earlier layout (the instance's text alone, request records in the
``requests``/``requests-kept`` maps) is read: an instance's text becomes a cell when the key
is next written, and a dated id made before this worker started that is not in the cell is
looked up in the maps too. Ids made later are never there, so the maps are not read (nor
registered: see ``LazyState`` in ``job.py``) in the steady state.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable, Dict, Optional

from .dedup import MAX_CLOCK_AHEAD_MS, Record, issued_at_ms
from .routing import CONSTRUCT_KEY_PREFIX, error_response

CELL_PREFIX = '{"$cell":'
#: ``json.dumps(value, separators=(",", ":"))`` without building an encoder per call (twice a record).
_compact = json.JSONEncoder(separators=(",", ":")).encode
#: How many answered dated request ids a key remembers by default (``dedupWindow``).
DEFAULT_WINDOW = 64
def forgotten_record(request_id: str, window: int) -> Record:
    """The record answering a copy of a dated request the key no longer remembers."""
    message = (
        "request id '%s' is older than the %d newest requests its target remembers (it answered "
        "them since): this job may have run it and forgotten its outcome, so it does not run it "
        "again; read the state to see whether it took effect, and send a new request (a new id) if it did not"
    ) % (request_id, window)
    event = {"requestId": request_id, "seq": 0, "replyTo": None}
    return Record(response=error_response(event, "RequestExpired", message, "RequestExpired"))

class CellState:
    """The ``KeyState`` (see :mod:`stateflow_flink.operator`) of one key at a time.

    ``value``: the ``instance`` value state; ``construct_value``: the value state of the
    create keys (``$construct/<request id>``, no instance), which expires after the TTL;
    ``maps``: the :class:`stateflow_flink.dedup.RequestRecords` of the ``requests`` maps.
    Call :meth:`at` when the current key changes and :meth:`flush` before it does (and after
    each record): the value is read at most once and written at most once per key and record.

    The request ids' JSON is parsed only when one of them is asked for (a retry, the answer
    of a pending request) or when the cell is pruned (every ``slack`` answers): a new
    request is looked for with a substring search and added as text, so a full window
    costs next to nothing per request.
    """

    def __init__(self, value, maps, ttl_seconds: int, window: int = DEFAULT_WINDOW,
                 construct_value=None, clock: Callable[[], float] = time.time):
        self.value = value
        self.construct_value = construct_value if construct_value is not None else value
        self.maps = maps
        self.ttl_seconds = ttl_seconds
        self.window = max(1, int(window))
        #: Answers past the window before the cell is pruned (parsed and rewritten).
        self.slack = max(4, self.window // 4)
        self.clock = clock
        #: Records of request ids made before this started may be in the maps (the earlier
        #: layout); later ones never are, so they are never looked for there.
        self.started_ms = int(clock() * 1000)
        self.key: Optional[str] = None
        self._value = value
        self._reset()

    # -- the current key ----------------------------------------------------------------

    def _reset(self) -> None:
        self._loaded = False
        self._dirty = False
        self._state: Optional[str] = None
        self._ids_text = "{}"  # the ids as stored
        self._ids: Optional[Dict[str, Dict[str, Any]]] = None  # parsed, once needed
        self._head: Dict[str, Any] = {}
        self._cell = False  # the value read is a cell

    def at(self, key: str) -> None:
        """The current key is now ``key`` (flush the previous one first)."""
        self.key = key
        self._value = self.construct_value if key.startswith(CONSTRUCT_KEY_PREFIX) else self.value
        self._reset()

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        text = self._value.value()
        if text is None or not text.startswith(CELL_PREFIX):
            self._state = text  # nothing yet, or an instance of the earlier layout
            return
        self._cell = True
        head, self._ids_text, state = text.split("\n", 2)
        self._head = json.loads(head)
        self._state = state or None

    def _parsed(self) -> Dict[str, Dict[str, Any]]:
        if self._ids is None:
            self._ids = json.loads(self._ids_text)
        return self._ids

    def flush(self) -> None:
        """Writes the current key's value if it changed."""
        if not self._dirty:
            return
        self._dirty = False
        if not (self.ttl_seconds > 0 or self._cell):
            self._value.update(self._state)
            return
        head = self._head
        if self.ttl_seconds > 0:
            now_ms = int(self.clock() * 1000)
            oldest = head.get("old", 0)
            if head.get("n", 0) > self.window + self.slack or (oldest and oldest + self.ttl_seconds * 1000 <= now_ms):
                self._prune(now_ms)
        if self._ids is not None:
            self._ids_text = _compact(self._ids)
        head_text = _compact(dict({"$cell": 2}, **{k: v for k, v in head.items() if k != "$cell"}))
        self._value.update(head_text + "\n" + self._ids_text + "\n" + (self._state or ""))

    # -- KeyState -----------------------------------------------------------------------

    def get_state(self) -> Optional[str]:
        self._load()
        return self._state

    def set_state(self, text: str) -> None:
        self._load()
        if text != self._state:
            self._state = text
            self._dirty = True

    def get_seen(self, request_id: str) -> Optional[Record]:
        issued = self._windowed(request_id)
        self._load()
        # An id's JSON string occurs in the text when it is a key (or, rarely, inside an answer).
        if self._ids is not None or json.dumps(request_id) in self._ids_text:
            entry = self._parsed().get(request_id)
            if entry is not None:  # (a cell written with another TTL setting holds undated ids too)
                return Record.of_entry(request_id, entry)
        if issued is None:
            return self._from_maps(request_id)
        forgot = self._head.get("forgot", 0)
        if forgot and issued <= forgot:
            return forgotten_record(request_id, self.window)
        if self._head.get("dk"):
            found = self.maps.kept.get(request_id)
            if found is not None:
                return Record.parse(found, request_id)
        if issued < self.started_ms:
            return self._from_maps(request_id)
        return None

    def _from_maps(self, request_id: str) -> Optional[Record]:
        found = self.maps.get(request_id)
        return Record.parse(found, request_id) if found is not None else None

    def put_seen(self, request_id: str, record: Record, keep: bool) -> None:
        issued = None if keep else self._windowed(request_id)
        stamp = None
        if issued is None and record.lookup and not keep and self.ttl_seconds > 0:
            # A lookup-only record of an undated id: in the cell, dated by when it was written.
            issued = stamp = int(self.clock() * 1000)
        if issued is None:
            self.maps.put(request_id, record.dumps(), keep)
            if keep and self.ttl_seconds > 0 and issued_at_ms(request_id) is not None:
                self._load()
                if not self._head.get("dk"):
                    self._head["dk"] = 1
                    self._dirty = True
            return
        self._load()
        entry = _entry(record, stamp)
        head = self._head
        if self._ids is not None or json.dumps(request_id) in self._ids_text:
            ids = self._parsed()
            before = ids.get(request_id)
            if before is not None and _finished(before):
                head["n"] = head.get("n", 0) - 1
            ids[request_id] = entry
        else:
            # Added as text: the common case (a new request) parses nothing.
            item = json.dumps(request_id) + ":" + _compact(entry)
            self._ids_text = "{" + item + "}" if self._ids_text == "{}" else self._ids_text[:-1] + "," + item + "}"
        if _finished(entry):
            head["n"] = head.get("n", 0) + 1
        if not head.get("old") or issued < head["old"]:
            head["old"] = issued
        self._dirty = True

    # -- internals ----------------------------------------------------------------------

    def _windowed(self, request_id: str) -> Optional[int]:
        """When a request id kept in the cell was made; None for ids kept in the maps."""
        if self.ttl_seconds <= 0:
            return None
        issued = issued_at_ms(request_id)
        if issued is None or issued > int(self.clock() * 1000) + MAX_CLOCK_AHEAD_MS:
            return None
        return issued

    def _prune(self, now_ms: int) -> None:
        """Drops the ids past the TTL, then the oldest answered or forward ones beyond the window."""
        ttl_ms = self.ttl_seconds * 1000
        made = {k: e.get("t") or issued_at_ms(k) for k, e in self._parsed().items()}
        ids = {k: e for k, e in self._ids.items() if made[k] is None or made[k] + ttl_ms > now_ms}
        finished = sorted((made[k], k) for k, e in ids.items() if _finished(e) and made[k] is not None)
        head = self._head
        if len(finished) > self.window:
            for t, k in finished[: len(finished) - self.window]:
                if "l" not in ids[k]:  # a lookup-only record guards nothing here
                    head["forgot"] = max(head.get("forgot", 0), t)
                del ids[k]
        self._ids = ids
        head["n"] = sum(1 for e in ids.values() if _finished(e))
        dated = [made[k] for k in ids if made[k] is not None]
        head["old"] = min(dated) if dated else 0


def _finished(entry: Dict[str, Any]) -> bool:
    """An answered or forward record: this key will not change it (the window counts these)."""
    return "res" in entry or "fwd" in entry


def _entry(record: Record, stamp: Optional[int] = None) -> Dict[str, Any]:
    """The record's entry in the cell: kept-for-good records never live here, so no ``k``."""
    entry = record.entry()
    entry.pop("k", None)
    if stamp is not None:
        entry["t"] = stamp
    return entry
