"""What an entity step does with one event at its key (no Beam import).

The pipeline's stateful step for an entity class wraps :class:`EntityLogic` in a Beam
``DoFn`` whose state cell (``ReadModifyWriteState``) holds the instance's encoded state
and the ids of the last hops that changed it, so a redelivered event between entities
(the same ``requestId``, ``seq`` and kind) is not applied twice. A hop that changed
nothing is not remembered (one state write less): run again, it sends the same events.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import traceback
from typing import Any, Dict, List, Tuple

from .requests import Cell
from .routing import error_response, split_output

#: How many hop ids each key remembers (a redelivery arrives soon after the original).
HOP_MEMORY = 64

#: What one event produces, as JSON texts: (events for the internal topic, Responses to
#: record and send, replies to send unrecorded: state reads).
Output = Tuple[List[str], List[str], List[str]]


def hop_id(event: Dict[str, Any]) -> str:
    return "%s|%s|%s" % (event.get("requestId"), event.get("seq"), event.get("kind"))


#: Where the build puts the program, inside this package (shipped to workers with it).
PROGRAM_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "program.ir.json")

_local = threading.local()


def shared_logic() -> "EntityLogic":
    """This thread's EntityLogic for the program beside this package: every entity step
    of a worker thread shares one kernel (the program's module runs once per thread,
    not once per entity class)."""
    logic = getattr(_local, "logic", None)
    if logic is None:
        with open(PROGRAM_FILE, encoding="utf-8") as f:
            logic = _local.logic = EntityLogic(json.load(f))
    return logic


class EntityLogic:
    """Runs the kernel for one event under its key.

    A key's state is one cell (one state read and one write per event: on a portable runner
    each state access is a call to the runner): ``{"state": <encoded instance or null>,
    "hops": [<ids of the last hops run here>]}``.
    """

    def __init__(self, program: Dict[str, Any]):
        from stateflow_kernel import Kernel  # imported in the SDK worker

        self.kernel = Kernel(program)

    def handle(self, text: str, cell: Cell) -> Output:
        event = json.loads(text)
        stored = cell.read()
        entry = json.loads(stored) if stored else {"state": None, "hops": []}
        if event.get("kind") == "GetState":
            return self._get_state(event, entry["state"])
        this_hop = hop_id(event)
        if this_hop in entry["hops"]:
            return [], [], []
        out, state, changed = self._process(event, entry["state"])
        if not changed:
            # Nothing to remember: run again, the hop would send the same events, which
            # their receivers skip (hop ids) and the answers step sends once.
            return out
        entry["state"] = state
        entry["hops"] = (entry["hops"] + [this_hop])[-HOP_MEMORY:]
        cell.write(json.dumps(entry))
        return out

    def _process(self, event: Dict[str, Any], state: Any) -> Tuple[Output, Any]:
        try:
            result = self.kernel.process(event, state)
            return split_output(result["out"]) + ([],), result.get("state", state), "state" in result
        except Exception as e:  # never fail the pipeline on one event
            traceback.print_exc(file=sys.stderr)
            message = "%s: %s" % (type(e).__name__, e)
            fallback = self.kernel.fail(event, {"type": "Internal", "message": message, "code": "Internal"})
            return split_output(fallback.get("out", [])) + ([],), state, False

    def _get_state(self, event: Dict[str, Any], state: Any) -> Output:
        target = event["target"]
        if state is None:
            message = "%s(%s) does not exist" % (target["entity"], json.dumps(target["key"]))
            return [], [], [error_response(event, "EntityNotFound", message, "EntityNotFound")]
        response = {
            "kind": "Response",
            "requestId": event["requestId"],
            "seq": 1,
            "stack": [],
            "replyTo": event["replyTo"],
            "result": {"ok": state},
        }
        return [], [], [json.dumps(response)]
