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
  and construct functions with every message), called as ``request_reply.py`` calls them,
  without the protocol: its protobuf classes (the SDK's, protobuf 3.20) live in the
  Statefun venv only (``backend-statefun/test/functions_test.py`` runs the protocol).
- :class:`CloudburstFunction`: ``stateflow_cloudburst`` (``Handler.handle`` with
  ``parse_request`` and the chain runner, the reply encoded as ``StateflowFunction.run``
  does), with the in-memory store standing in for Anna.
"""
import json
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


class StatefunService:
    """The service's functions, called as Statefun calls them; persisted values in memory."""

    CONFIG = {"topics": {"ingress": "in", "egress": "out", "deadLetter": "dead"}, "replyTopics": ["replies"], "egressId": "stateflow/egress"}

    def __init__(self, program):
        from stateflow_statefun.functions import ENTITY_NAMESPACE, INGRESS_FUNCTION, build_functions

        self.functions = build_functions(program, self.CONFIG)
        self.ingress_function = INGRESS_FUNCTION
        self.item_function = ENTITY_NAMESPACE + "/Item"
        self.values = {}

    def ingest(self, record: Optional[bytes]) -> List[str]:
        """A record without a key: Kafka's ingress hands it to the ingress function."""
        return self._run(self.ingress_function, "-", "stateflow/request", record)

    def ingest_keyed(self, record: Optional[bytes]) -> List[str]:
        """A record keyed ``Item/coke``: Kafka's ingress hands it straight to that instance."""
        return self._run(self.item_function, "coke", "stateflow/request", record)

    def _run(self, typename, id_, value_typename, record):
        from stateflow_statefun.calls import Call

        written = []
        pending = [(typename, id_, value_typename, record)]
        while pending:
            typename, id_, value_typename, value = pending.pop(0)
            function = self.functions[typename]
            values = self.values.setdefault((typename, id_), {name: None for name in function.values})
            call = Call(typename, id_)
            function.run(call, values, [(value_typename, value)])
            pending.extend(call.messages)
            written.extend(text for _egress, _topic, text in call.egress)
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
