"""Runs an HTTP-API scenario against a StateFlow program as plain, sequential Python.

This is the reference the end-to-end tests compare `stateflow serve` with: the same
calls on ordinary objects, in one process, one after another, with no StateFlow
machinery. It prints, for every step, the `{"status", "body"}` the HTTP API is
expected to give.

Usage: python3 run_plain.py <app.py> <scenario.json>

A scenario is a JSON list of steps:
  {"op": "create", "entity": "Item", "args": [...], "kwargs": {...}}
  {"op": "invoke", "entity": "Item", "key": "coke", "method": "m", "args": [...], "kwargs": {...}}
  {"op": "get", "entity": "Item", "key": "coke"}
Entity references in arguments are {"$entity": "Item", "$key": "coke"}.
"""
import importlib.util
import inspect
import json
import sys
import types

ENTITY_CLASSES = {}


def install_stateflow_shim():
    """Makes `from stateflow import stateflow` work: the decorator only records the class."""
    shim = types.ModuleType("stateflow")

    def stateflow(cls):
        ENTITY_CLASSES[cls.__name__] = cls
        return cls

    shim.stateflow = stateflow
    sys.modules["stateflow"] = shim


def load_app(path):
    spec = importlib.util.spec_from_file_location("app", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module
    spec.loader.exec_module(module)
    return module


class ApiError(Exception):
    """An error the HTTP API reports as `{"error": {"type", "message"}}` with `status`."""

    def __init__(self, status, type_, message):
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message


def system_error(status, code, message):
    return ApiError(status, code, message)


class World:
    def __init__(self):
        self.instances = {name: {} for name in ENTITY_CLASSES}

    # -- values -----------------------------------------------------------------
    def decode(self, value):
        """JSON arguments to Python values; entity references become the plain objects."""
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if isinstance(value, dict):
            if set(value) == {"$entity", "$key"}:
                table = self.instances.get(value["$entity"])
                if table is None:
                    raise system_error(400, "BadRequest", "unknown entity class %s" % value["$entity"])
                if value["$key"] not in table:
                    raise system_error(404, "EntityNotFound", "%s %r does not exist" % (value["$entity"], value["$key"]))
                return table[value["$key"]]
            if set(value) == {"$tuple"}:
                return tuple(self.decode(v) for v in value["$tuple"])
            return {k: self.decode(v) for k, v in value.items()}
        return value

    def encode(self, value):
        """Python values to the plain JSON the HTTP API shows."""
        if type(value).__name__ in ENTITY_CLASSES and isinstance(value, ENTITY_CLASSES[type(value).__name__]):
            return {"$entity": type(value).__name__, "$key": str(value.__key__())}
        if isinstance(value, (list, tuple, set, frozenset)):
            return [self.encode(v) for v in value]
        if isinstance(value, dict):
            return {str(k): self.encode(v) for k, v in value.items()}
        return value

    # -- operations ---------------------------------------------------------------
    def entity_class(self, name):
        cls = ENTITY_CLASSES.get(name)
        if cls is None:
            raise system_error(404, "UnknownEntity", "there is no entity class %r" % name)
        return cls

    def instance(self, entity, key):
        obj = self.instances[entity].get(key)
        if obj is None:
            raise system_error(404, "EntityNotFound", "%s %r does not exist" % (entity, key))
        return obj

    def create(self, entity, args, kwargs):
        cls = self.entity_class(entity)
        args, kwargs = self.decode(args), self.decode(kwargs)
        bind(cls.__init__, (None,) + tuple(args), kwargs)
        obj = call_user(cls, args, kwargs)
        key = str(call_user(obj.__key__, [], {}))
        if key in self.instances[entity]:
            raise system_error(409, "EntityExists", "%s %r already exists" % (entity, key))
        self.instances[entity][key] = obj
        return 201, {"key": key}

    def invoke(self, entity, key, method, args, kwargs):
        cls = self.entity_class(entity)
        # Same order of checks as the runtime: the method is checked before the key.
        if method.startswith("_") or not callable(getattr(cls, method, None)):
            raise system_error(400, "UnknownMethod", "%s has no public method %r" % (entity, method))
        obj = self.instance(entity, key)
        args, kwargs = self.decode(args), self.decode(kwargs)
        bound = getattr(obj, method)
        bind(bound, args, kwargs)
        return 200, {"result": self.encode(call_user(bound, args, kwargs))}

    def get(self, entity, key):
        self.entity_class(entity)
        obj = self.instance(entity, key)
        return 200, {"state": self.encode(dict(vars(obj)))}


def bind(function, args, kwargs):
    try:
        inspect.signature(function).bind(*args, **kwargs)
    except TypeError as exc:
        raise system_error(400, "BadArguments", str(exc))


def call_user(function, args, kwargs):
    try:
        return function(*args, **kwargs)
    except ApiError:
        raise
    except Exception as exc:  # the user's code raised: 422 with its class name and message
        raise ApiError(422, type(exc).__name__, str(exc))


def run_step(world, step):
    op = step["op"]
    args, kwargs = step.get("args", []), step.get("kwargs", {})
    try:
        if op == "create":
            status, body = world.create(step["entity"], args, kwargs)
        elif op == "invoke":
            status, body = world.invoke(step["entity"], step["key"], step["method"], args, kwargs)
        elif op == "get":
            status, body = world.get(step["entity"], step["key"])
        else:
            raise ValueError("unknown scenario op %r" % op)
    except ApiError as err:
        status, body = err.status, {"error": {"type": err.type, "message": err.message}}
    return {"status": status, "body": body}


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    install_stateflow_shim()
    load_app(argv[1])
    with open(argv[2], encoding="utf-8") as f:
        steps = json.load(f)
    world = World()
    json.dump([run_step(world, step) for step in steps], sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
