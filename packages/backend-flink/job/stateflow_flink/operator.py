"""What the keyed operator does with one record, independent of PyFlink.

``job.py`` wraps :class:`EntityLogic` in a ``KeyedCoProcessFunction`` whose keyed state
(one ``ValueState`` holding the instance and its recent request records, see
:mod:`stateflow_flink.cell`) implements :class:`KeyState`; the Statefun service
(``stateflow_statefun.functions``) wraps it in a function over persisted values.

Answers stay where they are made. With deduplication on, every stateful pass of a client
request at an instance leaves the request's record there in the same state write as the
instance's state (:mod:`stateflow_flink.dedup`): *answered* when the pass produced the
request's ``Response``, else *forward* to the address its next event went to. With
``record_reads=False`` (the Statefun service) a read leaves none: a client request's first
pass that ran a read-only method, answered it there, sent nothing else and left the state
unchanged (``EntityLogic._is_read``); a copy of it runs it again. A retry
(same ``requestId``) at the instance the request started at finds its record there:
answered, it gets the stored answer; forward, a ``Query`` follows the forward addresses to
the instance that answered, which sends the stored answer to the retry's ``replyTo``. So a
transfer whose last callee answers the client (a ``Response`` with ``origin``, the
kernel's detached continuations) takes two passes, with no ``Settle`` back to ``origin``.

This relies on FIFO delivery between two instances: a ``Query`` that ``X`` sends to ``K``
is handled after every event ``X`` sent to ``K`` before it, so ``K`` has written the
request's record (or its event is still ahead of the ``Query`` in the same queue).

- Flink: ``X``'s events all leave from the subtask that owns ``X``. That subtask's internal
  sink writes every record to one partition of the internal topic (``FlinkFixedPartitioner``
  in ``job.py``: sink subtask ``i`` -> partition ``i mod n``; without a partitioner the Kafka
  producer spreads records over partitions and nothing is ordered). A partition keeps the
  producer's order (idempotent, transactional producer; transactions of successive
  checkpoints commit in order and ``read_committed`` reads in offset order); one source
  reader reads it in order, and one network channel (FIFO) carries its records to the
  subtask that owns ``K``. A hop run in place (``colocate.py``) is done before the record
  that caused it finishes; a ``Query`` always goes through Kafka, so it cannot run in place
  ahead of an event that went through Kafka (a hop past ``LocalHops.max_steps``).
  Rescaling (restoring with another parallelism) moves ``X`` to another partition: a
  ``Query`` sent right after may overtake an event sent before the checkpoint; then it finds
  no record and answers ``RequestExpired`` (nothing runs twice).
- Statefun (``org.apache.flink.statefun.flink.core``): ``ReusableContext.send`` puts a
  message for an address of its own subtask on the subtask's ``LocalFunctionGroup`` queue
  (FIFO), any other through the function operator's output, keyed by the target address,
  over one network channel and the target subtask's feedback queue (FIFO); a remote
  function with a call in flight appends new messages to its batch in arrival order
  (``RequestReplyFunction``), and the SDK runs a batch in order. Whether an address is local
  is fixed for a given parallelism, so two messages from ``X`` to ``K`` take the same path.
"""
from __future__ import annotations

import json
import sys
import time
import traceback
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Protocol, Tuple

from . import json_text
from .dedup import CONSTRUCT_ADDRESS, Record, expired, expired_response, issued_at_ms, kept_for_good, readdress
from .routing import DEAD, INGRESS, QUERY, REJECTED, SETTLE, address_key, error_response, route_key


class KeyState(Protocol):
    """The keyed state of the current key.

    Request records travel as :class:`stateflow_flink.dedup.Record` objects: each state
    stores them in its own form (the record's text, or its compact entry), and a record
    made by a pass still holds its answer parsed, so storing it parses nothing.
    """

    def get_state(self) -> Optional[str]: ...
    def set_state(self, text: str) -> None: ...
    def get_seen(self, request_id: str) -> Optional[Record]: ...
    def put_seen(self, request_id: str, record: Record, keep: bool) -> None:
        """Stores a request id's record; ``keep``: not subject to the dedup TTL."""
        ...


class Outgoing:
    """One event the operator sends: its JSON text, as it goes on the wire, and its fields.

    The fields are the dict the text was made from when it is at hand (the kernel's output
    event), else the text is parsed the first time they are asked for (an error answer, a
    retry's answer). So a consumer routes an event (``route_key(out.event)``, its reply
    topic) without parsing the text again, and an event run next in the same process (a
    hop run in place, see :mod:`stateflow_flink.colocate`) is not parsed at all. The fields
    are read, never changed.
    """

    __slots__ = ("text", "_event")

    def __init__(self, text: str, event: Optional[Dict[str, Any]] = None):
        self.text = text
        self._event = event

    @property
    def event(self) -> Dict[str, Any]:
        if self._event is None:
            self._event = json_text.loads(self.text)
        return self._event

    def __repr__(self) -> str:
        return "Outgoing(%s)" % self.text


