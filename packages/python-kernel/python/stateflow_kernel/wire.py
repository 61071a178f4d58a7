"""Compact requests and results of the batch frames (``stateflow_kernel.serve``).

Events sent as JSON objects repeat every field name, and their decoded dicts cost more
to build, in Node and here, than most user methods take to run. So a batch request
may be a list, with its event as a list; its result then comes back as a list, with
its events as lists. A batch may mix both forms (an object-form request gets an
object-form result).

Compact event: a kind code, the fields every event has, then the kind's own fields::

    [0, requestId, seq, replyTo, stack, entity, key, method, args, kwargs]   # Invoke
    [1, requestId, seq, replyTo, stack, frame, result]                       # Reply (target = the frame's instance)
    [2, requestId, seq, replyTo, stack, result]                              # Response
    [2, requestId, seq, replyTo, stack, result, originEntity, originKey]     # Response with origin
    [3, requestId, seq, replyTo, stack, entity, key, attr]                   # Read
    [4, requestId, seq, replyTo, stack, entity, key, state]                  # Insert
    [5, requestId, seq, replyTo, stack, entity, args, kwargs]                # Construct

``replyTo`` is an index into the frame's ``"replyTo"`` list; ``stack`` is a list of
frames, each ``[entity, key, method, resume, resultVar, env]``.

Compact request: ``[event]`` runs on the state this process holds for the target
(``"held"`` or ``"chained"`` in the object form, see ``stateflow_kernel.chain``),
``[event, state]`` on ``state``. Compact result: ``[events]`` (state unchanged) or
``[events, state]``, where ``events`` is a list of events, or, when the only event is
the request's own ``Response`` (``seq`` one more than the request's, same ``replyTo``),
just that response's result object (``{"ok": ...}`` or ``{"error": ...}``): the host
rebuilds the ``Response`` from the request. An event whose ``replyTo`` is not in the frame's list, or with
fields the envelope does not have, stays an object inside the list.
"""
from __future__ import annotations

from typing import Any, Dict, List

_MISSING = object()

INVOKE, REPLY, RESPONSE, READ, INSERT, CONSTRUCT = range(6)

#: Number of fields of each kind besides kind, requestId, seq, replyTo and stack
#: (a ``Response`` has its own encoder, ``_wire_response``).
_FIELDS = {"Invoke": 4, "Reply": 3, "Read": 2, "Insert": 2, "Construct": 3}


def _frame(w: List[Any]) -> Dict[str, Any]:
    return {"entity": w[0], "key": w[1], "method": w[2], "resume": w[3], "resultVar": w[4], "env": w[5]}


def _stack(ws: List[Any]) -> List[Dict[str, Any]]:
    return [_frame(w) for w in ws]


def decode_event(w: Any, reply_tos: List[Any]) -> Dict[str, Any]:
    """The event a compact event stands for (an object-form event is returned as is)."""
    if type(w) is not list:
        return w
    code = w[0]
    stack = _stack(w[4]) if w[4] else []
    if code == INVOKE:
        return {"kind": "Invoke", "requestId": w[1], "seq": w[2], "replyTo": reply_tos[w[3]],
                "stack": stack, "target": {"entity": w[5], "key": w[6]}, "method": w[7],
                "args": w[8], "kwargs": w[9]}
    if code == REPLY:
        frame = _frame(w[5])
        return {"kind": "Reply", "requestId": w[1], "seq": w[2], "replyTo": reply_tos[w[3]],
                "stack": stack, "target": {"entity": frame["entity"], "key": frame["key"]},
                "frame": frame, "result": w[6]}
    if code == RESPONSE:
        e = {"kind": "Response", "requestId": w[1], "seq": w[2], "replyTo": reply_tos[w[3]],
             "stack": stack, "result": w[5]}
        if len(w) > 6:
            e["origin"] = {"entity": w[6], "key": w[7]}
        return e
    if code == READ:
        return {"kind": "Read", "requestId": w[1], "seq": w[2], "replyTo": reply_tos[w[3]],
                "stack": stack, "target": {"entity": w[5], "key": w[6]}, "attr": w[7]}
    if code == INSERT:
        return {"kind": "Insert", "requestId": w[1], "seq": w[2], "replyTo": reply_tos[w[3]],
                "stack": stack, "target": {"entity": w[5], "key": w[6]}, "state": w[7]}
    if code == CONSTRUCT:
        return {"kind": "Construct", "requestId": w[1], "seq": w[2], "replyTo": reply_tos[w[3]],
                "stack": stack, "entity": w[5], "args": w[6], "kwargs": w[7]}
    raise ValueError("unknown compact event kind %r" % (code,))


