"""Strict decoding of the values a client sent (the arguments of a call).

The gateway of every backend checks request values before they reach a batch
(``encodeRequestValue`` in ``@stateflow/ir`` ``request-values.ts``); this module refuses
the same values with the same messages, ``<path>: <problem>``, so that a value that got
past a gateway (or a backend without one) still fails as ``BadArguments``, never as a
traceback. The shared vectors in ``@stateflow/ir`` ``test/fixtures/request-values.json``
keep both sides identical. Values produced by the kernel itself (state, replies) are
decoded by the faster :meth:`Codec.decode`.
"""
from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import math
import re
import uuid
from typing import Any, Collection, Dict, List, Optional, Tuple

from .refs import EntityRef
from .values import Codec, EncodingError, _parse_datetime, _parse_time

#: Deepest nesting of JSON arrays and objects in one argument (MAX_VALUE_DEPTH in the IR).
MAX_VALUE_DEPTH = 64
#: Most digits of a number written as text (MAX_NUMBER_DIGITS in the IR; Python's own limit).
MAX_NUMBER_DIGITS = 4300
#: Longest instance key in UTF-8 bytes (MAX_KEY_BYTES in the IR).
MAX_KEY_BYTES = 1000

_TAGS = ("$int, $float, $bytes, $bytearray, $tuple, $set, $frozenset, $dict, $date, $time, "
         "$datetime, $timedelta, $decimal, $uuid, $enum, $entity/$key")

# ASCII digits only: Python's \d also matches other scripts' digits, JavaScript's does not.
_INT = re.compile(r"-?[0-9]+")
_FLOAT = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DECIMAL = re.compile(r"-?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,9})?|Infinity|NaN|sNaN)")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.(?:[0-9]{3}|[0-9]{6}))?)?"
                   r"(?:Z|[+-][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{6})?)?)?")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SAFE = 2 ** 53 - 1
_UNADDRESSABLE = frozenset(("", ".", ".."))

_BASE64_PROBLEM = "%s is not valid base64 (standard alphabet, padded with '=')"
_DATE_PROBLEM = '$date takes an ISO 8601 date "YYYY-MM-DD"'
_TIME_PROBLEM = ('$time takes an ISO 8601 time "HH:MM[:SS[.ffffff]]" with an optional offset '
                 '("Z" or "+HH:MM")')
_DATETIME_PROBLEM = ('$datetime takes an ISO 8601 date and time "YYYY-MM-DDTHH:MM[:SS[.ffffff]]" '
                     'with an optional offset ("Z" or "+HH:MM")')


class RequestValueError(ValueError):
    """A request value that is not well-formed; ``str(e)`` is ``<path>: <problem>``."""


class _Refusal(Exception):
    """A problem found while decoding; the path is collected while the stack unwinds
    (``segments``, innermost first), so no path is built for values that are fine."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem
        self.segments: List[str] = []

    def error(self, root: str) -> RequestValueError:
        return RequestValueError("%s%s: %s" % (root, "".join(reversed(self.segments)), self.problem))


def _refuse(problem: str) -> _Refusal:
    return _Refusal(problem)


def _well_formed(text: str) -> bool:
    """Whether ``text`` is Unicode text (no lone UTF-16 surrogate, as JSON can carry)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def seq_problem(seq: Any) -> Optional[str]:
    """Why ``seq`` cannot be an event's hop number (a whole number from 0 to 2^53 - 1, as
    the IR's ``seq: number`` can carry exactly), or None. A bigger one could not be counted
    on and written back (Python refuses to print integers past 4300 digits)."""
    if isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq <= _SAFE:
        return None
    return "seq must be a whole number from 0 to 2^53 - 1 (got %s)" % (json_type_name(seq),)


