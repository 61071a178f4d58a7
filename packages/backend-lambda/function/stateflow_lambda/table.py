"""The DynamoDB table: one item per instance, one per answered request.

Key schema: a string partition key ``pk``.

- An instance: ``pk = "e|<Entity>|<key>"``, ``state`` (the encoded state, JSON text),
  ``v`` (its version, a number, +1 on every write).
- A request: ``pk = "r|<requestId>"``, ``response`` (the Response event, JSON text),
  ``fp`` (what was asked, see ``payload.fingerprint``), ``ttl`` (epoch seconds, for
  DynamoDB's time to live).

Entity names are identifiers, so the first ``|`` after ``e|`` ends the name.
"""
from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional, Tuple

#: DynamoDB's limit of actions in one TransactWriteItems.
MAX_TRANSACTION_ITEMS = 100

Address = Tuple[str, str]


def entity_pk(address: Address) -> str:
    return "e|%s|%s" % address


def request_pk(request_id: str) -> str:
    return "r|" + request_id


class Conflict(Exception):
    """Another invocation changed an instance this one read: run the chain again."""


class AlreadyAnswered(Exception):
    """Another invocation with the same request id committed first."""


class TooLarge(Exception):
    """The chain touched more instances than one transaction can hold."""


class Table:
    """Reads and commits through a boto3 DynamoDB client."""

    def __init__(self, client: Any, name: str, dedup_ttl_seconds: int = 86400):
        self.client = client
        self.name = name
        self.dedup_ttl_seconds = dedup_ttl_seconds

    def read_instance(self, address: Address) -> Tuple[Optional[Dict[str, Any]], Optional[int]]:
        """``(state, version)`` of an instance, ``(None, None)`` when absent (strongly consistent)."""
        item = self._get(entity_pk(address))
        if item is None:
            return None, None
        return json.loads(item["state"]["S"]), int(item["v"]["N"])

    def read_answer(self, request_id: str) -> Optional[Tuple[Dict[str, Any], str]]:
        """``(response, fingerprint)`` of a request already answered, else None."""
        item = self._get(request_pk(request_id))
        if item is None:
            return None
        return json.loads(item["response"]["S"]), item.get("fp", {}).get("S", "")

    def commit(self, reads: Dict[Address, Optional[int]], writes: Dict[Address, Dict[str, Any]],
               request_id: str, fingerprint: str, response: Dict[str, Any]) -> None:
        """Writes ``writes`` and the request's answer atomically, if every instance in
        ``reads`` still has the version read (``None``: still absent). Raises
        :class:`Conflict`, :class:`AlreadyAnswered` or :class:`TooLarge`."""
        actions: List[Dict[str, Any]] = []
        for address, version in reads.items():
            condition, values = _version_condition(version)
            if address in writes:
                item = {
                    "pk": {"S": entity_pk(address)},
                    "state": {"S": json.dumps(writes[address], separators=(",", ":"))},
                    "v": {"N": str((version or 0) + 1)},
                }
                put = {"TableName": self.name, "Item": item, "ConditionExpression": condition}
                if values:
                    put["ExpressionAttributeValues"] = values
                actions.append({"Put": put})
            else:
                check = {"TableName": self.name, "Key": {"pk": {"S": entity_pk(address)}}, "ConditionExpression": condition}
                if values:
                    check["ExpressionAttributeValues"] = values
                actions.append({"ConditionCheck": check})
        answer = {
            "pk": {"S": request_pk(request_id)},
            "response": {"S": json.dumps(response, separators=(",", ":"))},
            "fp": {"S": fingerprint},
            "ttl": {"N": str(int(time.time()) + self.dedup_ttl_seconds)},
        }
        actions.append({"Put": {"TableName": self.name, "Item": answer, "ConditionExpression": "attribute_not_exists(pk)"}})
        if len(actions) > MAX_TRANSACTION_ITEMS:
            raise TooLarge("the call touched %d instances; one DynamoDB transaction holds at most %d"
                           % (len(actions) - 1, MAX_TRANSACTION_ITEMS - 1))
        try:
            self.client.transact_write_items(TransactItems=actions)
        except self.client.exceptions.TransactionCanceledException as e:
            reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
            if reasons and reasons[-1] == "ConditionalCheckFailed":
                raise AlreadyAnswered()
            if any(r in ("ConditionalCheckFailed", "TransactionConflict") for r in reasons):
                raise Conflict()
            raise
        except self.client.exceptions.TransactionConflictException:
            raise Conflict()

    def _get(self, pk: str) -> Optional[Dict[str, Any]]:
        out = self.client.get_item(TableName=self.name, Key={"pk": {"S": pk}}, ConsistentRead=True)
        return out.get("Item")


def _version_condition(version: Optional[int]) -> Tuple[str, Dict[str, Any]]:
    if version is None:
        return "attribute_not_exists(pk)", {}
    return "v = :v", {":v": {"N": str(version)}}