#: What one record produces: (internal events, responses, dead letters), as JSON texts.
Output = Tuple[List[str], List[str], List[str]]
#: The same, each with its fields (:class:`Outgoing`).
Sent = Tuple[List[Outgoing], List[Outgoing], List[Outgoing]]


def texts(sent: Sent) -> Output:
    """The JSON texts of what a record produced."""
    internal, responses, dead = sent
    return [o.text for o in internal], [o.text for o in responses], [o.text for o in dead]


#: How many instances a ``Query`` follows before it gives up (``Unavailable``: retry later).
MAX_QUERY_HOPS = 32


class EntityLogic:
    """Runs the kernel for one record under its key, with deduplication of client requests.

    A client request (origin ``INGRESS``) is remembered by ``requestId`` at the key it
    starts at, and each later pass of it at the key that pass ran under (see the module
    docstring). A second copy (a client retry) never runs again and always gets the
    outcome: the stored answer, found in place or by a ``Query``; a create's, or that of a
    request pending in a record of an earlier version, when its ``Settle`` arrives; or
    ``RequestExpired`` when the outcome is no longer remembered.
    """

    def __init__(self, program: Dict[str, Any], dedup: bool = True, ttl_seconds: int = 0,
                 clock: Callable[[], float] = time.time, resume_detached: bool = True,
                 record_reads: bool = True):
        from stateflow_kernel import Kernel  # imported in the Python worker

        # Detached continuations: a callee may answer the client itself (a Response with
        # ``origin``). Off: every call returns to its caller (the ``resumeDetached`` setting).
        self.kernel = Kernel(program, resume_detached=resume_detached)
        self.dedup = dedup
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        #: Requests made before this started may have been admitted by an earlier version.
        self.started_ms = int(clock() * 1000)
        # False: a read (see _is_read) leaves no record, so it writes nothing; a retry runs it
        # again and sees the state as it is then (the Statefun service; Flink keeps True).
        self.record_reads = record_reads
        #: (entity, method) of the methods the compiler found read-only (``"writes": false``).
        self.read_only = {(e["name"], m["name"]) for e in program.get("entities", [])
                          for m in e.get("methods", []) if m.get("writes") is False}

    def handle(self, origin: str, text: str, state: KeyState) -> Output:
        """Runs one record; returns what it produced as JSON texts (see :meth:`run`)."""
        return texts(self.run(origin, text, state))

    def run(self, origin: str, text: str, state: KeyState, event: Optional[Dict[str, Any]] = None) -> Sent:
        """Runs one record (``text``, its JSON; ``event``: the same, when its reader parsed
        it already: it is then not parsed again, and must not be changed by the caller)."""
        if origin == REJECTED:
            return [], [Outgoing(text)], []
        if origin == DEAD:
            return [], [], [Outgoing(text)]
        if event is None:
            event = json_text.loads(text)
        kind = event.get("kind")
        if kind == "GetState":
            return self._get_state(event, state)
        if kind == SETTLE:
            return [], self._settle(event["requestId"], event["response"], state), []
        if kind == QUERY:
            return self._query(event, state)
        if not self.dedup:
            return self._process(event, state)[0]
        if origin == INGRESS:
            return self._admit(event, state)
        return self._later_pass(event, state)

    # -- a client request's first pass, and its retries -----------------------------------

    def _admit(self, event: Dict[str, Any], state: KeyState) -> Sent:
        request_id = event.get("requestId")
        prior = state.get_seen(request_id)
        if prior is not None:
            return self._lookup(prior, event, state)
        now_ms = int(self.clock() * 1000)
        if expired(request_id, self.ttl_seconds, now_ms):
            return [], [Outgoing(error_response_of(event, expired_response(event, self.ttl_seconds)))], []
        before = state.get_state() if not self.record_reads else None
        out, mine = self._process(event, state)
        if not self.record_reads and self._is_read(event, out, mine, before, state):
            return out
        record = mine.record() if mine is not None else None
        if record is None or (event.get("kind") == "Construct" and not record.answered):
            # A create's answer comes back in a Settle (its key has no instance to ask).
            record = Record(reply_to=event.get("replyTo"))
        record.keep = kept_for_good(request_id, self.ttl_seconds, now_ms)
        state.put_seen(request_id, record, record.keep)
        return out

    def _is_read(self, event: Dict[str, Any], out: Sent, mine: Optional["Mine"], before: Optional[str],
                 state: KeyState) -> bool:
        """Whether a client request's pass was a read that needs no record: an ``Invoke`` of
        a read-only method answered here, with no other event sent and the state unchanged.
        Running it again has no effect either, so a retry may run it instead of finding a
        record; any other pass (a write, a call to another instance, a create) is recorded,
        so no copy of it runs twice."""
        if event.get("kind") != "Invoke" or out[0] or out[2]:
            return False
        if mine is None or mine.event.get("kind") != "Response":
            return False
        target = event.get("target")
        if not isinstance(target, dict) or (target.get("entity"), event.get("method")) not in self.read_only:
            return False
        return state.get_state() == before

    def _lookup(self, record: Record, event: Dict[str, Any], state: KeyState) -> Sent:
        """Answers a retry (or a ``Query``) from the request's record here; runs nothing."""
        reply_to = event.get("replyTo")
        if record.answered:
            return [], [Outgoing(readdress(record.response, reply_to))], []
        if record.forwarded:
            return [query_out(event.get("requestId"), reply_to, record.forward, event.get("hops", 0) + 1)], [], []
        if record.wait(reply_to):  # pending: answered when its Settle arrives
            state.put_seen(event.get("requestId"), record, record.keep)
        return [], [], []

    def _query(self, event: Dict[str, Any], state: KeyState) -> Sent:
        """A retry looking for its request's outcome here (see the module docstring)."""
        request_id = event.get("requestId")
        record = state.get_seen(request_id) if self.dedup else None
        if record is None:
            return [], [Outgoing(error_response(event, "RequestExpired", query_miss_message(request_id, event), "RequestExpired"))], []
        if record.forwarded and event.get("hops", 0) >= MAX_QUERY_HOPS:
            message = (
                "request id '%s': its outcome is more than %d instances away from where it started "
                "(it is most likely still running): nothing ran again; retry later with the same "
                "request id" % (request_id, MAX_QUERY_HOPS)
            )
            return [], [Outgoing(error_response(event, "Unavailable", message, "Unavailable"))], []
        return self._lookup(record, event, state)

    # -- every later pass: Invoke, Read, Insert, Reply from another instance --------------

    def _later_pass(self, event: Dict[str, Any], state: KeyState) -> Sent:
        """Runs an event between instances and leaves its request's record here."""
        out, mine = self._process(event, state)
        if mine is None:
            return out
        record = mine.record()
        request_id = event.get("requestId")
        internal, responses, dead = list(out[0]), list(out[1]), out[2]
        prior = state.get_seen(request_id)
        if prior is None:
            record.lookup = True  # not where the request started: serves Query lookups only
        else:
            record.keep, record.lookup = prior.keep, prior.lookup
            if prior.pending:
                # A record of an earlier version with retries waiting: answer them, or send
                # each after the request like any retry.
                for reply_to in prior.waiting:
                    if record.answered:
                        responses.append(Outgoing(readdress(record.response, reply_to)))
                    else:
                        internal.append(query_out(request_id, reply_to, record.forward, 1))
        state.put_seen(request_id, record, record.keep)
        if record.answered:
            settle = self._settle_event(event, mine)
            if settle is not None:
                internal.append(settle)
        return internal, responses, dead

    def _settle_event(self, event: Dict[str, Any], answer: "Mine") -> Optional[Outgoing]:
        """The ``Settle`` an answer needs, if any: a create's (its key has no instance), and
        a detached answer's whose request may have been admitted by an earlier version,
        whose pending record at ``origin`` waits for one."""
        origin = answer.event.get("origin")
        request_id = answer.event.get("requestId")
        if isinstance(origin, dict):
            if address_key(origin) != route_key(event) and self._maybe_admitted_earlier(request_id):
                return settle_out(request_id, answer.event.get("seq", 0) + 1, event, answer.text, origin)
            return None
        if event.get("kind") == "Insert":
            return settle_out(request_id, event.get("seq", 0) + 1, event, answer.text)
        return None

    def _maybe_admitted_earlier(self, request_id: Any) -> bool:
        """Whether an earlier version of the job may have admitted this request: it was
        made before this started, or its id does not say when it was made."""
        issued = issued_at_ms(request_id)
        return issued is None or issued < self.started_ms

    def _settle(self, request_id: str, response: str, state: KeyState) -> List[Outgoing]:
        """Records the answer a ``Settle`` carries; returns the answers for the retries
        waiting (the first copy's answer is sent by the hop that produced it)."""
        record = state.get_seen(request_id)
        if record is None:
            return []  # not a client request remembered here (dedup off, or forgotten)
        if record.answered:
            return []
        answered = Record(response=response, keep=record.keep, lookup=record.lookup)
        state.put_seen(request_id, answered, answered.keep)
        return [Outgoing(readdress(response, reply_to)) for reply_to in record.waiting]

    def _process(self, event: Dict[str, Any], state: KeyState) -> Tuple[Sent, Optional[Mine]]:
        """Runs the kernel; returns its output and this request's event in it (``Mine``)."""
        try:
            before = state.get_state()
            result = self.kernel.process(event, json_text.loads(before) if before else None)
            if "state" in result:
                state.set_state(json_text.dumps(result["state"]))
            out = result["out"]
        except Exception as e:  # never fail the job on one event
            traceback.print_exc(file=sys.stderr)
            message = "%s: %s" % (type(e).__name__, e)
            out = self.kernel.fail(event, {"type": "Internal", "message": message, "code": "Internal"}).get("out", [])
        internal: List[Outgoing] = []
        responses: List[Outgoing] = []
        mine: Optional[Mine] = None
        for item in out:
            text = json_text.dumps(item)
            (responses if item.get("kind") == "Response" else internal).append(Outgoing(text, item))
            if item.get("requestId") == event.get("requestId") and (mine is None or item.get("kind") == "Response"):
                mine = Mine(item, text)  # its answer if there is one, else its next event
        return (internal, responses, []), mine

    def _get_state(self, event: Dict[str, Any], state: KeyState) -> Sent:
        text = state.get_state()
        target = event["target"]
        if text is None:
            message = "%s(%s) does not exist" % (target["entity"], json.dumps(target["key"]))
            return [], [Outgoing(error_response(event, "EntityNotFound", message, "EntityNotFound"))], []
        response = {
            "kind": "Response",
            "requestId": event["requestId"],
            "seq": 1,
            "stack": [],
            "replyTo": event["replyTo"],
            "result": {"ok": json_text.loads(text)},
        }
        return [], [Outgoing(json_text.dumps(response), response)], []


