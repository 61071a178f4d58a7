"""Runs conformance scenarios on plain, sequential Python: the reference semantics.

For each scenario folder (``app.py`` + ``scenario.json``) this imports ``app.py`` as an
ordinary module, with a ``stateflow`` shim (an identity decorator, ``EntityRef`` and the
error classes), runs the steps one after another on plain objects, and prints what a
StateFlow backend must answer for every step. No StateFlow machinery is involved: the
only additions are the rules StateFlow adds to Python, emulated here:

- Instances live in a table per entity class, by ``str(__key__())``.
- A call to a method of *another* instance (or from the client) is a remote call: its
  arguments and its result are copies (as if encoded), and an ``int`` passed for a
  ``float`` parameter becomes a ``float``.
- Hops are atomic: an instance's changes since its last remote interaction (the start of
  its current hop) are undone when an exception leaves its method; changes made before
  a remote call or a creation stay, as on every backend.
- Creating an entity (client or method) stores it at its key, or raises
  ``EntityExistsError`` when the key is taken; calling a reference to a key that does
  not exist raises ``EntityNotFoundError``.
- Errors are ``{"type", "message"}``: the exception class name, or the StateFlow error
  code (``UnknownEntity``, ``UnknownMethod``, ``EntityNotFound``, ``EntityExists``,
  ``BadArguments``).

Values are encoded exactly like the kernel (the table in ``@stateflow/ir`` values.ts),
with entity instances as ``{"$entity", "$key"}``.

Usage: python3 run_plain.py <scenario-dir> [<scenario-dir> ...]
Prints one JSON object: ``{"python": "3.x.y", "scenarios": {<dir>: [<expect>, ...]}}``.
"""
import base64
import copy
import functools
import importlib.util
import inspect
import json
import math
import sys
import types

MAX_SAFE = 2 ** 53


# -- the stateflow shim ------------------------------------------------------------


class RemoteError(Exception):
    """An exception from another entity or from StateFlow."""


class EntityExistsError(RemoteError):
    """Creating an entity failed: the key is taken."""


class EntityNotFoundError(RemoteError):
    """A call or read went to an entity that does not exist."""


class BadArgumentsError(RemoteError, TypeError):
    """The arguments of a call or creation do not bind: a TypeError, as in plain Python."""


class EntityRef:
    """A reference the client passed to an entity that does not exist (yet)."""

    def __init__(self, entity, key):
        object.__setattr__(self, "entity", entity)
        object.__setattr__(self, "key", str(key))

    def __eq__(self, other):
        return isinstance(other, EntityRef) and (self.entity, self.key) == (other.entity, other.key)

    def __hash__(self):
        return hash(("EntityRef", self.entity, self.key))

    def __repr__(self):
        return "%s(%r)" % (self.entity, self.key)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if WORLD is not None:
            WORLD.commit_caller()  # the call leaves the caller's hop before it fails
        raise system_error("EntityNotFound", "%s(%r) does not exist" % (self.entity, self.key))


def system_error(code, message):
    """A StateFlow error: raised as the shim's class, reported with ``code`` as its type."""
    cls = {"EntityExists": EntityExistsError, "EntityNotFound": EntityNotFoundError,
           "BadArguments": BadArgumentsError}.get(code)
    if cls is None:
        cls = type(code, (RemoteError,), {})
    err = cls(message)
    err.sf_code = code
    return err


ENTITY_CLASSES = {}


def install_shim():
    shim = types.ModuleType("stateflow")

    def stateflow(cls):
        ENTITY_CLASSES[cls.__name__] = cls
        return cls

    shim.stateflow = stateflow
    shim.EntityRef = EntityRef
    shim.RemoteError = RemoteError
    shim.EntityExistsError = EntityExistsError
    shim.EntityNotFoundError = EntityNotFoundError
    shim.BadArgumentsError = BadArgumentsError
    sys.modules["stateflow"] = shim


# -- values ------------------------------------------------------------------------


def entity_name(value):
    cls = ENTITY_CLASSES.get(type(value).__name__)
    return type(value).__name__ if cls is not None and type(value) is cls else None


