"""Local routing: events for held, non-excluded instances run in the same round trip."""
from __future__ import annotations

from typing import Any, Dict

from stateflow_kernel import Kernel
from stateflow_kernel.local_route import run_routed

import programs
from conftest import Router


def _setup(shop: Router):
    shop.create("Item", "coke", 2)
    shop.call("Item", "coke", "update_stock", 10)
    shop.create("User", "ann")
    shop.call("User", "ann", "update_balance", 100)
    held = {k: v for k, v in shop.store.items()}
    return held


def _buy(shop: Router, amount: int) -> Dict[str, Any]:
    return shop.request("Invoke", target={"entity": "User", "key": "ann"}, method="buy_item",
                        args=[amount, {"$entity": "Item", "$key": "coke"}], kwargs={})


def test_same_result_as_routing_through_the_host(shop: Router) -> None:
    held = _setup(shop)
    kernel = shop.kernel
    event = _buy(shop, 3)
    # Reference: every hop through the router.
    reference = Router(Kernel(programs.shop_program()))
    reference.store = dict(held)
    expected = reference.run(dict(event))

    local_held = dict(held)
    results, local = run_routed(kernel.process, local_held,
                                [{"event": event, "held": True}], {"maxLocal": 100})
    assert results[0]["out"] == []  # the Read of the item ran locally
    assert local["count"] >= 2
    responses = [e for e in local["out"] if e["kind"] == "Response"]
    assert [r["result"] for r in responses] == [expected["result"]]
    states = {(e, k): s for e, k, s in local["states"]}
    assert states[("Item", "coke")] == reference.store[("Item", "coke")]
    assert local_held[("User", "ann")] == reference.store[("User", "ann")]
    assert local_held[("Item", "coke")] == reference.store[("Item", "coke")]


def test_excluded_or_not_held_targets_leave_the_process(shop: Router) -> None:
    held = _setup(shop)
    kernel = shop.kernel
    for exclude, hold in (([["Item", "coke"]], held), ([], {("User", "ann"): held[("User", "ann")]})):
        mine = dict(hold)
        results, local = run_routed(kernel.process, mine, [{"event": _buy(shop, 1), "held": True}],
                                    {"exclude": exclude, "maxLocal": 100})
        assert [e["kind"] for e in results[0]["out"]] == ["Read"]
        assert local == {"states": [], "out": [], "count": 0}


def test_budget_and_max_seq_stop_local_processing(shop: Router) -> None:
    held = _setup(shop)
    kernel = shop.kernel
    results, local = run_routed(kernel.process, dict(held), [{"event": _buy(shop, 1), "held": True}],
                                {"maxLocal": 1})
    assert local["count"] == 1 and len(local["out"]) == 1 and local["out"][0]["kind"] != "Response"
    results, local = run_routed(kernel.process, dict(held), [{"event": _buy(shop, 1), "held": True}],
                                {"maxLocal": 100, "maxSeq": 0})
    assert [e["kind"] for e in results[0]["out"]] == ["Read"] and local["count"] == 0
