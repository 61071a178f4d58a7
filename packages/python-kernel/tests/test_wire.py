"""Compact requests and results (stateflow_kernel.wire): same outcome as the object form."""
from __future__ import annotations

from typing import Any, Dict, List

import pytest

from stateflow_kernel import serve
from stateflow_kernel.local_route import run_routed
from stateflow_kernel.wire import compact_event, compact_result, compact_state

from conftest import Router

REPLY_TO = {"channel": "t", "id": "1"}


def _setup(shop: Router) -> Dict[Any, Any]:
    shop.create("Item", "coke", 2)
    shop.call("Item", "coke", "update_stock", 10)
    shop.create("User", "ann")
    shop.call("User", "ann", "update_balance", 100)
    return dict(shop.store)


def _compact(rid: str, entity: str, key: str, method: str, args: List[Any], *state: Any) -> List[Any]:
    return [rid, 0, entity, key, method, args, 0, *state]


def test_compact_event_is_the_invoke_it_stands_for() -> None:
    event = compact_event(_compact("r1", "Item", "coke", "update_stock", [1]), [REPLY_TO])
    assert event == {"kind": "Invoke", "requestId": "r1", "seq": 0, "stack": [], "replyTo": REPLY_TO,
                     "target": {"entity": "Item", "key": "coke"}, "method": "update_stock",
                     "args": [1], "kwargs": {}}
    assert event["replyTo"] is REPLY_TO


def test_compact_state_is_its_own_or_the_held_one() -> None:
    held = {("Item", "coke"): {"stock": 1}}
    assert compact_state(_compact("r", "Item", "coke", "m", [], None), held) is None
    assert compact_state(_compact("r", "Item", "coke", "m", []), held) == {"stock": 1}
    with pytest.raises(LookupError, match="holds no state for Item 'pepsi'"):
        compact_state(_compact("r", "Item", "pepsi", "m", []), held)


def test_batch_with_compact_requests_matches_the_object_form(shop: Router) -> None:
    held = _setup(shop)
    serve._resident.clear()
    serve._resident._last.update(held)
    frame = {"id": 7, "kind": "batch", "replyTo": [REPLY_TO], "requests": [
        _compact("a", "Item", "coke", "update_stock", [-3]),          # held, state changes
        _compact("b", "Item", "coke", "update_stock", [-100]),        # chained on the first: user error
        _compact("c", "User", "ann", "update_balance", [5], held[("User", "ann")]),
        _compact("d", "User", "bob", "update_balance", [5], None),     # no such instance
    ]}
    _, response = serve._handle(shop.kernel, frame)
    results = response["results"]
    assert all(type(r) is list for r in results)
    assert results[0][0] == {"ok": True} and results[0][1]["stock"] == 7
    assert results[1][0]["error"]["type"] == "NotEnoughStock"
    assert results[2][0] == {"ok": None}
    assert results[2][1]["balance"] == held[("User", "ann")]["balance"] + 5
    assert results[3] == [{"error": results[3][0]["error"]}]
    assert results[3][0]["error"]["code"] == "EntityNotFound"
    # The object form of the same requests, on a fresh copy of the states.
    reference = Router(shop.kernel)
    reference.store = dict(held)
    assert reference.call("Item", "coke", "update_stock", -3)["result"] == {"ok": True}
    assert reference.store[("Item", "coke")] == results[0][1]
    assert serve._resident._last[("Item", "coke")] == results[0][1]


def test_a_result_with_more_than_its_response_keeps_the_object_form(shop: Router) -> None:
    held = _setup(shop)
    request = _compact("r", "User", "ann", "buy_item", [1, {"$entity": "Item", "$key": "coke"}])
    mine = dict(held)
    # Nothing runs locally (the item is excluded): the Read leaves, in the object form.
    results, local = run_routed(shop.kernel.process, mine, [request],
                                {"exclude": [["Item", "coke"]], "maxLocal": 100}, [REPLY_TO])
    assert type(results[0]) is dict
    assert [e["kind"] for e in results[0]["out"]] == ["Read"]
    assert results[0]["out"][0]["replyTo"] is REPLY_TO
    # Everything runs locally: the request's own result is empty, the Response is in local.
    results, local = run_routed(shop.kernel.process, dict(held), [request], {"maxLocal": 100}, [REPLY_TO])
    assert results[0]["out"] == []
    assert [e["kind"] for e in local["out"]] == ["Response"]


def test_compact_result_only_for_the_requests_own_response() -> None:
    event = compact_event(_compact("r", "Item", "coke", "m", []), [REPLY_TO])
    response = {"kind": "Response", "requestId": "r", "seq": 1, "stack": [], "replyTo": REPLY_TO,
                "result": {"ok": 1}}
    assert compact_result(event, {"out": [response]}) == [{"ok": 1}]
    assert compact_result(event, {"state": {"x": 1}, "out": [response]}) == [{"ok": 1}, {"x": 1}]
    other = dict(response, replyTo={"channel": "t", "id": "1"})  # equal, but not the same object
    assert type(compact_result(event, {"out": [other]})) is dict
    assert type(compact_result(event, {"out": [dict(response, seq=3)]})) is dict
    assert type(compact_result(event, {"out": []})) is dict
