"""Each backend's ingress path, driven as its engine would drive it, with the state in memory.

Every stand-in has ``ingest(record) -> [text written to Kafka or answered]``: it feeds one
record (bytes, or ``None`` for a record without a value) to the backend's own Python and
runs everything it leads to (events between entities looped back as the engine would).

- :class:`FlinkJob`: ``stateflow_flink`` (``Router.admit``, then ``EntityLogic.handle``
  under the record's key, its state the Flink checks' ``FakeState``, which keeps each request
  record in its stored text form), without PyFlink.
- :class:`BeamPipeline`: ``stateflow_beam`` (what ``Classify`` does, ``Router.admit``,
  then the entity steps, ``EntityLogic.handle`` by route key: request dedup, the kernel,
  the answers, all in the key's state cell), without Beam.
- :class:`StatefunService`: ``stateflow_statefun.functions`` (the ``ingress`` function
  with every unkeyed Kafka record, a keyed one straight to its instance, then the entity
  and construct functions with every message), through a stand-in for the few SDK names
  ``functions.py`` uses: the SDK needs protobuf 3.20 and lives in the Statefun venv only
  (``backend-statefun/test/functions_test.py`` runs the real SDK).
- :class:`CloudburstFunction`: ``stateflow_cloudburst`` (``Handler.handle`` with
  ``parse_request`` and the chain runner, the reply encoded as ``StateflowFunction.run``
  does), with the in-memory store standing in for Anna.
"""
import json
import sys
import types
from typing import List, Optional

#: Topics of the Kafka backends' configuration (what their builds write).
KAFKA_CONFIG = {"topics": {"ingress": "in", "internal": "loop", "egress": "out", "deadLetter": "dead"}, "replyTopics": ["replies"]}


class FlinkJob:
    """The job's operators: ingress -> keyed operator, internal events looped back."""

    def __init__(self, program):
        from fake_state import FakeState  # the Flink checks' KeyState (packages/backend-flink/test)
        from stateflow_flink.operator import EntityLogic
        from stateflow_flink.routing import Router, route_key

        self.key_state = FakeState

        self.router = Router(program, KAFKA_CONFIG)
        self.logic = EntityLogic(program)
        self.route_key = route_key
        self.keys = {}

    def ingest(self, record: Optional[bytes]) -> List[str]:
        key, origin, text = self.router.admit(record)
        written = []
        queue = [(key, origin, text)]
        while queue:
            key, origin, text = queue.pop(0)
            internal, responses, dead = self.logic.handle(origin, text, self.keys.setdefault(key, self.key_state()))
            written += responses + dead
            queue += [(self.route_key(json.loads(i)), "N", i) for i in internal]
        return written


class Cell:
    """A Beam ``ReadModifyWriteState`` of text."""

    def __init__(self):
        self.value = None

    def read(self):
        return self.value

    def write(self, value):
        self.value = value

    def clear(self):
        self.value = None


class BeamPipeline:
    """The pipeline's steps: classify, then the entity steps by route key (state cells per key)."""

    def __init__(self, program, ttl_seconds=0):
        from stateflow_beam import entities, routing

        self.routing = routing
        self.entities = entities
        self.router = routing.Router(program, KAFKA_CONFIG)
        self.logic = entities.EntityLogic(program)
        self.ttl_seconds = ttl_seconds
        self.cells = {}

    def ingest(self, record: Optional[bytes]) -> List[str]:
        r, e = self.routing, self.entities
        what, text, event = self.router.admit(record)
        if what in (r.DEAD, r.REJECTED):
            return [text]
        written = []
        pending = [(r.route_key(event), (e.EVENT if what == r.READ else e.CLIENT) + text)]
        while pending:
            key, tagged = pending.pop(0)
            internal, sends = self.logic.handle(tagged, self.cells.setdefault(key, Cell()), True, self.ttl_seconds, 0)
            written += sends
            pending += [(k, e.EVENT + t) for k, t in internal]
        return written


def _statefun_sdk_stand_in() -> types.ModuleType:
    """The few names of the Statefun Python SDK that ``functions.py`` uses."""
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


class StatefunContext:
    """What a function gets: its address, its persisted values, and where it sends."""

    def __init__(self, typename, id_, storage):
        self.address = types.SimpleNamespace(typename=typename, id=id_)
        self.storage = storage
        self.sent = []

    def send(self, message):
        self.sent.append(message)

    def send_egress(self, message):
        self.sent.append(message)


class StatefunMessage:
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


class StatefunService:
    """The service's functions, called as Statefun calls them; persisted values in memory."""

    CONFIG = {"topics": {"ingress": "in", "egress": "out", "deadLetter": "dead"}, "replyTopics": ["replies"], "egressId": "stateflow/egress"}

    def __init__(self, program):
        # The real SDK, where installed, is left alone (functions_test.py uses it).
        sys.modules.setdefault("statefun", _statefun_sdk_stand_in())
        from stateflow_statefun.functions import ENTITY_NAMESPACE, INGRESS_FUNCTION, build_functions

        self.functions = build_functions(program, self.CONFIG).functions
        self.ingress_function = INGRESS_FUNCTION
        self.item_function = ENTITY_NAMESPACE + "/Item"
        self.storage = {}

    def ingest(self, record: Optional[bytes]) -> List[str]:
        """A record without a key: Kafka's ingress hands it to the ingress function."""
        return self._run(self.ingress_function, "-", record)

    def ingest_keyed(self, record: Optional[bytes]) -> List[str]:
        """A record keyed ``Item/coke``: Kafka's ingress hands it straight to that instance."""
        return self._run(self.item_function, "coke", record)

    def _run(self, typename, id_, record):
        written = []
        pending = [(typename, id_, record, False)]
        while pending:
            typename, id_, raw, typed = pending.pop(0)
            storage = self.storage.setdefault((typename, id_), types.SimpleNamespace(instance=None, requests=None))
            context = StatefunContext(typename, id_, storage)
            self.functions[typename](context, StatefunMessage(raw, typed))
            for sent in context.sent:
                if sent[0] == "message":
                    pending.append(sent[1:] + (True,))
                else:
                    written.append(sent[2])
        return written


class CloudburstFunction:
    """The function's request path on one store."""

    def __init__(self, program):
        from stateflow_cloudburst.function import Handler
        from stateflow_cloudburst.store import MemoryStore
        from stateflow_kernel import Kernel

        self.handler = Handler(Kernel(program), "fuzz|")
        self.store = MemoryStore()

    def ingest(self, record: Optional[bytes]) -> List[str]:
        # The gateway hands the function the body as text (decoded with errors="replace").
        text = record.decode("utf-8", "replace") if record is not None else ""
        return [json.dumps(self.handler.handle(text, self.store), separators=(",", ":"))]
