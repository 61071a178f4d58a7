"""Checks a client request before anything runs (plain functions, no Cloudburst).

A malformed request gets an error ``Response``, never an exception: the function must
answer every call, whatever the caller sent. Its messages are those of the Lambda backend
(a request arrives as one call's payload, not as a Kafka record); the error value itself is
the kernel's (``stateflow_kernel.ingress``), as on the Kafka-fed backends.
"""
import json
from typing import Any, Dict, Optional

from stateflow_kernel.ingress import error_value

#: Request kinds a client may send. ``GetState`` reads one instance's encoded state (the
#: gateway's ``GET /entities/...``); ``Ping`` checks that the function answers.
CLIENT_KINDS = ("Invoke", "Construct", "GetState", "Ping")
MAX_REQUEST_ID_CHARS = 512
MAX_KEY_BYTES = 1000


class BadRequest(Exception):
    """The request cannot run; the message says why."""


def response(request_id: str, reply_to: Any, result: Dict[str, Any]) -> Dict[str, Any]:
    """A ``Response`` event."""
    return {
        "kind": "Response",
        "requestId": request_id,
        "seq": 1,
        "stack": [],
        "replyTo": reply_to if isinstance(reply_to, dict) else {"channel": "cloudburst", "id": ""},
        "result": result,
    }


def error_result(error_type: str, message: str, code: Optional[str] = None) -> Dict[str, Any]:
    """A failed ``Result``."""
    return {"error": error_value(error_type, message, code)}


def error_response(payload: Any, error_type: str, message: str, code: Optional[str] = None) -> Dict[str, Any]:
    """An error ``Response`` to ``payload``, whatever its shape."""
    event = payload if isinstance(payload, dict) else {}
    request_id = event.get("requestId")
    return response(request_id if isinstance(request_id, str) else "", event.get("replyTo"),
                    error_result(error_type, message, code))


def parse_request(payload: Any) -> Dict[str, Any]:
    """The request event in ``payload`` (JSON text or a dict); raises :class:`BadRequest`."""
    if isinstance(payload, (str, bytes, bytearray)):
        try:
            payload = json.loads(payload)
        except ValueError as e:
            raise BadRequest("the request is not JSON (%s)" % (e,))
        except RecursionError:
            raise BadRequest("the request nests arrays or objects too deeply to read")
    if not isinstance(payload, dict):
        raise BadRequest("the request must be a JSON object (a StateFlow Invoke or Construct event), got %s"
                         % (type(payload).__name__,))
    kind = payload.get("kind")
    if kind not in CLIENT_KINDS:
        raise BadRequest("'kind' must be one of %s (got %s)" % (", ".join(CLIENT_KINDS), _show(kind)))
    if kind == "Ping":
        return payload
    request_id = payload.get("requestId")
    if not isinstance(request_id, str) or not request_id or len(request_id) > MAX_REQUEST_ID_CHARS:
        raise BadRequest("'requestId' must be a non-empty string of at most %d characters" % MAX_REQUEST_ID_CHARS)
    if not isinstance(payload.get("replyTo"), dict):
        raise BadRequest("'replyTo' must be an object {\"channel\", \"id\"}")
    if kind in ("Invoke", "GetState"):
        target = payload.get("target")
        if not isinstance(target, dict) or not isinstance(target.get("entity"), str) or not isinstance(target.get("key"), str):
            raise BadRequest("'target' must be {\"entity\": string, \"key\": string}")
        try:
            size = len(target["key"].encode("utf-8"))
        except UnicodeEncodeError:
            raise BadRequest("the key is not valid Unicode (it holds a lone UTF-16 surrogate)")
        if size > MAX_KEY_BYTES:
            raise BadRequest("the key is longer than %d bytes of UTF-8" % MAX_KEY_BYTES)
    if kind == "Invoke" and not isinstance(payload.get("method"), str):
        raise BadRequest("'method' must be a string")
    if kind == "Construct" and not isinstance(payload.get("entity"), str):
        raise BadRequest("'entity' must be a string")
    if kind in ("Invoke", "Construct"):
        if not isinstance(payload.get("args", []), list):
            raise BadRequest("'args' must be a list")
        if not isinstance(payload.get("kwargs", {}), dict):
            raise BadRequest("'kwargs' must be an object")
        # A client request starts a call chain: seq 0, no frames.
        payload = dict(payload, seq=0, stack=[], args=payload.get("args", []), kwargs=payload.get("kwargs", {}))
    return payload


def fingerprint(request: Dict[str, Any]) -> str:
    """What a request asks for, so a reused request id with a different call is refused."""
    fields = {k: request.get(k) for k in ("kind", "entity", "target", "method", "args", "kwargs")}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def _show(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (str, int, float, bool, type(None))) else type(value).__name__
    return text[:80]
