"""The value encoding, against the shared vectors of @stateflow/ir."""
from __future__ import annotations

import datetime
import decimal
import json
import math
import os
import uuid
from typing import Any

import programs
import pytest

from stateflow_kernel import Codec, EncodingError, EntityRef, decode, encode


def strict(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(strict(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict(x, y) for x, y in zip(a, b))
    return a == b


def same_python(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(
            same_python(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(b) is dict and list(a) == list(b) and all(
            same_python(a[k], b[k]) for k in a)
    if isinstance(a, (set, frozenset)):
        return type(a) is type(b) and a == b
    if isinstance(a, decimal.Decimal) and a.is_nan():
        return type(b) is decimal.Decimal and str(a) == str(b)
    return type(a) is type(b) and a == b


def load_vectors():
    if not os.path.exists(programs.VALUES_FIXTURE):
        return []
    with open(programs.VALUES_FIXTURE, encoding="utf-8") as f:
        return json.load(f)


VECTORS = load_vectors()


@pytest.mark.skipif(not VECTORS, reason="packages/ir/test/fixtures/values.json is not published yet")
@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_shared_vectors(vector: Any) -> None:
    value = eval(vector["python"],
                 {"EntityRef": EntityRef, "datetime": datetime, "decimal": decimal, "uuid": uuid})
    encoded = encode(value)
    assert strict(encoded, vector["encoded"]), (encoded, vector["encoded"])
    # through JSON text, as on the wire
    assert strict(json.loads(json.dumps(encoded)), vector["encoded"])
    assert same_python(decode(vector["encoded"]), value)


def test_entity_instances_encode_as_references() -> None:
    class Item:
        def __init__(self, name: str) -> None:
            self.name = name

        def __key__(self) -> str:
            return self.name

    codec = Codec({Item: "Item"})
    assert codec.encode([Item("coke")]) == [{"$entity": "Item", "$key": "coke"}]
    assert codec.decode({"$entity": "Item", "$key": "coke"}) == EntityRef("Item", "coke")


def test_entity_ref_value_semantics() -> None:
    ref = EntityRef("Item", "coke")
    assert ref == EntityRef("Item", "coke") and ref != EntityRef("Item", "pepsi")
    assert ref != EntityRef("User", "coke")
    assert len({ref, EntityRef("Item", "coke")}) == 1
    assert repr(ref) == "Item('coke')"
    assert ref.entity == "Item" and ref.key == "coke"
    assert EntityRef("Item", 7).key == "7"


def test_entity_ref_misuse_explains_the_fix() -> None:
    ref = EntityRef("Item", "coke")
    with pytest.raises(TypeError) as e:
        ref.update_stock(1)
    message = str(e.value)
    assert "Item.update_stock" in message and "entity-typed" in message
    assert "x: Item" in message
    with pytest.raises(TypeError):
        ref.price  # noqa: B018
    with pytest.raises(TypeError):
        ref.price = 3  # type: ignore[misc]


def test_unencodable_values_name_type_and_place() -> None:
    with pytest.raises(EncodingError) as e:
        Codec().encode_fields({"when": [1, {"at": complex(1, 2)}]},
                              "state field", "User('alice')")
    assert str(e.value).startswith(
        "cannot encode a value of type 'complex' in state field 'when[1]['at']' of "
        "User('alice'); supported types are")
    with pytest.raises(EncodingError) as e:
        Codec().encode_value(object(), "the return value of User.f")
    assert "'object' in the return value of User.f" in str(e.value)


def test_error_places_can_be_formatted_only_on_error() -> None:
    with pytest.raises(EncodingError) as e:
        Codec().encode_fields({"when": complex(1, 2)}, "state field", "%s(%r)",
                              ("User", "alice"))
    assert "in state field 'when' of User('alice');" in str(e.value)
    with pytest.raises(EncodingError) as e:
        Codec().encode_value([object()], "the return value of %s.%s", ("User", "f"))
    assert "'object' in the return value of User.f at [0]" in str(e.value)
    assert Codec().encode_fields({"a": 1, "b": [2.5, "x"], "c": None}, "variable", "%s",
                                 ("unused %",)) == {"a": 1, "b": [2.5, "x"], "c": None}


def test_sets_encode_in_a_stable_order() -> None:
    assert encode({3, 1, 2}) == {"$set": [1, 2, 3]}
    mixed = encode({"b", 1, (2, "a")})
    assert mixed == encode({(2, "a"), 1, "b"})
