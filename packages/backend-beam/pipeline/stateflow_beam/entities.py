"""What an entity step does with one event at its key (no Beam import).

The pipeline's stateful step for an entity class wraps :class:`EntityLogic` in a Beam
``DoFn`` whose state cell (``ReadModifyWriteState``) holds the instance's encoded state,
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
from typing import Any, Dict, List, Optional, Tuple

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


class EntityLogic:
    """Runs the kernel for one event under its key.

    A key's state is one cell (one state read and at most one write per event: on a
    portable runner each state access is a call to the runner): ``{"state": <encoded
    instance or null>, "hops": [<ids of the last hops run here>], "requests": {...}}``.
    """

    def __init__(self, program: Dict[str, Any], resume_detached: bool = True):
        from stateflow_kernel import Kernel  # imported in the SDK worker

        # With resume_detached, a caller's next block that needs no instance runs at the
        # callee, which answers the client (one Kafka trip less) and records the answer
        # itself; copies at the request's key follow it there (see requests).
        self.kernel = Kernel(program, resume_detached=resume_detached)

    def handle(self, tagged: str, cell: Cell, dedup: bool = True, ttl_seconds: int = 0, now_ms: int = 0) -> Output:
        """``tagged``: :data:`CLIENT` or :data:`EVENT`, then the event's JSON text."""
        event = json.loads(tagged[1:])
        stored = cell.read()
        entry = json.loads(stored) if stored else {"state": None, "hops": []}
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
            self._store(cell, entry, requests, False)
            return ([(route_key(follow), json.dumps(follow))] if follow else []), sends
        if tagged[0] == CLIENT and requests is not None:
            what, sends, notice = requests.on_request(event)
            if what != "run":
                self._store(cell, entry, requests, False)
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
        if changed:
            entry["state"] = state
        # A hop run again that changed nothing sends the same events (their receivers skip
        # them) and answers nobody twice (its request's record here holds the answer).
        if changed and (requests is None or tagged[0] != CLIENT):
            entry["hops"] = (entry["hops"] + [hop_id(event)])[-HOP_MEMORY:]
        self._store(cell, entry, requests, changed)
        return internal, sends

    @staticmethod
    def _store(cell: Cell, entry: Dict[str, Any], requests: "Requests | None", changed: bool) -> None:
        if requests is not None and requests.changed:
            entry["requests"] = requests.stored()
        elif not changed:
            return  # nothing to remember
        cell.write(json.dumps(entry))

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
