"""The Flink job's ingress path (``stateflow_flink``: ``Router.admit``, then ``EntityLogic.handle``
under the record's key and every internal event it leads to), without PyFlink."""
import json

import pytest

from fuzz_run import KAFKA_ONCE_CRASHED, SETUP, fuzz, report
from stateflow_flink.operator import EntityLogic
from stateflow_flink.routing import route_key, Router

CONFIG = {"topics": {"ingress": "in", "internal": "loop", "egress": "out", "deadLetter": "dead"}, "replyTopics": ["replies"]}


class KeyState:
    """The keyed state of one key (what job.py keeps in Flink state)."""

    def __init__(self):
        self.state = None
        self.seen = {}

    def get_state(self):
        return self.state

    def set_state(self, text):
        self.state = text

    def get_seen(self, request_id):
        return self.seen.get(request_id)

    def put_seen(self, request_id, record, keep):
        self.seen[request_id] = record


class Job:
    """The job's operators in memory: ingress -> keyed operator, internal events looped back."""

    def __init__(self, program):
        self.router = Router(program, CONFIG)
        self.logic = EntityLogic(program)
        self.keys = {}

    def ingest(self, record):
        key, origin, text = self.router.admit(record)
        written = []
        queue = [(key, origin, text)]
        while queue:
            key, origin, text = queue.pop(0)
            internal, responses, dead = self.logic.handle(origin, text, self.keys.setdefault(key, KeyState()))
            written += responses + dead
            queue += [(route_key(json.loads(i)), "N", i) for i in internal]
        return written


@pytest.fixture
def job(program):
    job = Job(program)
    job.ingest(SETUP)
    return job


def test_every_record_becomes_a_response_or_a_dead_letter_and_the_job_goes_on(job, corpus):
    tally, failures, known = fuzz("flink", corpus, job.ingest)
    print(report(tally, failures, known))
    assert not failures, report(tally, failures, known)
    assert tally.total("dead letter") > 0 and tally.total("error Response") > 0 and tally.total("ok Response") > 0


@pytest.mark.parametrize("record", KAFKA_ONCE_CRASHED)
def test_records_that_once_crashed_the_decoders_get_an_answer_or_a_dead_letter(job, record):
    assert job.ingest(record)
