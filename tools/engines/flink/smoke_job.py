"""Smoke job for the engine tests: Kafka -> keyed count (ValueState) -> Kafka.

Reads records "KEY:SEQ" from the input topic, keys them by KEY, keeps a running count
per key in a ValueState and writes "KEY,COUNT,SEQ" to the output topic through an
exactly-once (transactional) KafkaSink, with checkpoints every second.

Runs on a local mini-cluster started by PyFlink. Prints "JOB_RUNNING <seconds>" once
the job is running, then runs until the stop file appears, --run-seconds pass, or the
job fails; it cancels the job before exiting. Exit code 0 means it was stopped cleanly.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

T0 = time.monotonic()

from pyflink.common import Configuration, Types, WatermarkStrategy  # noqa: E402
from pyflink.common.serialization import SimpleStringSchema  # noqa: E402
from pyflink.datastream import StreamExecutionEnvironment  # noqa: E402
from pyflink.datastream.connectors.base import DeliveryGuarantee  # noqa: E402
from pyflink.datastream.connectors.kafka import (  # noqa: E402
    KafkaOffsetsInitializer,
    KafkaRecordSerializationSchema,
    KafkaSink,
    KafkaSource,
)
from pyflink.datastream.functions import KeyedProcessFunction, RuntimeContext  # noqa: E402
from pyflink.datastream.state import ValueStateDescriptor  # noqa: E402


LOOPBACK_CONFIG = {
    "rest.bind-address": "127.0.0.1",
    "rest.address": "127.0.0.1",
    "rest.bind-port": "0",
    "jobmanager.bind-host": "127.0.0.1",
    "jobmanager.rpc.address": "127.0.0.1",
    "taskmanager.bind-host": "127.0.0.1",
    "taskmanager.host": "127.0.0.1",
}


class CountPerKey(KeyedProcessFunction):
    """Counts the records of each key in keyed ValueState and emits the running count."""

    def __init__(self) -> None:
        self.count = None

    def open(self, runtime_context: RuntimeContext) -> None:
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.LONG()))

    def process_element(self, value: str, ctx: KeyedProcessFunction.Context):
        key, seq = value.split(":", 1)
        n = (self.count.value() or 0) + 1
        self.count.update(n)
        yield f"{key},{n},{seq}"


def log(msg: str) -> None:
    print(msg, flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bootstrap", required=True, help="Kafka bootstrap address, e.g. 127.0.0.1:19092")
    p.add_argument("--input", required=True, help="input topic")
    p.add_argument("--output", required=True, help="output topic")
    p.add_argument("--jar", required=True, help="path of flink-sql-connector-kafka-*.jar")
    p.add_argument("--group", default="stateflow-smoke", help="consumer group id")
    p.add_argument("--parallelism", type=int, default=2)
    p.add_argument("--stop-file", help="the job is cancelled once this file exists")
    p.add_argument("--run-seconds", type=float, default=300.0, help="cancel after this long at most")
    args = p.parse_args()

    config = Configuration()
    # Python workers run with this interpreter (the venv), not whatever `python` is on PATH.
    config.set_string("python.executable", sys.executable)
    config.set_string("python.client.executable", sys.executable)
    # Every endpoint of the mini-cluster on loopback only, on free ports.
    for key, value in LOOPBACK_CONFIG.items():
        config.set_string(key, value)
    env = StreamExecutionEnvironment.get_execution_environment(config)
    env.set_parallelism(args.parallelism)
    env.enable_checkpointing(1000)
    env.add_jars("file://" + os.path.abspath(args.jar))

    source = (
        KafkaSource.builder()
        .set_bootstrap_servers(args.bootstrap)
        .set_topics(args.input)
        .set_group_id(args.group)
        .set_starting_offsets(KafkaOffsetsInitializer.earliest())
        .set_value_only_deserializer(SimpleStringSchema())
        .build()
    )
    sink = (
        KafkaSink.builder()
        .set_bootstrap_servers(args.bootstrap)
        .set_record_serializer(
            KafkaRecordSerializationSchema.builder()
            .set_topic(args.output)
            .set_value_serialization_schema(SimpleStringSchema())
            .build()
        )
        .set_delivery_guarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .set_transactional_id_prefix(f"{args.group}-tx")
        # Must stay below the broker's transaction.max.timeout.ms (15 minutes by default).
        .set_property("transaction.timeout.ms", "60000")
        .build()
    )

    (
        env.from_source(source, WatermarkStrategy.no_watermarks(), "kafka-in")
        .key_by(lambda v: v.split(":", 1)[0], key_type=Types.STRING())
        .process(CountPerKey(), output_type=Types.STRING())
        .name("count-per-key")
        .sink_to(sink)
        .name("kafka-out")
    )

    log(f"JOB_SUBMITTING {time.monotonic() - T0:.1f}")
    client = env.execute_async("stateflow-smoke")
    deadline = time.monotonic() + args.run_seconds
    running = False
    status = None
    while time.monotonic() < deadline:
        status = client.get_job_status().result().name
        if status == "RUNNING" and not running:
            running = True
            log(f"JOB_RUNNING {time.monotonic() - T0:.1f} job={client.get_job_id()}")
        if status in ("FAILED", "CANCELED", "FINISHED"):
            break
        if args.stop_file and os.path.exists(args.stop_file):
            break
        time.sleep(0.3)

    if status in ("FAILED", "CANCELED", "FINISHED"):
        log(f"JOB_ENDED status={status}")
        try:
            client.get_job_execution_result().result()
        except Exception as exc:  # the job's failure cause, for the caller's log
            log(f"JOB_ERROR {exc}")
        return 1
    log("JOB_CANCELLING")
    client.cancel().result()
    log(f"JOB_CANCELLED {time.monotonic() - T0:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
