"""Errors the kernel raises itself (as opposed to exceptions from user code)."""
from __future__ import annotations

import ast
from typing import Dict, Optional, Tuple


class StateflowError(Exception):
    """A StateFlow system error. ``code`` is one of the IR's ``SystemErrorCode`` values."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def to_value(self) -> Dict[str, str]:
        """The ``ErrorValue`` carried in a ``Reply`` or ``Response``."""
        return {"type": self.code, "message": self.message, "code": self.code}


class LoadError(Exception):
    """The program cannot be loaded (bad IR, or its module fails to execute)."""


# The attribute that marks an exception rebuilt from a system error (see ``mark_system``).
_SYSTEM_CODE = "_stateflow_code"


def mark_system(exc: BaseException, code: str) -> BaseException:
    """Returns ``exc``, remembering that it stands for the system error ``code``.

    User code that catches such an exception and raises it again then fails with the
    same system error (``BadArguments`` stays a 400 for the client), as in the plain
    Python reference, where the error object keeps its code.
    """
    setattr(exc, _SYSTEM_CODE, code)
    return exc


class UserError(Exception):
    """Wraps an exception raised by user code during a hop."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error

    def to_value(self) -> Dict[str, str]:
        e = self.error
        code = getattr(e, _SYSTEM_CODE, None)
        if type(code) is str:
            return {"type": code, "message": str(e), "code": code}
        return {"type": type(e).__name__, "message": str(e)}


_SHOWING: Dict[type, type] = {}


def exception_with_message(cls: type, message: str) -> Optional[BaseException]:
    """An instance of the exception class ``cls`` whose ``str()`` is ``message``, or None.

    Only the type name and ``str(e)`` of an exception cross a hop. The class is rebuilt so
    that ``except`` clauses match it: ``cls(message)`` when that prints the message, else
    ``cls(v)`` for the literal the message shows (``KeyError('b')`` prints ``'b'``), else
    ``cls()`` for an empty message, else ``cls`` built without ``__init__``, else an instance of a subclass of ``cls`` with the same
    name that prints the message (for classes whose ``__init__``/``__str__`` need more).
    """
    candidates: list = [(message,)]
    if message == "":
        candidates.append(())
    elif len(message) < 10000:
        try:
            candidates.append((ast.literal_eval(message),))
        except Exception:
            pass
    for args in candidates:
        try:
            inst = cls(*args)
            if str(inst) == message:
                return inst
        except Exception:
            pass
    try:
        inst = cls.__new__(cls)
        inst.args = (message,)
        if str(inst) == message:
            return inst
    except Exception:
        pass
    try:
        sub = _SHOWING.get(cls)
        if sub is None:
            sub = type(cls.__name__, (cls,), {
                "__module__": cls.__module__,
                "__qualname__": getattr(cls, "__qualname__", cls.__name__),
                "__str__": _show_message,
            })
            _SHOWING[cls] = sub
        inst = sub.__new__(sub)
        inst.args = (message,)
        if str(inst) == message:
            return inst
    except Exception:
        pass
    return None


def _show_message(self: BaseException) -> str:
    args: Tuple = self.args
    return str(args[0]) if args else ""
