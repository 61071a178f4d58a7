"""The Beam steps of the pipeline: classify ingress, admit, entity steps, answers.

Thin ``DoFn`` wrappers: the logic is in :mod:`routing`, :mod:`requests` and
:mod:`entities` (no Beam there). Stateful steps keep their state in Beam state
(``ReadModifyWriteState`` of text, per key and window: the global window here) and use
event-time timers only (processing-time timers push a streaming pipeline off Prism's
portable path).
"""
from __future__ import annotations

import json
import time
from typing import Any, Dict

import apache_beam as beam
from apache_beam.coders import StrUtf8Coder
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Timestamp

from . import requests
from .entities import shared_logic
from .routing import DEAD, READ, REJECTED, Router, key_entity, route_key

#: Tags of the step outputs.
REQUESTS, WRITES, RESPONSES, DUPLICATES = "requests", "writes", "responses", "duplicates"


class Classify(beam.DoFn):
    """A record read from Kafka -> a request to admit (tagged, keyed by requestId); a state
    read, an event between entities, or a request when dedup is off (main output, keyed by
    route key); or a record to write at once (tagged: an error reply, a dead letter)."""

    def __init__(self, entities: Dict[str, Any], config: Dict[str, Any]):
        self.entities = entities  # only what the checks need: names and methods, not the module
        self.config = config
        self.dedup = bool(config.get("dedup", True))
        self.router: Router | None = None

    def setup(self):
        self.router = Router({"entities": self.entities}, self.config)

    def process(self, element):
        topic, offset, value = element
        router = self.router
        if topic != router.ingress_topic:
            try:
                event = json.loads(value)
                yield (route_key(event), value.decode("utf-8") if isinstance(value, bytes) else value)
            except Exception as exc:  # noqa: BLE001 - not ours: set aside, keep running
                yield beam.pvalue.TaggedOutput(WRITES, (self.config["topics"]["deadLetter"], None, json.dumps(
                    {"reason": "unreadable internal event (%s)" % exc, "topic": topic, "offset": offset, "record": repr(value)[:2000]})))
            return
        what, text, event = router.admit(value)
        if what == DEAD:
            yield beam.pvalue.TaggedOutput(WRITES, (self.config["topics"]["deadLetter"], None, text))
        elif what == REJECTED:
            yield beam.pvalue.TaggedOutput(WRITES, (router.response_topic(text), None, text))
        elif what == READ or not self.dedup:
            yield (route_key(event), text)
        else:
            yield beam.pvalue.TaggedOutput(REQUESTS, (event["requestId"], text))


class Admit(beam.DoFn):
    """Keyed by requestId: runs each client request once; later copies become duplicate notices."""

    SEEN = ReadModifyWriteStateSpec("seen", StrUtf8Coder())
    FORGET = TimerSpec("forget", TimeDomain.WATERMARK)

    def __init__(self, ttl_seconds: int):
        self.ttl_seconds = ttl_seconds

    def process(self, element, seen=beam.DoFn.StateParam(SEEN), forget=beam.DoFn.TimerParam(FORGET)):
        request_id, text = element
        event = json.loads(text)
        now_ms = int(time.time() * 1000)
        what, out = requests.admit(event, text, seen, self.ttl_seconds, now_ms)
        if what == "run":
            at = requests.forget_at_ms(request_id, self.ttl_seconds, now_ms)
            if at is not None:
                forget.set(Timestamp.of(at / 1000.0))
            yield (route_key(event), text)
        elif what == "duplicate":
            yield beam.pvalue.TaggedOutput(DUPLICATES, (request_id, "D" + out))
        else:
            yield beam.pvalue.TaggedOutput(WRITES, (None, request_id, out))

    @on_timer(FORGET)
    def forget(self, seen=beam.DoFn.StateParam(SEEN)):
        seen.clear()


class EntityStep(beam.DoFn):
    """The stateful step of one entity class (or of creates): the kernel, state in Beam state."""

    ENTRY = ReadModifyWriteStateSpec("entry", StrUtf8Coder())

    def __init__(self, entity: str):
        self.entity = entity  # the step's name; the kernel runs any event it is given

    def process(self, element, entry=beam.DoFn.StateParam(ENTRY)):
        key, text = element
        internal, responses, replies = shared_logic().handle(text, entry)
        for out in internal:
            yield (route_key(json.loads(out)), out)
        for response in responses:
            yield beam.pvalue.TaggedOutput(RESPONSES, (json.loads(response)["requestId"], "R" + response))
        for reply in replies:
            yield beam.pvalue.TaggedOutput(WRITES, (None, key, reply))


class Answers(beam.DoFn):
    """Keyed by requestId: sends each request's answer once, and to every retry."""

    RECORD = ReadModifyWriteStateSpec("record", StrUtf8Coder())
    FORGET = TimerSpec("forget", TimeDomain.WATERMARK)

    def __init__(self, ttl_seconds: int):
        self.ttl_seconds = ttl_seconds

    def process(self, element, record=beam.DoFn.StateParam(RECORD), forget=beam.DoFn.TimerParam(FORGET)):
        request_id, tagged = element
        if tagged[0] == "R":
            out = requests.on_response(tagged[1:], record)
        else:
            out = requests.on_duplicate(tagged[1:], record)
        at = requests.forget_at_ms(request_id, self.ttl_seconds, int(time.time() * 1000))
        if at is not None:
            forget.set(Timestamp.of(at / 1000.0))
        for response in out:
            yield (None, request_id, response)

    @on_timer(FORGET)
    def forget(self, record=beam.DoFn.StateParam(RECORD)):
        record.clear()


def entity_index(entities: list):
    """Partition function: the index of an event's entity step (a create runs in the step
    of the class it creates)."""
    index = {name: i for i, name in enumerate(entities)}

    def pick(element, n):
        return index.get(key_entity(element[0]), 0)

    return pick
