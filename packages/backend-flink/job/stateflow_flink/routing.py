"""Routing and validation of StateFlow events in the Flink job (no PyFlink import).

Kept apart from ``job.py`` so it runs (and is tested) with a plain Python (and the
kernel's package, shipped beside it, whose ``stateflow_kernel.ingress`` holds the request
rules every Kafka-fed backend shares). Every
function here is pure: text in, text or tuples out. Nothing here raises on bad input:
a malformed ingress record becomes an error ``Response`` (when its ``replyTo`` can be
read) or a dead-letter record, never an exception that would fail the job.
"""
from __future__ import annotations

import json
from typing import Any, Dict, NamedTuple, Optional, Tuple

from stateflow_kernel import ingress
from stateflow_kernel.ingress import error_response  # noqa: F401 - the operator answers with it too

# Origins of a record entering the keyed operator.
INGRESS = "I"      # a client request from the ingress topic (deduplicated by requestId)
INTERNAL = "N"     # an event between entities, from the internal topic
REJECTED = "R"     # an ingress record that was rejected: the text is an error Response
DEAD = "D"         # an ingress record with no readable replyTo: the text is a dead letter

#: Request kinds a client may send to the ingress topic beside the kernel's. ``GetState`` is
#: an extension of this backend (reads the encoded state of one instance; for tests and
#: admin tools).
EXTRA_CLIENT_KINDS = ("GetState",)
CLIENT_KINDS = ingress.CLIENT_KINDS + EXTRA_CLIENT_KINDS
#: A backend event on the internal topic: the answer of a client request, sent from the
#: key that produced it to the key the request was remembered at: ``$construct/<requestId>``
#: for a create (no ``target``); earlier versions (and requests they may have admitted, see
#: ``stateflow_flink.operator``) also send one to the instance a detached answer's request
#: started at (``target``).
SETTLE = "Settle"
#: A backend event on the internal topic: a retry looking for its request's outcome where
#: the request went (``target``, or ``$construct/<requestId>`` without one). Never runs anything.
QUERY = "Query"
#: Kinds that travel on the internal topic between entities.
INTERNAL_KINDS = ("Invoke", "Read", "Insert", "Reply", SETTLE, QUERY)

CONSTRUCT_KEY_PREFIX = "$construct/"
REJECTED_KEY = "$rejected"


def route_key(event: Dict[str, Any]) -> str:
    """The key an event is processed under: ``Entity/key``, or ``$construct/<requestId>``
    (a create, and a ``Settle`` or ``Query`` for a create's key, which has no ``target``)."""
    kind = event.get("kind")
    if kind == "Construct" or (kind in (SETTLE, QUERY) and event.get("target") is None):
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


class Admitted(NamedTuple):
    """One ingress record, read (:meth:`Router.read`): its route key, origin and text, and
    for a valid request (origin ``INGRESS``) its event as parsed, so it is not parsed again."""

    key: str
    origin: str
    text: str
    event: Optional[Dict[str, Any]] = None


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
        return self.read(text)[:3]

    def read(self, text: Any) -> Admitted:
        """:meth:`admit`, with the valid request's event (for a caller that runs it in the
        same process: ``EntityLogic.run(origin, text, state, event)``)."""
        record = ingress.read_record(text)
        event = record.event
        if event is None:
            return self._dead(record.text, record.dead_reason)
        topic = reply_topic(event["replyTo"], self.egress_topic)
        if not self.any_reply_topic and topic not in self.reply_topics:
            return self._dead(
                record.text,
                "replyTo names topic '%s', which this job does not write to (allowed: %s; "
                "add it to replyTopics in stateflow-job.json or --reply-topics)" % (topic, ", ".join(sorted(self.reply_topics))),
            )
        refusal = ingress.request_problem(event, self.entities, EXTRA_CLIENT_KINDS)
        if refusal is not None:
            return Admitted(REJECTED_KEY, REJECTED, ingress.refusal_response(event, refusal))
        return Admitted(route_key(event), INGRESS, record.text, event)

    def _dead(self, text: str, reason: str) -> Admitted:
        return Admitted(REJECTED_KEY, DEAD, ingress.dead_letter(text, reason, self.ingress_topic))

    # -- egress --------------------------------------------------------------------

    def response_topic(self, text: str) -> str:
        """The topic a ``Response`` event (JSON text) goes to."""
        try:
            return self.topic_of_response(json.loads(text))
        except ValueError:
            return self.egress_topic

    def topic_of_response(self, event: Any) -> str:
        """The topic a ``Response`` event (parsed) goes to."""
        if not isinstance(event, dict):
            return self.egress_topic
        return reply_topic(event.get("replyTo"), self.egress_topic) or self.egress_topic

