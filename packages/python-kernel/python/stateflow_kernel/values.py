"""The portable value encoding (the same table as ``@stateflow/ir`` ``values.ts``).

Every value that crosses a process or network boundary is JSON with tags:
``$int`` (big ints), ``$float`` (integral or non-finite floats), ``$bytes`` (base64),
``$tuple``, ``$set``, ``$dict`` (non-string or ``$``-prefixed keys) and entity
references ``{"$entity": ..., "$key": ...}``. Never pickle.
"""
from __future__ import annotations

import base64
import json
import math
from typing import Any, Callable, Dict, Optional

from .refs import EntityRef

_MAX_SAFE = 2 ** 53

#: The JSON types whose decoding needs a call (tags, nested values); the rest decode to themselves.
_CONTAINERS = frozenset((dict, list))

#: Describes the supported types in error messages.
SUPPORTED = (
    "None, bool, int, float, str, bytes, list, tuple, set, frozenset, dict, "
    "entity instances and entity references"
)


class EncodingError(Exception):
    """A value cannot be encoded (or an encoded value is malformed)."""

    def __init__(self, detail: str, path: str = "", where: str = ""):
        self.detail = detail
        self.path = path
        self.where = where
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.where:
            return self.detail + (" (at %s)" % self.path if self.path else "")
        return "%s in %s%s; supported types are %s" % (
            self.detail, self.where, self.path, SUPPORTED) if self.detail.startswith(
            "cannot encode a value") else "%s (in %s%s)" % (self.detail, self.where, self.path)

    def at(self, where: str) -> "EncodingError":
        """The same error located at ``where``, e.g. ``state field 'items' of User('a')``."""
        return EncodingError(self.detail, self.path, where)

    def inside(self, segment: str) -> "EncodingError":
        return EncodingError(self.detail, segment + self.path, self.where)


def _type_name(value: object) -> str:
    t = type(value)
    if t.__module__ in ("builtins", "__main__"):
        return t.__qualname__
    return "%s.%s" % (t.__module__, t.__qualname__)