def encode(value):
    t = type(value)
    if t is str or value is None or t is bool:
        return value
    if t is int:
        return value if -MAX_SAFE < value < MAX_SAFE else {"$int": str(value)}
    if t is float:
        if math.isfinite(value) and not value.is_integer():
            return value
        if math.isnan(value):
            return {"$float": "nan"}
        if math.isinf(value):
            return {"$float": "inf" if value > 0 else "-inf"}
        return {"$float": repr(value)}
    if t is list:
        return [encode(v) for v in value]
    if t is tuple:
        return {"$tuple": [encode(v) for v in value]}
    if t is set:
        return {"$set": [encode(v) for v in ordered(value)]}
    if t is frozenset:
        return {"$frozenset": [encode(v) for v in ordered(value)]}
    if t is bytes:
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if t is bytearray:
        return {"$bytearray": base64.b64encode(value).decode("ascii")}
    if t is dict:
        if all(type(k) is str and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if t is EntityRef:
        return {"$entity": value.entity, "$key": value.key}
    name = entity_name(value)
    if name is not None:
        return {"$entity": name, "$key": str(value.__key__())}
    raise system_error("EncodingError", "cannot encode a value of type '%s'" % t.__name__)


def ordered(items):
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=lambda v: "%s:%s" % (type(v).__name__, json.dumps(encode(v), sort_keys=True)))


# -- the world -----------------------------------------------------------------------


class Frame:
    """A method activation of one instance that began with a remote call."""

    def __init__(self, obj):
        self.obj = obj
        self.snapshot = None


class World:
    def __init__(self):
        self.instances = {name: {} for name in ENTITY_CLASSES}
        self.frames = []

    def all_instances(self):
        return [obj for table in self.instances.values() for obj in table.values()]

    def copy(self, value, extra=()):
        """A deep copy in which entity instances stay themselves (references)."""
        memo = {id(obj): obj for obj in self.all_instances()}
        for obj in extra:
            memo[id(obj)] = obj
        return copy.deepcopy(value, memo)

    def begin_hop(self, frame):
        frame.snapshot = self.copy(dict(vars(frame.obj)), [frame.obj])

    def current(self):
        return self.frames[-1].obj if self.frames else None

    def commit_caller(self):
        """The caller's hop ends at a remote interaction; its next hop starts after it."""
        if self.frames:
            self.begin_hop(self.frames[-1])

    def decode(self, value):
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if isinstance(value, dict):
            if set(value) == {"$entity", "$key"}:
                table = self.instances.get(value["$entity"], {})
                obj = table.get(value["$key"])
                return obj if obj is not None else EntityRef(value["$entity"], value["$key"])
            if len(value) == 1:
                (tag, inner), = value.items()
                if tag == "$tuple":
                    return tuple(self.decode(v) for v in inner)
                if tag == "$set":
                    return set(self.decode(v) for v in inner)
                if tag == "$frozenset":
                    return frozenset(self.decode(v) for v in inner)
                if tag == "$bytearray":
                    return bytearray(base64.b64decode(inner))
                if tag == "$int":
                    return int(inner)
                if tag == "$float":
                    return float(inner)
                if tag == "$bytes":
                    return base64.b64decode(inner)
                if tag == "$dict":
                    return {self.decode(k): self.decode(v) for k, v in inner}
            return {k: self.decode(v) for k, v in value.items()}
        return value


WORLD = None


def bind(function, label, args, kwargs, drop_self):
    """Binds like the kernel: ``BadArguments`` on mismatch, int → float for float params."""
    sig = inspect.signature(function)
    if drop_self:
        sig = sig.replace(parameters=list(sig.parameters.values())[1:])
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise system_error("BadArguments", "bad arguments for %s: %s" % (label, e))
    for name, param in sig.parameters.items():
        if (param.annotation is float or param.annotation == "float") and type(bound.arguments.get(name)) is int:
            bound.arguments[name] = float(bound.arguments[name])
    return bound.args, bound.kwargs


