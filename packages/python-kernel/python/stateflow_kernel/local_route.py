"""Local routing: events for instances this process owns run inside the same round trip.

A batch frame with ``"route": {"exclude": [[entity, key], ...], "maxSeq": n,
"maxLocal": m}`` asks the process to keep going after the batch's own requests: an
emitted event whose target this process holds (resident state, so the target belongs
to this worker's partition) and that is not in ``exclude`` (the host lists there the
instances of this partition with events still queued outside the process, which must
not be overtaken) runs right away, on the held state, and so do the events it emits,
until only events for other workers, responses and events for excluded instances are
left, or ``maxLocal`` events ran locally (the rest is returned), or an event's ``seq``
passes ``maxSeq`` (returned, so the host applies its hop limit).

The host must guarantee that no other batch for this process is in flight and that the
held states are the current ones (it resets them otherwise); then running an event here
is the same as returning it and receiving it back in the next batch, without the trip.

Events emitted for local targets run in emission order (FIFO), after all the batch's own
requests, so every instance still sees its events in arrival order. The response frame
gets ``"local": {"states": [[entity, key, state], ...], "out": [...], "count": n}``: the
final state of every instance whose state the local events changed, the events they
emitted that leave the process (compact events when the frame has a ``replyTo`` list:
see ``stateflow_kernel.wire``), and how many ran.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Callable, Dict, List, Sequence, Tuple

from .chain import run_request
from .wire import compact_result, encode_event, reply_index


def run_routed(process: Callable[[Dict[str, Any], Any], Dict[str, Any]],
               held: Dict[Tuple[str, str], Any],
               requests: List[Dict[str, Any]],
               route: Dict[str, Any],
               reply_tos: Sequence[Any] = ()) -> Tuple[List[Any], Dict[str, Any]]:
    """Runs the batch's ``requests`` (like ``serve``'s loop, compact ones included:
    ``reply_tos`` is the frame's ``replyTo`` list), then the local events."""
    exclude = {(e, k) for e, k in route.get("exclude") or ()}
    max_seq = route.get("maxSeq", 1 << 62)
    budget = route.get("maxLocal", 0)
    pending: deque = deque()
    push = pending.append
    results = []
    append = results.append

    def split(out: List[Dict[str, Any]], keep: List[Dict[str, Any]]) -> None:
        nonlocal budget
        for e in out:
            target = e.get("target")
            if (target is not None and budget > 0 and e["seq"] <= max_seq
                    and (target["entity"], target["key"]) in held
                    and (target["entity"], target["key"]) not in exclude):
                budget -= 1
                push(e)
            else:
                keep.append(e)

    reply_ids = reply_index(reply_tos)
    for r in requests:
        event, result, compact = run_request(process, held, r, reply_tos)
        out = result.get("out")
        if out and (len(out) > 1 or "target" in out[0]):
            keep: List[Dict[str, Any]] = []
            split(out, keep)
            result["out"] = keep
        append(compact_result(event, result, reply_ids) if compact else result)

    changed: Dict[Tuple[str, str], Any] = {}
    left: List[Dict[str, Any]] = []
    count = 0
    while pending:
        event = pending.popleft()
        target = event["target"]
        address = (target["entity"], target["key"])
        state = held[address]
        result = process(event, state)
        count += 1
        if "state" in result:
            held[address] = changed[address] = result["state"]
        out = result.get("out")
        if out:
            split(out, left)
    local = {
        "states": [[a[0], a[1], s] for a, s in changed.items()],
        "out": [encode_event(e, reply_ids) for e in left] if reply_ids else left,
        "count": count,
    }
    return results, local
