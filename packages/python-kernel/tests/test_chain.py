"""Several events of one instance in one batch: chained states (``stateflow_kernel.chain``)."""
from __future__ import annotations

import json

from conftest import Router

from stateflow_kernel.chain import StateChain, run_batch


def invoke(shop: Router, key: str, method: str, *args):
    return shop.request("Invoke", target={"entity": "Item", "key": key}, method=method,
                        args=list(args), kwargs={})


def test_chained_requests_run_in_order_on_the_state_each_leaves(shop: Router) -> None:
    shop.create("Item", "coke", 3)
    shop.create("Item", "fanta", 2)
    coke = shop.state("Item", "coke")
    requests = [
        {"event": invoke(shop, "coke", "update_stock", 5), "state": coke},
        {"event": invoke(shop, "fanta", "update_stock", 1), "state": shop.state("Item", "fanta")},
        {"event": invoke(shop, "coke", "update_stock", -9), "chained": True},  # raises
        {"event": invoke(shop, "coke", "update_stock", 2), "chained": True},
    ]
    results = json.loads(shop.kernel.process_batch_json(json.dumps(requests)))
    outcomes = [r["out"][0]["result"] for r in results]
    assert outcomes[0] == {"ok": True} and outcomes[1] == {"ok": True} and outcomes[3] == {"ok": True}
    assert outcomes[2]["error"]["type"] == "NotEnoughStock"
    assert "state" not in results[2]
    assert results[0]["state"]["stock"] == 5
    assert results[3]["state"]["stock"] == 7
    assert results[1]["state"]["stock"] == 1
    # The input state was not touched.
    assert coke["stock"] == 0


def test_a_chain_starts_from_an_insert_and_sees_a_missing_instance_as_none(shop: Router) -> None:
    insert = shop.request("Insert", target={"entity": "Item", "key": "gum"},
                          state={"item_name": "gum", "stock": 0, "price": 1})
    results = run_batch(shop.kernel.process, [
        {"event": invoke(shop, "gum", "update_stock", 1), "chained": True},
        {"event": insert, "state": None},
        {"event": invoke(shop, "gum", "update_stock", 4), "chained": True},
    ])
    assert results[0]["out"][0]["result"]["error"]["code"] == "EntityNotFound"
    assert results[1]["state"]["stock"] == 0
    assert results[2]["state"]["stock"] == 4


def test_state_chain_tracks_targets_separately() -> None:
    chain = StateChain()
    a = {"event": {"kind": "Invoke", "target": {"entity": "E", "key": "a"}}, "state": {"n": 1}}
    b = {"event": {"kind": "Invoke", "target": {"entity": "F", "key": "a"}}, "state": {"n": 9}}
    chain.done(a, chain.state(a), {"state": {"n": 2}, "out": []})
    chain.done(b, chain.state(b), {"out": []})
    assert chain.state({"event": a["event"], "chained": True}) == {"n": 2}
    assert chain.state({"event": b["event"], "chained": True}) == {"n": 9}
