"""The ingress fuzz test of every backend: the same corpus through each backend's ingress
path (``stand_ins.py`` says how each engine is stood in for), and the records that once
crashed a decoder, on every backend."""
from typing import Callable, NamedTuple, Tuple

import pytest

from conftest import is_answer_to_client, is_dead_letter, parse_output
from fuzz_run import ONCE_CRASHED, SETUP, Known, fuzz, report
from stand_ins import BeamPipeline, CloudburstFunction, FlinkJob, StatefunService

#: A Kafka backend answers what it can and dead-letters what has no readable replyTo.
KAFKA_OUTCOMES = ("dead letter", "error Response", "ok Response")


class Backend(NamedTuple):
    #: Makes the stand-in from the program.
    make: Callable
    #: The stand-in's method a record goes to.
    entry: str
    #: What the corpus must make of some records on this backend.
    outcomes: Tuple[str, ...]
    #: Crashes already reported, whose fix must wait: counted apart instead of failing.
    known: Tuple[Known, ...] = ()


BACKENDS = {
    "flink": Backend(FlinkJob, "ingest", KAFKA_OUTCOMES),
    "beam": Backend(BeamPipeline, "ingest", KAFKA_OUTCOMES),
    "statefun": Backend(StatefunService, "ingest", KAFKA_OUTCOMES),
    # A record keyed Entity/key goes straight to that instance's function, past the ingress function.
    "statefun keyed": Backend(StatefunService, "ingest_keyed", KAFKA_OUTCOMES),
    # Cloudburst answers every request through the gateway: there is no dead-letter topic.
    "cloudburst": Backend(CloudburstFunction, "ingest", ("error Response", "ok Response")),
}


@pytest.fixture(params=list(BACKENDS))
def backend(request, program):
    """(name, ingest, spec) of a stand-in that has created the instance the follow-ups call."""
    spec = BACKENDS[request.param]
    stand_in = spec.make(program)
    stand_in.ingest(SETUP)
    return request.param, getattr(stand_in, spec.entry), spec


def test_every_record_becomes_a_response_or_a_dead_letter_and_the_backend_goes_on(backend, corpus):
    name, ingest, spec = backend
    tally, failures, known = fuzz(name, corpus, ingest, spec.known)
    print(report(tally, failures, known))
    assert not failures, report(tally, failures, known)
    assert all(tally.total(outcome) > 0 for outcome in spec.outcomes), tally.summary()


@pytest.mark.parametrize("record", ONCE_CRASHED)
def test_records_that_once_crashed_a_decoder_get_one_error_response_or_dead_letter(backend, record):
    _, ingest, _ = backend
    [out] = [parse_output(t) for t in ingest(record)]
    assert is_dead_letter(out) or (is_answer_to_client(out) and "error" in out["result"]), out


@pytest.mark.parametrize("kind", ["Reply", "Settle", "Query"])
def test_a_backend_event_sent_by_a_client_is_refused(backend, kind):
    """Events that travel between a backend's instances (a Query would read out another
    request's stored answer, a Settle record one) are never taken from a client."""
    import json

    from fuzz_corpus import valid_requests

    _, ingest, _ = backend
    event = dict(valid_requests("sent-by-a-client")[2], kind=kind, hops=0, response="{}")
    [out] = [parse_output(t) for t in ingest(json.dumps(event).encode())]
    assert is_answer_to_client(out) and "error" in out["result"], out
