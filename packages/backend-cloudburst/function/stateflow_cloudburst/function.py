"""The function Cloudburst runs: a request event (JSON text) in, its Response (JSON text) out.

Registered as a Cloudburst class ``(StateflowFunction, (config_json,))``: the executor
builds it once, ``StateflowFunction(cb, config_json)``, when it pins the function for the
program's DAG, so the kernel loads the program once per executor; every call is
``run(cb, request_text)``. It never raises: a bad request or a bug of ours is an error
``Response``.
"""
import json
import sys
import traceback
from typing import Any, Dict

from .chain import ChainRunner
from .request import BadRequest, error_response, parse_request, response
from .store import AnnaStore, state_key


class Handler:
    """The logic, apart from Cloudburst: ``handle(payload, store) -> Response``."""

    def __init__(self, kernel: Any, prefix: str, max_hops: int = 10000) -> None:
        self.kernel = kernel
        self.prefix = prefix
        self.runner = ChainRunner(kernel.process, prefix, max_hops)

    def handle(self, payload: Any, store) -> Dict[str, Any]:
        try:
            request = parse_request(payload)
        except BadRequest as e:
            return error_response(payload, "BadRequest", str(e), "BadArguments")
        try:
            kind = request["kind"]
            if kind == "Ping":
                return {"kind": "Pong"}
            if kind == "GetState":
                return self._get_state(request, store)
            return self.runner.run(request, store)
        except Exception as e:  # an answer for every call, even on our bugs
            traceback.print_exc(file=sys.stderr)
            return error_response(request, "Internal", "%s: %s" % (type(e).__name__, e), "Internal")

    def _get_state(self, request: Dict[str, Any], store) -> Dict[str, Any]:
        target = request["target"]
        key = state_key(self.prefix, target["entity"], target["key"])
        text = store.get_many([key]).get(key)
        if text is None:
            message = "%s(%s) does not exist" % (target["entity"], json.dumps(target["key"]))
            return error_response(request, "EntityNotFound", message, "EntityNotFound")
        return response(request["requestId"], request["replyTo"], {"ok": json.loads(text)})


def handler_from_config(config: Dict[str, Any]) -> Handler:
    from stateflow_kernel import Kernel

    return Handler(Kernel(config["program"]), config["prefix"], int(config.get("maxHops", 10000)))


class StateflowFunction:
    """The Cloudburst class: built once per executor, ``run`` per call."""

    def __init__(self, cb, config_json: str) -> None:
        self.handler = handler_from_config(json.loads(config_json))

    def run(self, cb, request_text: str) -> str:
        return json.dumps(self.handler.handle(request_text, AnnaStore(cb)), separators=(",", ":"))
