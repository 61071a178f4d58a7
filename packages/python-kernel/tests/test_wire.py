"""Compact requests and results (stateflow_kernel.wire): same outcome as the object form."""
from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

from stateflow_kernel import serve
from stateflow_kernel.chain import compact_state
from stateflow_kernel.local_route import run_routed
from stateflow_kernel.wire import compact_result, decode_event, encode_event, reply_index

from conftest import Router

REPLY_TO = {"channel": "t", "id": "1"}
RTS = [REPLY_TO]
FRAME = {"entity": "User", "key": "ann", "method": "buy_item", "resume": "b1", "resultVar": "v",
         "env": {"amount": 1}}


def _base(kind: str, **fields: Any) -> Dict[str, Any]:
    return dict({"kind": kind, "requestId": "r", "seq": 2, "replyTo": REPLY_TO, "stack": [FRAME]}, **fields)


EVENTS = [
    _base("Invoke", target={"entity": "Item", "key": "coke"}, method="m", args=[1], kwargs={"x": 2}),
    _base("Reply", target={"entity": "User", "key": "ann"}, frame=FRAME, result={"ok": 3}),
    _base("Response", result={"error": {"type": "E", "message": "m"}}, stack=[]),
    _base("Read", target={"entity": "Item", "key": "coke"}, attr="price"),
    _base("Insert", target={"entity": "Item", "key": "coke"}, state={"price": 1}),
    _base("Construct", entity="Item", args=["coke", 1], kwargs={}),
    # A callee's answer for its callers' detached blocks (stateflow_kernel.detached).
    _base("Response", result={"ok": True}, stack=[], origin={"entity": "User", "key": "ann"}),
]


@pytest.mark.parametrize("event", EVENTS, ids=[e["kind"] + (" with origin" if "origin" in e else "") for e in EVENTS])
def test_every_kind_round_trips_through_json(event: Dict[str, Any]) -> None:
    wire = encode_event(event, reply_index(RTS))
    assert type(wire) is list
    back = decode_event(json.loads(json.dumps(wire)), RTS)
    assert back == event
    assert back["replyTo"] is REPLY_TO


def test_events_the_format_cannot_carry_stay_objects() -> None:
    ids = reply_index(RTS)
    stranger = dict(EVENTS[0], replyTo={"channel": "t", "id": "1"})  # equal, but not one of the frame's
    assert encode_event(stranger, ids) is stranger
    extra = dict(EVENTS[0], note="x")
    assert encode_event(extra, ids) is extra
    moved = dict(EVENTS[1], target={"entity": "User", "key": "bob"})  # a Reply not to its frame
    assert encode_event(moved, ids) is moved
    assert decode_event(stranger, RTS) is stranger


def test_a_response_with_origin_is_two_fields_longer() -> None:
    ids = reply_index(RTS)
    assert encode_event(EVENTS[6], ids) == [2, "r", 2, 0, [], {"ok": True}, "User", "ann"]
    assert encode_event(EVENTS[2], ids) == [2, "r", 2, 0, [], {"error": {"type": "E", "message": "m"}}]
    assert "origin" not in decode_event(encode_event(EVENTS[2], ids), RTS)
    # One with a stack (no kernel writes it) is compact too, frames and all.
    stacked = dict(EVENTS[6], stack=[FRAME])
    assert decode_event(json.loads(json.dumps(encode_event(stacked, ids))), RTS) == stacked
    # An origin the format cannot carry stays an object.
    odd = dict(EVENTS[6], origin={"entity": "User", "key": "ann", "note": "x"})
    assert encode_event(odd, ids) is odd
    extra = dict(EVENTS[2], note="x")
    assert encode_event(extra, ids) is extra


def test_compact_state_is_its_own_or_the_held_one() -> None:
    held = {("Item", "coke"): {"stock": 1}}
    event = EVENTS[0]
    assert compact_state([None, None], event, held) is None
    assert compact_state([None], event, held) == {"stock": 1}
    assert compact_state([None], EVENTS[5], held) is None  # a Construct has no target
    with pytest.raises(LookupError, match="holds no state for Item 'pepsi'"):
        compact_state([None], dict(event, target={"entity": "Item", "key": "pepsi"}), held)


