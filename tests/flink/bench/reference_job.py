"""The benchmark's reference: the accounts workload as a hand-written PyFlink job (no StateFlow).

What someone would write by hand for tests/bench/programs/accounts.py, with the same
guarantees as the generated job: Kafka in and out, keyed state per account, checkpoints,
transactional (exactly-once) sinks, read_committed sources. It speaks the same records as
StateFlow's Kafka client (Construct / Invoke events in, Response events out), so the same
load generator drives both. A transfer debits at the sender and sends a credit through the
internal topic; the receiver credits and answers (one hop, where the generated code makes
two: the call to deposit and its reply). No request dedup and no kernel: the least work
that gives the answers.

  python reference_job.py --bootstrap HOST:PORT --prefix P --jar CONNECTOR.jar
      [--parallelism 1] [--checkpoint-interval 100] [--execution-mode process|thread] [--stop-file F]
  flink run -py reference_job.py --jarfile CONNECTOR.jar --bootstrap HOST:PORT --prefix P --jar none ...
      (on a cluster: prints JOB_ID and JOB_RUNNING and leaves the job running, as job.py does)
Topics: P-ingress, P-internal, P-replies (created when missing, partitions = parallelism).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--jar", required=True)
    p.add_argument("--parallelism", type=int, default=1)
    p.add_argument("--checkpoint-interval", type=int, default=100)
    p.add_argument("--execution-mode", choices=["process", "thread"], default="process",
                   help="PyFlink python.execution-mode, as the generated job's executionMode")
    p.add_argument("--stop-file")
    args = p.parse_args()

    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    topics = {name: "%s-%s" % (args.prefix, name) for name in ("ingress", "internal", "replies")}
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap, client_id="reference-topics")
    for topic in topics.values():
        try:
            admin.create_topics([NewTopic(topic, num_partitions=args.parallelism, replication_factor=1)])
        except TopicAlreadyExistsError:
            pass
    admin.close()

    from pyflink.common import Configuration, Row, Types, WatermarkStrategy
    from pyflink.common.serialization import SimpleStringSchema
    from pyflink.datastream import OutputTag, StreamExecutionEnvironment
    from pyflink.datastream.connectors.base import DeliveryGuarantee
    from pyflink.datastream.connectors.kafka import (
        KafkaOffsetResetStrategy, KafkaOffsetsInitializer, KafkaRecordSerializationSchema, KafkaSink, KafkaSource,
    )
    from pyflink.datastream.functions import KeyedProcessFunction
    from pyflink.datastream.state import ValueStateDescriptor

    # As job.py: `flink run` starts this script with a gateway to the cluster's client, and the
    # cluster's own settings (Python executable and path, bind addresses) apply.
    local = "PYFLINK_GATEWAY_PORT" not in os.environ
    conf = Configuration()
    conf.set_string("python.execution-mode", args.execution_mode)
    if local:
        conf.set_string("python.executable", sys.executable)
        conf.set_string("python.client.executable", sys.executable)
    if local and args.execution_mode == "thread":
        # As job.py does: the interpreter embedded in the JVM does not see the venv by itself.
        import sysconfig

        paths = sysconfig.get_paths()
        conf.set_string("python.pythonpath", os.pathsep.join(dict.fromkeys([paths["purelib"], paths["platlib"]])))
    if local:
        for key in ("rest.bind-address", "rest.address", "jobmanager.bind-host", "jobmanager.rpc.address",
                    "taskmanager.bind-host", "taskmanager.host"):
            conf.set_string(key, "127.0.0.1")
        # A free port, printed (JOB_REST): in thread mode the mini-cluster's own log stays empty.
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            rest_port = probe.getsockname()[1]
        conf.set_string("rest.bind-port", str(rest_port))
        conf.set_string("rest.port", str(rest_port))
        print("JOB_REST http://127.0.0.1:%d" % rest_port, flush=True)
    conf.set_string("python.fn-execution.bundle.time", "5")
    conf.set_string("python.fn-execution.bundle.size", "1000")
    conf.set_string("execution.checkpointing.dir", "file://" + os.path.abspath("reference-checkpoints"))
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(args.parallelism)
    env.set_buffer_timeout(5)
    env.enable_checkpointing(args.checkpoint_interval)
    if args.jar != "none":
        env.add_jars("file://" + os.path.abspath(args.jar))

    def source(topic, name):
        built = (KafkaSource.builder().set_bootstrap_servers(args.bootstrap).set_topics(topic)
                 .set_group_id(args.prefix + "-" + name)
                 .set_starting_offsets(KafkaOffsetsInitializer.committed_offsets(KafkaOffsetResetStrategy.EARLIEST))
                 .set_value_only_deserializer(SimpleStringSchema())
                 .set_property("isolation.level", "read_committed").set_property("fetch.max.wait.ms", "50").build())
        return env.from_source(built, WatermarkStrategy.no_watermarks(), name)

    def sink(topic, name):
        return (KafkaSink.builder().set_bootstrap_servers(args.bootstrap)
                .set_record_serializer(KafkaRecordSerializationSchema.builder().set_topic(topic)
                                       .set_value_serialization_schema(SimpleStringSchema()).build())
                .set_delivery_guarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .set_transactional_id_prefix(args.prefix + "-" + name)
                .set_property("transaction.timeout.ms", "60000").build())

    replies_tag = OutputTag("replies", Types.STRING())

    def key_of(text):
        event = json.loads(text)
        if event.get("kind") == "Construct":
            return "Account/" + str(event["args"][0])
        return "Account/" + event["target"]["key"]

    def answer(event, ok):
        return json.dumps({"kind": "Response", "requestId": event["requestId"], "seq": 1, "stack": [],
                           "replyTo": event["replyTo"], "result": {"ok": ok}})

    class Accounts(KeyedProcessFunction):
        def open(self, ctx):
            self.account = ctx.get_state(ValueStateDescriptor("account", Types.STRING()))

        def process_element(self, value, ctx):
            event = json.loads(value[1])
            kind = event.get("kind")
            text = self.account.value()
            account = json.loads(text) if text else None
            if kind == "Construct":
                key, balance = event["args"]
                self.account.update(json.dumps({"id": key, "balance": balance, "field0": "x" * 100}))
                yield replies_tag, answer(event, {"$entity": "Account", "$key": key})
            elif kind == "Credit":
                account["balance"] += event["amount"]
                self.account.update(json.dumps(account))
                yield replies_tag, answer(event, True)
            elif event["method"] == "read":
                yield replies_tag, answer(event, account["balance"])
            elif event["method"] == "update":
                account["field0"] = event["args"][0]
                self.account.update(json.dumps(account))
                yield replies_tag, answer(event, None)
            elif event["method"] == "transfer":
                amount, to = event["args"]
                if account["balance"] < amount:
                    yield replies_tag, answer(event, False)
                else:
                    account["balance"] -= amount
                    self.account.update(json.dumps(account))
                    yield json.dumps({"kind": "Credit", "target": {"entity": "Account", "key": to["$key"]}, "amount": amount,
                                      "requestId": event["requestId"], "replyTo": event["replyTo"]})

    row = Types.ROW([Types.STRING(), Types.STRING()])
    merged = source(topics["ingress"], "ingress").union(source(topics["internal"], "internal"))
    processed = (merged.map(lambda t: Row(key_of(t), t), output_type=row)
                 .key_by(lambda r: r[0], key_type=Types.STRING())
                 .process(Accounts(), output_type=Types.STRING()))
    processed.sink_to(sink(topics["internal"], "internal"))
    processed.get_side_output(replies_tag).sink_to(sink(topics["replies"], "replies"))

    client = env.execute_async("stateflow-bench-reference")
    print("JOB_ID %s" % client.get_job_id(), flush=True)
    while client.get_job_status().result().name != "RUNNING":
        time.sleep(0.2)
    print("JOB_RUNNING", flush=True)
    if not local:
        return 0
    while not (args.stop_file and os.path.exists(args.stop_file)):
        if client.get_job_status().result().name in ("FAILED", "CANCELED", "FINISHED"):
            print("JOB_ENDED", flush=True)
            return 1
        time.sleep(0.2)
    client.cancel().result()
    print("JOB_CANCELLED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
