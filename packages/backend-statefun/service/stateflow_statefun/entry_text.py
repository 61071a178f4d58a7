"""One request record as the service writes it in a ``requests`` line: its entry, compact.

The records are most of the ``requests`` value that travels with every call (see
``requests_text.py``), and nearly all are of two kinds: where the request went next
(``{"fwd": {"entity": E, "key": K}}``) and an answer made here (``{"res": {...}}``). Their
JSON entries (``stateflow_flink.dedup.Record.entry``) spell out the same keys in every
line; here they are written as::

    [k][l]>[E,K]        forward to an address (any other ``fwd`` value: ``>`` + its JSON)
    [k][l]+[seq,ok]     answered, ``{"result": {"ok": ok}, "seq": seq}`` (most answers)
    [k][l]+[seq,ok,E,K] the same with ``"origin": {"entity": E, "key": K}`` (a callee's answer)
    [k][l]=<res JSON>   any other answer (an ``origin`` address written [E,K] too)

``k``: kept for good, ``l``: lookup-only (the entry's ``"k": 1`` and ``"l": 1``). Anything
else (a create's pending record, with its ``replyTo``s) is written as its JSON entry, which
starts with ``{``; so do the entries and record texts earlier versions wrote, and all of
them are read (``Record.parse``).
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

from stateflow_flink import json_text
from stateflow_flink.dedup import Record

# json.dumps(value, separators=(",", ":")) with one encoder for every call.
_dumps = json_text.dumps_compact
# Strings as json.dumps writes them (ASCII, escaped): the C function its encoder calls.
_string = json.encoder.encode_basestring_ascii


def _dumps_short(values: list) -> str:
    """``_dumps(values)`` for a short list (``[seq, ok]``, ``[E, K]``): the encoder sets up
    its C machinery on every call, a few times the cost of writing two scalars by hand."""
    parts = []
    for value in values:
        kind = type(value)
        if kind is str:
            parts.append(_string(value))
        elif kind is int:
            parts.append(int.__repr__(value))
        elif value is True:
            parts.append("true")
        elif value is False:
            parts.append("false")
        elif value is None:
            parts.append("null")
        else:  # floats, objects, lists: the encoder
            return _dumps(values)
    return "[" + ",".join(parts) + "]"


def encode(record: Record) -> str:
    """The text of ``record`` in a ``requests`` line."""
    flags = ("k" if record.keep else "") + ("l" if record.lookup else "")
    if record.answered:
        answer = record.response_event()
        if answer.get("stack", 1) == [] and "kind" in answer and "requestId" in answer and "replyTo" in answer:
            # The usual answer (an empty stack, the fields a read rebuilds): its short form
            # straight from the event, without the entry's copy of it.
            short = _short_answer(answer, answer.get("origin"), len(answer) - 4)
            if short is not None:
                return flags + "+" + _dumps_short(short)
        entry = record.entry()
        res = entry["res"]
        origin = res.get("origin")
        short = _short_answer(res, origin)
        if short is not None:
            return flags + "+" + _dumps_short(short)
        if _is_address(origin):
            res = dict(res)
            res["origin"] = [origin["entity"], origin["key"]]
        return flags + "=" + _dumps(res)
    if record.forward is not None:
        forward = record.forward
        if _is_address(forward):
            return flags + ">" + _dumps_short([forward["entity"], forward["key"]])
        return flags + ">" + _dumps(forward)
    return _dumps(record.entry())


def decode(text: str, request_id: Any) -> Record:
    """The record of ``request_id`` written as ``text`` (by :func:`encode`, or an earlier version)."""
    if text == "" or text[0] == "{":
        return Record.parse(text, request_id)
    at = 0
    entry: Dict[str, Any] = {}
    while text[at] in "kl":
        entry[text[at]] = 1
        at += 1
    kind, value = text[at], json_text.loads(text[at + 1 :])
    if kind == "+":
        entry["res"] = {"result": {"ok": value[1]}, "seq": value[0]}
        if len(value) == 4:
            entry["res"]["origin"] = {"entity": value[2], "key": value[3]}
    elif kind == "=":
        origin = value.get("origin")
        if isinstance(origin, list) and len(origin) == 2:
            value["origin"] = {"entity": origin[0], "key": origin[1]}
        entry["res"] = value
    elif kind == ">":
        entry["fwd"] = {"entity": value[0], "key": value[1]} if isinstance(value, list) and len(value) == 2 else value
    else:
        raise ValueError("not a request record: %r" % text[:80])
    return Record.of_entry(request_id, entry)


def _short_answer(res: Dict[str, Any], origin: Any, size: Optional[int] = None) -> Any:
    """``[seq, ok]`` or ``[seq, ok, E, K]`` for an answer of just those fields (``size``: how
    many fields ``res`` has that an entry keeps, when not all of them), else None."""
    result, seq = res.get("result"), res.get("seq")
    if not (isinstance(result, dict) and len(result) == 1 and "ok" in result and isinstance(seq, int)):
        return None
    if size is None:
        size = len(res)
    if size == 2:
        return [seq, result["ok"]]
    if size == 3 and _is_address(origin):
        return [seq, result["ok"], origin["entity"], origin["key"]]
    return None


def _is_address(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 2 and "entity" in value and "key" in value
