"""The Pyodide hosts' entry points (``stateflow_kernel.pyodide_bridge``), run on CPython.

The Pyodide hosts of ``@stateflow/python-host`` import this module inside Pyodide; here
it is imported and called directly, so a mistake in it fails this suite, not only the
(slower) Pyodide tests.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

import programs
from stateflow_kernel import pyodide_bridge


def construct(entity: str, *args: Any, rid: str = "r1") -> Dict[str, Any]:
    return {"kind": "Construct", "entity": entity, "args": list(args), "kwargs": {},
            "requestId": rid, "seq": 0, "stack": [], "replyTo": {"channel": "t", "id": "1"}}


@pytest.fixture(autouse=True)
def loaded() -> None:
    assert pyodide_bridge.load(json.dumps(programs.shop_program())) is None


def test_load_returns_the_load_error_message() -> None:
    message = pyodide_bridge.load(json.dumps({"module": {}}))
    assert isinstance(message, str) and message


def test_batch_runs_a_batch_of_object_requests() -> None:
    answer = json.loads(pyodide_bridge.batch(json.dumps([
        {"event": construct("Item", "coke", 3), "state": None},
        {"event": construct("User", rid="r2"), "state": None},
    ])))
    assert answer[0]["out"][0]["kind"] == "Insert"
    assert answer[1]["out"][0]["result"]["error"]["code"] == "BadArguments"


def test_worker_batch_publishes_progress_and_resets_it() -> None:
    seen: List[int] = []

    class Progress(list):
        def __setitem__(self, i: Any, v: Any) -> None:
            seen.append(v)
            super().__setitem__(i, v)

    progress = Progress([0])
    answer = json.loads(pyodide_bridge.worker_batch(json.dumps([
        {"event": construct("Item", "coke", 3), "state": None},
        {"event": construct("Item", "pepsi", 2, rid="r2"), "state": None},
    ]), progress, 0))
    assert [r["out"][0]["target"]["key"] for r in answer] == ["coke", "pepsi"]
    assert seen == [1, 2, 0]


def test_worker_batch_fails_an_interrupted_hop_with_a_timeout(monkeypatch: Any) -> None:
    kernel = pyodide_bridge.kernel
    assert kernel is not None

    def interrupted(event: Any, state: Any) -> Any:
        raise KeyboardInterrupt()

    monkeypatch.setattr(kernel, "process", interrupted)
    # limit 0: no "late stop for the previous event" retry
    answer = json.loads(pyodide_bridge.worker_batch(json.dumps([
        {"event": construct("Item", "coke", 3), "state": None}]), [0], 0))
    assert answer[0]["out"][0]["result"]["error"]["type"] == "TimeoutError"


def test_a_batch_too_deep_to_read_is_an_encoding_error() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    answer = json.loads(pyodide_bridge.worker_batch(deep, [0], 0))
    assert answer["error"]["type"] == "EncodingError"
    assert answer["error"]["message"].startswith("cannot read the batch: a value is nested too deeply")


def test_load_with_resume_detached_answers_a_transfer_at_the_callee() -> None:
    from test_detached import detached_program
    from test_serve import _deposit_for_ann

    def outs(rid: str) -> List[Dict[str, Any]]:
        request = {"event": _deposit_for_ann(rid), "state": {"name": "bob", "balance": 0}}
        return json.loads(pyodide_bridge.batch(json.dumps([request])))[0]["out"]

    assert pyodide_bridge.load(json.dumps(detached_program())) is None
    assert [e["kind"] for e in outs("r1")] == ["Reply"]
    assert pyodide_bridge.load(json.dumps(detached_program()), True) is None
    (response,) = outs("r2")
    assert response["kind"] == "Response" and response["origin"] == {"entity": "Account", "key": "ann"}
