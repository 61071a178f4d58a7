"""The portable value encoding (the same table as ``@stateflow/ir`` ``values.ts``).

Every value that crosses a process or network boundary is JSON with tags:
``$int`` (big ints), ``$float`` (integral or non-finite floats), ``$bytes`` and
``$bytearray`` (base64), ``$tuple``, ``$set``, ``$frozenset``, ``$dict`` (non-string or
``$``-prefixed keys), ``$date``, ``$time``, ``$datetime`` (ISO 8601), ``$timedelta``
(``[days, seconds, microseconds]``), ``$decimal``, ``$uuid``, ``$enum`` (``[class,
member]``, for ``Enum`` classes of the program's module) and entity references
``{"$entity": ..., "$key": ...}``. Never pickle.

Values a client sent are decoded strictly by :mod:`stateflow_kernel.request_values`.
"""
from __future__ import annotations

import base64
import datetime
import decimal
import enum
import json
import math
import uuid
from typing import Any, Callable, Dict, Optional

from .refs import EntityRef

_MAX_SAFE = 2 ** 53

#: The JSON types whose decoding needs a call (tags, nested values); the rest decode to themselves.
_CONTAINERS = frozenset((dict, list))

#: Describes the supported types in error messages.
SUPPORTED = (
    "None, bool, int, float, str, bytes, bytearray, list, tuple, set, frozenset, dict, "
    "datetime.date, datetime.time, datetime.datetime, datetime.timedelta, decimal.Decimal, "
    "uuid.UUID, members of Enum classes defined in the program's module, "
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


_TOO_DEEP = ("the value is nested too deeply to encode (beyond Python's recursion limit), "
             "or contains itself")


def _encode_big_int(value: int) -> Any:
    try:
        return {"$int": str(value)}
    except ValueError:  # beyond Python's limit on int -> str conversion (4,300 digits by default)
        raise EncodingError("cannot encode an int of about %d digits; ints are at most 4300 digits "
                            "(Python's limit on converting them to text)" % int(value.bit_length() * 0.30103))


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
                 rebuild_error: Optional[Callable[[str, str], BaseException]] = None,
                 enum_classes: Optional[Dict[str, type]] = None):
        self.entity_classes: Dict[type, str] = dict(entity_classes or {})
        self._entity_key = entity_key or (lambda obj: str(obj.__key__()))
        self._rebuild_error = rebuild_error
        #: ``Enum`` classes by the name the program's module binds them to (``$enum``).
        self.enum_classes: Dict[str, type] = dict(enum_classes or {})
        self._enum_names: Dict[type, str] = {cls: name for name, cls in self.enum_classes.items()}

    # -- encode ---------------------------------------------------------------

    def encode(self, value: Any) -> Any:
        t = type(value)
        if t is str or value is None or t is bool:
            return value
        if t is int:
            return value if -_MAX_SAFE < value < _MAX_SAFE else _encode_big_int(value)
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
        if t is set:
            return {"$set": self._encode_items(_ordered(value))}
        if t is frozenset:
            return {"$frozenset": self._encode_items(_ordered(value))}
        if t is bytes:
            return {"$bytes": base64.b64encode(value).decode("ascii")}
        if t is bytearray:
            return {"$bytearray": base64.b64encode(value).decode("ascii")}
        encode_std = _STANDARD_ENCODERS.get(t)
        if encode_std is not None:
            return encode_std(value)
        if isinstance(value, enum.Enum):
            return self._encode_enum(value)
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

    def _encode_enum(self, member: enum.Enum) -> Any:
        cls = type(member)
        name = self._enum_names.get(cls)
        if name is None:
            raise EncodingError(
                "cannot encode a member of the enum '%s': only Enum classes defined (or imported) "
                "at the top level of the program's module can cross a hop" % _type_name(member))
        if member.name is None or cls.__members__.get(member.name) is not member:
            raise EncodingError("cannot encode %r: only named members of an enum are portable" % (member,))
        return {"$enum": [name, member.name]}

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
        except RecursionError:
            if owner_args is not None:
                owner = owner % owner_args
            raise EncodingError(_TOO_DEEP, "", "%s '%s' of %s" % (what, name, owner)) from None
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
        except RecursionError:
            if where_args is not None:
                where = where % where_args
            raise EncodingError(_TOO_DEEP, "", where) from None

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
        decode_std = _STANDARD_DECODERS.get(tag)
        if decode_std is not None:
            return decode_std(inner)
        if tag == "$frozenset":
            return frozenset(dec(v) for v in inner)
        if tag == "$enum":
            return self.decode_enum(inner)
        if tag == "$exception" and type(inner) is list and len(inner) == 2:
            if self._rebuild_error is not None:
                return self._rebuild_error(str(inner[0]), str(inner[1]))
            return _remote_error(str(inner[0]), str(inner[1]))
        return {tag: dec(inner)}

    def decode_enum(self, inner: Any) -> enum.Enum:
        """The member ``[class name, member name]`` of an ``Enum`` class of the program."""
        cls = self.enum_classes.get(inner[0]) if type(inner) is list and len(inner) == 2 else None
        if cls is None:
            raise EncodingError("no Enum class %r in the program's module (known: %s)" % (
                inner[0] if type(inner) is list and inner else inner,
                ", ".join(sorted(self.enum_classes)) or "none"))
        member = cls.__members__.get(inner[1]) if type(inner[1]) is str else None
        if member is None:
            raise EncodingError("the enum %s has no member %r (members: %s)" % (
                inner[0], inner[1], ", ".join(cls.__members__)))
        return member

    def decode_fields(self, fields: Dict[str, Any]) -> Dict[str, Any]:
        dec = self.decode
        # Plain JSON scalars decode to themselves: only containers need a call.
        return {k: v if type(v) not in _CONTAINERS else dec(v) for k, v in fields.items()}


def _parse_time(text: str) -> datetime.time:
    # fromisoformat() takes "Z" only from Python 3.11 on.
    return datetime.time.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


def _parse_datetime(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


#: Standard library types with a tag of their own (exact types: subclasses are not portable).
_STANDARD_ENCODERS: Dict[type, Callable[[Any], Any]] = {
    datetime.date: lambda v: {"$date": v.isoformat()},
    datetime.time: lambda v: {"$time": v.isoformat()},
    datetime.datetime: lambda v: {"$datetime": v.isoformat()},
    datetime.timedelta: lambda v: {"$timedelta": [v.days, v.seconds, v.microseconds]},
    decimal.Decimal: lambda v: {"$decimal": str(v)},
    uuid.UUID: lambda v: {"$uuid": str(v)},
}

_STANDARD_DECODERS: Dict[str, Callable[[Any], Any]] = {
    "$bytearray": lambda inner: bytearray(base64.b64decode(inner)),
    "$date": datetime.date.fromisoformat,
    "$time": _parse_time,
    "$datetime": _parse_datetime,
    "$timedelta": lambda inner: datetime.timedelta(inner[0], inner[1], inner[2]),
    "$decimal": decimal.Decimal,
    "$uuid": uuid.UUID,
}


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
