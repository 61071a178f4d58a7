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
