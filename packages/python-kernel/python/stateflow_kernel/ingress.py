"""The checks a backend makes of a client request where it enters from a queue.

The Flink job, the Beam pipeline and the Statefun service read client requests from a
Kafka topic; this module holds the rules they share, with one set of messages and codes,
so a malformed record is refused the same way on every engine. Each backend keeps only
what is its own: which reply topics it writes to, its route keys, where a dead letter
goes, and any request kinds of its own (``extra_kinds``).

Nothing here raises on bad input: a record either reads as an event with a readable
``requestId`` and ``replyTo`` (then it can be answered, with :func:`refusal_response` if
:func:`request_problem` finds a fault), or it gets a dead-letter reason.
"""
from __future__ import annotations

import json
from typing import Any, Collection, Dict, NamedTuple, Optional, Sequence

from .request_values import call_shape_problem, seq_problem

#: The request kinds every backend takes from a client.
CLIENT_KINDS = ("Invoke", "Construct")
#: The most characters of a refused record a dead letter keeps.
MAX_DEAD_LETTER_CHARS = 100_000
#: The most bytes of an undecodable record shown (as a Python ``repr``) in a dead letter.
MAX_UNREADABLE_BYTES = 2000


class Refusal(NamedTuple):
    """Why a readable request cannot run: ``code`` is None for a plain ``InvalidRequest``."""

    message: str
    code: Optional[str] = None


class Record(NamedTuple):
    """One ingress record as read: ``event`` is None when it cannot be answered, and then
    ``dead_reason`` says why; ``text`` is the record as far as it could be read."""

    event: Optional[Dict[str, Any]]
    text: str
    dead_reason: str = ""


def read_record(value: Any) -> Record:
    """Decodes one record (UTF-8 bytes or text) into a JSON object that names a
    ``requestId`` and a ``replyTo {channel, id}``, the least an error answer needs."""
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return Record(None, repr(bytes(value)[:MAX_UNREADABLE_BYTES]), "the record is not UTF-8 text")
    if not isinstance(value, str):
        return Record(None, repr(value)[:MAX_UNREADABLE_BYTES], "the record has no value")
    try:
        event = json.loads(value)
    except ValueError as e:
        return Record(None, value, "the record is not JSON (%s)" % (e,))
    except RecursionError:
        return Record(None, value, "the record nests arrays or objects too deeply to read")
    if not isinstance(event, dict):
        return Record(None, value, "the record is not a JSON object (an event per @stateflow/ir envelope.ts)")
    if not has_reply_address(event):
        return Record(None, value, "the event has no readable requestId and replyTo {channel, id}")
    return Record(event, value)


def has_reply_address(event: Dict[str, Any]) -> bool:
    """Whether ``event`` can be answered: a string ``requestId`` and ``replyTo`` with a
    string ``channel`` and ``id``."""
    reply_to = event.get("replyTo")
    return (
        isinstance(reply_to, dict)
        and isinstance(reply_to.get("channel"), str)
        and isinstance(reply_to.get("id"), str)
        and isinstance(event.get("requestId"), str)
    )


def request_problem(event: Dict[str, Any], entities: Collection[str],
                    extra_kinds: Sequence[str] = ()) -> Optional[Refusal]:
    """Why a client request cannot run in a program of ``entities``, or None. A backend's
    own read-only kinds (``extra_kinds``, e.g. ``GetState``) address an instance like an
    ``Invoke`` does. The values of the arguments are checked by the kernel when the call
    runs (same messages, shared vectors); here only their shape."""
    kinds = CLIENT_KINDS + tuple(extra_kinds)
    kind = event.get("kind")
    if kind not in kinds:
        return Refusal("a client may send %s events, not %r" % (", ".join(kinds), kind))
    if event.get("stack", []) != []:
        return Refusal("a client request has an empty stack")
    problem = seq_problem(event.get("seq", 0))
    if problem is not None:
        return Refusal(problem)
    if kind == "Construct":
        entity = event.get("entity")
    else:
        target = event.get("target")
        if not isinstance(target, dict) or not isinstance(target.get("key"), str):
            return Refusal("%s needs target {entity, key} with a string key" % kind)
        entity = target.get("entity")
    if not isinstance(entity, str):
        return Refusal("%s needs an entity name" % kind)
    if entity not in entities:
        return Refusal("no entity class '%s' in this program (entities: %s)" % (entity, ", ".join(sorted(entities))),
                       "UnknownEntity")
    if kind in CLIENT_KINDS:
        shape = call_shape_problem(event.get("args", []), event.get("kwargs", {}))
        if shape is not None:
            return Refusal(shape, "BadArguments")
    if kind == "Invoke" and not isinstance(event.get("method"), str):
        return Refusal("Invoke needs a method name")
    return None


def error_value(type_: str, message: str, code: Optional[str] = None) -> Dict[str, Any]:
    """The ``error`` of a failed ``Result``: ``{type, message}``, and ``code`` when given."""
    error: Dict[str, Any] = {"type": type_, "message": message}
    if code is not None:
        error["code"] = code
    return error


def error_response(event: Dict[str, Any], type_: str, message: str, code: Optional[str] = None) -> str:
    """The ``Response`` (JSON text) answering ``event`` with an error: the next ``seq``
    after the event's (1 when it has none that can be counted on), to its ``replyTo``."""
    seq = event.get("seq")
    response = {
        "kind": "Response",
        "requestId": event.get("requestId"),
        "seq": (seq + 1) if seq_problem(seq) is None else 1,
        "stack": [],
        "replyTo": event.get("replyTo"),
        "result": {"error": error_value(type_, message, code)},
    }
    return json.dumps(response)


def refusal_response(event: Dict[str, Any], refusal: Refusal) -> str:
    """The error ``Response`` for a request :func:`request_problem` refused."""
    return error_response(event, refusal.code or "InvalidRequest", refusal.message, refusal.code)


def dead_letter(text: str, reason: str, source: str) -> str:
    """A dead-letter record (JSON text): why, where the record came from (``source``, the
    ingress topic) and the record itself, cut to :data:`MAX_DEAD_LETTER_CHARS`."""
    return json.dumps({"reason": reason, "topic": source, "record": text[:MAX_DEAD_LETTER_CHARS]})

