"""Compact requests and results of the batch frames (``stateflow_kernel.serve``).

Most events of a batch are client calls: an ``Invoke`` with no call stack and no
keyword arguments, answered by exactly one ``Response``. Sent as JSON objects, their
field names and constant parts cost more to encode and parse (in Node and here) than
the call itself, so such a request may be sent as a list, and its result comes back as
a list too. A batch may mix both forms; anything else keeps the object form.

Compact request (``replyTo`` is an index into the frame's ``"replyTo"`` list)::

    [requestId, seq, entity, key, method, args, replyTo]         # runs on the held state
    [requestId, seq, entity, key, method, args, replyTo, state]  # runs on ``state``

"Held" covers both ``"held": true`` and ``"chained": true`` of the object form: either
way the state is the one this process keeps for the target (see ``stateflow_kernel.chain``).

Compact result, only for a compact request whose sole output is its ``Response``
(``seq`` one more than the request's, the same ``replyTo``)::

    [result]         # state unchanged
    [result, state]  # the new state

The host rebuilds the ``Response`` event from its own copy of the request.
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

_MISSING = object()


def compact_event(r: List[Any], reply_tos: List[Any]) -> Dict[str, Any]:
    """The ``Invoke`` event a compact request stands for."""
    return {"kind": "Invoke", "requestId": r[0], "seq": r[1], "stack": [],
            "replyTo": reply_tos[r[6]], "target": {"entity": r[2], "key": r[3]},
            "method": r[4], "args": r[5], "kwargs": {}}


def compact_state(r: List[Any], held: Dict[Tuple[str, str], Any]) -> Any:
    """The state a compact request runs on: its own, or the one held for its target."""
    if len(r) > 7:
        return r[7]
    state = held.get((r[2], r[3]), _MISSING)
    if state is _MISSING:
        raise LookupError("the kernel holds no state for %s %r; the host must send it" % (r[2], r[3]))
    return state


def compact_result(event: Dict[str, Any], result: Dict[str, Any]) -> Any:
    """``result`` as a list when it is only the ``Response`` the host can rebuild, else as is."""
    out = result["out"]
    if len(out) != 1:
        return result
    response = out[0]
    if (response["kind"] != "Response" or response["seq"] != event["seq"] + 1
            or response["replyTo"] is not event["replyTo"] or response["stack"]):
        return result
    state = result.get("state", _MISSING)
    return [response["result"]] if state is _MISSING else [response["result"], state]
