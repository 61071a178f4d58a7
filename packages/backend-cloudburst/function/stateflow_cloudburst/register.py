"""Registers a built program with a running Cloudburst: the function and its DAG.

    python -m stateflow_cloudburst.register [--address 127.0.0.1] [--ip 127.0.0.1] [--tid 90]

reads ``stateflow-cloudburst.json`` and ``program.ir.json`` next to this package and
registers ``StateflowFunction`` under the deployment's name, then a DAG of that one
function with the same name (the name clients call). Run it with Cloudburst's Python
(3.7 and its client); the executors must be able to import ``stateflow_cloudburst`` and
``stateflow_kernel`` (this folder on their ``PYTHONPATH``).
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_config(folder: str = HERE) -> dict:
    with open(os.path.join(folder, "stateflow-cloudburst.json")) as f:
        config = json.load(f)
    with open(os.path.join(folder, "program.ir.json")) as f:
        config["program"] = json.load(f)
    return config


def register(conn, config: dict) -> None:
    from .function import StateflowFunction

    name = config["name"]
    function_config = json.dumps({"program": config["program"], "prefix": name + "|", "maxHops": config["maxHops"]})
    conn.register((StateflowFunction, (function_config,)), name)
    ok, error = conn.register_dag(name, [name], [])
    if not ok:
        # The scheduler still has the DAG (a restarted executor, a new version of the
        # program): delete it and register it again, which pins the function anew.
        conn.delete_dag(name)
        ok, error = conn.register_dag(name, [name], [])
    if not ok:
        raise RuntimeError("Cloudburst refused the DAG %s (error %s)" % (name, error))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1", help="the scheduler (or its load balancer)")
    parser.add_argument("--ip", default="127.0.0.1", help="this machine's address, for answers")
    parser.add_argument("--tid", type=int, default=90, help="client id: ports 9000+tid and Anna's offset")
    parser.add_argument("--local", action="store_true", help="Cloudburst runs in local mode")
    args = parser.parse_args()
    from cloudburst.client.client import CloudburstConnection

    config = load_config()
    conn = CloudburstConnection(args.address, args.ip, tid=args.tid, local=args.local)
    register(conn, config)
    print("registered %s" % config["name"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
