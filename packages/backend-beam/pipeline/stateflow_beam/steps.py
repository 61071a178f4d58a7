"""The Beam steps of the pipeline: classify ingress, the entity steps.

Thin ``DoFn`` wrappers: the logic is in :mod:`routing`, :mod:`requests` and
:mod:`entities` (no Beam there). The entity steps keep their state in Beam state
(a ``BagState`` of texts, per key and window: the global window here; see
``entities.LogStore``). There is
one stateful step per hop: request dedup and the answers live in the entity's own state
(see :mod:`requests`), since on a runner like Prism every stateful step an event passes
costs a bundle.
"""
from __future__ import annotations

import json
import time
from typing import Any, Dict

import apache_beam as beam
from apache_beam.coders import StrUtf8Coder
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec

from . import state_commit
from .entities import CLIENT, EVENT, LogStore, shared_logic
from .routing import DEAD, READ, REJECTED, Router, key_entity, route_key

#: Tag of the classify step's records to write at once (topic or None for a Response, key, value).
WRITES = "writes"


class Classify(beam.DoFn):
    """A record read from Kafka -> an event for an entity step (main output, keyed by route
    key, the text tagged :data:`CLIENT` for a client request, else :data:`EVENT`), or a
    record to write at once (tagged output: an error reply, a dead letter)."""

    def __init__(self, entities: Dict[str, Any], config: Dict[str, Any]):
        self.entities = entities  # only what the checks need: names and methods, not the module
        self.config = config
        self.router: Router | None = None

    def setup(self):
        self.router = Router({"entities": self.entities}, self.config)

    def process(self, element):
        topic, offset, value = element
        router = self.router
        if topic != router.ingress_topic:
            try:
                text = value.decode("utf-8") if isinstance(value, bytes) else value
                yield (route_key(json.loads(text)), EVENT + text)
            except Exception as exc:  # noqa: BLE001 - not ours: set aside, keep running
                yield beam.pvalue.TaggedOutput(WRITES, (self.config["topics"]["deadLetter"], None, json.dumps(
                    {"reason": "unreadable internal event (%s)" % exc, "topic": topic, "offset": offset, "record": repr(value)[:2000]})))
            return
        what, text, event = router.admit(value)
        if what == DEAD:
            yield beam.pvalue.TaggedOutput(WRITES, (self.config["topics"]["deadLetter"], None, text))
        elif what == REJECTED:
            yield beam.pvalue.TaggedOutput(WRITES, (router.response_topic(text), None, text))
        else:
            yield (route_key(event), (EVENT if what == READ else CLIENT) + text)


class EntityStep(beam.DoFn):
    """The stateful step of one entity class (or of creates): the kernel, state in Beam
    state. Output: records to write, ``(topic, key, value)``: events between entities to
    the internal topic, answers with topic None (their ``replyTo`` names it)."""

    #: The key's entry as a log of texts (see entities.LogStore): a pass appends one.
    LOG = BagStateSpec("log", StrUtf8Coder())
    #: The whole entry as one text, as pipelines before the log kept it: read when the log
    #: is empty, cleared when the log is first written.
    ENTRY = ReadModifyWriteStateSpec("entry", StrUtf8Coder())

    def __init__(self, entity: str, dedup: bool, ttl_seconds: int, resume_detached: bool = True, internal_topic: str = ""):
        self.entity = entity  # the step's name; the kernel runs any event it is given
        self.dedup = dedup
        self.ttl_seconds = ttl_seconds
        self.resume_detached = resume_detached
        self.internal_topic = internal_topic

    def setup(self):
        # Every client request writes its key's cell (its record): one wait for all the
        # bundle's writes instead of one per key (see state_commit).
        state_commit.install()

    def process(self, element, log=beam.DoFn.StateParam(LOG), entry=beam.DoFn.StateParam(ENTRY)):
        key, tagged = element
        now_ms = int(time.time() * 1000)
        internal, sends = shared_logic(self.resume_detached).handle(tagged, LogStore(log, entry), self.dedup, self.ttl_seconds, now_ms)
        topic = self.internal_topic
        for route, text in internal:
            yield (topic, route, text)
        for response in sends:
            yield (None, key, response)


def entity_index(entities: list):
    """Partition function: the index of an event's entity step (a create runs in the step
    of the class it creates)."""
    index = {name: i for i, name in enumerate(entities)}

    def pick(element, n):
        return index.get(key_entity(element[0]), 0)

    return pick
