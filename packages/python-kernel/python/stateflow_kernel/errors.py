"""Errors the kernel raises itself (as opposed to exceptions from user code)."""
from __future__ import annotations

from typing import Dict


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


class UserError(Exception):
    """Wraps an exception raised by user code during a hop."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error

    def to_value(self) -> Dict[str, str]:
        e = self.error
        return {"type": type(e).__name__, "message": str(e)}
