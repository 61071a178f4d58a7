"""Loading a compiled program: the ``stateflow`` shim, the module, and an index of its
entity classes, methods, blocks and error handlers."""
from __future__ import annotations

import enum
import linecache
import sys
import traceback
import types
from typing import Any, Callable, Dict, FrozenSet, Optional, Set, Tuple

from .errors import LoadError
from .refs import (BadArgumentsError, EntityExistsError, EntityNotFoundError, EntityRef,
                   RemoteError, stateflow)
from .signature import Signature


def install_shim() -> None:
    """Makes ``import stateflow`` give this kernel's shim (decorator + ``EntityRef``)."""
    mod = sys.modules.get("stateflow")
    if mod is not None and getattr(mod, "EntityRef", None) is EntityRef:
        return
    try:
        import stateflow as mod  # type: ignore[no-redef]
    except ImportError:
        mod = None
    if mod is None or getattr(mod, "EntityRef", None) is not EntityRef:
        mod = types.ModuleType("stateflow")
        mod.stateflow = stateflow  # type: ignore[attr-defined]
        mod.EntityRef = EntityRef  # type: ignore[attr-defined]
        mod.RemoteError = RemoteError  # type: ignore[attr-defined]
        mod.EntityExistsError = EntityExistsError  # type: ignore[attr-defined]
        mod.EntityNotFoundError = EntityNotFoundError  # type: ignore[attr-defined]
        mod.BadArgumentsError = BadArgumentsError  # type: ignore[attr-defined]
        mod.__all__ = ["stateflow", "EntityRef", "RemoteError", "EntityExistsError",  # type: ignore[attr-defined]
                       "EntityNotFoundError", "BadArgumentsError"]
        sys.modules["stateflow"] = mod


class Method:
    """One method of an entity class: its blocks (for a split method) or its function."""

    __slots__ = ("name", "writes", "split", "entry", "blocks", "func", "signature", "catches",
                 "detached")

    def __init__(self, name: str, writes: bool, split: bool, entry: Optional[str],
                 blocks: Dict[str, Callable[..., Any]], func: Any, signature: Signature,
                 catches: Optional[Dict[str, Tuple[str, str]]] = None,
                 detached: FrozenSet[str] = frozenset()):
        #: resume block id -> (onError block id, errorVar) of the terminator resuming there
        self.catches: Dict[str, Tuple[str, str]] = catches or {}
        #: ids of the blocks marked ``detached`` in the IR (they never use ``self``)
        self.detached = detached
        self.name = name
        self.writes = writes
        self.split = split
        self.entry = entry
        self.blocks = blocks
        self.func = func
        self.signature = signature


class Entity:
    """One entity class: the class, its methods and its constructor's signature."""

    __slots__ = ("name", "cls", "methods", "init")

    def __init__(self, name: str, cls: type, methods: Dict[str, Method], init: Signature):
        self.name = name
        self.cls = cls
        self.methods = methods
        self.init = init


def load_program(program: Dict[str, Any]) -> Tuple[types.ModuleType, Dict[str, Entity]]:
    """Executes the module of ``program`` (the IR ``Program`` as a dict) and indexes its
    entity classes by name; ``LoadError`` when it cannot or they do not match the IR."""
    install_shim()
    try:
        module_ir = program["module"]
        name = module_ir["name"]
        path = module_ir.get("path") or (name + ".py")
        source = module_ir["source"]
        entities_ir = program["entities"]
    except (KeyError, TypeError) as e:
        raise LoadError("not a StateFlow program: missing %s" % e)
    module = execute_module(name, path, source)
    entities: Dict[str, Entity] = {}
    for ent_ir in entities_ir:
        ent = index_entity(module, ent_ir, path)
        entities[ent.name] = ent
    return module, entities


def execute_module(name: str, path: str, source: str) -> types.ModuleType:
    """Executes ``source`` as a fresh module ``name`` registered in ``sys.modules``;
    ``LoadError`` with ``path:line`` when it does not compile or raises."""
    module = types.ModuleType(name)
    module.__file__ = path
    previous = sys.modules.get(name)
    sys.modules[name] = module
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    try:
        code = compile(source, path, "exec", dont_inherit=True)
        exec(code, module.__dict__)
    except SyntaxError as e:
        _restore(name, previous)
        raise LoadError("%s:%s:%s: SyntaxError: %s" % (path, e.lineno, e.offset, e.msg))
    except Exception as e:
        _restore(name, previous)
        line = "?"
        for fs in traceback.extract_tb(e.__traceback__):
            if fs.filename == path:
                line = str(fs.lineno)
        raise LoadError(
            "%s:%s: executing the module raised %s: %s" % (path, line, type(e).__name__, e)
        )
    return module


def index_entity(module: types.ModuleType, ent_ir: Dict[str, Any], path: str) -> Entity:
    """The :class:`Entity` of ``ent_ir`` (an IR ``EntityClass``) in the executed ``module``."""
    name = ent_ir["name"]
    cls = module.__dict__.get(name)
    if not isinstance(cls, type):
        raise LoadError("%s: entity class %s is not defined by the module" % (path, name))
    mod_name = module.__name__
    methods: Dict[str, Method] = {}
    for m_ir in ent_ir.get("methods", ()):
        m_name = m_ir["name"]
        func = cls.__dict__.get(m_name)
        if func is None:
            func = getattr(cls, m_name, None)
        if not callable(func):
            raise LoadError("%s: %s.%s is not a method" % (path, name, m_name))
        body = m_ir.get("body") or {"kind": "SimpleBody"}
        blocks: Dict[str, Callable[..., Any]] = {}
        catches: Dict[str, Tuple[str, str]] = {}
        detached: Set[str] = set()
        split = body.get("kind") == "SplitBody"
        if split:
            for b in body["blocks"]:
                t = b.get("terminator") or {}
                if t.get("onError") and t.get("errorVar") and t.get("resume"):
                    catches[t["resume"]] = (t["onError"], t["errorVar"])
                fn = module.__dict__.get(b["function"])
                if not callable(fn):
                    raise LoadError(
                        "%s: block function %s of %s.%s is not defined by the module"
                        % (path, b["function"], name, m_name)
                    )
                blocks[b["id"]] = fn
                if b.get("detached") is True:
                    detached.add(b["id"])
            if body.get("entry") not in blocks:
                raise LoadError("%s: %s.%s has no entry block %r"
                                % (path, name, m_name, body.get("entry")))
        methods[m_name] = Method(
            m_name,
            bool(m_ir.get("writes", True)),
            split,
            body.get("entry"),
            blocks,
            func,
            Signature(func, "%s.%s" % (name, m_name), mod_name, drop_self=True),
            catches,
            frozenset(detached),
        )
    return Entity(name, cls, methods, Signature(cls, name, mod_name, drop_self=False))


def _restore(name: str, previous: Optional[types.ModuleType]) -> None:
    if previous is None:
        sys.modules.pop(name, None)
    else:
        sys.modules[name] = previous


def enum_classes(module: types.ModuleType) -> Dict[str, type]:
    """The ``Enum`` classes the program's module binds at its top level, by name (``$enum``)."""
    return {name: obj for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, enum.Enum) and obj is not enum.Enum
            and not name.startswith("_")}
