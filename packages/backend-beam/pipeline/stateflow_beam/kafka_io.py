"""Kafka in and out for the Beam pipeline, in Python (Beam's own KafkaIO is Java, a
cross-language transform that needs a Java expansion service and environment).

Reading is a splittable DoFn: each element names one topic partition, its restriction
is a range of offsets ``[next, ∞)``. Every call claims the offsets it polled and then
hands the rest back to the runner, so the runner can
checkpoint the read (the restriction's start is the committed position), split it,
and resume it elsewhere (``defer_remainder``: Python's form of ``ProcessContinuation.resume``). Offsets are not committed to Kafka: the runner's checkpoint
is the position.

Writing is a DoFn with one idempotent producer per worker; a bundle completes only when
its records are acknowledged (``flush`` in ``finish_bundle``), so a record a bundle
wrote is never lost, and one written by a bundle that failed afterwards is written again
when the runner retries the bundle: readers deduplicate (see ``requests`` and
``entities``).
"""
from __future__ import annotations

import sys
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple

import apache_beam as beam
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.transforms.core import RestrictionProvider
from apache_beam.utils.timestamp import Timestamp

#: End of an unbounded offset range.
UNBOUNDED = sys.maxsize

#: How far behind the wall clock the read's watermark stays (records carry Kafka's timestamps).
WATERMARK_LAG_S = 5.0


class KafkaOffsetTracker(OffsetRestrictionTracker):
    """Offsets of one partition, ``[start, ∞)``. Only checkpoints split it (the rest of the
    range, from the next unclaimed offset): a split in the middle of an unbounded range
    would make a second reader wait for offsets that may never be written."""

    def try_split(self, fraction_of_remainder):
        if fraction_of_remainder != 0:
            return None
        return super().try_split(0)

    def is_bounded(self):
        return self.current_restriction().stop != UNBOUNDED


class PartitionOffsets(RestrictionProvider):
    """Restrictions of ``(topic, partition, start offset)`` elements: ``[start, ∞)``."""

    def initial_restriction(self, element):
        return OffsetRange(element[2], UNBOUNDED)

    def create_tracker(self, restriction):
        return KafkaOffsetTracker(restriction)

    def restriction_size(self, element, restriction):
        return 1  # unknown backlog: every partition weighs the same

    def split(self, element, restriction):
        yield restriction  # one reader per partition; the runner splits at checkpoints

    def truncate(self, element, restriction):
        return None  # on drain, stop reading


class ReadPartitions(beam.DoFn):
    """``(topic, partition, start)`` -> ``(topic, offset, value bytes)`` timestamped with Kafka's time."""

    def __init__(self, bootstrap: str, poll_ms: int, max_records: int):
        self.bootstrap = bootstrap
        self.poll_ms = poll_ms
        self.max_records = max_records
        self.consumers: Dict[Tuple[str, int], Any] = {}

    def setup(self):
        self.consumers = {}

    def teardown(self):
        for consumer in self.consumers.values():
            try:
                consumer.close()
            except Exception:  # noqa: BLE001 - closing on the way out
                pass

    def _consumer(self, topic: str, partition: int, position: int):
        from kafka import KafkaConsumer, TopicPartition

        tp = TopicPartition(topic, partition)
        consumer = self.consumers.get((topic, partition))
        if consumer is None:
            # assign + seek: no consumer group (groups looped on NotCoordinatorError with
            # kafka-python against Kafka 4, and the runner's checkpoint is the position anyway).
            consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                enable_auto_commit=False,
                fetch_max_wait_ms=self.poll_ms,
                isolation_level="read_committed",
                client_id="stateflow-beam-reader",
            )
            consumer.assign([tp])
            self.consumers[(topic, partition)] = consumer
            consumer.seek(tp, position)
        elif consumer.position(tp) != position:
            consumer.seek(tp, position)  # the restriction was resumed elsewhere or split
        return consumer, tp

    @beam.DoFn.unbounded_per_element()
    def process(
        self,
        element,
        tracker=beam.DoFn.RestrictionParam(PartitionOffsets()),
        watermark=beam.DoFn.WatermarkEstimatorParam(ManualWatermarkEstimator.default_provider()),
    ):
        topic, partition, _ = element
        position = tracker.current_restriction().start
        consumer, tp = self._consumer(topic, partition, position)
        batch = consumer.poll(timeout_ms=self.poll_ms, max_records=self.max_records).get(tp, [])
        for record in batch:
            if record.offset < position:
                continue  # already claimed before a checkpoint (a fetch that raced a seek)
            if not tracker.try_claim(record.offset):
                return
            yield beam.window.TimestampedValue((topic, record.offset, record.value), record.timestamp / 1000.0)
        watermark.set_watermark(Timestamp.of(time.time() - WATERMARK_LAG_S))
        # Hand the rest back: the runner may checkpoint here, and calls again at once.
        tracker.defer_remainder()


class WriteRecords(beam.DoFn):
    """``(topic, key or None, value text)`` -> Kafka, acknowledged before the bundle completes.
    A topic of None: a ``Response``, to the topic its ``replyTo`` names (else ``egress_topic``).
    The producer is made at the first record (a writer fused into the read's stage may
    never write)."""

    def __init__(self, bootstrap: str, egress_topic: str):
        self.bootstrap = bootstrap
        self.egress_topic = egress_topic
        self.producer = None
        self.pending = False

    def setup(self):
        self.producer = None
        self.pending = False

    def _producer(self):
        if self.producer is None:
            from kafka import KafkaProducer

            self.producer = KafkaProducer(
                bootstrap_servers=self.bootstrap,
                acks="all",
                enable_idempotence=True,
                linger_ms=0,
                client_id="stateflow-beam-writer",
            )
        return self.producer

    def process(self, element):
        topic, key, value = element
        if topic is None:
            import json

            from .routing import reply_topic

            topic = reply_topic(json.loads(value).get("replyTo"), self.egress_topic)
        self._producer().send(topic, key=key.encode("utf-8") if key else None, value=value.encode("utf-8"))
        self.pending = True

    def finish_bundle(self):
        if self.pending:
            self.producer.flush()
            self.pending = False

    def teardown(self):
        if self.producer is not None:
            self.producer.close(timeout=5)


def start_offsets(bootstrap: str, topics: List[str], from_start: bool) -> List[Tuple[str, int, int]]:
    """``(topic, partition, offset)`` of every partition: its end now (records written from
    here on are read), or its beginning with ``from_start``."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, client_id="stateflow-beam-offsets")
    try:
        parts = []
        for topic in topics:
            ids = consumer.partitions_for_topic(topic)
            if not ids:
                raise RuntimeError("topic %s has no partitions (does it exist?)" % topic)
            parts += [TopicPartition(topic, p) for p in sorted(ids)]
        offsets = consumer.beginning_offsets(parts) if from_start else consumer.end_offsets(parts)
        return [(tp.topic, tp.partition, offsets[tp]) for tp in parts]
    finally:
        consumer.close()
