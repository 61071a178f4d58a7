"""The Statefun service's functions (``stateflow_statefun.functions``): the ``ingress`` function
with every Kafka record, then the entity and construct functions with every message it
leads to, persisted values in memory.

The functions are called as the Statefun SDK calls them, through a stand-in for the few
SDK names ``functions.py`` uses (the SDK needs protobuf 3.20 and lives in the Statefun
venv only; ``backend-statefun/test/functions_test.py`` runs the real SDK on valid and
some malformed records). What is fuzzed here is ours: decoding, validation, routing and
the functions' last-resort dead letters.
"""
import json
import sys
import types

import pytest

from conftest import is_dead_letter, parse_output
from fuzz_run import KAFKA_ONCE_CRASHED, SETUP, fuzz, report


def _sdk_stand_in() -> types.ModuleType:
    sdk = types.ModuleType("statefun")

    class StatefulFunctions:
        def __init__(self):
            self.functions = {}

        def bind(self, typename, specs=()):
            def register(fn):
                self.functions[typename] = fn
                return fn

            return register

        def register(self, typename, fn, specs=()):
            self.functions[typename] = fn

    sdk.StatefulFunctions = StatefulFunctions
    sdk.ValueSpec = lambda name, type: (name, type)
    sdk.StringType = "io.statefun.types/string"
    sdk.simple_type = lambda typename, serialize_fn, deserialize_fn: types.SimpleNamespace(
        typename=typename, serialize=serialize_fn, deserialize=deserialize_fn)
    sdk.message_builder = lambda target_typename, target_id, value, value_type: ("message", target_typename, target_id, value_type.serialize(value))
    sdk.kafka_egress_message = lambda typename, topic, key=None, value=None: ("egress", topic, value)
    return sdk


sys.modules.setdefault("statefun", _sdk_stand_in())
from stateflow_statefun.functions import ENTITY_NAMESPACE, INGRESS_FUNCTION, build_functions  # noqa: E402

CONFIG = {"topics": {"ingress": "in", "egress": "out", "deadLetter": "dead"}, "replyTopics": ["replies"], "egressId": "stateflow/egress"}


class Context:
    """What a function gets: its address, its persisted values, and where it sends."""

    def __init__(self, typename, id_, storage):
        self.address = types.SimpleNamespace(typename=typename, id=id_)
        self.storage = storage
        self.sent = []

    def send(self, message):
        self.sent.append(message)

    def send_egress(self, message):
        self.sent.append(message)


class Message:
    """A message: ``typed`` when a function sent it (an event), raw when Kafka's ingress did."""

    def __init__(self, raw, typed=False):
        self.raw = raw
        self.typed = typed

    def is_type(self, value_type):
        return self.typed

    def raw_value(self):
        return self.raw

    def as_type(self, value_type):
        return value_type.deserialize(self.raw)


class Service:
    def __init__(self, program):
        self.functions = build_functions(program, CONFIG).functions
        self.storage = {}

    def ingest(self, record):
        """A record without a key: Kafka's ingress hands it to the ingress function."""
        return self._run(INGRESS_FUNCTION, "-", record)

    def ingest_keyed(self, record):
        """A record keyed ``Item/coke``: Kafka's ingress hands it straight to that instance."""
        return self._run(ENTITY_NAMESPACE + "/Item", "coke", record)

    def _run(self, typename, id_, record):
        written = []
        pending = [(typename, id_, record, False)]
        while pending:
            typename, id_, raw, typed = pending.pop(0)
            storage = self.storage.setdefault((typename, id_), types.SimpleNamespace(instance=None, requests=None))
            context = Context(typename, id_, storage)
            self.functions[typename](context, Message(raw, typed))
            for sent in context.sent:
                if sent[0] == "message":
                    pending.append(sent[1:] + (True,))
                else:
                    written.append(sent[2])
        return written


@pytest.fixture
def service(program):
    service = Service(program)
    service.ingest(SETUP)
    return service


def test_every_record_becomes_a_response_or_a_dead_letter_and_the_functions_go_on(service, corpus):
    tally, failures, known = fuzz("statefun", corpus, service.ingest)
    print(report(tally, failures, known))
    assert not failures, report(tally, failures, known)
    assert tally.total("dead letter") > 0 and tally.total("error Response") > 0 and tally.total("ok Response") > 0


def test_every_keyed_record_becomes_a_response_or_a_dead_letter_and_the_instance_goes_on(service, corpus):
    tally, failures, known = fuzz("statefun keyed", corpus, service.ingest_keyed)
    print(report(tally, failures, known))
    assert not failures, report(tally, failures, known)
    assert tally.total("dead letter") > 0 and tally.total("error Response") > 0 and tally.total("ok Response") > 0


@pytest.mark.parametrize("record", KAFKA_ONCE_CRASHED)
def test_records_that_once_crashed_the_shared_decoders_get_an_answer_or_a_dead_letter(service, record):
    [out] = [parse_output(t) for t in service.ingest(record)]
    assert is_dead_letter(out) or "error" in out["result"]