def json_type_name(value: Any) -> str:
    """How a decoded JSON value is named in a message: its JSON type, or a short number."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        text = repr(value)
        return text if len(text) <= 24 else "a number of %d digits" % len(text)
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def key_problem(key: str) -> Optional[str]:
    """Why ``key`` cannot be an instance key (the message of ``checkKey`` in the IR), or None."""
    if key in _UNADDRESSABLE:
        return ("the key '%s' cannot be used: instance keys must be addressable in a URL path, "
                "which rules out the empty key, '.' and '..'" % key)
    if not _well_formed(key):
        return "the key '%s' is not valid Unicode (it holds a lone UTF-16 surrogate)" % key[:40]
    if len(key) * 4 > MAX_KEY_BYTES:
        size = len(key.encode("utf-8"))
        if size > MAX_KEY_BYTES:
            return ("the key '%s…' is %d bytes long; instance keys are at most %d bytes (UTF-8)"
                    % (key[:40], size, MAX_KEY_BYTES))
    return None


def _digits(text: str) -> int:
    return sum(1 for c in text if "0" <= c <= "9")


def _check_digits(text: str, tag: str) -> None:
    if len(text) > MAX_NUMBER_DIGITS:
        n = _digits(text)
        if n > MAX_NUMBER_DIGITS:
            raise _refuse("%s has %d digits; at most %d are accepted" % (tag, n, MAX_NUMBER_DIGITS))


def _unhashable_kind(value: Any) -> Optional[str]:
    t = type(value)
    if t is list:
        return "a list"
    if t is dict:
        return "a dict"
    if t is set:
        return "a set"
    if t is bytearray:
        return "a bytearray"
    if t is decimal.Decimal and value.is_snan():
        return "a signaling NaN decimal"
    if t is tuple:
        for item in value:
            inner = _unhashable_kind(item)
            if inner:
                return "a tuple holding " + inner
    return None


def _check_hashable(value: Any, what: str) -> None:
    kind = _unhashable_kind(value)
    if kind:
        raise _refuse('%s must be hashable; got %s (use {"$tuple": [...]} for a sequence, '
                            '{"$frozenset": [...]} for a set)' % (what, kind))


def _enter(depth: int) -> None:
    if depth >= MAX_VALUE_DEPTH:
        raise _refuse("the value is nested deeper than %d levels" % MAX_VALUE_DEPTH)


def call_shape_problem(args: Any, kwargs: Any) -> Optional[str]:
    """Why ``args`` and ``kwargs`` cannot be a call's arguments, or None: ``args`` must be
    a list and ``kwargs`` a dict (``encodeCallArguments`` in the IR; the Flink job's routing
    uses this too). Callers pass ``[]``/``{}`` for an absent one; ``None`` is refused."""
    if type(args) is not list:
        return "positional arguments (args) must be an array"
    if type(kwargs) is not dict:
        return "keyword arguments (kwargs) must be an object of names and values"
    return None


class RequestDecoder:
    """Decodes request values strictly; ``entities`` are the program's entity class names."""

    def __init__(self, codec: Codec, entities: Optional[Collection[str]] = None):
        self.codec = codec
        self.entities = entities

    def arguments(self, args: Any, kwargs: Any) -> Tuple[List[Any], Dict[str, Any]]:
        """Decodes call arguments; paths are ``args[i]`` and ``kwargs.<name>``."""
        shape = call_shape_problem(args, kwargs)
        if shape is not None:
            raise RequestValueError(shape)
        try:
            out_args = self._items(args, 0)
        except _Refusal as e:
            raise e.error("args") from None
        out_kwargs = {}
        try:
            for name, v in kwargs.items():
                if not _well_formed(name):
                    raise _refuse("the name '%s' is not valid Unicode (it holds a lone UTF-16 "
                                  "surrogate)" % name)
                try:
                    out_kwargs[name] = self._value(v, 0)
                except _Refusal as e:
                    e.segments.append("." + name)
                    raise
        except _Refusal as e:
            raise e.error("kwargs") from None
        return out_args, out_kwargs

    def value(self, value: Any, path: str, depth: int = 0) -> Any:
        """Decodes one value; a problem is a :class:`RequestValueError` ``<path>: <problem>``."""
        try:
            return self._value(value, depth)
        except _Refusal as e:
            raise e.error(path) from None

    def _value(self, value: Any, depth: int) -> Any:
        t = type(value)
        if t is str:
            if not _well_formed(value):
                raise _refuse("the string is not valid Unicode (it holds a lone UTF-16 surrogate)")
            return value
        if value is None or t is bool or t is int:
            return value
        if t is float:
            if not math.isfinite(value):
                raise _refuse('numbers must be finite (a JSON number this large overflows a float); '
                              'send {"$float": "inf"}, {"$float": "-inf"} or {"$float": "nan"} '
                              'for a non-finite float')
            return value
        if t is list:
            _enter(depth)
            return self._items(value, depth + 1)
        if t is not dict:
            raise _refuse("a %s is not a JSON value" % t.__name__)
        _enter(depth)
        tagged = False
        for k in value:
            if k[:1] == "$":
                tagged = True
                break
        if not tagged:
            out = {}
            for k, v in value.items():
                if not _well_formed(k):
                    raise _refuse("the key '%s' is not valid Unicode (it holds a lone UTF-16 "
                                  "surrogate)" % k)
                try:
                    out[k] = self._value(v, depth + 1)
                except _Refusal as e:
                    e.segments.append("." + k)
                    raise
            return out
        return self._tagged(value, depth + 1)

    def _items(self, items: list, depth: int) -> List[Any]:
        out: List[Any] = []
        append = out.append
        decode = self._value
        i = 0
        try:
            for i, v in enumerate(items):
                t = type(v)
                # Fast path: ints, bools, None and ASCII strings are themselves.
                if t is int or t is bool or v is None or (t is str and v.isascii()):
                    append(v)
                else:
                    append(decode(v, depth))
        except _Refusal as e:
            e.segments.append("[%d]" % i)
            raise
        return out

    def _tagged(self, obj: Dict[str, Any], depth: int) -> Any:
        if "$entity" in obj or "$key" in obj:
            entity, key = obj.get("$entity"), obj.get("$key")
            if len(obj) != 2 or type(entity) is not str or type(key) is not str:
                raise _refuse('an entity reference is exactly {"$entity": "<Class>", "$key": "<key>"} '
                                    'with two strings')
            if self.entities is not None and entity not in self.entities:
                raise _refuse("there is no entity class '%s'" % entity)
            bad = key_problem(key)
            if bad:
                raise _refuse(bad)
            return EntityRef(entity, key)
        if len(obj) != 1:
            raise _refuse("keys starting with '$' are reserved for tagged values, and a tagged value "
                                "has exactly one key (got %s); to send such a dict use "
                                '{"$dict": [[key, value], ...]}' % ", ".join(obj))
        (tag, inner), = obj.items()
        if tag == "$int":
            if type(inner) is not str or not _INT.fullmatch(inner):
                raise _refuse('$int takes a string of decimal digits, e.g. {"$int": "-12345678901234567890"}')
            _check_digits(inner, tag)
            return int(inner)
        if tag == "$float":
            if type(inner) is not str or not (inner in ("nan", "inf", "-inf") or _FLOAT.fullmatch(inner)):
                raise _refuse('$float takes a decimal number as a string (e.g. "2.0", "1e-7"), '
                                    'or "nan", "inf", "-inf"')
            _check_digits(inner, tag)
            number = float(inner)
            if math.isinf(number) and inner not in ("inf", "-inf"):
                raise _refuse('$float "%s" is out of range of a float; use "inf" or "-inf"' % inner[:20])
            return number
        if tag == "$bytes" or tag == "$bytearray":
            if type(inner) is not str or len(inner) % 4 or not _BASE64.fullmatch(inner):
                raise _refuse(_BASE64_PROBLEM % tag)
            try:
                data = base64.b64decode(inner, validate=True)
            except binascii.Error:
                raise _refuse(_BASE64_PROBLEM % tag) from None
            return data if tag == "$bytes" else bytearray(data)
        if tag in ("$tuple", "$set", "$frozenset"):
            if type(inner) is not list:
                raise _refuse("%s takes an array" % tag)
            _enter(depth)
            items = self._items(inner, depth + 1)
            if tag == "$tuple":
                return tuple(items)
            for i, item in enumerate(items):
                try:
                    _check_hashable(item, "a %s member" % tag)
                except _Refusal as e:
                    e.segments.append("[%d]" % i)
                    raise
            return set(items) if tag == "$set" else frozenset(items)
        if tag == "$dict":
            return self._dict(inner, depth)
        if tag == "$date":
            if type(inner) is not str or not _DATE.fullmatch(inner):
                raise _refuse(_DATE_PROBLEM)
            try:
                return datetime.date.fromisoformat(inner)
            except ValueError:
                raise _refuse(_DATE_PROBLEM) from None
        if tag == "$time":
            if type(inner) is not str or not _TIME.fullmatch(inner):
                raise _refuse(_TIME_PROBLEM)
            try:
                return _parse_time(inner)
            except ValueError:
                raise _refuse(_TIME_PROBLEM) from None
        if tag == "$datetime":
            at = inner.find("T") if type(inner) is str else -1
            if at < 0 or not _DATE.fullmatch(inner[:at]) or not _TIME.fullmatch(inner[at + 1:]):
                raise _refuse(_DATETIME_PROBLEM)
            try:
                return _parse_datetime(inner)
            except ValueError:
                raise _refuse(_DATETIME_PROBLEM) from None
        if tag == "$timedelta":
            if (type(inner) is not list or len(inner) != 3
                    or not all(type(n) is int and -_SAFE <= n <= _SAFE for n in inner)):
                raise _refuse('$timedelta takes [days, seconds, microseconds], three integers, '
                                    'e.g. {"$timedelta": [1, 3600, 0]}')
            try:
                delta = datetime.timedelta(inner[0], inner[1], inner[2])
            except OverflowError:
                raise _refuse("$timedelta is out of range; a timedelta is at most 999999999 days "
                                    "either way") from None
            _enter(depth)
            return delta
        if tag == "$decimal":
            if type(inner) is not str or not _DECIMAL.fullmatch(inner):
                raise _refuse('$decimal takes a decimal number as a string (e.g. "1.10", "-2E+3"), '
                                    'or "NaN", "sNaN", "Infinity", "-Infinity"')
            _check_digits(inner, tag)
            return decimal.Decimal(inner)
        if tag == "$uuid":
            if type(inner) is not str or not _UUID.fullmatch(inner):
                raise _refuse('$uuid takes a UUID "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" '
                                    '(hexadecimal digits)')
            return uuid.UUID(inner)
        if tag == "$enum":
            if (type(inner) is not list or len(inner) != 2 or type(inner[0]) is not str
                    or type(inner[1]) is not str or not _IDENTIFIER.fullmatch(inner[0])
                    or not _IDENTIFIER.fullmatch(inner[1])):
                raise _refuse('$enum takes ["<EnumClass>", "<MEMBER>"], two Python names, '
                                    'e.g. {"$enum": ["Color", "RED"]}')
            _enter(depth)
            try:
                return self.codec.decode_enum(inner)
            except EncodingError as e:
                raise _refuse(e.detail) from None
        raise _refuse("'%s' is not a value tag (known: %s); keys starting with '$' are reserved, "
                            'so send a dict with such keys as {"$dict": [[key, value], ...]}' % (tag, _TAGS))

    def _dict(self, inner: Any, depth: int) -> Dict[Any, Any]:
        if type(inner) is not list:
            raise _refuse("$dict takes an array of [key, value] pairs")
        _enter(depth)
        out = {}
        for i, pair in enumerate(inner):
            segment = "[%d]" % i
            try:
                if type(pair) is not list or len(pair) != 2:
                    raise _refuse("$dict takes an array of [key, value] pairs")
                _enter(depth + 1)
                segment = "<key %d>" % i
                key = self._value(pair[0], depth + 2)
                _check_hashable(key, "a $dict key")
                segment = "<value %d>" % i
                out[key] = self._value(pair[1], depth + 2)
            except _Refusal as e:
                e.segments.append(segment)
                raise
        return out
