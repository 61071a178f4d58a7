"""Prints the transforms of a built pipeline's Beam graph as JSON (no runner, no Kafka).

    BEAM_PYTHON graph.py BUILT_PIPELINE_DIR
"""
import json
import os
import sys

folder = sys.argv[1]
sys.argv = [os.path.join(folder, "pipeline.py")]
sys.path.insert(0, folder)

import apache_beam as beam  # noqa: E402
from apache_beam.portability.api import beam_runner_api_pb2  # noqa: E402
from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402

import pipeline  # noqa: E402  (the built pipeline.py)

with open(os.path.join(folder, "stateflow-pipeline.json"), encoding="utf-8") as f:
    config = json.load(f)
with open(os.path.join(folder, "python", "stateflow_beam", "program.ir.json"), encoding="utf-8") as f:
    program = json.load(f)
p = beam.Pipeline(options=PipelineOptions(["--streaming"]))
pipeline.build_pipeline(p, config, program, [(config["topics"]["ingress"], 0, 0)])
proto = p.to_runner_api()


def state(t):
    """A stateful ParDo's state ids and kinds (e.g. {"log": "bag_spec"})."""
    if t.spec.urn != "beam:transform:pardo:v1":
        return {}
    specs = beam_runner_api_pb2.ParDoPayload.FromString(t.spec.payload).state_specs
    return {k: v.WhichOneof("spec") for k, v in specs.items()}


leaves = [dict({"name": t.unique_name, "urn": t.spec.urn}, **({"state": state(t)} if state(t) else {}))
          for t in proto.components.transforms.values() if not t.subtransforms]
print(json.dumps(sorted(leaves, key=lambda t: t["name"])))
