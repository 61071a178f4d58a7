"""The Statefun functions of a StateFlow program (no protocol, no web server: ``request_reply.py``
serves them, ``service.py`` over HTTP).

Function types (the module.yaml routes them to this service):

- ``stateflow/<Entity>`` (id: the instance key): runs the kernel for one event with the
  instance's encoded state and the client request ids it has seen, both in the persisted
  value ``instance`` (``stored_value.py``; earlier versions kept the ids in ``requests``).
  A client record keyed ``Entity/key`` comes here straight from the Kafka ingress
  (``keyRouting`` in module.yaml) and is validated here first.
- ``stateflow.system/ingress``: every other record of the ingress topic (id: the record
  key, ``-`` when it has none): creates, records without a key or naming no entity class.
  Validates it (``Router.admit``): a valid request goes on as a message to the function
  that runs it, a bad one becomes an error ``Response`` on the reply topic or a record on
  the dead-letter topic. Stateless.
- ``stateflow.system/construct`` (id: the request id): runs a ``Construct`` (``__init__``
  has no key yet) and remembers its answer, so a retried create runs once.

Events between entities are Statefun messages, so Statefun's exactly-once covers state
and messages; ``Response`` events leave through the Kafka egress (exactly-once). The
per-record logic (deduplication, validation, routing keys) is the Flink backend's
``stateflow_flink`` package, which does not depend on PyFlink (its request rules are the
kernel's ``stateflow_kernel.ingress``).
"""
from __future__ import annotations

import json
import sys
import traceback
from typing import Any, Dict, List, Optional

from stateflow_flink.dedup import Record
from stateflow_flink.operator import EntityLogic, Outgoing
from stateflow_flink.routing import CONSTRUCT_KEY_PREFIX, DEAD, INGRESS, INTERNAL, REJECTED, Admitted, Router, route_key

from . import entry_text, stored_value
from .calls import Argument, Call, Function
from .requests_text import RequestsText

ENTITY_NAMESPACE = "stateflow"
SYSTEM_NAMESPACE = "stateflow.system"
INGRESS_FUNCTION = SYSTEM_NAMESPACE + "/ingress"
CONSTRUCT_FUNCTION = SYSTEM_NAMESPACE + "/construct"
#: Typename of the messages between functions: the origin letter, then the event's JSON (UTF-8).
EVENT_TYPE = "stateflow/event"
#: The persisted values of the entity and construct functions (``io.statefun.types/string``).
#: ``requests``: the request records as earlier versions kept them, apart; read until the
#: address is next written (stored_value.py). Declared but empty, it costs the runtime a
#: state lookup and a few bytes per call.
VALUES = ("instance", "requests")


class StorageState:
    """The KeyState of stateflow_flink.operator over an entity function's persisted values.

    One value, ``instance``, holds the instance's state and the records of the request ids
    seen at this address (``stored_value.py``), at most ``window`` of them: Statefun's
    remote state has no map type, and the whole value travels with every call, so the
    oldest are forgotten first (a retry older than the last ``window`` requests of one
    instance would run again). Each record is stored as its compact entry
    (``entry_text.py``); records earlier versions wrote are read too, and so is the pair
    of values they kept (``instance`` and ``requests``), which the next write merges.

    ``values``: the call's values by name (text, None when absent). Reads and writes stay
    here until :meth:`flush` writes ``instance`` once (and sets ``requests`` to None, which
    deletes it, after merging it).
    """

    def __init__(self, values: Dict[str, Optional[str]], window: int):
        self.values = values
        self.window = window
        self._state, self._records = stored_value.split(values.get("instance"))
        # The earlier layout: the records in their own value (read only if the state is not
        # in this layout, so a merged address costs no decoding of it).
        self._legacy = False
        if self._records is None:
            self._records = values.get("requests")
            self._legacy = self._records is not None
        self._seen: Optional[RequestsText] = None
        self._dirty = False

    def get_state(self) -> Optional[str]:
        return self._state

    def set_state(self, text: str) -> None:
        # Unchanged (a read): no write, so the reply carries no state mutation to persist.
        if text != self._state:
            self._state = text
            self._dirty = True

    def _requests(self) -> RequestsText:
        if self._seen is None:  # looked up and edited as text (requests_text.py)
            self._seen = RequestsText(self._records)
        return self._seen

    def get_seen(self, request_id: str) -> Optional[Record]:
        text = self._requests().get(request_id)
        return entry_text.decode(text, request_id) if text is not None else None

    def put_seen(self, request_id: str, record: Record, keep: bool) -> None:
        # Insertion order = age; the oldest beyond the window are forgotten.
        self._requests().put(request_id, entry_text.encode(record), self.window)
        self._dirty = True

    def flush(self) -> None:
        """Writes what changed as one value (and drops an earlier version's ``requests``)."""
        if not self._dirty:
            return
        records = self._requests().text if (self._seen is not None or self._legacy) else (self._records or "")
        self.values["instance"] = stored_value.join(self._state, records)
        if self._legacy:
            self.values["requests"] = None
            self._legacy = False
        self._dirty = False


