"""Routing and validation of StateFlow events in the Flink job (no PyFlink import).

Kept apart from ``job.py`` so it runs (and is tested) with a plain Python (and the
kernel's package, shipped beside it, for the call-argument rule). Every
function here is pure: text in, text or tuples out. Nothing here raises on bad input:
a malformed ingress record becomes an error ``Response`` (when its ``replyTo`` can be
read) or a dead-letter record, never an exception that would fail the job.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional, Tuple

from stateflow_kernel.request_values import call_shape_problem, seq_problem

# Origins of a record entering the keyed operator.
INGRESS = "I"      # a client request from the ingress topic (deduplicated by requestId)
INTERNAL = "N"     # an event between entities, from the internal topic
REJECTED = "R"     # an ingress record that was rejected: the text is an error Response
DEAD = "D"         # an ingress record with no readable replyTo: the text is a dead letter

#: Request kinds a client may send to the ingress topic. ``GetState`` is an extension of
#: this backend (reads the encoded state of one instance; for tests and admin tools).
CLIENT_KINDS = ("Invoke", "Construct", "GetState")
#: A backend event on the internal topic: the answer of a client request, sent from the
#: key that produced it to the key the request was remembered at: ``$construct/<requestId>``
#: for a create (no ``target``), the instance the request started at (``target``) for an
#: answer produced elsewhere (a ``Response`` with ``origin``: a detached continuation).
SETTLE = "Settle"
#: Kinds that travel on the internal topic between entities.
INTERNAL_KINDS = ("Invoke", "Read", "Insert", "Reply", SETTLE)

CONSTRUCT_KEY_PREFIX = "$construct/"
REJECTED_KEY = "$rejected"


def route_key(event: Dict[str, Any]) -> str:
    """The key an event is processed under: ``Entity/key``, or ``$construct/<requestId>``
    (a create, and the ``Settle`` of a create's answer, which has no ``target``)."""
    kind = event.get("kind")
    if kind == "Construct" or (kind == SETTLE and event.get("target") is None):
        return CONSTRUCT_KEY_PREFIX + str(event.get("requestId"))
    return address_key(event["target"])


def address_key(address: Dict[str, Any]) -> str:
    """The route key of an instance: ``Entity/key`` for ``{entity, key}``."""
    return "%s/%s" % (address["entity"], address["key"])


def reply_topic(reply_to: Any, default_topic: str) -> Optional[str]:
    """The Kafka topic named by a ``replyTo`` (``kafka:<topic>``), else ``default_topic``."""
    channel = reply_to.get("channel") if isinstance(reply_to, dict) else None
    if isinstance(channel, str) and channel.startswith("kafka:") and len(channel) > 6:
        return channel[6:]
    return default_topic


class Router:
    """Validates ingress records and routes the kernel's output events."""

    def __init__(self, program: Dict[str, Any], config: Dict[str, Any]):
        self.entities: Dict[str, set] = {
            e["name"]: {m["name"] for m in e.get("methods", [])} for e in program.get("entities", [])
        }
        topics = config["topics"]
        self.ingress_topic: str = topics["ingress"]
        self.egress_topic: str = topics["egress"]
        self.dead_letter_topic: str = topics["deadLetter"]
        allowed = list(config.get("replyTopics") or [])
        self.any_reply_topic = "*" in allowed
        self.reply_topics = {t for t in allowed if t != "*"} | {self.egress_topic}

    # -- ingress -------------------------------------------------------------------

    def admit(self, text: Any) -> Tuple[str, str, str]:
        """One ingress record -> ``(route key, origin, text)`` for the keyed operator.

        A valid request keeps its text (origin ``INGRESS``). A rejected one becomes an
        error ``Response`` (origin ``REJECTED``) or a dead letter (origin ``DEAD``), keyed
        ``$rejected``; the keyed operator only forwards those.
        """
        if isinstance(text, (bytes, bytearray)):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                return self._dead(repr(text[:2000]), "the record is not UTF-8 text")
        if not isinstance(text, str):
            return self._dead(repr(text)[:2000], "the record has no value")
        try:
            event = json.loads(text)
        except ValueError as e:
            return self._dead(text, "the record is not JSON (%s)" % (e,))
        except RecursionError:
            return self._dead(text, "the record nests arrays or objects too deeply to read")
        if not isinstance(event, dict):
            return self._dead(text, "the record is not a JSON object (an event per @stateflow/ir envelope.ts)")
        reply_to = event.get("replyTo")
        request_id = event.get("requestId")
        readable = (
            isinstance(reply_to, dict)
            and isinstance(reply_to.get("channel"), str)
            and isinstance(reply_to.get("id"), str)
            and isinstance(request_id, str)
        )
        if not readable:
            return self._dead(text, "the event has no readable requestId and replyTo {channel, id}")
        topic = reply_topic(reply_to, self.egress_topic)
        if not self.any_reply_topic and topic not in self.reply_topics:
            return self._dead(
                text,
                "replyTo names topic '%s', which this job does not write to (allowed: %s; "
                "add it to replyTopics in stateflow-job.json or --reply-topics)" % (topic, ", ".join(sorted(self.reply_topics))),
            )
        problem, code = self._check(event)
        if problem is not None:
            return REJECTED_KEY, REJECTED, error_response(event, code or "InvalidRequest", problem, code)
        return route_key(event), INGRESS, text

    def _check(self, event: Dict[str, Any]) -> Tuple[Optional[str], Optional[str]]:
        kind = event.get("kind")
        if kind not in CLIENT_KINDS:
            return ("a client may send %s events, not %r" % (", ".join(CLIENT_KINDS), kind), None)
        if event.get("stack", []) != []:
            return ("a client request has an empty stack", None)
        problem = seq_problem(event.get("seq", 0))
        if problem is not None:
            return (problem, None)
        if kind == "Construct":
            entity = event.get("entity")
        else:
            target = event.get("target")
            if not isinstance(target, dict) or not isinstance(target.get("key"), str):
                return ("%s needs target {entity, key} with a string key" % kind, None)
            entity = target.get("entity")
        if not isinstance(entity, str):
            return ("%s needs an entity name" % kind, None)
        if entity not in self.entities:
            return ("no entity class '%s' in this program (entities: %s)" % (entity, ", ".join(sorted(self.entities))), "UnknownEntity")
        if kind in ("Invoke", "Construct"):
            # The kernel's rule and message (the values themselves are checked by the
            # kernel when the call runs: same messages, shared vectors).
            shape = call_shape_problem(event.get("args", []), event.get("kwargs", {}))
            if shape is not None:
                return (shape, "BadArguments")
        if kind == "Invoke" and not isinstance(event.get("method"), str):
            return ("Invoke needs a method name", None)
        return (None, None)

    def _dead(self, text: str, reason: str) -> Tuple[str, str, str]:
        record = {"reason": reason, "topic": self.ingress_topic, "record": text if len(text) <= 100_000 else text[:100_000]}
        return REJECTED_KEY, DEAD, json.dumps(record)

    # -- egress --------------------------------------------------------------------

    def response_topic(self, text: str) -> str:
        """The topic a ``Response`` event (JSON text) goes to."""
        try:
            return reply_topic(json.loads(text).get("replyTo"), self.egress_topic) or self.egress_topic
        except (ValueError, AttributeError):
            return self.egress_topic


def error_response(event: Dict[str, Any], type_: str, message: str, code: Optional[str] = None) -> str:
    """The ``Response`` (JSON text) answering ``event`` with an error."""
    error: Dict[str, Any] = {"type": type_, "message": message}
    if code is not None:
        error["code"] = code
    seq = event.get("seq")
    response = {
        "kind": "Response",
        "requestId": event.get("requestId"),
        "seq": (seq + 1) if seq_problem(seq) is None else 1,
        "stack": [],
        "replyTo": event.get("replyTo"),
        "result": {"error": error},
    }
    return json.dumps(response)


def split_output(events: Iterable[Dict[str, Any]]) -> Tuple[List[str], List[str]]:
    """The kernel's out events as JSON texts: ``(internal, responses)``."""
    internal: List[str] = []
    responses: List[str] = []
    for out in events:
        (responses if out.get("kind") == "Response" else internal).append(json.dumps(out))
    return internal, responses
