"""The benchmark's accounts as a hand-written Beam pipeline: no StateFlow, the reference
the generated pipeline is measured against (tests/beam/bench/run.mjs, same run).

What a developer would write by hand for tests/bench/programs/accounts.py: one stateful
step keyed by account holding its fields in Beam state, methods dispatched by name, a
transfer's deposit sent to the other account through an internal topic, which answers
the client. No request dedup, no kernel, no split methods. It speaks the StateFlow event
format on the wire so the same Kafka client drives both, and it reads and writes Kafka
with the same splittable-DoFn reader and writer DoFn as the generated pipeline (Beam's
own KafkaIO does not run here), so the comparison is of everything between the two.

    python pipeline.py --prism PATH --bootstrap HOST:PORT --prefix P [--extra-steps N | --echo]

Two variants measure where the time goes (bench/run.mjs --targets ...,ref+1,echo):
``--extra-steps N`` puts N stateful steps before the accounts that only read and write a
small cell of the event's key (what one more stateful step per event costs on the runner),
``--echo`` answers every request from a stateless step (what reading and writing Kafka
through the runner costs, with no stateful step at all).
"""
import argparse
import json
import os
import sys
import time
from typing import Tuple

import apache_beam as beam
from apache_beam.coders import StrUtf8Coder
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineState
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec


def reply_topic(reply_to, default):
    channel = (reply_to or {}).get("channel", "")
    return channel[6:] if channel.startswith("kafka:") else default


def response(event, value):
    return json.dumps({"kind": "Response", "requestId": event["requestId"], "seq": event.get("seq", 0) + 1,
                       "stack": [], "replyTo": event["replyTo"], "result": {"ok": value}})


class Accounts(beam.DoFn):
    FIELDS = ReadModifyWriteStateSpec("account", StrUtf8Coder())

    def __init__(self, internal, egress, always_write=False, always_append=False):
        self.internal = internal
        self.egress = egress
        self.always_write = always_write
        self.always_append = always_append

    LOG = BagStateSpec("log", StrUtf8Coder())

    def process(self, element, fields=beam.DoFn.StateParam(FIELDS), log=beam.DoFn.StateParam(LOG)):
        key, text = element
        event = json.loads(text)
        out = lambda value: (reply_topic(event["replyTo"], self.egress), None, response(event, value))  # noqa: E731
        if event["kind"] == "Construct":
            account_id, balance = event["args"]
            fields.write(json.dumps({"id": account_id, "balance": balance, "field0": "x" * 100}))
            yield out({"$entity": "Account", "$key": account_id})
            return
        stored = fields.read()
        if stored is None:
            yield (reply_topic(event["replyTo"], self.egress), None, json.dumps({
                "kind": "Response", "requestId": event["requestId"], "seq": 1, "stack": [], "replyTo": event["replyTo"],
                "result": {"error": {"type": "EntityNotFound", "message": "no account %s" % key, "code": "EntityNotFound"}}}))
            return
        account = json.loads(stored)
        method, args = event["method"], event.get("args", [])
        if method == "read":
            if self.always_write:
                fields.write(stored)
            if self.always_append:
                log.add(event["requestId"])
            yield out(account["balance"])
        elif method == "update":
            account["field0"] = args[0]
            fields.write(json.dumps(account))
            yield out(None)
        elif method == "deposit":
            account["balance"] += args[0]
            fields.write(json.dumps(account))
            yield out(True if event.get("transfer") else account["balance"])
        elif method == "transfer":
            amount, to = args[0], args[1]["$key"]
            if account["balance"] < amount:
                yield out(False)
                return
            account["balance"] -= amount
            fields.write(json.dumps(account))
            deposit = dict(event, target={"entity": "Account", "key": to}, method="deposit", args=[amount], transfer=True, seq=1)
            yield (self.internal, "Account/" + to, json.dumps(deposit))


class PassThrough(beam.DoFn):
    """A stateful step that only reads and writes one small cell of the event's key."""

    SEEN = ReadModifyWriteStateSpec("seen", StrUtf8Coder())

    def process(self, element, seen=beam.DoFn.StateParam(SEEN)):
        seen.write(str(int(seen.read() or 0) + 1))
        yield element


def echo(element):
    """Answers a request at once, without state: the creates' reference, None otherwise."""
    event = json.loads(element[1])
    value = {"$entity": "Account", "$key": event["args"][0]} if event["kind"] == "Construct" else None
    return (reply_topic(event["replyTo"], "unused"), None, response(event, value))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--prism", required=True)
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--kafka-io", required=True, help="folder holding the stateflow_beam package (its Kafka reader and writer)")
    p.add_argument("--stop-file")
    p.add_argument("--extra-steps", type=int, default=0, help="stateful pass-through steps before the accounts")
    p.add_argument("--echo", action="store_true", help="answer from a stateless step (no state at all)")
    p.add_argument("--always-write", action="store_true", help="write the account's cell with every request, reads too")
    p.add_argument("--always-append", action="store_true", help="append to a bag with every read")
    args = p.parse_args()
    sys.path.insert(0, args.kafka_io)
    from stateflow_beam.kafka_io import ReadPartitions, WriteRecords, start_offsets

    ingress, internal, egress = args.prefix + "-ingress", args.prefix + "-internal", args.prefix + "-egress"
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap)
    existing = set(admin.list_topics())
    admin.create_topics([NewTopic(t, 1, 1) for t in (ingress, internal, egress) if t not in existing])
    admin.close()
    offsets = start_offsets(args.bootstrap, [ingress, internal], False)
    options = PipelineOptions(["--runner=PrismRunner", "--prism_location=" + args.prism, "--environment_type=LOOPBACK", "--streaming"])
    pipeline = beam.Pipeline(options=options)

    def keyed(record) -> Tuple[str, str]:
        text = record[2].decode("utf-8")
        event = json.loads(text)
        key = event["args"][0] if event["kind"] == "Construct" else event["target"]["key"]
        return (key, text)

    events = (
        pipeline
        | beam.Create(offsets)
        | "read-kafka" >> beam.ParDo(ReadPartitions(args.bootstrap, 20, 500))
        | "key" >> beam.Map(keyed).with_output_types(Tuple[str, str])
    )
    if args.echo:
        out = events | "echo" >> beam.Map(echo)
    else:
        for i in range(args.extra_steps):
            events = events | ("pass-%d" % i) >> beam.ParDo(PassThrough()).with_output_types(Tuple[str, str])
        out = events | "accounts" >> beam.ParDo(Accounts(internal, egress, args.always_write, args.always_append))
    out | "batch-writes" >> beam.Reshuffle() | "write-kafka" >> beam.ParDo(WriteRecords(args.bootstrap, egress))
    result = pipeline.run()
    running = False
    while True:
        state = result.state
        if state == PipelineState.RUNNING and not running:
            running = True
            print("PIPELINE_RUNNING", flush=True)
        if PipelineState.is_terminal(state):
            print("PIPELINE_ENDED state=%s" % state, flush=True)
            return 1
        if args.stop_file and os.path.exists(args.stop_file):
            result.cancel()
            return 0
        time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
