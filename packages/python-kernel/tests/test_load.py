"""Loading programs: clear errors for broken modules and IR that does not match."""
from __future__ import annotations

import sys

import programs
import pytest

from stateflow_kernel import Kernel, LoadError


def test_syntax_error_names_file_and_line() -> None:
    prog = programs.program("broken", "x = 1\ndef f(:\n", [])
    with pytest.raises(LoadError) as e:
        Kernel(prog)
    assert str(e.value).startswith("broken.py:2:")
    assert "SyntaxError" in str(e.value)
    assert "broken" not in sys.modules


def test_module_exception_names_line() -> None:
    prog = programs.program("raises", "x = 1\nraise RuntimeError('nope')\n", [])
    with pytest.raises(LoadError) as e:
        Kernel(prog)
    assert str(e.value) == "raises.py:2: executing the module raised RuntimeError: nope"


def test_missing_class_and_block() -> None:
    with pytest.raises(LoadError) as e:
        Kernel(programs.program("empty", "", [programs.entity("Ghost", [])]))
    assert "entity class Ghost is not defined" in str(e.value)
    source = "class A:\n    def m(self):\n        pass\n"
    prog = programs.program("noblock", source, [
        programs.entity("A", [programs.method("m", blocks=["__sf_A__m__b0"])])])
    with pytest.raises(LoadError) as e:
        Kernel(prog)
    assert "block function __sf_A__m__b0 of A.m is not defined" in str(e.value)


def test_module_is_registered_and_not_postponed() -> None:
    source = (
        "from stateflow import stateflow, EntityRef\n"
        "@stateflow\n"
        "class A:\n"
        "    def __init__(self, k: str):\n"
        "        self.k = k\n"
        "    def __key__(self):\n"
        "        return self.k\n"
        "ANNOTATION = A.__init__.__annotations__['k']\n"
    )
    kernel = Kernel(programs.program("regmod", source, [programs.entity("A", [])]))
    assert sys.modules["regmod"] is kernel.module
    # the kernel's own `from __future__ import annotations` must not leak into user code
    assert kernel.module.ANNOTATION is str
    import pickle
    inst = kernel.module.A("x")
    assert pickle.loads(pickle.dumps(inst)).k == "x"


def test_reload_replaces_program() -> None:
    first = Kernel(programs.shop_program())
    second = Kernel(programs.shop_program())
    assert sys.modules["app"] is second.module and first.module is not second.module
