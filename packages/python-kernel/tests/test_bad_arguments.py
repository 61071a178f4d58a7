"""Arguments that do not bind, at a call site inside user code: a ``TypeError`` there, as in
plain Python, while a client (or an uncaught error) still gets ``BadArguments``."""
from __future__ import annotations

from typing import Any, Dict

import programs
import pytest
from conftest import Router

import stateflow
from stateflow_kernel import Kernel

SOURCE = '''
import stateflow
from stateflow import stateflow as entity


@entity
class Item:
    def __init__(self, name: str, price: int):
        self.name = name
        self.price = price

    def set_price(self, price: int) -> None:
        self.price = price

    def __key__(self):
        return self.name


@entity
class Clerk:
    def __init__(self, name: str):
        self.name = name
        self.caught = 0

    def reprice(self, item: Item):
        try:
            item.set_price(1, 2)
        except TypeError as e:
            self.caught += 1
            return [type(e).__name__, isinstance(e, stateflow.RemoteError), str(e)]

    def make(self):
        try:
            Item('pen', 1, 2)
        except TypeError as e:
            self.caught += 1
            return [type(e).__name__, str(e)]

    def reraise(self, item: Item):
        try:
            item.set_price(cost=3)
        except TypeError:
            self.caught += 1
            raise

    def careless(self, item: Item):
        item.set_price(1, 2)

    def __key__(self):
        return self.name


def __sf_Clerk__reprice__b0(self, __sf_env):
    item = __sf_env['item']
    try:
        return ('invoke', item, 'set_price', [1, 2], {}, 'b2', '__sf_t0', {})
    except Exception as __sf_exc:
        return ('jump', 'b1', {'__sf_e0': __sf_exc})


def __sf_Clerk__reprice__b1(self, __sf_env):
    e = __sf_env['__sf_e0']
    if isinstance(e, TypeError):
        self.caught += 1
        return ('return', [type(e).__name__, isinstance(e, stateflow.RemoteError), str(e)])
    raise e


def __sf_Clerk__reprice__b2(self, __sf_env):
    return ('return', None)


def __sf_Clerk__make__b0(self, __sf_env):
    try:
        return ('create', 'Item', ['pen', 1, 2], {}, 'b2', '__sf_t0', {})
    except Exception as __sf_exc:
        return ('jump', 'b1', {'__sf_e0': __sf_exc})


def __sf_Clerk__make__b1(self, __sf_env):
    e = __sf_env['__sf_e0']
    if isinstance(e, TypeError):
        self.caught += 1
        return ('return', [type(e).__name__, str(e)])
    raise e


def __sf_Clerk__make__b2(self, __sf_env):
    return ('return', None)


def __sf_Clerk__reraise__b0(self, __sf_env):
    item = __sf_env['item']
    try:
        return ('invoke', item, 'set_price', [], {'cost': 3}, 'b2', '__sf_t0', {})
    except Exception as __sf_exc:
        return ('jump', 'b1', {'__sf_e0': __sf_exc})


def __sf_Clerk__reraise__b1(self, __sf_env):
    e = __sf_env['__sf_e0']
    self.caught += 1
    raise e


def __sf_Clerk__reraise__b2(self, __sf_env):
    return ('return', None)


def __sf_Clerk__careless__b0(self, __sf_env):
    item = __sf_env['item']
    return ('invoke', item, 'set_price', [1, 2], {}, 'b1', '__sf_t0', {})


def __sf_Clerk__careless__b1(self, __sf_env):
    return ('return', None)
'''


def guarded(name: str) -> Dict[str, Any]:
    """A split method ``b0`` (a call inside ``try``), ``b1`` (its handler), ``b2``."""
    m = programs.method(name, blocks=["__sf_Clerk__%s__b%d" % (name, i) for i in range(3)],
                        params=["item"] if name != "make" else [])
    m["body"]["blocks"][0]["terminator"] = {
        "kind": "Invoke", "loc": "synthetic", "resume": "b2", "onError": "b1", "errorVar": "__sf_e0"}
    return m


@pytest.fixture
def world() -> Router:
    careless = programs.method("careless", blocks=["__sf_Clerk__careless__b0", "__sf_Clerk__careless__b1"],
                               params=["item"])
    program = programs.program("clerks", SOURCE, [
        programs.entity("Item", [programs.method("set_price", params=["price"])]),
        programs.entity("Clerk", [guarded("reprice"), guarded("make"), guarded("reraise"), careless]),
    ])
    router = Router(Kernel(program))
    router.create("Item", "ink", 5)
    router.create("Clerk", "cy")
    return router


INK = {"$entity": "Item", "$key": "ink"}


def test_a_remote_call_with_wrong_arguments_is_caught_as_type_error(world: Router) -> None:
    result = world.call("Clerk", "cy", "reprice", INK)["result"]
    assert result["ok"][:2] == ["BadArgumentsError", True]
    assert "bad arguments for Item.set_price(price: int) -> None: too many positional arguments" in result["ok"][2]
    assert world.state("Clerk", "cy")["caught"] == 1
    assert world.state("Item", "ink")["price"] == 5


def test_creating_with_wrong_arguments_is_caught_as_type_error(world: Router) -> None:
    result = world.call("Clerk", "cy", "make")["result"]
    assert result == {"ok": ["BadArgumentsError",
                             "bad arguments for Item(name: str, price: int): too many positional arguments"]}
    assert world.state("Item", "pen") is None
    assert world.state("Clerk", "cy")["caught"] == 1


def test_raising_it_again_gives_the_client_bad_arguments(world: Router) -> None:
    err = world.call("Clerk", "cy", "reraise", INK)["result"]["error"]
    assert err["code"] == "BadArguments" and err["type"] == "BadArguments"
    assert "bad arguments for Item.set_price" in err["message"]
    assert world.state("Clerk", "cy")["caught"] == 0  # the failed hop changed nothing


def test_an_uncaught_one_gives_the_client_bad_arguments(world: Router) -> None:
    err = world.call("Clerk", "cy", "careless", INK)["result"]["error"]
    assert err["code"] == "BadArguments" and err["type"] == "BadArguments"


def test_a_client_call_with_wrong_arguments_stays_bad_arguments(world: Router) -> None:
    err = world.call("Item", "ink", "set_price", 1, 2)["result"]["error"]
    assert err == {"type": "BadArguments", "code": "BadArguments",
                   "message": "bad arguments for Item.set_price(price: int) -> None: too many positional arguments"}
    assert world.create("Item")["result"]["error"]["code"] == "BadArguments"


def test_the_shim_class_is_a_type_error_and_a_remote_error() -> None:
    assert issubclass(stateflow.BadArgumentsError, TypeError)
    assert issubclass(stateflow.BadArgumentsError, stateflow.RemoteError)
    k = Kernel(programs.shop_program())
    e = k.rebuild_error("BadArguments", "bad arguments for f: x", "BadArguments")
    assert type(e) is stateflow.BadArgumentsError and str(e) == "bad arguments for f: x"
    # Kept in a variable across a hop, it is encoded with its class name.
    again = k.codec.decode(k.codec.encode(e))
    assert type(again) is stateflow.BadArgumentsError and str(again) == str(e)
