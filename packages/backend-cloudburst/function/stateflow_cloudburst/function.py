"""The function Cloudburst runs: a request event (JSON text) in, its Response (JSON text) out.

Registered as a Cloudburst class ``(StateflowFunction, (config_json,))``: the executor
builds it once, ``StateflowFunction(cb, config_json)``, when it pins the function for the
program's DAG, so the kernel loads the program once per executor; every call is
``run(cb, request_text)``. It never raises: a bad request or a bug of ours is an error
``Response``.
"""
import json
from typing import Any, Dict, Optional

from stateflow_kernel.invocation import Address, answer

from .chain import CHANNEL, ChainRunner
from .store import AnnaStore, state_key


class Handler:
    """The logic, apart from Cloudburst: ``handle(payload, store) -> Response``."""

    def __init__(self, kernel: Any, prefix: str, max_hops: int = 10000) -> None:
        self.kernel = kernel
        self.prefix = prefix
        self.runner = ChainRunner(kernel.process, prefix, max_hops)

    def handle(self, payload: Any, store) -> Dict[str, Any]:
        def read_state(address: Address) -> Optional[Dict[str, Any]]:
            key = state_key(self.prefix, *address)
            text = store.get_many([key]).get(key)
            return None if text is None else json.loads(text)

        return answer(payload, lambda request: self.runner.run(request, store), read_state, "request", CHANNEL)


def handler_from_config(config: Dict[str, Any]) -> Handler:
    from stateflow_kernel import Kernel

    return Handler(Kernel(config["program"]), config["prefix"], int(config.get("maxHops", 10000)))


class StateflowFunction:
    """The Cloudburst class: built once per executor, ``run`` per call."""

    def __init__(self, cb, config_json: str) -> None:
        self.handler = handler_from_config(json.loads(config_json))

    def run(self, cb, request_text: str) -> str:
        return json.dumps(self.handler.handle(request_text, AnnaStore(cb)), separators=(",", ":"))
