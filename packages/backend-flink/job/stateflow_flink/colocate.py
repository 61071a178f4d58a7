"""Hops between instances of the same subtask run inside the operator (no PyFlink import).

An event from one entity to another normally goes through the internal Kafka topic: its
transactional sink makes it readable only when the next checkpoint completes, so every hop
waits about one checkpoint interval. When the target instance's key belongs to the same
parallel subtask as the key being processed, the job runs the hop at once instead, in the
same ``process_element`` call: the keyed state backend is switched to the target key, the
kernel runs, and so on until every event is either answered or bound for another subtask.

Exactly-once is kept: everything one input record causes on this subtask happens inside
one call, which a checkpoint barrier cannot split; a crash rolls all of it back together
and the input record is read again. Only hops to other subtasks go through Kafka.

Which subtask owns a key is Flink's rule (``KeyGroupRangeAssignment``): the key's Java
``hashCode`` (PyFlink keys a stream by ``Row(<key>)``), Flink's murmur hash, modulo the
max parallelism gives the key group; key groups are split into ranges, one per subtask.
The job checks the rule on every record it gets (the key it was given must be its own);
at the first mismatch it stops running hops inside and sends them all through Kafka.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Dict, List, Tuple

from .routing import INTERNAL, QUERY, route_key

_MASK = 0xFFFFFFFF


def _int32(x: int) -> int:
    x &= _MASK
    return x - (1 << 32) if x & 0x80000000 else x


def _rotl(x: int, n: int) -> int:
    x &= _MASK
    return ((x << n) | (x >> (32 - n))) & _MASK


def java_string_hash(text: str) -> int:
    """``String.hashCode()`` of Java: over UTF-16 code units, 32-bit."""
    h = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & _MASK
    return _int32(h)


def row_key_hash(key: str) -> int:
    """``Row.of(key).hashCode()`` (RowKind INSERT): 31 * 0 + (31 * 1 + (31 * 1 + key.hashCode()))."""
    return _int32(62 + java_string_hash(key))


def murmur_hash(code: int) -> int:
    """Flink's ``MathUtils.murmurHash(int)``: non-negative."""
    c = (code * 0xCC9E2D51) & _MASK
    c = _rotl(c, 15)
    c = (c * 0x1B873593) & _MASK
    c = _rotl(c, 13)
    c = (c * 5 + 0xE6546B64) & _MASK
    c ^= 4
    c ^= c >> 16
    c = (c * 0x85EBCA6B) & _MASK
    c ^= c >> 13
    c = (c * 0xC2B2AE35) & _MASK
    c ^= c >> 16
    signed = _int32(c)
    if signed >= 0:
        return signed
    return -signed if signed != -(1 << 31) else 0


@lru_cache(maxsize=16384)  # asked for every record's key (LocalHops.check): the hash is a Python loop
def subtask_of(key: str, max_parallelism: int, parallelism: int) -> int:
    """The index of the parallel subtask that owns ``key`` (a route key, keyed as ``Row(key)``)."""
    key_group = murmur_hash(row_key_hash(key)) % max_parallelism
    return key_group * parallelism // max_parallelism


#: What one record produces: (internal events for Kafka, responses, dead letters), as JSON texts.
#: What a record produced: lists of ``stateflow_flink.operator.Outgoing`` (``text``, ``event``).
Sent = Tuple[List[Any], List[Any], List[Any]]


class LocalHops:
    """Runs the internal events of one record whose target this subtask owns, in place.

    ``handle(origin, text, event)`` runs one event under the current key (``EntityLogic.run``
    over the keyed state; ``event`` is the text's fields, already parsed); ``switch(key)`` points the keyed state at another key of this
    subtask. ``max_steps`` bounds the events run in place per record (a program that loops
    forever between its entities sends the rest through Kafka, where other records interleave).
    A ``Query`` (a retry looking for its request's outcome) always goes through Kafka.
    """

    def __init__(self, max_parallelism: int, parallelism: int, subtask: int,
                 handle: Callable[[str, str, Dict[str, Any]], Sent], switch: Callable[[str], None],
                 max_steps: int = 1000, log: Callable[[str], None] = lambda m: None):
        self.max_parallelism = max_parallelism
        self.parallelism = parallelism
        self.subtask = subtask
        self.handle = handle
        self.switch = switch
        self.max_steps = max_steps
        self.log = log
        self.enabled = max_parallelism > 0 and parallelism > 0
        #: Hops run in place and hops sent through Kafka, since the start (for the metrics/logs).
        self.inline = 0
        self.remote = 0

    def owns(self, key: str) -> bool:
        return self.parallelism == 1 or subtask_of(key, self.max_parallelism, self.parallelism) == self.subtask

    def check(self, key: str) -> None:
        """The record's own key must be ours by the rule above; else stop running hops in place."""
        if self.enabled and not self.owns(key):
            self.enabled = False
            self.log("LOCAL_HOPS_OFF subtask %d was given key %r, which the key-group rule assigns to subtask %d; "
                     "every hop goes through Kafka from now on" % (self.subtask, key, subtask_of(key, self.max_parallelism, self.parallelism)))

    def run(self, key: str, out: Sent) -> Sent:
        """``out`` of the record at ``key``, with every hop this subtask owns run in place."""
        internal, responses, dead = out
        if not self.enabled or not internal:
            self.remote += len(internal)
            return out
        responses, dead = list(responses), list(dead)
        remote: List[Any] = []
        queue = list(internal)
        steps = 0
        current = key
        try:
            while queue:
                sent = queue.pop(0)
                event = sent.event
                target = route_key(event)
                # A Query always takes Kafka: run here, it could overtake an event sent to the
                # same key through Kafka before it (past max_steps); see stateflow_flink.operator.
                if steps >= self.max_steps or event.get("kind") == QUERY or not self.owns(target):
                    remote.append(sent)
                    continue
                steps += 1
                if target != current:
                    self.switch(target)
                    current = target
                more, answered, dropped = self.handle(INTERNAL, sent.text, event)
                queue.extend(more)
                responses.extend(answered)
                dead.extend(dropped)
        finally:
            if current != key:
                self.switch(key)
        self.inline += steps
        self.remote += len(remote)
        return remote, responses, dead