def remote_method(cls, name, fn):
    @functools.wraps(fn)
    def method(self, *args, **kwargs):
        world = WORLD
        if world.current() is self:  # a self-call: same hop
            return fn(self, *args, **kwargs)
        label = "%s.%s" % (cls.__name__, name)
        args, kwargs = world.copy((args, kwargs))
        args, kwargs = bind(fn, label, args, kwargs, drop_self=True)
        world.commit_caller()
        frame = Frame(self)
        world.begin_hop(frame)
        world.frames.append(frame)
        try:
            result = fn(self, *args, **kwargs)
        except Exception:
            vars(self).clear()
            vars(self).update(frame.snapshot)
            world.frames.pop()
            world.commit_caller()
            raise
        world.frames.pop()
        encode(result)  # a result that cannot travel fails like on a backend
        result = world.copy(result)
        world.commit_caller()
        return result

    return method


def creating_init(cls, fn):
    @functools.wraps(fn)
    def __init__(self, *args, **kwargs):
        world = WORLD
        args, kwargs = world.copy((args, kwargs))
        args, kwargs = bind(fn, cls.__name__, (None,) + tuple(args), kwargs, drop_self=False)
        fn(self, *args[1:], **kwargs)
        key = str(self.__key__())
        world.commit_caller()
        table = world.instances[cls.__name__]
        if key in table:
            raise system_error("EntityExists", "%s(%r) already exists" % (cls.__name__, key))
        table[key] = self

    return __init__


def instrument(cls):
    init = cls.__dict__.get("__init__")
    if init is None:
        def init(self):
            pass
    cls.__init__ = creating_init(cls, init)
    for name, value in list(cls.__dict__.items()):
        if isinstance(value, types.FunctionType) and not (name.startswith("__") and name.endswith("__")):
            setattr(cls, name, remote_method(cls, name, value))


def public_method(cls, name):
    value = cls.__dict__.get(name)
    return (not name.startswith("_")) and isinstance(value, types.FunctionType)


# -- steps ---------------------------------------------------------------------------


def error_of(exc):
    code = getattr(exc, "sf_code", None)
    if code is not None:
        return {"type": code, "message": str(exc)}
    return {"type": type(exc).__name__, "message": str(exc)}


def run_step(world, step):
    op = step["op"]
    entity = step["entity"]
    args = world.decode(step.get("args", []))
    kwargs = world.decode(step.get("kwargs", {}))
    try:
        cls = ENTITY_CLASSES.get(entity)
        if op == "get":
            obj = world.instances.get(entity, {}).get(str(step["key"]))
            if obj is None:
                raise system_error("EntityNotFound", "%s(%r) does not exist" % (entity, step["key"]))
            return {"state": encode(dict(vars(obj)))}
        if cls is None:
            raise system_error("UnknownEntity", "there is no entity class %r" % entity)
        if op == "create":
            obj = cls(*args, **kwargs)
            return {"key": str(obj.__key__())}
        if op == "invoke":
            method = step["method"]
            if not public_method(cls, method):
                raise system_error("UnknownMethod", "%s has no public method %r" % (entity, method))
            obj = world.instances[entity].get(str(step["key"]))
            if obj is None:
                raise system_error("EntityNotFound", "%s(%r) does not exist" % (entity, step["key"]))
            return {"result": encode(getattr(obj, method)(*args, **kwargs))}
        raise ValueError("unknown scenario op %r" % op)
    except Exception as exc:  # user exceptions and StateFlow errors alike
        world.frames.clear()
        return {"error": error_of(exc)}


def run_scenario(folder):
    global WORLD
    ENTITY_CLASSES.clear()
    install_shim()
    name = "app"
    spec = importlib.util.spec_from_file_location(name, "%s/app.py" % folder)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    for cls in ENTITY_CLASSES.values():
        instrument(cls)
    WORLD = World()
    with open("%s/scenario.json" % folder, encoding="utf-8") as f:
        steps = json.load(f)
    return [run_step(WORLD, step) for step in steps]


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = {"python": "%d.%d.%d" % sys.version_info[:3], "scenarios": {}}
    for folder in argv[1:]:
        out["scenarios"][folder] = run_scenario(folder)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
