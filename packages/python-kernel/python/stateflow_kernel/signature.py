"""Binding the arguments of a call to the parameters of a method or a constructor."""
from __future__ import annotations

import inspect
from typing import Any, Dict, List, Optional, Tuple

from .errors import StateflowError


def _is_float(annotation: Any) -> bool:
    return annotation is float or annotation == "float"


class Signature:
    """A method's signature without ``self``, for binding client arguments."""

    __slots__ = ("sig", "floats", "label", "names")

    def __init__(self, func: Any, label: str, module_name: str, drop_self: bool):
        try:
            sig = inspect.signature(func)
        except (TypeError, ValueError):
            sig = None
        if sig is not None and drop_self:
            params = list(sig.parameters.values())[1:]
            sig = sig.replace(parameters=params)
        self.sig = sig
        self.floats = (
            tuple(p.name for p in sig.parameters.values() if _is_float(p.annotation))
            if sig is not None
            else ()
        )
        self.label = label + (_format_signature(sig, module_name) if sig is not None else "(...)")
        # Fast path for the common case: only positional-or-keyword parameters.
        self.names: Optional[Tuple[str, ...]] = None
        if sig is not None and all(
            p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in sig.parameters.values()
        ):
            self.names = tuple(sig.parameters)

    def bind(self, args: List[Any], kwargs: Dict[str, Any]) -> "Bound":
        """Binds client arguments; ``BadArguments`` when they do not fit."""
        names = self.names
        if names is not None and not kwargs and len(args) == len(names):
            arguments = dict(zip(names, args))
        else:
            if self.sig is None:
                raise StateflowError("Internal", "cannot read the signature of %s" % self.label)
            try:
                bound = self.sig.bind(*args, **kwargs)
            except TypeError as e:
                raise StateflowError("BadArguments", "bad arguments for %s: %s" % (self.label, e))
            bound.apply_defaults()
            if self.floats:
                for name in self.floats:
                    if type(bound.arguments.get(name)) is int:
                        bound.arguments[name] = float(bound.arguments[name])
            return Bound(dict(bound.arguments), list(bound.args), bound.kwargs)
        if self.floats:
            for name in self.floats:
                if type(arguments[name]) is int:
                    arguments[name] = float(arguments[name])
            args = [arguments[n] for n in names]
        return Bound(arguments, args, {})


class Bound:
    """Bound arguments: by parameter name (a split method's entry env), and for a call."""

    __slots__ = ("arguments", "args", "kwargs")

    def __init__(self, arguments: Dict[str, Any], args: List[Any], kwargs: Dict[str, Any]):
        self.arguments = arguments
        self.args = args
        self.kwargs = kwargs


class _Shown:
    """Shows an annotation as the user wrote it (no quotes, no module prefix)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _format_signature(sig: inspect.Signature, module_name: str) -> str:
    def show(annotation: Any) -> Any:
        if annotation is inspect.Parameter.empty:
            return annotation
        if isinstance(annotation, str):
            return _Shown(annotation)
        if isinstance(annotation, type):
            return _Shown(annotation.__qualname__)
        text = repr(annotation).replace(module_name + ".", "").replace("typing.", "")
        return _Shown(text)

    params = [p.replace(annotation=show(p.annotation)) for p in sig.parameters.values()]
    return str(sig.replace(parameters=params, return_annotation=show(sig.return_annotation)))