def address_of(route_key: str):
    """``Entity/key`` -> (``stateflow/Entity``, key); ``$construct/<id>`` -> (construct, id)."""
    if route_key.startswith(CONSTRUCT_KEY_PREFIX):
        return CONSTRUCT_FUNCTION, route_key[len(CONSTRUCT_KEY_PREFIX):]
    entity, _, key = route_key.partition("/")
    return ENTITY_NAMESPACE + "/" + entity, key


def build_functions(program: Dict[str, Any], config: Dict[str, Any]) -> Dict[str, Function]:
    """The functions of `program` (typename -> :class:`Function`) with the settings of
    statefun-app.json, for ``request_reply.RequestReplyHandler``."""
    router = Router(program, config)
    # record_reads=False: a read (EntityLogic._is_read) keeps no request record, so the call
    # writes nothing, where a record meant rewriting the instance's whole value; a retry of it
    # runs again (the guide's "Reads keep no record").
    logic = EntityLogic(program, bool(config.get("dedup", True)), int(config.get("dedupTtlSeconds") or 0),
                        resume_detached=bool(config.get("resumeDetached", True)), record_reads=False)
    window = int(config.get("dedupWindow") or 1000)
    egress = config["egressId"]
    dead_letter_topic = config["topics"]["deadLetter"]

    def emit(call: Call, internal: List[Outgoing], responses: List[Outgoing], dead: List[Outgoing]) -> None:
        # Routed by the events' fields as the operator made them: no text is parsed again.
        for sent in internal:
            typename, target_id = address_of(route_key(sent.event))
            call.send(typename, target_id, EVENT_TYPE, (INTERNAL + sent.text).encode("utf-8"))
        for sent in responses:
            call.send_to_kafka(egress, router.topic_of_response(sent.event), sent.text)
        for sent in dead:
            call.send_to_kafka(egress, dead_letter_topic, sent.text)

    def dead_letter(call: Call, reason: str, record: Any) -> None:
        """Last resort: a function must never raise (Statefun would retry the call, then restart the job on it)."""
        traceback.print_exc(file=sys.stderr)
        text = record if isinstance(record, str) else repr(record)
        body = json.dumps({"reason": reason, "function": call.typename, "id": call.id, "record": text[:100_000]})
        call.send_to_kafka(egress, dead_letter_topic, body)

    def admit(call: Call, raw: bytes, here: bool = False) -> Optional[Admitted]:
        """Validates a client record: answers a bad one (error reply or dead letter) and
        returns None; returns a valid one that runs at this function's address when ``here``
        (its text and its event as parsed), or sends it on to the address it names."""
        admitted = router.read(raw)
        key, origin, text = admitted.key, admitted.origin, admitted.text
        if origin == REJECTED:
            emit(call, [], [Outgoing(text)], [])
        elif origin == DEAD:
            emit(call, [], [], [Outgoing(text)])
        else:
            typename, target_id = address_of(key)
            if here and typename == call.typename and target_id == call.id:
                return admitted
            call.send(typename, target_id, EVENT_TYPE, (INGRESS + text).encode("utf-8"))
        return None

    def ingress(call: Call, _values: Dict[str, Optional[str]], arguments: List[Argument]) -> None:
        for _typename, value in arguments:
            raw = value or b""
            try:
                admit(call, raw)
            except Exception as e:  # noqa: BLE001 - a bug of ours; never fail the job
                dead_letter(call, "the ingress function failed: %s: %s" % (type(e).__name__, e), raw.decode("utf-8", "replace"))

    def run(call: Call, state: StorageState, origin: str, text: str, event: Optional[Dict[str, Any]] = None) -> None:
        sent = logic.run(origin, text, state, event)
        state.flush()
        emit(call, *sent)

    def entity(call: Call, values: Dict[str, Optional[str]], arguments: List[Argument]) -> None:
        """A batch of invocations at one address (messages that arrived while a call was in
        flight), in order, over one decoding of its value."""
        state = StorageState(values, window)
        for typename, value in arguments:
            raw = value or b""
            try:
                if typename != EVENT_TYPE:
                    # A client record straight from the Kafka ingress (keyRouting): validate it here.
                    request = admit(call, raw, here=True)
                    if request is not None:
                        run(call, state, INGRESS, request.text, request.event)
                else:
                    payload = raw.decode("utf-8")
                    run(call, state, payload[0], payload[1:])
            except Exception as e:  # noqa: BLE001
                # The next invocation reads the value as the last one that succeeded left it.
                state = StorageState(values, window)
                dead_letter(call, "the function failed: %s: %s" % (type(e).__name__, e), raw.decode("utf-8", "replace"))

    functions = {INGRESS_FUNCTION: Function(ingress), CONSTRUCT_FUNCTION: Function(entity, VALUES)}
    for spec in program.get("entities", []):
        functions[ENTITY_NAMESPACE + "/" + spec["name"]] = Function(entity, VALUES)
    return functions