def _setup(shop: Router) -> Dict[Any, Any]:
    shop.create("Item", "coke", 2)
    shop.call("Item", "coke", "update_stock", 10)
    shop.create("User", "ann")
    shop.call("User", "ann", "update_balance", 100)
    return dict(shop.store)


def _invoke(rid: str, entity: str, key: str, method: str, args: List[Any]) -> List[Any]:
    return [0, rid, 0, 0, [], entity, key, method, args, {}]


def test_batch_with_compact_requests_matches_the_object_form(shop: Router) -> None:
    held = _setup(shop)
    serve._resident.clear()
    serve._resident._last.update(held)
    frame = {"id": 7, "kind": "batch", "replyTo": RTS, "requests": [
        [_invoke("a", "Item", "coke", "update_stock", [-3])],                 # held, state changes
        [_invoke("b", "Item", "coke", "update_stock", [-100])],               # chained: user error
        [_invoke("c", "User", "ann", "update_balance", [5]), held[("User", "ann")]],
        [_invoke("d", "User", "bob", "update_balance", [5]), None],           # no such instance
        {"event": decode_event(_invoke("e", "Item", "coke", "update_stock", [1]), RTS), "held": True},
    ]}
    _, response = serve._handle(shop.kernel, json.loads(json.dumps(frame)))
    results = json.loads(json.dumps(response["results"]))
    assert [type(r) for r in results] == [list, list, list, list, dict]
    # Each result is only the request's own Response: just its result object.
    assert results[0][0] == {"ok": True}
    assert results[0][1]["stock"] == 7
    assert results[1][0]["error"]["type"] == "NotEnoughStock"
    assert results[2][1]["balance"] == held[("User", "ann")]["balance"] + 5
    assert len(results[3]) == 1
    assert results[3][0]["error"]["code"] == "EntityNotFound"
    assert results[4]["out"][0]["result"] == {"ok": True}
    # The object form of the first request, on a fresh copy of the states.
    reference = Router(shop.kernel)
    reference.store = dict(held)
    assert reference.call("Item", "coke", "update_stock", -3)["result"] == {"ok": True}
    assert reference.store[("Item", "coke")] == results[0][1]


def test_routed_batch_with_compact_requests(shop: Router) -> None:
    held = _setup(shop)
    request = [_invoke("r", "User", "ann", "buy_item", [1, {"$entity": "Item", "$key": "coke"}])]
    # Nothing runs locally (the item is excluded): the Read leaves as a compact event.
    results, local = run_routed(shop.kernel.process, dict(held), [request],
                                {"exclude": [["Item", "coke"]], "maxLocal": 100}, RTS)
    out = results[0][0]
    assert [decode_event(e, RTS)["kind"] for e in out] == ["Read"]
    assert decode_event(out[0], RTS)["stack"][0]["method"] == "buy_item"
    # Everything runs locally: the request's own result is empty, the Response is in local.
    results, local = run_routed(shop.kernel.process, dict(held), [request], {"maxLocal": 100}, RTS)
    assert results[0][0] == []
    assert [decode_event(e, RTS)["kind"] for e in local["out"]] == ["Response"]


def test_compact_result_shortens_the_requests_own_response() -> None:
    ids = reply_index(RTS)
    request = dict(EVENTS[0], seq=1)
    own = EVENTS[2]  # seq 2, same replyTo
    assert compact_result(request, {"out": [own]}, ids) == [own["result"]]
    assert compact_result(request, {"state": {"x": 1}, "out": [own]}, ids) == [own["result"], {"x": 1}]
    later = dict(own, seq=5)
    assert compact_result(request, {"out": [later]}, ids) == [[encode_event(later, ids)]]
    other = dict(own, replyTo={"channel": "t", "id": "1"})  # equal, but not the request's object
    assert compact_result(request, {"out": [other]}, ids) == [[other]]
    assert compact_result(request, {"state": {"x": 1}, "out": []}, ids) == [[], {"x": 1}]
