"""Client arguments are decoded strictly: the shared request-value vectors of @stateflow/ir,
new standard types end to end, and keys no URL can address."""
from __future__ import annotations

import datetime
import decimal
import json
import os
import uuid
from typing import Any, Dict

import programs
import pytest
from conftest import Router

from stateflow_kernel import Kernel
from stateflow_kernel.request_values import RequestDecoder, RequestValueError
from stateflow_kernel.values import Codec

FIXTURE = os.path.join(programs.ROOT, "packages", "ir", "test", "fixtures", "request-values.json")
with open(FIXTURE, encoding="utf-8") as f:
    VECTORS = json.load(f)


def decoder() -> RequestDecoder:
    import enum

    class Color(enum.Enum):
        RED = 1

    return RequestDecoder(Codec(enum_classes={"Color": Color}), frozenset(VECTORS["entities"]))


@pytest.mark.parametrize("vector", VECTORS["invalid"], ids=[v["name"] for v in VECTORS["invalid"]])
def test_refuses_what_the_gateway_refuses_with_the_same_message(vector: Any) -> None:
    with pytest.raises(RequestValueError) as e:
        decoder().value(json.loads(vector["json"]), "args[0]", 0)
    assert str(e.value) == vector["message"]


@pytest.mark.parametrize("vector", VECTORS["valid"], ids=[v["name"] for v in VECTORS["valid"]])
def test_accepts_what_the_gateway_accepts(vector: Any) -> None:
    decoder().value(json.loads(vector["json"]), "args[0]", 0)


CALLS = VECTORS["calls"]


def client_construct(call: Dict[str, Any]) -> Dict[str, Any]:
    event = {"kind": "Construct", "requestId": "r1", "seq": 0, "stack": [],
             "replyTo": {"channel": "t", "id": "1"}, "entity": "Item"}
    event.update(call)
    return event


@pytest.mark.parametrize("vector", CALLS["invalid"], ids=[v["name"] for v in CALLS["invalid"]])
def test_refuses_the_call_arguments_every_backend_refuses(vector: Any) -> None:
    result = Kernel(programs.shop_program()).process(client_construct(vector["call"]), None)
    error = result["out"][0]["result"]["error"]
    assert error["code"] == "BadArguments"
    assert error["message"] == vector["message"]


@pytest.mark.parametrize("vector", CALLS["valid"], ids=[v["name"] for v in CALLS["valid"]])
def test_accepts_the_call_arguments_every_backend_accepts(vector: Any) -> None:
    Kernel(programs.shop_program())._client_arguments(client_construct(vector["call"]))


def test_decodes_every_tag_to_its_python_type() -> None:
    [value] = json.loads(next(v["json"] for v in VECTORS["valid"] if v["name"] == "every tag")),
    decoded = decoder().value(value, "args[0]", 0)
    assert [type(v).__name__ for v in decoded] == [
        "int", "float", "float", "bytes", "bytearray", "tuple", "set", "dict", "date", "time", "time",
        "datetime", "timedelta", "Decimal", "Decimal", "UUID", "Color", "EntityRef"]
    assert decoded[10] == datetime.time(12, 0, tzinfo=datetime.timezone.utc)
    assert decoded[12] == datetime.timedelta(microseconds=-1)
    assert frozenset({4}) in decoded[6]


ENUM_SOURCE = '''
import datetime
import decimal
import enum
import uuid
from stateflow import stateflow


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@stateflow
class Box:
    def __init__(self, name: str):
        self.name = name
        self.data = bytearray(b"ab")
        self.color = Color.RED
        self.when = datetime.date(2024, 2, 29)
        self.price = decimal.Decimal("1.10")
        self.tags = frozenset({"x"})
        self.id = uuid.UUID(int=1)
        self.wait = datetime.timedelta(hours=1)

    def __key__(self):
        return self.name

    def paint(self, color: Color, extra: bytearray) -> str:
        self.color = color
        self.data += extra
        return "%s %s" % (color.name, bytes(self.data))

    def everything(self):
        return [self.data, self.color, self.when, self.price, self.tags, self.id, self.wait]
'''


@pytest.fixture
def boxes() -> Router:
    return Router(Kernel(programs.program("boxes", ENUM_SOURCE, [
        programs.entity("Box", [programs.method("paint", params=["color", "extra"]),
                                programs.method("everything", writes=False)]),
    ])))


def test_standard_types_round_trip_through_state_and_calls(boxes: Router) -> None:
    assert boxes.create("Box", "b1")["result"] == {"ok": {"$entity": "Box", "$key": "b1"}}
    assert boxes.state("Box", "b1") == {
        "name": "b1", "data": {"$bytearray": "YWI="}, "color": {"$enum": ["Color", "RED"]},
        "when": {"$date": "2024-02-29"}, "price": {"$decimal": "1.10"},
        "tags": {"$frozenset": ["x"]}, "id": {"$uuid": "00000000-0000-0000-0000-000000000001"},
        "wait": {"$timedelta": [0, 3600, 0]},
    }
    result = boxes.call("Box", "b1", "paint", {"$enum": ["Color", "GREEN"]}, {"$bytearray": "Yw=="})
    assert result["result"] == {"ok": "GREEN b'abc'"}
    assert boxes.state("Box", "b1")["data"] == {"$bytearray": "YWJj"}
    everything = boxes.call("Box", "b1", "everything")["result"]["ok"]
    assert everything[1] == {"$enum": ["Color", "GREEN"]}