def _float_tag(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


class Codec:
    """Encodes and decodes values; knows the program's entity classes.

    ``entity_key`` maps an entity instance to ``(class name, str(key))``; it is given by
    the kernel so instances of entity classes encode as references.
    """

    def __init__(self, entity_classes: Optional[Dict[type, str]] = None,
                 entity_key: Optional[Callable[[object], str]] = None,
                 rebuild_error: Optional[Callable[[str, str], BaseException]] = None):
        self.entity_classes: Dict[type, str] = dict(entity_classes or {})
        self._entity_key = entity_key or (lambda obj: str(obj.__key__()))
        self._rebuild_error = rebuild_error

    # -- encode ---------------------------------------------------------------

    def encode(self, value: Any) -> Any:
        t = type(value)
        if t is str or value is None or t is bool:
            return value
        if t is int:
            return value if -_MAX_SAFE < value < _MAX_SAFE else {"$int": str(value)}
        if t is float:
            if math.isfinite(value) and not value.is_integer():
                return value
            return {"$float": _float_tag(value)}
        if t is list:
            return self._encode_items(value)
        if t is dict:
            return self._encode_dict(value)
        if t is tuple:
            return {"$tuple": self._encode_items(value)}
        if t is EntityRef:
            return {"$entity": value.entity, "$key": value.key}
        if t is set or t is frozenset:
            return {"$set": self._encode_items(_ordered(value))}
        if t is bytes:
            return {"$bytes": base64.b64encode(value).decode("ascii")}
        name = self.entity_classes.get(t)
        if name is None:
            for cls, cls_name in self.entity_classes.items():
                if isinstance(value, cls):
                    name = cls_name
                    break
        if name is not None:
            try:
                key = self._entity_key(value)
            except EncodingError:
                raise
            except Exception as e:  # a broken __key__ of a value being encoded
                raise EncodingError(
                    "cannot encode %s instance as a reference: its __key__() raised %s: %s"
                    % (name, type(e).__name__, e)
                )
            return {"$entity": name, "$key": key}
        if isinstance(value, BaseException):
            # An exception carried across a hop (a pending `raise` of a finally, an
            # `except ... as e` variable): its type name and message.
            return {"$exception": [type(value).__name__, str(value)]}
        # Subclasses of the builtin types (e.g. IntEnum, namedtuple) are not portable.
        raise EncodingError("cannot encode a value of type '%s'" % _type_name(value))

    def _encode_items(self, items) -> list:
        out = []
        i = 0
        try:
            enc = self.encode
            for i, item in enumerate(items):
                out.append(enc(item))
        except EncodingError as e:
            raise e.inside("[%d]" % i)
        return out

    def _encode_dict(self, value: dict) -> Any:
        plain = True
        for k in value:
            if type(k) is not str or k.startswith("$"):
                plain = False
                break
        enc = self.encode
        if plain:
            out = {}
            k = ""
            try:
                for k, v in value.items():
                    out[k] = enc(v)
            except EncodingError as e:
                raise e.inside("[%r]" % (k,))
            return out
        pairs = []
        k = None
        try:
            for k, v in value.items():
                pairs.append([enc(k), enc(v)])
        except EncodingError as e:
            raise e.inside("[%r]" % (k,))
        return {"$dict": pairs}

    def encode_fields(self, fields: Dict[str, Any], what: str, owner: str,
                      owner_args: Optional[tuple] = None) -> Dict[str, Any]:
        """Encodes a name→value mapping (state, env, kwargs).

        Errors say where: ``<what> '<name>[path]' of <owner>``, e.g.
        ``state field 'items[2]' of User('alice')``. With ``owner_args`` the owner is
        ``owner % owner_args``, formatted only when an error is raised.
        """
        out = {}
        enc = self.encode
        name = ""
        try:
            for name, v in fields.items():
                # Fast path for plain JSON scalars (no call, no recursion).
                t = type(v)
                if t is str or v is None or t is bool or (t is int and -_MAX_SAFE < v < _MAX_SAFE):
                    out[name] = v
                else:
                    out[name] = enc(v)
        except EncodingError as e:
            if owner_args is not None:
                owner = owner % owner_args
            raise EncodingError(e.detail, "", "%s '%s%s' of %s" % (what, name, e.path, owner))
        return out

    def encode_value(self, value: Any, where: str, where_args: Optional[tuple] = None) -> Any:
        """Encodes one value; errors say ``where`` (e.g. ``the return value of User.buy_item``);
        with ``where_args`` it is ``where % where_args``, formatted only on error."""
        try:
            return self.encode(value)
        except EncodingError as e:
            if where_args is not None:
                where = where % where_args
            raise EncodingError(e.detail, "", where + (" at %s" % e.path if e.path else ""))

    # -- decode ---------------------------------------------------------------

    def decode(self, value: Any) -> Any:
        t = type(value)
        if t is dict:
            if len(value) == 1:
                for tag, inner in value.items():
                    if tag[:1] == "$":
                        return self._decode_tag(tag, inner, value)
            elif len(value) == 2 and "$entity" in value and "$key" in value:
                return EntityRef(value["$entity"], value["$key"])
            dec = self.decode
            return {k: v if type(v) not in _CONTAINERS else dec(v) for k, v in value.items()}
        if t is list:
            dec = self.decode
            return [v if type(v) not in _CONTAINERS else dec(v) for v in value]
        return value

    def _decode_tag(self, tag: str, inner: Any, whole: dict) -> Any:
        dec = self.decode
        if tag == "$tuple":
            return tuple(dec(v) for v in inner)
        if tag == "$set":
            return set(dec(v) for v in inner)
        if tag == "$dict":
            return {_hashable(dec(k)): dec(v) for k, v in inner}
        if tag == "$int":
            return int(inner)
        if tag == "$float":
            return float(inner)
        if tag == "$bytes":
            return base64.b64decode(inner)
        if tag == "$exception" and type(inner) is list and len(inner) == 2:
            if self._rebuild_error is not None:
                return self._rebuild_error(str(inner[0]), str(inner[1]))
            return _remote_error(str(inner[0]), str(inner[1]))
        return {tag: dec(inner)}

    def decode_fields(self, fields: Dict[str, Any]) -> Dict[str, Any]:
        dec = self.decode
        # Plain JSON scalars decode to themselves: only containers need a call.
        return {k: v if type(v) not in _CONTAINERS else dec(v) for k, v in fields.items()}


_REMOTE_CLASSES: Dict[str, type] = {}


def _remote_error(type_name: str, message: str) -> BaseException:
    """A ``RemoteError`` subclass named ``type_name`` (one class per name), with ``message``."""
    from .refs import RemoteError
    cls = _REMOTE_CLASSES.get(type_name)
    if cls is None:
        name = type_name if type_name.isidentifier() else "RemoteError"
        cls = type(name, (RemoteError,), {"__module__": "stateflow"})
        _REMOTE_CLASSES[type_name] = cls
    return cls(message)


def _hashable(value: Any) -> Any:
    if type(value) is list:
        return tuple(_hashable(v) for v in value)
    return value


def _ordered(items) -> list:
    """Set elements in a deterministic order (so equal sets encode equally)."""
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=_sort_key)


def _sort_key(value: Any) -> str:
    try:
        return "%s:%s" % (type(value).__name__, json.dumps(Codec().encode(value), sort_keys=True))
    except EncodingError:
        return "%s:%r" % (type(value).__name__, value)


#: A codec without entity classes, for plain values.
PLAIN = Codec()


def encode(value: Any) -> Any:
    """Encodes a value without entity classes (entity references still encode)."""
    return PLAIN.encode(value)


def decode(value: Any) -> Any:
    """Decodes an encoded value."""
    return PLAIN.decode(value)
