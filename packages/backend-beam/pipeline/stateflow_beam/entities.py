"""What an entity step does with one event at its key (no Beam import).

The pipeline's stateful step for an entity class wraps :class:`EntityLogic` in a Beam
``DoFn`` whose state (a ``BagState`` of texts, see :class:`LogStore`) holds the instance's encoded state,
the ids of the last hops that changed it, so a redelivered event between entities (the
same ``requestId``, ``seq`` and kind) is not applied twice, and the client requests this
key ran or passed, with the answers made here (see :mod:`requests`), so a client request
runs once and every copy gets its answer without a stateful step of its own. A hop that
changed nothing is not remembered among the hop ids: run again, it sends the same events,
which their receivers skip, and its request's record here keeps it from answering twice.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import traceback
from typing import Any, Dict, Iterable, List, Optional, Protocol, Tuple

from .requests import DUPLICATE_REQUEST, QUERY, SETTLE, Cell, Requests
from .routing import error_response, route_key

#: How many hop ids each key remembers (a redelivery arrives soon after the original).
HOP_MEMORY = 64

#: How the classify step marks what it hands an entity step: a client request (run once
#: per request id when dedup is on) or anything else (an event between entities, a read).
CLIENT, EVENT = "C", "E"

#: What one event produces: (events for the internal topic as (route key, JSON text),
#: Responses and replies to send as JSON texts).
Output = Tuple[List[Tuple[str, str]], List[str]]


def hop_id(event: Dict[str, Any]) -> str:
    return "%s|%s|%s" % (event.get("requestId"), event.get("seq"), event.get("kind"))


#: Where the build puts the program, inside this package (shipped to workers with it).
PROGRAM_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "program.ir.json")

_local = threading.local()


def shared_logic(resume_detached: bool = True) -> "EntityLogic":
    """This thread's EntityLogic for the program beside this package: every entity step
    of a worker thread shares one kernel (the program's module runs once per thread,
    not once per entity class)."""
    kernels = getattr(_local, "kernels", None)
    if kernels is None:
        kernels = _local.kernels = {}
    logic = kernels.get(resume_detached)
    if logic is None:
        with open(PROGRAM_FILE, encoding="utf-8") as f:
            logic = kernels[resume_detached] = EntityLogic(json.load(f), resume_detached)
    return logic


class Log(Protocol):
    """One key's state as a log of texts (Beam ``BagState`` of text)."""

    def read(self) -> Iterable[str]: ...
    def add(self, value: str) -> None: ...
    def clear(self) -> None: ...


#: How many texts a key's log holds before it is written again as one (see LogStore).
LOG_LIMIT = 16


def _fresh() -> Dict[str, Any]:
    return {"state": None, "hops": []}


def _full(entry: Dict[str, Any], requests: "Requests | None") -> str:
    if requests is not None:
        entry["requests"] = requests.stored()  # the table's old ids leave it here
    return json.dumps(entry)


class CellStore:
    """A key's entry as one text, rewritten whole with each change."""

    def __init__(self, cell: Cell):
        self.cell = cell

    def load(self) -> Dict[str, Any]:
        stored = self.cell.read()
        return json.loads(stored) if stored else _fresh()

    def save(self, entry: Dict[str, Any], requests: "Requests | None", changed: bool, hop: Optional[str] = None) -> None:
        if changed or (requests is not None and requests.changed):
            self.cell.write(_full(entry, requests))


class LogStore:
    """A key's entry as a log: the whole entry, then what each later pass changed
    (``{"state": ..., "hop": ..., "ids": {request id: record}}``, each part only when it
    changed). A pass appends one text: one ``append`` request to the runner, where
    rewriting one value is a ``clear`` and an ``append``; and every client request writes
    (its record). Past :data:`LOG_LIMIT` texts the log is written again as one whole
    entry, which is also when old request ids leave the table (``Requests.stored``)."""

    def __init__(self, log: Log, legacy: Optional[Cell] = None):
        self.log = log
        self.legacy = legacy  # the one-text cell of pipelines before the log, read when the log is empty
        self.count = 0
        self.migrate = False

    def load(self) -> Dict[str, Any]:
        entry: Optional[Dict[str, Any]] = None
        texts = list(self.log.read())
        if not texts and self.legacy is not None:
            old = self.legacy.read()
            if old:
                self.migrate = True  # written whole into the log at the next save, the cell cleared
                return json.loads(old)
        for text in texts:
            self.count += 1
            part = json.loads(text)
            if entry is None or "hops" in part:  # a whole entry (the first text)
                entry = part
                continue
            if "state" in part:
                entry["state"] = part["state"]
            if "hop" in part:
                entry["hops"] = (entry["hops"] + [part["hop"]])[-HOP_MEMORY:]
            if "ids" in part:
                table = entry.setdefault("requests", {}).setdefault("ids", {})
                table.update(part["ids"])
        return entry if entry is not None else _fresh()

    def save(self, entry: Dict[str, Any], requests: "Requests | None", changed: bool, hop: Optional[str] = None) -> None:
        dirty = requests is not None and requests.changed
        if not changed and not dirty:
            return  # nothing to remember
        if self.count == 0 or self.count >= LOG_LIMIT:
            if self.count:
                self.log.clear()
            if self.migrate:
                self.legacy.clear()
                self.migrate = False
            self.log.add(_full(entry, requests))
            self.count = 1
            return
        part: Dict[str, Any] = {}
        if changed:
            part["state"] = entry["state"]
        if hop is not None:
            part["hop"] = hop
        if dirty:
            part["ids"] = requests.changes()
        self.log.add(json.dumps(part))
        self.count += 1


