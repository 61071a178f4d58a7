"""In-line self calls, in-line creation, loops, private methods, coercion and failures."""
from __future__ import annotations

import pytest
from conftest import Router

NODE = "Node"


def ref(key: str):
    return {"$entity": NODE, "$key": key}


def test_construct_coerces_int_to_float_and_runs_init(graph: Router) -> None:
    assert graph.create(NODE, "root", 3)["result"] == {"ok": ref("root")}
    assert graph.state(NODE, "root") == {
        "name": "root", "weight": {"$float": "3.0"}, "children": [], "log": []}


def test_float_coercion_for_methods(graph: Router) -> None:
    graph.create(NODE, "root", 2.5)
    assert graph.call(NODE, "root", "scale", 2)["result"] == {"ok": {"$float": "5.0"}}


def test_constructor_exception(graph: Router) -> None:
    err = graph.create(NODE, "")["result"]["error"]
    assert err == {"type": "ValueError", "message": "a node needs a name"}
    assert graph.store == {}


def test_create_in_line_then_resume(graph: Router) -> None:
    graph.create(NODE, "root")
    graph.hops.clear()
    assert graph.call(NODE, "root", "add_child", "a")["result"] == {"ok": ref("a")}
    kinds = [h["event"]["kind"] for h in graph.hops]
    assert kinds == ["Invoke", "Insert", "Reply"]
    assert graph.state(NODE, "a")["weight"] == {"$float": "2.0"}
    assert graph.state(NODE, "root")["children"] == [ref("a")]
    # creating the same child again: EntityExists reaches the frame, then the client
    err = graph.call(NODE, "root", "add_child", "a")["result"]["error"]
    assert err["code"] == "EntityExists"
    assert graph.state(NODE, "root")["children"] == [ref("a")]


def test_loop_of_remote_calls(graph: Router) -> None:
    graph.create(NODE, "root")
    for name in ("a", "b", "c"):
        graph.call(NODE, "root", "add_child", name)
    graph.call(NODE, "b", "scale", 10)
    assert graph.call(NODE, "root", "child_weights")["result"] == {"ok": {"$float": "24.0"}}


def test_invoke_self_with_remote_call_in_callee(graph: Router) -> None:
    graph.create(NODE, "root")
    graph.call(NODE, "root", "add_child", "a")
    graph.hops.clear()
    response = graph.call(NODE, "root", "summary")
    # peek() == 1 (simple self call), _collect reads child weight 2.0 + extra 0.5
    assert response["result"] == {"ok": 3.5}
    read = graph.hops[1]["event"]
    assert read["kind"] == "Read"
    assert [f["method"] for f in read["stack"]] == ["summary", "_collect"]
    assert read["stack"][0]["env"] == {"n": 1}
    assert read["stack"][1]["env"] == {"extra": 0.5}
    assert graph.state(NODE, "root")["log"] == ["collect", "summary"]
    kinds = [h["event"]["kind"] for h in graph.hops]
    assert kinds == ["Invoke", "Read", "Reply"]


def test_remote_exception_propagates_and_keeps_earlier_hops(graph: Router) -> None:
    graph.create(NODE, "root")
    graph.call(NODE, "root", "add_child", "a")
    before_child = graph.state(NODE, "a")
    response = graph.call(NODE, "root", "poke_child", "bang")
    assert response["result"] == {"error": {"type": "Boom", "message": "bang"}}
    # the child's failing hop left no trace; the caller's first hop committed
    assert graph.state(NODE, "a") == before_child
    assert graph.state(NODE, "root")["log"] == ["poke"]


def test_private_methods_are_not_callable_by_clients(graph: Router) -> None:
    graph.create(NODE, "root")
    err = graph.call(NODE, "root", "_secret")["result"]["error"]
    assert err["code"] == "UnknownMethod" and "private" in err["message"]


def test_unencodable_return_value(graph: Router) -> None:
    graph.create(NODE, "root")
    err = graph.call(NODE, "root", "bad_return")["result"]["error"]
    assert err["code"] == "EncodingError"
    assert "the return value of Node.bad_return" in err["message"]


def test_reference_misuse_in_plain_method(graph: Router) -> None:
    graph.create(NODE, "root")
    graph.create(NODE, "other")
    err = graph.call(NODE, "root", "misuse", ref("other"))["result"]["error"]
    assert err["type"] == "TypeError" and "code" not in err
    assert "Node.weight" in err["message"] and "x: Node" in err["message"]


def test_read_only_hop_reports_no_state(graph: Router) -> None:
    graph.create(NODE, "root")
    graph.call(NODE, "root", "get_weight")
    assert "state" not in graph.hops[-1]["result"]
    graph.call(NODE, "root", "scale", 1.0)  # writes: reported even if equal
    assert "state" in graph.hops[-1]["result"]


def test_user_print_does_not_break_processing(graph: Router, capsys: pytest.CaptureFixture) -> None:
    graph.create(NODE, "root")
    assert graph.call(NODE, "root", "print_and_return")["result"] == {"ok": "printed"}


def test_reply_with_error_fails_the_frame(graph: Router) -> None:
    frame = {"entity": NODE, "key": "root", "method": "summary", "resume": "b2",
             "resultVar": "__sf_t1", "env": {"n": 1}}
    outer = {"entity": "Caller", "key": "c", "method": "m", "resume": "b1",
             "resultVar": "__sf_t0", "env": {}}
    graph.create(NODE, "root")
    ev = graph.request("Reply", target={"entity": NODE, "key": "root"}, frame=frame,
                       result={"error": {"type": "Boom", "message": "x"}}, stack=[outer])
    result = graph.hop(ev)
    assert "state" not in result
    [reply] = result["out"]
    assert reply["kind"] == "Reply" and reply["frame"] == outer and reply["stack"] == []
    assert reply["target"] == {"entity": "Caller", "key": "c"}
    assert reply["result"] == {"error": {"type": "Boom", "message": "x"}}
    assert reply["seq"] == 1
