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

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .wire import decode_event


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
            return _held_for(self._last, request["event"]["target"])
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
    return _held_for(held, request["event"]["target"])


def compact_state(request: List[Any], event: Dict[str, Any], held: Dict[Tuple[str, str], Any]) -> Any:
    """The state a compact request (``stateflow_kernel.wire``) runs on: its own, or the
    one ``held`` keeps for its target."""
    if len(request) > 1:
        return request[1]
    target = event.get("target")
    return None if target is None else _held_for(held, target)


def _held_for(held: Dict[Tuple[str, str], Any], target: Dict[str, Any]) -> Any:
    """The state ``held`` keeps for ``target``; a missing one is the host's mistake."""
    state = held.get((target["entity"], target["key"]), _MISSING)
    if state is _MISSING:
        raise LookupError("the kernel holds no state for %s %r; the host must send it"
                          % (target["entity"], target["key"]))
    return state


def run_request(process: Callable[[Dict[str, Any], Any], Dict[str, Any]],
                held: Dict[Tuple[str, str], Any], request: Any,
                reply_tos: Sequence[Any]) -> Tuple[Dict[str, Any], Dict[str, Any], bool]:
    """Runs one request of a resident-state batch, in either form (a compact list, see
    ``stateflow_kernel.wire``, with the frame's ``reply_tos``; or an object), and keeps
    the state it leaves in ``held``. Returns its event, its result and whether it was
    compact (then its result goes back compact too)."""
    compact = type(request) is list
    if compact:
        event = decode_event(request[0], reply_tos)
        state = compact_state(request, event, held)
    else:
        event = request["event"]
        state = held_state(held, request)
    result = process(event, state)
    target = event.get("target")
    if target is not None:
        held[target["entity"], target["key"]] = result.get("state", state)
    return event, result, compact


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
