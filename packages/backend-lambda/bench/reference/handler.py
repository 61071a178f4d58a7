"""The benchmark's reference: a hand-written Lambda handler for the same transfers,
without StateFlow. Same table layout, same guarantees that matter for the comparison:
strongly consistent reads, one conditional transaction per transfer (versions), retried
on conflict. No dedupe record and no kernel: the least a careful hand-written function does.

Payload: {"op": "create", "name", "balance"} | {"op": "transfer", "from", "to", "amount"}
       | {"op": "balance", "name"}
"""
import json
import os
import random
import time

import boto3

TABLE = os.environ["STATEFLOW_TABLE"]
db = boto3.client("dynamodb", endpoint_url=os.environ.get("STATEFLOW_DYNAMODB_ENDPOINT") or None)


def _read(name):
    item = db.get_item(TableName=TABLE, Key={"pk": {"S": "e|Account|" + name}}, ConsistentRead=True).get("Item")
    return (json.loads(item["state"]["S"]), int(item["v"]["N"])) if item else (None, None)


def _put(name, state, version):
    put = {"TableName": TABLE, "Item": {"pk": {"S": "e|Account|" + name}, "state": {"S": json.dumps(state)}, "v": {"N": str((version or 0) + 1)}}}
    if version is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "v = :v"
        put["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
    return {"Put": put}


def handler(event, context):
    if event.get("kind") == "Ping":
        return {"kind": "Pong"}
    op = event.get("op")
    if op == "create":
        db.transact_write_items(TransactItems=[_put(event["name"], {"name": event["name"], "balance": event["balance"]}, None)])
        return {"ok": event["name"]}
    if op == "balance":
        return {"ok": _read(event["name"])[0]["balance"]}
    if op == "transfer":
        for attempt in range(50):
            (a, va), (b, vb) = _read(event["from"]), _read(event["to"])
            if a["balance"] < event["amount"]:
                return {"ok": False}
            a["balance"] -= event["amount"]
            b["balance"] += event["amount"]
            try:
                db.transact_write_items(TransactItems=[_put(event["from"], a, va), _put(event["to"], b, vb)])
                return {"ok": True}
            except db.exceptions.TransactionCanceledException:
                time.sleep(random.uniform(0, min(0.2, 0.002 * 2 ** min(attempt, 7))))
        return {"error": "contention"}
    return {"error": "unknown op"}
