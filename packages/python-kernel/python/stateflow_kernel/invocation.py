"""A client request that arrives as one synchronous call and is answered by it.

The Lambda and Cloudburst functions get a request as the payload of one call (the Lambda
Invoke API; a Cloudburst function call behind the Invoke-API gateway), run the request's
whole call chain inside that call, and return its ``Response``. This module holds what
they share: the checks of the request (a malformed one gets an error ``Response``,
never an exception: the function must answer every call, whatever the caller sent), the
answers, and the loop that runs a chain's hops in order. Each backend keeps only what is
its own: where states and answers are stored, how a chain commits, and the word its
messages use for what arrived (``noun``: "payload" on Lambda, "request" on Cloudburst).

Queue-fed backends (Flink, Beam, Statefun) check their records with
``stateflow_kernel.ingress`` instead: a record that cannot be answered goes to a dead
letter there, while here there is always a caller to answer.
"""
from __future__ import annotations

import json
import sys
import traceback
from collections import deque
from typing import Any, Callable, Dict, Optional, Tuple

from .ingress import error_value
from .machine import MAX_KEY_BYTES

#: Request kinds a client may send. ``GetState`` reads one instance's encoded state (for
#: gateways, tests and admin tools); ``Ping`` checks that the function answers (and warms it).
CLIENT_KINDS = ("Invoke", "Construct", "GetState", "Ping")
MAX_REQUEST_ID_CHARS = 512

#: An instance's address: (entity, key).
Address = Tuple[str, str]


class BadRequest(Exception):
    """The request cannot run; the message says why."""


def response(request_id: str, reply_to: Any, result: Dict[str, Any], channel: str) -> Dict[str, Any]:
    """A ``Response`` event; to ``{channel, id: ""}`` when ``reply_to`` is not an address."""
    return {
        "kind": "Response",
        "requestId": request_id,
        "seq": 1,
        "stack": [],
        "replyTo": reply_to if isinstance(reply_to, dict) else {"channel": channel, "id": ""},
        "result": result,
    }


def error_result(error_type: str, message: str, code: Optional[str] = None) -> Dict[str, Any]:
    """A failed ``Result``."""
    return {"error": error_value(error_type, message, code)}


def error_response(payload: Any, error_type: str, message: str, code: Optional[str], channel: str) -> Dict[str, Any]:
    """An error ``Response`` to ``payload``, whatever its shape."""
    event = payload if isinstance(payload, dict) else {}
    request_id = event.get("requestId")
    return response(request_id if isinstance(request_id, str) else "", event.get("replyTo"),
                    error_result(error_type, message, code), channel)


def parse_request(payload: Any, noun: str) -> Dict[str, Any]:
    """The request event in ``payload`` (a dict, or JSON text of one); raises
    :class:`BadRequest`, whose message calls what arrived ``noun``."""
    if isinstance(payload, (str, bytes, bytearray)):
        try:
            payload = json.loads(payload)
        except ValueError as e:
            raise BadRequest("the %s is not JSON (%s)" % (noun, e))
        except RecursionError:
            raise BadRequest("the %s nests arrays or objects too deeply to read" % noun)
    if not isinstance(payload, dict):
        raise BadRequest("the %s must be a JSON object (a StateFlow Invoke or Construct event), got %s"
                         % (noun, type(payload).__name__))
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


def answer(payload: Any, run: Callable[[Dict[str, Any]], Dict[str, Any]],
           read_state: Callable[[Address], Optional[Dict[str, Any]]], noun: str, channel: str,
           reraise: Tuple[type, ...] = ()) -> Dict[str, Any]:
    """The answer to one call: the ``Response`` of the request in ``payload`` (``run``
    runs an ``Invoke`` or ``Construct``; ``read_state`` gives an instance's state for a
    ``GetState``), or ``{"kind": "Pong"}`` for a ``Ping``. Never raises, but for the
    exceptions in ``reraise`` (a store that failed: the caller retries the call)."""
    try:
        request = parse_request(payload, noun)
    except BadRequest as e:
        return error_response(payload, "BadRequest", str(e), "BadArguments", channel)
    try:
        kind = request["kind"]
        if kind == "Ping":
            return {"kind": "Pong"}
        if kind == "GetState":
            target = request["target"]
            state = read_state((target["entity"], target["key"]))
            if state is None:
                message = "%s(%s) does not exist" % (target["entity"], json.dumps(target["key"]))
                return error_response(request, "EntityNotFound", message, "EntityNotFound", channel)
            return response(request["requestId"], request["replyTo"], {"ok": state}, channel)
        return run(request)
    except reraise:
        raise
    except Exception as e:  # an answer for every call, even on our bugs
        traceback.print_exc(file=sys.stderr)
        return error_response(request, "Internal", "%s: %s" % (type(e).__name__, e), "Internal", channel)


def run_chain(process: Callable[[Dict[str, Any], Any], Dict[str, Any]], request: Dict[str, Any],
              get: Callable[[Address], Optional[Dict[str, Any]]], put: Callable[[Address, Dict[str, Any]], None],
              max_hops: int, channel: str) -> Dict[str, Any]:
    """Runs every hop of ``request``'s call chain in order with the kernel's ``process``
    and returns the request's ``Response``: ``get`` gives the state an instance has in
    this run, ``put`` records a state a hop changed. An error ``Response`` past
    ``max_hops`` hops, or when the chain ends without answering."""
    queue = deque([request])
    hops = 0
    while queue:
        event = queue.popleft()
        if event.get("kind") == "Response":
            if event.get("requestId") == request["requestId"]:
                return event
            continue
        hops += 1
        if hops > max_hops:
            return response(request["requestId"], request["replyTo"], error_result(
                "Internal", "the call exceeded %d hops; is there unbounded recursion between entities?" % max_hops,
                "Internal"), channel)
        target = event.get("target")
        address = (target["entity"], target["key"]) if target else None
        state = get(address) if address else None
        out = process(event, state)
        if address and "state" in out:
            put(address, out["state"])
        queue.extend(out.get("out", []))
    return response(request["requestId"], request["replyTo"],
                    error_result("Internal", "the call ended without an answer", "Internal"), channel)


def _show(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (str, int, float, bool, type(None))) else type(value).__name__
    return text[:80]
