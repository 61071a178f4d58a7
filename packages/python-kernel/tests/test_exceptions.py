"""Rebuilding exceptions that crossed a hop, and their encoding in frame variables."""
from __future__ import annotations

import programs

import stateflow
from stateflow_kernel import Kernel


def kernel() -> Kernel:
    return Kernel(programs.shop_program())


def test_rebuild_module_class_builtin_system_and_unknown() -> None:
    k = kernel()
    e = k.rebuild_error("NotEnoughStock", "only 1 left")
    assert type(e).__name__ == "NotEnoughStock" and type(e) is k.module.NotEnoughStock
    assert str(e) == "only 1 left"
    v = k.rebuild_error("ValueError", "bad")
    assert type(v) is ValueError and str(v) == "bad"
    x = k.rebuild_error("EntityExists", "Item('coke') already exists")
    assert isinstance(x, stateflow.EntityExistsError) and isinstance(x, stateflow.RemoteError)
    assert isinstance(k.rebuild_error("EntityNotFound", "gone"), stateflow.EntityNotFoundError)
    u = k.rebuild_error("SomethingElse", "msg")
    assert type(u).__name__ == "SomethingElse" and isinstance(u, stateflow.RemoteError)
    assert isinstance(u, Exception) and str(u) == "msg"
    assert type(k.rebuild_error("SomethingElse", "again")) is type(u)


def test_exceptions_round_trip_through_the_codec() -> None:
    k = kernel()
    encoded = k.codec.encode(("raise", k.module.NotEnoughStock("none")))
    assert encoded == {"$tuple": ["raise", {"$exception": ["NotEnoughStock", "none"]}]}
    decoded = k.codec.decode(encoded)
    assert isinstance(decoded[1], k.module.NotEnoughStock) and str(decoded[1]) == "none"


def test_rebuild_builtins_whose_str_is_not_the_argument() -> None:
    k = kernel()
    e = k.rebuild_error("KeyError", str(KeyError("b")))
    assert type(e) is KeyError and str(e) == "'b'" and e.args == ("b",)
    assert type(k.rebuild_error("KeyError", "")) is KeyError
    assert str(k.rebuild_error("KeyError", "")) == str(KeyError())
    n = k.rebuild_error("KeyError", str(KeyError(3)))
    assert type(n) is KeyError and n.args == (3,)
    u = k.rebuild_error("UnicodeDecodeError", "bad byte")
    assert isinstance(u, UnicodeDecodeError) and type(u).__name__ == "UnicodeDecodeError"
    assert str(u) == "bad byte"


def test_rebuild_module_class_with_custom_init_and_str() -> None:
    source = (
        "class Odd(Exception):\n"
        "    def __init__(self, a, b):\n"
        "        super().__init__(a)\n"
        "        self.b = b\n"
        "    def __str__(self):\n"
        "        return '%s/%s' % (self.args[0], self.b)\n"
    )
    program = programs.shop_program()
    program["module"]["source"] += "\n" + source
    k = Kernel(program)
    e = k.rebuild_error("Odd", "x/y")
    assert isinstance(e, k.module.Odd) and type(e).__name__ == "Odd" and str(e) == "x/y"
