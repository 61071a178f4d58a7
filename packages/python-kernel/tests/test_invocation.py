"""A request answered by the call it arrived in (stateflow_kernel.invocation): the checks,
answers and chain loop the Lambda and Cloudburst functions share."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import pytest

from conftest import Router
from stateflow_kernel.invocation import BadRequest, answer, fingerprint, parse_request, run_chain

REPLY = {"channel": "test", "id": "c1"}


def invoke(rid: str, key: str, method: str, args: List[Any], **extra: Any) -> Dict[str, Any]:
    return dict({"kind": "Invoke", "requestId": rid, "replyTo": REPLY, "target": {"entity": "Item", "key": key},
                 "method": method, "args": args}, **extra)


@pytest.mark.parametrize("payload, message", [
    ("[" * 100000 + "]" * 100000, "the payload nests arrays or objects too deeply to read"),
    ([], "the payload must be a JSON object (a StateFlow Invoke or Construct event), got list"),
    ({"kind": "Reply"}, "'kind' must be one of Invoke, Construct, GetState, Ping (got \"Reply\")"),
    ({"kind": "Invoke", "requestId": "x" * 513, "replyTo": REPLY},
     "'requestId' must be a non-empty string of at most 512 characters"),
    ({"kind": "Invoke", "requestId": "x", "replyTo": "me"}, "'replyTo' must be an object {\"channel\", \"id\"}"),
    ({"kind": "GetState", "requestId": "x", "replyTo": REPLY, "target": {"entity": "Item"}},
     "'target' must be {\"entity\": string, \"key\": string}"),
    (invoke("x", "\ud800", "m", []), "the key is not valid Unicode (it holds a lone UTF-16 surrogate)"),
    (invoke("x", "k" * 1001, "m", []), "the key is longer than 1000 bytes of UTF-8"),
    (invoke("x", "k", 3, []), "'method' must be a string"),
    ({"kind": "Construct", "requestId": "x", "replyTo": REPLY}, "'entity' must be a string"),
    (invoke("x", "k", "m", {}), "'args' must be a list"),
    (invoke("x", "k", "m", [], kwargs=[]), "'kwargs' must be an object"),
])
def test_a_malformed_request_is_refused_with_a_message_naming_the_fault(payload: Any, message: str) -> None:
    with pytest.raises(BadRequest) as e:
        parse_request(payload, "payload")
    assert str(e.value) == message


def test_text_that_is_not_json_is_refused_with_the_parser_s_reason() -> None:
    with pytest.raises(BadRequest, match=r"^the request is not JSON \(.+ line 1 column 2 \(char 1\)\)$"):
        parse_request("{oops", "request")


def test_a_client_request_starts_a_chain_and_keeps_its_fingerprint() -> None:
    request = parse_request(json.dumps(invoke("r1", "coke", "update_stock", [1], seq=7, stack=[{"x": 1}])), "request")
    assert (request["seq"], request["stack"], request["kwargs"]) == (0, [], {})
    assert fingerprint(request) == fingerprint(dict(request, requestId="r2", replyTo={"channel": "x", "id": "y"}))
    assert fingerprint(request) != fingerprint(dict(request, args=[2]))
    assert parse_request({"kind": "Ping"}, "request") == {"kind": "Ping"}  # unchecked


def _answer(payload: Any, router: Router, reraise: tuple = ()) -> Dict[str, Any]:
    def run(request: Dict[str, Any]) -> Dict[str, Any]:
        states = dict(router.store)
        return run_chain(router.kernel.process, request, lambda a: states.get(a),
                         lambda a, s: states.__setitem__(a, s), 100, "test")

    return answer(payload, run, lambda address: router.store.get(address), "request", "test", reraise)


def test_answers_every_kind_and_never_raises(shop: Router) -> None:
    shop.create("Item", "coke", 3)
    ok = _answer(invoke("r1", "coke", "update_stock", [5]), shop)
    assert (ok["kind"], ok["requestId"], ok["replyTo"], ok["result"]) == ("Response", "r1", REPLY, {"ok": True})
    assert _answer({"kind": "Ping"}, shop) == {"kind": "Pong"}
    got = _answer({"kind": "GetState", "requestId": "g", "replyTo": REPLY, "target": {"entity": "Item", "key": "coke"}}, shop)
    assert got["result"] == {"ok": {"item_name": "coke", "stock": 0, "price": 3}}
    missing = _answer({"kind": "GetState", "requestId": "g", "replyTo": REPLY, "target": {"entity": "Item", "key": "x"}}, shop)
    assert missing["result"]["error"] == {"type": "EntityNotFound", "message": 'Item("x") does not exist', "code": "EntityNotFound"}
    bad = _answer("{", shop)
    assert bad["replyTo"] == {"channel": "test", "id": ""} and bad["requestId"] == ""
    assert bad["result"]["error"]["type"] == "BadRequest" and bad["result"]["error"]["code"] == "BadArguments"


def test_a_bug_of_ours_is_an_internal_error_unless_the_backend_reraises_it(shop: Router) -> None:
    def broken(request: Dict[str, Any]) -> Dict[str, Any]:
        raise KeyError("oops")

    request = invoke("r1", "coke", "update_stock", [5])
    internal = answer(request, broken, lambda a: None, "request", "test")
    assert internal["result"]["error"] == {"type": "Internal", "message": "KeyError: 'oops'", "code": "Internal"}
    with pytest.raises(KeyError):
        answer(request, broken, lambda a: None, "request", "test", reraise=(KeyError,))


def test_run_chain_runs_hops_in_order_and_stops_at_the_hop_limit(shop: Router) -> None:
    shop.create("Item", "coke", 3)
    shop.create("User", "ann")
    shop.call("User", "ann", "update_balance", 100)
    shop.call("Item", "coke", "update_stock", 10)
    states: Dict[Any, Optional[Dict[str, Any]]] = dict(shop.store)
    written: Dict[Any, Dict[str, Any]] = {}

    def put(address: Any, state: Dict[str, Any]) -> None:
        states[address] = state
        written[address] = state

    buy = {"kind": "Invoke", "requestId": "b1", "seq": 0, "stack": [], "replyTo": REPLY,
           "target": {"entity": "User", "key": "ann"}, "method": "buy_item",
           "args": [2, {"$entity": "Item", "$key": "coke"}], "kwargs": {}}
    done = run_chain(shop.kernel.process, buy, states.get, put, 10, "test")
    assert done["result"] == {"ok": True}
    assert written[("Item", "coke")]["stock"] == 8 and written[("User", "ann")]["balance"] == 95
    # buy_item takes three hops (read, invoke, reply): two are not enough.
    cut = run_chain(shop.kernel.process, dict(buy, requestId="b2"), states.get, put, 2, "test")
    assert cut["result"]["error"]["message"] == "the call exceeded 2 hops; is there unbounded recursion between entities?"


def test_run_chain_says_so_when_the_chain_ends_without_an_answer() -> None:
    def silent(event: Dict[str, Any], state: Any) -> Dict[str, Any]:
        # A Response of another request is no answer to this one.
        return {"out": [dict(event, kind="Response", requestId="other", result={"ok": 1})]}

    request = dict(invoke("r1", "k", "m", []), seq=0, stack=[])
    out = run_chain(silent, request, lambda a: None, lambda a, s: None, 10, "test")
    assert out["result"]["error"] == {"type": "Internal", "message": "the call ended without an answer", "code": "Internal"}