class Mine(NamedTuple):
    """The kernel's output event for the request being run (its answer or its next event)."""

    event: Dict[str, Any]
    text: str

    def record(self) -> Record:
        """The request's record after this pass: answered, or forward to where it went."""
        if self.event.get("kind") == "Response":
            return Record(response=self.text, answer=self.event)
        target = self.event.get("target")
        return Record(forward=target if isinstance(target, dict) else CONSTRUCT_ADDRESS)


def query_event(request_id: Any, reply_to: Any, forward: Any, hops: int) -> str:
    """The ``Query`` (JSON text) a retry sends where its request went: ``forward``, an
    address, or ``CONSTRUCT_ADDRESS`` for the request's create key."""
    return query_out(request_id, reply_to, forward, hops).text


def query_out(request_id: Any, reply_to: Any, forward: Any, hops: int) -> Outgoing:
    """:func:`query_event` with its fields."""
    query: Dict[str, Any] = {"kind": QUERY, "requestId": request_id, "seq": 0, "stack": [], "replyTo": reply_to}
    if isinstance(forward, dict):
        query["target"] = {"entity": forward.get("entity"), "key": forward.get("key")}
    query["hops"] = hops
    return Outgoing(json_text.dumps(query), query)


def query_miss_message(request_id: Any, event: Dict[str, Any]) -> str:
    target = event.get("target")
    where = address_key(target) if isinstance(target, dict) else "its create key"
    return (
        "request id '%s' ran, but %s no longer remembers its outcome (it keeps the newest "
        "dedupWindow requests for dedupTtlSeconds): nothing ran again; read the state to see "
        "whether it took effect, and send a new request (a new id) if it did not" % (request_id, where)
    )


def settle_event(request_id: Any, seq: int, event: Dict[str, Any], response: str,
                 target: Optional[Dict[str, Any]] = None) -> str:
    """The ``Settle`` (JSON text) carrying ``response`` to the key its request is remembered at:
    ``target``'s, or ``$construct/<requestId>`` without one (see ``routing.route_key``)."""
    return settle_out(request_id, seq, event, response, target).text


def settle_out(request_id: Any, seq: int, event: Dict[str, Any], response: str,
               target: Optional[Dict[str, Any]] = None) -> Outgoing:
    """:func:`settle_event` with its fields."""
    settle: Dict[str, Any] = {"kind": SETTLE, "requestId": request_id, "seq": seq, "stack": []}
    if target is not None:
        settle["target"] = {"entity": target.get("entity"), "key": target.get("key")}
    settle["replyTo"] = event.get("replyTo")
    settle["response"] = response
    return Outgoing(json_text.dumps(settle), settle)


def error_response_of(event: Dict[str, Any], error: Dict[str, Any]) -> str:
    return error_response(event, error["type"], error["message"], error.get("code"))
