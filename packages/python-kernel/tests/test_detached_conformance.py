"""Every conformance scenario gives the same answers and states with ``resume_detached=True``
as without it, on the compiled programs of ``@stateflow/conformance`` (which carry the
compiler's ``detached`` flags), and saves hops where a flag applies."""
from __future__ import annotations

import glob
import json
import os
from typing import Any, Dict, List, Tuple

import pytest

from conftest import Router
from stateflow_kernel import Kernel

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SCENARIOS = sorted(glob.glob(os.path.join(ROOT, "packages", "conformance", "scenarios", "*", "*",
                                          "scenario.json")))


def _scenario_id(path: str) -> str:
    return "/".join(path.split(os.sep)[-3:-1])


def _run(program: Dict[str, Any], steps: List[Dict[str, Any]],
         resume_detached: bool) -> Tuple[List[Any], Dict[Any, Any], int, int]:
    """The answers (results without origin), the final states, the hops and the
    Responses that carried origin."""
    router = Router(Kernel(program, resume_detached=resume_detached))
    answers: List[Any] = []
    for step in steps:
        op = step["op"]
        if op == "get":
            answers.append(router.state(step["entity"], step["key"]))
            continue
        if op == "create":
            response = router.create(step["entity"], *step.get("args", []), **step.get("kwargs", {}))
        else:
            response = router.call(step["entity"], step["key"], step["method"],
                                   *step.get("args", []), **step.get("kwargs", {}))
        answers.append(response["result"])
    origins = sum(1 for h in router.hops for e in h["result"]["out"] if "origin" in e)
    return answers, router.store, len(router.hops), origins


@pytest.mark.skipif(not SCENARIOS, reason="the conformance scenarios are not in this checkout")
def test_every_conformance_scenario_answers_the_same_with_detached_blocks() -> None:
    ran = saved = detached_answers = 0
    for path in SCENARIOS:
        with open(path) as f:
            steps = json.load(f)
        with open(os.path.join(os.path.dirname(path), "program.ir.json")) as f:
            program = json.load(f).get("program")
        if program is None:
            continue  # a scenario whose program does not compile (diagnostics)
        ran += 1
        off = _run(program, steps, resume_detached=False)
        on = _run(program, steps, resume_detached=True)
        name = _scenario_id(path)
        assert on[0] == off[0], name
        assert on[1] == off[1], name
        assert off[3] == 0, name
        assert on[2] + on[3] <= off[2], name  # one hop saved per detached answer at least
        saved += off[2] - on[2]
        detached_answers += on[3]
    # The kit has transfers and helpers whose continuations never touch self.
    assert ran > 50 and detached_answers > 0 and saved >= detached_answers
