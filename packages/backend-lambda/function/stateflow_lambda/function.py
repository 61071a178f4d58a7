"""The function: a validated request in, its Response out; never raises."""
from __future__ import annotations

import json
import sys
import traceback
from typing import Any, Dict, Mapping

from .chain import ChainRunner
from .payload import BadRequest, error_response, parse_request, response
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
        try:
            request = parse_request(payload)
        except BadRequest as e:
            return error_response(payload, "BadRequest", str(e), "BadArguments")
        try:
            kind = request["kind"]
            if kind == "Ping":
                return {"kind": "Pong"}
            if kind == "GetState":
                return self._get_state(request)
            return self.runner.run(request)
        except self.retryable as e:
            # The store failed or is unreachable: fail the invocation (a function error,
            # which clients retry with the same request id; nothing was committed).
            raise
        except Exception as e:  # an answer for every invocation, even on our bugs
            traceback.print_exc(file=sys.stderr)
            return error_response(request, "Internal", "%s: %s" % (type(e).__name__, e), "Internal")

    def _get_state(self, request: Dict[str, Any]) -> Dict[str, Any]:
        target = request["target"]
        state, _ = self.table.read_instance((target["entity"], target["key"]))
        if state is None:
            message = "%s(%s) does not exist" % (target["entity"], json.dumps(target["key"]))
            return error_response(request, "EntityNotFound", message, "EntityNotFound")
        return response(request["requestId"], request["replyTo"], {"ok": state})
