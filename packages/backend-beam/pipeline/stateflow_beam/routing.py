"""Validation and routing of StateFlow events in the Beam pipeline (no Beam import).

Pure functions, text in and text or tuples out, so they run (and are tested) with a
plain Python and the kernel's package beside them (``stateflow_kernel.ingress`` holds the
request rules every Kafka-fed backend shares). Nothing here raises on bad input: a
malformed ingress record becomes an error ``Response`` (when its ``replyTo`` can be read)
or a dead-letter record, never an exception that would fail a bundle.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional, Tuple

from stateflow_kernel import ingress
from stateflow_kernel.ingress import error_response  # noqa: F401 - the entity steps answer with it too

#: What the ingress check makes of a record.
REQUEST = "request"    # a valid client request: deduplicated by requestId, then run
READ = "read"          # a GetState request: runs at its key, never deduplicated
REJECTED = "rejected"  # answered at once with an error Response (the text)
DEAD = "dead"          # no readable replyTo: the text is a dead-letter record

#: Request kinds a client may send beside the kernel's. ``GetState`` is an extension of the
#: Kafka backends (reads the encoded state of one instance; for tests and admin tools).
EXTRA_CLIENT_KINDS = ("GetState",)
CLIENT_KINDS = ingress.CLIENT_KINDS + EXTRA_CLIENT_KINDS

#: The key a ``Construct`` runs under (it has no instance key before ``__init__`` runs).
CONSTRUCT_KEY_PREFIX = "$construct/"


def route_key(event: Dict[str, Any]) -> str:
    """The key an event is processed under: ``Entity/key``, or, for a create (no key before
    ``__init__`` runs), ``$construct/Entity/<requestId>`` (no entity name starts with ``$``);
    a ``Query`` names its key (``at``)."""
    kind = event.get("kind")
    if kind == "Construct":
        return "%s%s/%s" % (CONSTRUCT_KEY_PREFIX, event.get("entity"), event.get("requestId"))
    if kind == "Query":
        return event["at"]  # the route key a request's record sent it on to
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
        record = ingress.read_record(value)
        event = record.event
        if event is None:
            return self._dead(record.text, record.dead_reason)
        topic = reply_topic(event["replyTo"], self.egress_topic)
        if not self.any_reply_topic and topic not in self.reply_topics:
            return self._dead(
                record.text,
                "replyTo names topic '%s', which this pipeline does not write to (allowed: %s; "
                "add it to replyTopics in stateflow-pipeline.json or --reply-topics)" % (topic, ", ".join(sorted(self.reply_topics))),
            )
        refusal = ingress.request_problem(event, self.entities, EXTRA_CLIENT_KINDS)
        if refusal is not None:
            return REJECTED, ingress.refusal_response(event, refusal), None
        return (READ if event["kind"] == "GetState" else REQUEST), record.text, event

    def _dead(self, text: str, reason: str) -> Tuple[str, str, None]:
        return DEAD, ingress.dead_letter(text, reason, self.ingress_topic), None

    def response_topic(self, text: str) -> str:
        """The topic a ``Response`` event (JSON text) goes to."""
        try:
            return reply_topic(json.loads(text).get("replyTo"), self.egress_topic)
        except (ValueError, AttributeError):
            return self.egress_topic


def split_output(events: Iterable[Dict[str, Any]]) -> Tuple[List[str], List[str]]:
    """The kernel's out events as JSON texts: ``(internal, responses)``."""
    internal: List[str] = []
    responses: List[str] = []
    for out in events:
        (responses if out.get("kind") == "Response" else internal).append(json.dumps(out))
    return internal, responses
