from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, List, Optional, Tuple

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
sys.path.insert(0, HERE)

from stateflow_kernel import Kernel  # noqa: E402

import programs  # noqa: E402


class Router:
    """A tiny in-memory runtime: routes each out event to its target and keeps state.

    Every hop goes through ``process_batch_json`` so the JSON path is exercised too.
    """

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.store: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.hops: List[Dict[str, Any]] = []
        self._n = 0

    def hop(self, event: Dict[str, Any]) -> Dict[str, Any]:
        address = None
        if "target" in event:
            address = (event["target"]["entity"], event["target"]["key"])
        state = self.store.get(address) if address else None
        text = json.dumps([{"event": event, "state": state}])
        result = json.loads(self.kernel.process_batch_json(text))[0]
        if "state" in result:
            assert address is not None
            self.store[address] = result["state"]
        self.hops.append({"event": event, "result": result})
        return result

    def run(self, event: Dict[str, Any]) -> Dict[str, Any]:
        """Runs a request to completion; returns its Response event."""
        queue = [event]
        responses = []
        while queue:
            ev = queue.pop(0)
            if ev["kind"] == "Response":
                responses.append(ev)
                continue
            queue.extend(self.hop(ev)["out"])
        assert len(responses) == 1, responses
        return responses[0]

    def request(self, kind: str, **fields: Any) -> Dict[str, Any]:
        self._n += 1
        ev = {"kind": kind, "requestId": "r%d" % self._n, "seq": 0, "stack": [],
              "replyTo": {"channel": "test", "id": "c1"}}
        ev.update(fields)
        return ev

    def create(self, entity: str, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        return self.run(self.request("Construct", entity=entity, args=list(args), kwargs=kwargs))

    def call(self, entity: str, key: str, method: str, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        return self.run(self.request("Invoke", target={"entity": entity, "key": key},
                                     method=method, args=list(args), kwargs=kwargs))

    def state(self, entity: str, key: str) -> Optional[Dict[str, Any]]:
        return self.store.get((entity, key))


@pytest.fixture
def shop() -> Router:
    return Router(Kernel(programs.shop_program()))


@pytest.fixture
def graph() -> Router:
    return Router(Kernel(programs.graph_program()))
