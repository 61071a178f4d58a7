"""The Beam pipeline's ingress path without Beam (``stateflow_beam``): what ``Classify`` does
with an ingress record (``Router.admit``), then the entity steps (``EntityLogic.handle`` by
route key: request dedup, the kernel, the answers, all in the key's state cell), with the
events between entities looped back as the internal topic would, state cells in memory."""
import json

import pytest

from fuzz_run import KAFKA_ONCE_CRASHED, SETUP, fuzz, report
from stateflow_beam.entities import CLIENT, EVENT, EntityLogic
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

    def ingest(self, record):
        what, text, event = self.router.admit(record)
        if what in (DEAD, REJECTED):
            return [text]
        written = []
        pending = [(route_key(event), (EVENT if what == READ else CLIENT) + text)]
        while pending:
            key, tagged = pending.pop(0)
            internal, sends = self.logic.handle(tagged, self.cells.setdefault(key, Cell()), True, self.ttl_seconds, 0)
            written += sends
            pending += [(k, EVENT + t) for k, t in internal]
        return written


@pytest.fixture
def pipeline(program):
    pipeline = Pipeline(program)
    pipeline.ingest(SETUP)
    return pipeline


def test_every_record_becomes_a_response_or_a_dead_letter_and_the_pipeline_goes_on(pipeline, corpus):
    tally, failures, known = fuzz("beam", corpus, pipeline.ingest)
    print(report(tally, failures, known))
    assert not failures, report(tally, failures, known)
    assert tally.total("dead letter") > 0 and tally.total("error Response") > 0 and tally.total("ok Response") > 0


@pytest.mark.parametrize("record", KAFKA_ONCE_CRASHED)
def test_records_that_once_crashed_the_decoders_get_an_answer_or_a_dead_letter(pipeline, record):
    assert pipeline.ingest(record)