class EntityLogic:
    """Runs the kernel for one event under its key.

    A key's state is one entry (one state read and at most one write per event: on a
    portable runner each state access is a call to the runner): ``{"state": <encoded
    instance or null>, "hops": [<ids of the last hops run here>], "requests": {...}}``,
    kept in one text (:class:`CellStore`) or, in the pipeline, a log (:class:`LogStore`).
    """

    def __init__(self, program: Dict[str, Any], resume_detached: bool = True):
        from stateflow_kernel import Kernel  # imported in the SDK worker

        # With resume_detached, a caller's next block that needs no instance runs at the
        # callee, which answers the client (one Kafka trip less) and records the answer
        # itself; copies at the request's key follow it there (see requests).
        self.kernel = Kernel(program, resume_detached=resume_detached)

    def handle(self, tagged: str, cell: "Cell | Log | LogStore | CellStore", dedup: bool = True, ttl_seconds: int = 0, now_ms: int = 0) -> Output:
        """``tagged``: :data:`CLIENT` or :data:`EVENT`, then the event's JSON text; ``cell``:
        the key's state, one text (:class:`Cell`) or a log of them (:class:`Log`)."""
        event = json.loads(tagged[1:])
        store = cell if isinstance(cell, (LogStore, CellStore)) else LogStore(cell) if hasattr(cell, "add") else CellStore(cell)
        entry = store.load()
        kind = event.get("kind")
        if kind == "GetState":
            return self._get_state(event, entry["state"])
        requests = Requests(entry.get("requests"), ttl_seconds, now_ms) if dedup else None
        sends: List[str] = []
        if kind in (DUPLICATE_REQUEST, SETTLE, QUERY):
            if requests is None:
                return [], []
            follow = None
            if kind == QUERY:
                sends, follow = requests.on_query(event)
            else:
                sends = requests.on_notice(event) if kind == DUPLICATE_REQUEST else requests.on_settle(event)
            store.save(entry, requests, False)
            return ([(route_key(follow), json.dumps(follow))] if follow else []), sends
        if tagged[0] == CLIENT and requests is not None:
            what, sends, notice = requests.on_request(event)
            if what != "run":
                store.save(entry, requests, False)
                return ([(route_key(notice), json.dumps(notice))] if notice else []), sends
        else:
            this_hop = hop_id(event)
            if this_hop in entry["hops"]:
                return [], []
        out, state, changed = self._process(event, entry["state"])
        internal: List[Tuple[str, str]] = []
        answered = False
        sent: Optional[Dict[str, Any]] = None
        for e in out:
            if e.get("kind") != "Response":
                sent = e
                internal.append((route_key(e), json.dumps(e)))
                continue
            # Made here, for a request run here or (a detached continuation: the Response
            # has ``origin``) at another key: recorded here, where copies find it.
            answered = True
            text = json.dumps(e)
            sends += requests.on_response(e, text) if requests is not None else [text]
        if requests is not None:
            if kind == "Construct":
                requests.ran(event, out)
            if not answered:
                for q in requests.passed(event, sent, internal[-1][0] if sent is not None else ""):
                    internal.append((route_key(q), json.dumps(q)))
        # A hop run again that changed nothing sends the same events (their receivers skip
        # them) and answers nobody twice (its request's record here holds the answer).
        hop = hop_id(event) if changed and (requests is None or tagged[0] != CLIENT) else None
        if changed:
            entry["state"] = state
        if hop is not None:
            entry["hops"] = (entry["hops"] + [hop])[-HOP_MEMORY:]
        store.save(entry, requests, changed, hop)
        return internal, sends

    def _process(self, event: Dict[str, Any], state: Any) -> Tuple[List[Dict[str, Any]], Any, bool]:
        try:
            result = self.kernel.process(event, state)
            return result["out"], result.get("state", state), "state" in result
        except Exception as e:  # never fail the pipeline on one event
            traceback.print_exc(file=sys.stderr)
            message = "%s: %s" % (type(e).__name__, e)
            fallback = self.kernel.fail(event, {"type": "Internal", "message": message, "code": "Internal"})
            return fallback.get("out", []), state, False

    def _get_state(self, event: Dict[str, Any], state: Any) -> Output:
        target = event["target"]
        if state is None:
            message = "%s(%s) does not exist" % (target["entity"], json.dumps(target["key"]))
            return [], [error_response(event, "EntityNotFound", message, "EntityNotFound")]
        response = {
            "kind": "Response",
            "requestId": event["requestId"],
            "seq": 1,
            "stack": [],
            "replyTo": event["replyTo"],
            "result": {"ok": state},
        }
        return [], [json.dumps(response)]