def test_malformed_client_arguments_are_bad_arguments_not_tracebacks(boxes: Router, capfd) -> None:
    boxes.create("Box", "b1")
    for args, message in [
        ([{"$float": "0x10"}, {"$bytes": "abc"}],
         'args[0]: $float takes a decimal number as a string (e.g. "2.0", "1e-7"), or "nan", "inf", "-inf"'),
        ([1, {"$bytearray": "abc"}], "args[1]: $bytearray is not valid base64 (standard alphabet, padded with '=')"),
        ([{"$set": [[1]]}, None], "args[0][0]: a $set member must be hashable; got a list"),
        ([{"$int": "9" * 5000}, None], "args[0]: $int has 5000 digits; at most 4300 are accepted"),
        ([{"$enum": ["Colour", "RED"]}, None], "args[0]: no Enum class 'Colour' in the program's module"),
        ([{"$enum": ["Color", "BLUE"]}, None], "args[0]: the enum Color has no member 'BLUE'"),
        ([json.loads("[" * 100 + "]" * 100), None], "the value is nested deeper than 64 levels"),
    ]:
        error = boxes.call("Box", "b1", "paint", *args)["result"]["error"]
        assert error["code"] == "BadArguments", error
        assert message in error["message"]
    error = boxes.create("Box", {"$tuple": 1})["result"]["error"]
    assert error == {"type": "BadArguments", "code": "BadArguments", "message": "args[0]: $tuple takes an array"}
    assert "Traceback" not in capfd.readouterr().err
    assert boxes.state("Box", "b1")["color"] == {"$enum": ["Color", "RED"]}


@pytest.mark.parametrize("key", ["", ".", ".."])
def test_keys_no_url_can_address_are_refused_at_creation(boxes: Router, key: str) -> None:
    error = boxes.create("Box", key)["result"]["error"]
    assert error["code"] == "BadArguments"
    assert "instance keys must be addressable in a URL path" in error["message"]
    assert boxes.state("Box", key) is None


@pytest.mark.parametrize("key", ["a/b", "100%", "...", " ", "é"])
def test_awkward_but_addressable_keys_are_accepted(boxes: Router, key: str) -> None:
    assert boxes.create("Box", key)["result"] == {"ok": {"$entity": "Box", "$key": key}}


def test_a_reference_to_an_unaddressable_key_is_refused(boxes: Router) -> None:
    error = boxes.call("Box", "x", "paint", {"$entity": "Box", "$key": "."}, None)["result"]["error"]
    assert error["code"] in ("BadArguments", "EntityNotFound")


def test_values_decoded_from_state_use_the_new_tags() -> None:
    codec = Codec()
    for value in [bytearray(b"\x00"), frozenset({1}), datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.timezone.utc),
                  datetime.time(1, 2, 3), decimal.Decimal("-0"), uuid.UUID(int=5), datetime.timedelta(days=-3)]:
        decoded = codec.decode(json.loads(json.dumps(codec.encode(value))))
        assert type(decoded) is type(value) and str(decoded) == str(value)


def test_an_int_beyond_pythons_text_limit_is_an_encoding_error_not_a_crash() -> None:
    from stateflow_kernel.values import EncodingError
    with pytest.raises(EncodingError, match="ints are at most 4300 digits"):
        Codec().encode(10 ** 5000)


def test_a_value_nested_too_deeply_or_holding_itself_is_an_encoding_error() -> None:
    from stateflow_kernel.values import EncodingError
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    looped: list = []
    looped.append(looped)
    for value in (deep, looped):
        with pytest.raises(EncodingError, match="nested too deeply to encode") as e:
            Codec().encode_fields({"tree": value}, "state field", "Box('b')")
        assert "state field 'tree' of Box('b')" in str(e.value)
        with pytest.raises(EncodingError, match="nested too deeply"):
            Codec().encode_value(value, "the return value of Box.f")


def test_seq_problem_accepts_whole_numbers_the_ir_can_carry():
    from stateflow_kernel.request_values import seq_problem

    assert [seq_problem(s) for s in (0, 1, 2 ** 53 - 1)] == [None, None, None]
    assert seq_problem(None) == "seq must be a whole number from 0 to 2^53 - 1 (got null)"
    assert seq_problem(True) == "seq must be a whole number from 0 to 2^53 - 1 (got a boolean)"
    assert seq_problem(-1) == "seq must be a whole number from 0 to 2^53 - 1 (got -1)"
    assert seq_problem(1.5) == "seq must be a whole number from 0 to 2^53 - 1 (got 1.5)"
    assert seq_problem("0") == "seq must be a whole number from 0 to 2^53 - 1 (got a string)"
    assert seq_problem(10 ** 4299).endswith("(got a number of 4300 digits)")
