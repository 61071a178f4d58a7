"""An instance's state and its recent request ids in one keyed value (no PyFlink import).

Each state access of a PyFlink operator that its worker's cache does not answer is a
round trip to the JVM, and a request id seen for the first time is never in the cache. So
an entity key keeps, in its one ``ValueState`` (``instance``), next to the instance's
encoded state, the dated request ids (UUIDv7, the client's default) it ran within the
dedup TTL: one read and one write per request, like the reference job's single value.

The value is either an earlier version's instance text (any JSON object of the instance's
fields) or a *cell*, a JSON object whose first key is ``$cell`` (no field of an instance can
be called that)::

    {"$cell": 1, "s": <instance text or null>,
     "ids": {<request id>: {"t": <ms it was made>, "to": <replyTo>, "wait": [<replyTo>, ...]}
                          | {"t": ..., "res": {<the Response's fields but kind, requestId,
                                                replyTo and an empty stack>}}, ...},
     "forgot": <newest "t" dropped before its TTL>, "dk": 1}

Only the newest ``window`` answered ids are kept (a pending one stays until its TTL): a
copy of a dated request not in the cell and not newer than ``forgot`` may have run and been
forgotten, so it is refused with ``RequestExpired`` (as one older than the TTL is).
Undated ids and ids dated far ahead of the job's clock are kept for good, so they cannot
live in a bounded cell: they stay in the ``requests-kept`` map (``dk`` marks a cell whose
key holds a dated one there). A create's key (``$construct/<request id>``) has no instance:
its cell is a value state of its own (``request``) that expires after the TTL. Without a
TTL (``dedupTtlSeconds`` 0) every id is kept for good and every record stays in the maps,
as before.

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
#: How many answered dated request ids a key remembers by default (``dedupWindow``).
DEFAULT_WINDOW = 64
#: Fields of a stored answer that are rebuilt when it is read (every copy gets its own replyTo).
_REBUILT = ("kind", "requestId", "replyTo")

def forgotten_record(request_id: str, window: int) -> str:
    """The record answering a copy of a dated request the key no longer remembers."""
    message = (
        "request id '%s' is older than the %d newest requests its target remembers (it answered "
        "them since): this job may have run it and forgotten its outcome, so it does not run it "
        "again; read the state to see whether it took effect, and send a new request (a new id) if it did not"
    ) % (request_id, window)
    event = {"requestId": request_id, "seq": 0, "replyTo": None}
    return Record(response=error_response(event, "RequestExpired", message, "RequestExpired")).dumps()

class CellState:
    """The ``KeyState`` (see :mod:`stateflow_flink.operator`) of one key at a time.

    ``value``: the ``instance`` value state; ``construct_value``: the value state of the
    create keys (``$construct/<request id>``, no instance), which expires after the TTL;
    ``maps``: the :class:`stateflow_flink.dedup.RequestRecords` of the ``requests`` maps.
    Call :meth:`at` when the current key changes and :meth:`flush` before it does (and after
    each record): the value is read at most once and written at most once per key and record.
    """

    def __init__(self, value, maps, ttl_seconds: int, window: int = DEFAULT_WINDOW,
                 construct_value=None, clock: Callable[[], float] = time.time):
        self.value = value
        self.construct_value = construct_value if construct_value is not None else value
        self.maps = maps
        self.ttl_seconds = ttl_seconds
        self.window = max(1, int(window))
        self.clock = clock
        #: Records of request ids made before this started may be in the maps (the earlier
        #: layout); later ones never are, so they are never looked for there.
        self.started_ms = int(clock() * 1000)
        self.key: Optional[str] = None
        self._reset()

    # -- the current key ----------------------------------------------------------------

    def _reset(self) -> None:
        self._loaded = False
        self._dirty = False
        self._state: Optional[str] = None
        self._ids: Dict[str, Dict[str, Any]] = {}
        self._forgot = 0
        self._dk = False
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
        cell = json.loads(text)
        self._state = cell.get("s")
        self._ids = cell.get("ids") or {}
        self._forgot = cell.get("forgot", 0)
        self._dk = bool(cell.get("dk"))

    def flush(self) -> None:
        """Writes the current key's value if it changed."""
        if not self._dirty:
            return
        self._dirty = False
        if not (self.ttl_seconds > 0 or self._cell):
            self._value.update(self._state)
            return
        if self.ttl_seconds > 0:
            self._prune(int(self.clock() * 1000))
        cell: Dict[str, Any] = {"$cell": 1, "s": self._state, "ids": self._ids}
        if self._forgot:
            cell["forgot"] = self._forgot
        if self._dk:
            cell["dk"] = 1
        self._value.update(json.dumps(cell, separators=(",", ":")))

    # -- KeyState -----------------------------------------------------------------------

    def get_state(self) -> Optional[str]:
        self._load()
        return self._state

    def set_state(self, text: str) -> None:
        self._load()
        if text != self._state:
            self._state = text
            self._dirty = True

    def get_seen(self, request_id: str) -> Optional[str]:
        issued = self._windowed(request_id)
        self._load()
        entry = self._ids.get(request_id)
        if entry is not None:  # (a cell written with another TTL setting holds undated ids too)
            return _record_text(request_id, entry)
        if issued is None:
            return self.maps.get(request_id)
        if self._forgot and issued <= self._forgot:
            return forgotten_record(request_id, self.window)
        if self._dk:
            found = self.maps.kept.get(request_id)
            if found is not None:
                return found
        if issued < self.started_ms:
            return self.maps.get(request_id)
        return None

    def put_seen(self, request_id: str, record: str, keep: bool) -> None:
        issued = None if keep else self._windowed(request_id)
        if issued is None:
            self.maps.put(request_id, record, keep)
            if keep and self.ttl_seconds > 0 and issued_at_ms(request_id) is not None:
                self._load()
                if not self._dk:
                    self._dk = True
                    self._dirty = True
            return
        self._load()
        self._ids[request_id] = _entry(issued, Record.parse(record))
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
        """Drops the ids past the TTL, then the oldest answered ones beyond the window."""
        ttl_ms = self.ttl_seconds * 1000
        ids = {k: e for k, e in self._ids.items() if "t" not in e or e["t"] + ttl_ms > now_ms}
        answered = [(e["t"], k) for k, e in ids.items() if "res" in e and "t" in e]
        if len(answered) > self.window:
            answered.sort()
            for t, k in answered[: len(answered) - self.window]:
                del ids[k]
                self._forgot = max(self._forgot, t)
        self._ids = ids


def _entry(issued: int, record: Record) -> Dict[str, Any]:
    if record.answered:
        response = json.loads(record.response)
        res = {k: v for k, v in response.items() if k not in _REBUILT and not (k == "stack" and v == [])}
        return {"t": issued, "res": res}
    entry: Dict[str, Any] = {"t": issued, "to": record.reply_to}
    if record.waiting:
        entry["wait"] = record.waiting
    return entry


def _record_text(request_id: str, entry: Dict[str, Any]) -> str:
    if "res" in entry:
        response = {"kind": "Response", "requestId": request_id, "stack": [], "replyTo": None}
        response.update(entry["res"])
        return Record(response=json.dumps(response)).dumps()
    return Record(reply_to=entry.get("to"), waiting=list(entry.get("wait") or [])).dumps()
