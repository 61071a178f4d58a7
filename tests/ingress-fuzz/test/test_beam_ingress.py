"""The Beam pipeline's ingress path without Beam (``stateflow_beam``): what ``Classify`` does
with an ingress record (``Router.admit``), then ``Admit`` (``requests.admit`` by request id),
the entity steps (``EntityLogic.handle`` by route key, internal events looped back) and
``Answers`` (``requests.on_response``), each with its state cells in memory."""
import json

import pytest

from fuzz_run import KAFKA_CRASHES, KAFKA_KNOWN, SETUP, fuzz, report
from stateflow_beam import requests
from stateflow_beam.entities import EntityLogic
from stateflow_beam.routing import DEAD, READ, REJECTED, Router, route_key

CONFIG = {"topics": {"ingress": "in", "internal": "loop", "egress": "out", "deadLetter": "dead"}, "replyTopics": ["replies"]}


class Cell:
    """A ``ReadModifyWriteState`` of text."""

    def __init__(self):
        self.value = None

    def read(self):
        return self.value

    def write(self, value):
        self.value = value

    def clear(self):
        self.value = None


class Pipeline:
    def __init__(self, program, ttl_seconds=0):
        self.router = Router(program, CONFIG)
        self.logic = EntityLogic(program)
        self.ttl_seconds = ttl_seconds
        self.cells = {}

    def cell(self, *name):
        return self.cells.setdefault(name, Cell())

    def ingest(self, record):
        written = []
        what, text, event = self.router.admit(record)
        if what in (DEAD, REJECTED):
            return [text]
        if what == READ:
            return self.entities(text, written)
        verdict, out = requests.admit(event, text, self.cell("seen", event["requestId"]), self.ttl_seconds, 0)
        if verdict == "run":
            return self.entities(text, written)
        if verdict == "duplicate":
            return requests.on_duplicate(out, self.cell("answer", event["requestId"]))
        return [out]

    def entities(self, text, written):
        pending = [text]
        while pending:
            t = pending.pop(0)
            internal, responses, replies = self.logic.handle(t, self.cell("entry", route_key(json.loads(t))))
            pending += internal
            written += replies
            for r in responses:
                rid = json.loads(r)["requestId"]
                written += requests.on_response(r, self.cell("answer", rid))
        return written


@pytest.fixture
def pipeline(program):
    pipeline = Pipeline(program)
    pipeline.ingest(SETUP)
    return pipeline


def test_every_record_becomes_a_response_or_a_dead_letter_and_the_pipeline_goes_on(pipeline, corpus):
    tally, failures, known = fuzz("beam", corpus, pipeline.ingest, KAFKA_KNOWN)
    print(report(tally, failures, known))
    assert not failures, report(tally, failures, known)
    assert tally.total("dead letter") > 0 and tally.total("error Response") > 0 and tally.total("ok Response") > 0


@pytest.mark.parametrize("record", KAFKA_CRASHES)
def test_records_that_crashed_the_decoders_get_an_answer_or_a_dead_letter(pipeline, record):
    """Crashes this fuzzer found (reported; the fix is the backend's)."""
    assert pipeline.ingest(record)
