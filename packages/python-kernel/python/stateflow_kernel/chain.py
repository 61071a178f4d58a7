"""State chaining inside one batch: several events for the same instance, in order.

A host request is ``{"event", "state"}``; a request with ``"chained": true`` carries no
state: its target's state is what the previous request for the same target in this
batch left (the state that request returned, else the state it started from). The
runtime sends an instance's events of one batch together and in arrival order, so the
kernel runs them one after the other on the state each one leaves behind.

Resident states: ``serve`` keeps one chain for the life of the process, so it holds the
latest state of every instance it ran. A request ``{"event", "held": true}`` runs on that
held state; the host sends it only when its mirror of what the process holds says the
held state is the current one (else it sends the state). A batch frame with ``"reset":
true`` forgets every held state first.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple


_MISSING = object()


class StateChain:
    """Tracks the latest state per target over the requests of one batch; kept across
    batches by ``serve`` so the host can skip sending states the process already holds."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: Dict[Tuple[str, str], Any] = {}

    def state(self, request: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """The state to run ``request`` on."""
        if request.get("chained"):
            target = request["event"]["target"]
            return self._last.get((target["entity"], target["key"]))
        if request.get("held"):
            target = request["event"]["target"]
            found = self._last.get((target["entity"], target["key"]), _MISSING)
            if found is _MISSING:
                raise LookupError("the kernel holds no state for %s %r; the host must send it"
                                  % (target["entity"], target["key"]))
            return found
        return request.get("state")

    def clear(self) -> None:
        """Forgets every state (the host's ``reset``)."""
        self._last.clear()

    def done(self, request: Dict[str, Any], state: Optional[Dict[str, Any]],
             result: Dict[str, Any]) -> None:
        """Records what ``request`` (run on ``state``) left for the next one of its target."""
        target = request["event"].get("target")
        if target is not None:
            self._last[(target["entity"], target["key"])] = result.get("state", state)


def held_state(held: Dict[Tuple[str, str], Any], request: Dict[str, Any]) -> Any:
    """The state a request of the resident-state paths runs on: the one it carries, or
    (``chained``/``held``) the state ``held`` keeps for its target; a missing one is the
    host's mistake (``LookupError``)."""
    if "state" in request and not request.get("chained"):
        return request["state"]
    target = request["event"]["target"]
    state = held.get((target["entity"], target["key"]), _MISSING)
    if state is _MISSING:
        raise LookupError("the kernel holds no state for %s %r; the host must send it"
                          % (target["entity"], target["key"]))
    return state


def run_batch(process: Callable[[Dict[str, Any], Any], Dict[str, Any]],
              requests: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Runs ``process(event, state)`` over ``requests`` in order, chaining states."""
    chain = StateChain()
    out = []
    for r in requests:
        state = chain.state(r)
        result = process(r["event"], state)
        chain.done(r, state, result)
        out.append(result)
    return out
