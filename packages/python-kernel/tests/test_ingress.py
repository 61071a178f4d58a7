"""The request rules the Kafka-fed backends share (stateflow_kernel.ingress): one test per
rule, each with the exact message and code the backends answer with."""
from __future__ import annotations

import json
from typing import Any, Dict

from stateflow_kernel import ingress
from stateflow_kernel.ingress import Refusal, read_record, request_problem

ENTITIES = ("Item", "User")
REPLY_TO = {"channel": "kafka:out", "id": "c1"}


def invoke(**fields: Any) -> Dict[str, Any]:
    event = {"kind": "Invoke", "requestId": "r1", "seq": 0, "stack": [], "replyTo": REPLY_TO,
             "target": {"entity": "User", "key": "ann"}, "method": "buy", "args": [], "kwargs": {}}
    event.update(fields)
    return event


def construct(**fields: Any) -> Dict[str, Any]:
    event = {"kind": "Construct", "requestId": "r2", "seq": 0, "stack": [], "replyTo": REPLY_TO,
             "entity": "Item", "args": ["pen", 3], "kwargs": {}}
    event.update(fields)
    return event


# -- reading a record ---------------------------------------------------------------


def test_reads_a_request_from_utf8_bytes_or_text() -> None:
    text = json.dumps(invoke())
    for value in (text.encode("utf-8"), bytearray(text.encode("utf-8")), text):
        record = read_record(value)
        assert record.event == invoke() and record.text == text and record.dead_reason == ""


def test_bytes_that_are_not_utf8_are_a_dead_letter_showing_the_bytes() -> None:
    record = read_record(b"\xff\xfe" + b"x" * 3000)
    assert record.event is None and record.dead_reason == "the record is not UTF-8 text"
    assert record.text == repr(b"\xff\xfe" + b"x" * 1998)


def test_a_record_without_a_value_is_a_dead_letter() -> None:
    assert read_record(None) == (None, "None", "the record has no value")


def test_text_that_is_not_json_is_a_dead_letter_with_the_parser_s_reason() -> None:
    record = read_record("not json")
    assert record.event is None and record.text == "not json"
    assert record.dead_reason.startswith("the record is not JSON (Expecting value")


def test_json_nested_too_deeply_to_parse_is_a_dead_letter() -> None:
    text = "[" * 200_000 + "]" * 200_000
    assert read_record(text).dead_reason == "the record nests arrays or objects too deeply to read"


def test_json_that_is_not_an_object_is_a_dead_letter() -> None:
    assert read_record("[1]").dead_reason == (
        "the record is not a JSON object (an event per @stateflow/ir envelope.ts)")


def test_an_event_without_a_readable_request_id_and_reply_to_is_a_dead_letter() -> None:
    reason = "the event has no readable requestId and replyTo {channel, id}"
    for event in (invoke(requestId=7), invoke(replyTo=None), invoke(replyTo={"channel": "x"}),
                  invoke(replyTo={"channel": 1, "id": "c"})):
        assert not ingress.has_reply_address(event)
        assert read_record(json.dumps(event)).dead_reason == reason


# -- the rules of a client request ----------------------------------------------------


def test_valid_requests_have_no_problem() -> None:
    assert request_problem(invoke(), ENTITIES) is None
    assert request_problem(construct(), ENTITIES) is None
    # Absent stack, seq, args and kwargs mean empty, 0, [] and {}.
    bare = {k: v for k, v in invoke().items() if k not in ("stack", "seq", "args", "kwargs")}
    assert request_problem(bare, ENTITIES) is None


def test_kind_must_be_a_client_kind_or_one_the_backend_adds() -> None:
    get_state = {"kind": "GetState", "requestId": "r", "replyTo": REPLY_TO, "target": {"entity": "User", "key": "a"}}
    assert request_problem(get_state, ENTITIES) == Refusal("a client may send Invoke, Construct events, not 'GetState'")
    assert request_problem(get_state, ENTITIES, ("GetState",)) is None
    assert request_problem(invoke(kind="Reply"), ENTITIES, ("GetState",)) == Refusal(
        "a client may send Invoke, Construct, GetState events, not 'Reply'")


def test_backend_events_are_refused_from_a_client() -> None:
    # Settle and Query travel between a backend's instances only: a client's copy could record
    # an answer for someone else's request, or read one out.
    for kind in ("Settle", "Query"):
        event = invoke(kind=kind, hops=0, response="{}")
        assert request_problem(event, ENTITIES, ("GetState",)) == Refusal(
            "a client may send Invoke, Construct, GetState events, not %r" % kind)


def test_stack_must_be_empty() -> None:
    assert request_problem(invoke(stack=[{"entity": "User"}]), ENTITIES) == Refusal("a client request has an empty stack")


def test_seq_must_be_a_whole_number_an_event_can_carry() -> None:
    assert request_problem(invoke(seq=-1), ENTITIES) == Refusal(
        "seq must be a whole number from 0 to 2^53 - 1 (got -1)")


def test_invoke_and_get_state_need_a_target_with_a_string_key() -> None:
    assert request_problem(invoke(target={"entity": "User", "key": 5}), ENTITIES) == Refusal(
        "Invoke needs target {entity, key} with a string key")
    assert request_problem(invoke(kind="GetState", target="User/ann"), ENTITIES, ("GetState",)) == Refusal(
        "GetState needs target {entity, key} with a string key")


def test_the_entity_must_be_named_by_a_string() -> None:
    assert request_problem(construct(entity=None), ENTITIES) == Refusal("Construct needs an entity name")
    assert request_problem(invoke(target={"key": "ann"}), ENTITIES) == Refusal("Invoke needs an entity name")


def test_the_entity_must_be_a_class_of_the_program() -> None:
    assert request_problem(construct(entity="Cart"), ENTITIES) == Refusal(
        "no entity class 'Cart' in this program (entities: Item, User)", "UnknownEntity")


def test_call_arguments_must_be_an_array_and_an_object() -> None:
    assert request_problem(invoke(args={"a": 1}), ENTITIES) == Refusal(
        "positional arguments (args) must be an array", "BadArguments")
    assert request_problem(construct(kwargs=[]), ENTITIES) == Refusal(
        "keyword arguments (kwargs) must be an object of names and values", "BadArguments")


def test_invoke_needs_a_method_name() -> None:
    assert request_problem(invoke(method=None), ENTITIES) == Refusal("Invoke needs a method name")


# -- answers and dead letters ---------------------------------------------------------


def test_a_refusal_is_answered_with_an_error_response_to_the_reply_address() -> None:
    plain = json.loads(ingress.refusal_response(invoke(seq=4), Refusal("Invoke needs a method name")))
    assert plain == {"kind": "Response", "requestId": "r1", "seq": 5, "stack": [], "replyTo": REPLY_TO,
                     "result": {"error": {"type": "InvalidRequest", "message": "Invoke needs a method name"}}}
    coded = json.loads(ingress.refusal_response(invoke(seq="x"), Refusal("no entity", "UnknownEntity")))
    assert coded["seq"] == 1
    assert coded["result"] == {"error": {"type": "UnknownEntity", "message": "no entity", "code": "UnknownEntity"}}


def test_a_dead_letter_keeps_the_reason_the_source_and_at_most_100000_characters() -> None:
    letter = json.loads(ingress.dead_letter("x" * 100_001, "the record has no value", "shop-ingress"))
    assert letter == {"reason": "the record has no value", "topic": "shop-ingress", "record": "x" * 100_000}