def _wire_frame(f: Dict[str, Any]) -> List[Any]:
    return [f["entity"], f["key"], f["method"], f["resume"], f["resultVar"], f["env"]]


def _wire_response(e: Dict[str, Any], rt: int) -> Any:
    """A ``Response`` as a compact event; with ``origin`` (a callee answered for its
    callers' detached blocks, ``stateflow_kernel.detached``) two fields longer."""
    stack = e["stack"]
    head = [RESPONSE, e["requestId"], e["seq"], rt, [_wire_frame(f) for f in stack] if stack else [], e["result"]]
    n = len(e)
    if n == 6:
        return head
    origin = e.get("origin")
    if n == 7 and type(origin) is dict and len(origin) == 2 and "entity" in origin and "key" in origin:
        head.append(origin["entity"])
        head.append(origin["key"])
        return head
    return e


def encode_event(e: Dict[str, Any], reply_ids: Dict[int, int]) -> Any:
    """``e`` as a compact event, or as is when it cannot be (see the module docs).
    ``reply_ids`` maps ``id()`` of the frame's reply addresses to their index."""
    kind = e.get("kind")
    if kind == "Response":
        # The commonest event: every call ends with one.
        rt = reply_ids.get(id(e["replyTo"]))
        return e if rt is None else _wire_response(e, rt)
    extra = _FIELDS.get(kind)  # type: ignore[arg-type]
    rt = reply_ids.get(id(e.get("replyTo")))
    if extra is None or rt is None or len(e) != 5 + extra:
        return e
    stack = e["stack"]
    head = [0, e["requestId"], e["seq"], rt, [_wire_frame(f) for f in stack] if stack else []]
    if kind == "Invoke":
        t = e["target"]
        head[0] = INVOKE
        head += (t["entity"], t["key"], e["method"], e["args"], e["kwargs"])
    elif kind == "Reply":
        frame, t = e["frame"], e["target"]
        if t["entity"] != frame["entity"] or t["key"] != frame["key"]:
            return e
        head[0] = REPLY
        head += (_wire_frame(frame), e["result"])
    elif kind == "Read":
        t = e["target"]
        head[0] = READ
        head += (t["entity"], t["key"], e["attr"])
    elif kind == "Insert":
        t = e["target"]
        head[0] = INSERT
        head += (t["entity"], t["key"], e["state"])
    else:
        head[0] = CONSTRUCT
        head += (e["entity"], e["args"], e["kwargs"])
    return head


def reply_index(reply_tos: List[Any]) -> Dict[int, int]:
    """``id()`` of each of the frame's reply addresses to its index (events carry the
    very objects ``decode_event`` put in them)."""
    return {id(r): i for i, r in enumerate(reply_tos)}


def compact_result(event: Dict[str, Any], result: Dict[str, Any], reply_ids: Dict[int, int]) -> List[Any]:
    """The compact form of the result of a compact request (``event``)."""
    out = result["out"]
    if len(out) == 1:
        e = out[0]
        if (e["kind"] == "Response" and e["seq"] == event["seq"] + 1 and e["replyTo"] is event["replyTo"]
                and not e["stack"] and len(e) == 6):
            # Only the request's own Response: the host rebuilds it from the request.
            events: Any = e["result"]
        else:
            events = [encode_event(e, reply_ids)]
    else:
        events = [encode_event(e, reply_ids) for e in out]
    state = result.get("state", _MISSING)
    return [events] if state is _MISSING else [events, state]
