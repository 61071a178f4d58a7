"""Validation and routing of StateFlow events in the Beam pipeline (no Beam import).

Pure functions, text in and text or tuples out, so they run (and are tested) with a
plain Python and the kernel's package beside them. Nothing here raises on bad input: a
malformed ingress record becomes an error ``Response`` (when its ``replyTo`` can be read)
or a dead-letter record, never an exception that would fail a bundle.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional, Tuple

from stateflow_kernel.request_values import call_shape_problem, seq_problem

#: What the ingress check makes of a record.
REQUEST = "request"    # a valid client request: deduplicated by requestId, then run
READ = "read"          # a GetState request: runs at its key, never deduplicated
REJECTED = "rejected"  # answered at once with an error Response (the text)
DEAD = "dead"          # no readable replyTo: the text is a dead-letter record

#: Request kinds a client may send. ``GetState`` is an extension of the Kafka backends
#: (reads the encoded state of one instance; for tests and admin tools).
CLIENT_KINDS = ("Invoke", "Construct", "GetState")

#: The key a ``Construct`` runs under (it has no instance key before ``__init__`` runs).
CONSTRUCT_KEY_PREFIX = "$construct/"


def route_key(event: Dict[str, Any]) -> str:
    """The key an event is processed under: ``Entity/key``, or, for a create (no key before
    ``__init__`` runs), ``$construct/Entity/<requestId>`` (no entity name starts with ``$``)."""
    if event.get("kind") == "Construct":
        return "%s%s/%s" % (CONSTRUCT_KEY_PREFIX, event.get("entity"), event.get("requestId"))
    target = event["target"]
    return "%s/%s" % (target["entity"], target["key"])


def key_entity(key: str) -> str:
    """The entity class whose stateful step runs the events of a route key."""
    if key.startswith(CONSTRUCT_KEY_PREFIX):
        return key[len(CONSTRUCT_KEY_PREFIX):].split("/", 1)[0]
    return key.split("/", 1)[0]


def reply_topic(reply_to: Any, default_topic: str) -> str:
    """The Kafka topic named by a ``replyTo`` (``kafka:<topic>``), else ``default_topic``."""
    channel = reply_to.get("channel") if isinstance(reply_to, dict) else None
    if isinstance(channel, str) and channel.startswith("kafka:") and len(channel) > 6:
        return channel[6:]
    return default_topic


class Router:
    """Checks ingress records and says where responses go."""

    def __init__(self, program: Dict[str, Any], config: Dict[str, Any]):
        self.entities: Dict[str, set] = {
            e["name"]: {m["name"] for m in e.get("methods", [])} for e in program.get("entities", [])
        }
        topics = config["topics"]
        self.ingress_topic: str = topics["ingress"]
        self.egress_topic: str = topics["egress"]
        allowed = list(config.get("replyTopics") or [])
        self.any_reply_topic = "*" in allowed
        self.reply_topics = {t for t in allowed if t != "*"} | {self.egress_topic}

    def admit(self, value: Any) -> Tuple[str, str, Optional[Dict[str, Any]]]:
        """One ingress record (bytes or text) -> ``(what, text, event)`` (see the constants)."""
        if isinstance(value, (bytes, bytearray)):
            try:
                value = bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                return self._dead(repr(bytes(value)[:2000]), "the record is not UTF-8 text")
        if not isinstance(value, str):
            return self._dead(repr(value)[:2000], "the record has no value")
        try:
            event = json.loads(value)
        except ValueError as e:
            return self._dead(value, "the record is not JSON (%s)" % (e,))
        except RecursionError:
            return self._dead(value, "the record nests arrays or objects too deeply to read")
        if not isinstance(event, dict):
            return self._dead(value, "the record is not a JSON object (an event per @stateflow/ir envelope.ts)")
        reply_to = event.get("replyTo")
        request_id = event.get("requestId")
        readable = (
            isinstance(reply_to, dict)
            and isinstance(reply_to.get("channel"), str)
            and isinstance(reply_to.get("id"), str)
            and isinstance(request_id, str)
        )
        if not readable:
            return self._dead(value, "the event has no readable requestId and replyTo {channel, id}")
        topic = reply_topic(reply_to, self.egress_topic)
        if not self.any_reply_topic and topic not in self.reply_topics:
            return self._dead(
                value,
                "replyTo names topic '%s', which this pipeline does not write to (allowed: %s; "
                "add it to replyTopics in stateflow-pipeline.json or --reply-topics)" % (topic, ", ".join(sorted(self.reply_topics))),
            )
        problem, code = self._check(event)
        if problem is not None:
            return REJECTED, error_response(event, code or "InvalidRequest", problem, code), None
        return (READ if event["kind"] == "GetState" else REQUEST), value, event

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
            # The kernel's rule and message (the values themselves are checked by the kernel).
            shape = call_shape_problem(event.get("args", []), event.get("kwargs", {}))
            if shape is not None:
                return (shape, "BadArguments")
        if kind == "Invoke" and not isinstance(event.get("method"), str):
            return ("Invoke needs a method name", None)
        return (None, None)

    def _dead(self, text: str, reason: str) -> Tuple[str, str, None]:
        record = {"reason": reason, "topic": self.ingress_topic, "record": text if len(text) <= 100_000 else text[:100_000]}
        return DEAD, json.dumps(record), None

    def response_topic(self, text: str) -> str:
        """The topic a ``Response`` event (JSON text) goes to."""
        try:
            return reply_topic(json.loads(text).get("replyTo"), self.egress_topic)
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
