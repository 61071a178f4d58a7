"""The function: a validated request in, its Response out; never raises."""
from __future__ import annotations

import json
from typing import Any, Dict, Mapping

from stateflow_kernel.invocation import answer

from .chain import CHANNEL, ChainRunner
from .table import Table


class Function:
    def __init__(self, kernel: Any, table: Table, max_hops: int = 10000):
        self.kernel = kernel
        self.table = table
        self.runner = ChainRunner(kernel.process, table, max_hops=max_hops)
        try:
            from botocore.exceptions import BotoCoreError, ClientError

            self.retryable: tuple = (BotoCoreError, ClientError)
        except ImportError:  # tests without botocore
            self.retryable = ()

    @classmethod
    def from_environment(cls, program: Dict[str, Any], env: Mapping[str, str]) -> "Function":
        import boto3
        from stateflow_kernel import Kernel

        table_name = env.get("STATEFLOW_TABLE")
        if not table_name:
            raise RuntimeError("STATEFLOW_TABLE is not set: the function needs the name of its DynamoDB table")
        endpoint = env.get("STATEFLOW_DYNAMODB_ENDPOINT") or None
        client = boto3.client("dynamodb", endpoint_url=endpoint)
        table = Table(client, table_name, int(env.get("STATEFLOW_DEDUP_TTL_SECONDS") or 86400))
        return cls(Kernel(program), table, int(env.get("STATEFLOW_MAX_HOPS") or 10000))

    def handle(self, payload: Any) -> Dict[str, Any]:
        if isinstance(payload, dict) and "requestContext" in payload and "body" in payload:
            return self._handle_http(payload)
        return self._handle_request(payload)

    def _handle_http(self, event: Dict[str, Any]) -> Dict[str, Any]:
        """An HTTP API (API Gateway payload 2.0) event: the request event is the body."""
        body = event.get("body") or ""
        if event.get("isBase64Encoded"):
            import base64

            try:
                body = base64.b64decode(body).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                body = ""
        answer = self._handle_request(body)
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(answer)}

    def _handle_request(self, payload: Any) -> Dict[str, Any]:
        # A store that failed or is unreachable fails the invocation (a function error,
        # which clients retry with the same request id; nothing was committed).
        return answer(payload, self.runner.run, lambda address: self.table.read_instance(address)[0],
                      "payload", CHANNEL, reraise=self.retryable)
