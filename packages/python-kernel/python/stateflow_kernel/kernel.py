"""The kernel: runs the method state machines of one compiled program.

One call of :meth:`Kernel.process` is one *hop*: an event delivered to one entity
instance (or to no instance, for ``Construct``). A hop is atomic: when user code
raises, every change of the hop is discarded and the error goes to the waiting frame.
See ARCHITECTURE.md ("The block calling convention", "The kernel").
"""
from __future__ import annotations

import builtins
import inspect
import json
import linecache
import os
import sys
import traceback
import types
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import LoadError, StateflowError, UserError, exception_with_message
from .refs import EntityExistsError, EntityNotFoundError, EntityRef, RemoteError, stateflow
from .values import Codec, EncodingError

_TRACEBACKS = os.environ.get("STATEFLOW_KERNEL_TRACEBACKS", "") not in ("", "0")

# Longest instance key in UTF-8 bytes, on every backend: MAX_KEY_BYTES in @stateflow/ir.
MAX_KEY_BYTES = 1000


def _check_key(entity: str, key: str) -> str:
    """Returns ``key``; ``BadArguments`` when it is longer than any backend can store."""
    # A UTF-8 character is at most 4 bytes: short keys need no encoding to be checked.
    if len(key) * 4 > MAX_KEY_BYTES:
        size = len(key.encode("utf-8", "surrogatepass"))
        if size > MAX_KEY_BYTES:
            raise StateflowError(
                "BadArguments",
                "the key of %s(%r…) is %d bytes long; instance keys are at most %d bytes (UTF-8)"
                % (entity, key[:40], size, MAX_KEY_BYTES))
    return key


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
        mod.__all__ = ["stateflow", "EntityRef", "RemoteError", "EntityExistsError",  # type: ignore[attr-defined]
                       "EntityNotFoundError"]
        sys.modules["stateflow"] = mod


def _is_float(annotation: Any) -> bool:
    return annotation is float or annotation == "float"


class _Signature:
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

    def bind(self, args: List[Any], kwargs: Dict[str, Any]) -> "_Bound":
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
            return _Bound(dict(bound.arguments), list(bound.args), bound.kwargs)
        if self.floats:
            for name in self.floats:
                if type(arguments[name]) is int:
                    arguments[name] = float(arguments[name])
            args = [arguments[n] for n in names]
        return _Bound(arguments, args, {})


class _Bound:
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


class _Method:
    __slots__ = ("name", "writes", "split", "entry", "blocks", "func", "signature", "catches")

    def __init__(self, name: str, writes: bool, split: bool, entry: Optional[str],
                 blocks: Dict[str, Callable[..., Any]], func: Any, signature: _Signature,
                 catches: Optional[Dict[str, Tuple[str, str]]] = None):
        #: resume block id -> (onError block id, errorVar) of the terminator resuming there
        self.catches: Dict[str, Tuple[str, str]] = catches or {}
        self.name = name
        self.writes = writes
        self.split = split
        self.entry = entry
        self.blocks = blocks
        self.func = func
        self.signature = signature


class _Entity:
    __slots__ = ("name", "cls", "methods", "init")

    def __init__(self, name: str, cls: type, methods: Dict[str, _Method], init: _Signature):
        self.name = name
        self.cls = cls
        self.methods = methods
        self.init = init


class _Pending:
    """A frame pushed in this hop by an in-line self call; its env is still raw Python."""

    __slots__ = ("entity", "key", "method", "resume", "result_var", "env")

    def __init__(self, entity: str, key: str, method: str, resume: str, result_var: str,
                 env: Dict[str, Any]):
        self.entity = entity
        self.key = key
        self.method = method
        self.resume = resume
        self.result_var = result_var
        self.env = env


def _frame_address(frame: Any) -> Tuple[str, str]:
    if type(frame) is _Pending:
        return frame.entity, frame.key
    return frame["entity"], frame["key"]


class _Hop:
    """Output and call stack of one ``process`` call."""

    __slots__ = ("request_id", "reply_to", "seq", "out", "stack", "entity", "key", "writes",
                 "inst", "ent", "base")

    def __init__(self, event: Dict[str, Any]):
        self.request_id = event.get("requestId")
        self.reply_to = event.get("replyTo")
        self.seq = event.get("seq", 0)
        self.out: List[Dict[str, Any]] = []
        self.stack: List[Any] = list(event.get("stack") or ())
        self.entity: Optional[str] = None
        self.key: Optional[str] = None
        self.writes = False
        #: the instance user code runs on in this hop, its entity and its state before
        self.inst: Any = None
        self.ent: Any = None
        self.base: Optional[Dict[str, Any]] = None

    def emit(self, event: Dict[str, Any]) -> None:
        self.seq += 1
        event["requestId"] = self.request_id
        event["seq"] = self.seq
        event["replyTo"] = self.reply_to
        self.out.append(event)

    def finish(self, result: Dict[str, Any]) -> None:
        """Sends ``result`` to the innermost waiting frame, or to the client."""
        if self.stack:
            frame = self.stack[-1]
            rest = self.stack[:-1]
            self.emit({
                "kind": "Reply",
                "target": {"entity": frame["entity"], "key": frame["key"]},
                "frame": frame,
                "result": result,
                "stack": rest,
            })
        else:
            self.emit({"kind": "Response", "result": result, "stack": []})

    def at_home(self, frame: Any) -> bool:
        return self.entity is not None and _frame_address(frame) == (self.entity, self.key)


_ABSENT = object()


def _same(a: Any, b: Any) -> bool:
    """Equality of encoded values that also tells ``1``, ``1.0`` and ``True`` apart."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        if len(a) != len(b):
            return False
        get = b.get
        for k, v in a.items():
            w = get(k, _ABSENT)
            t = type(v)
            if t is not type(w):
                return False
            if t is dict or t is list:
                if not _same(v, w):
                    return False
            elif v != w:
                return False
        return True
    if type(a) is list:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _call_user(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return func(*args, **kwargs)
    except Exception as e:
        if _TRACEBACKS:
            traceback.print_exc(file=sys.stderr)
        raise UserError(e) from None


class Kernel:
    """Loads one compiled program and processes events for it.

    ``program`` is the IR ``Program`` as a dict. Raises :class:`LoadError` when the
    module cannot be executed or does not match the IR.
    """

    def __init__(self, program: Dict[str, Any]):
        install_shim()
        try:
            module_ir = program["module"]
            name = module_ir["name"]
            path = module_ir.get("path") or (name + ".py")
            source = module_ir["source"]
            entities_ir = program["entities"]
        except (KeyError, TypeError) as e:
            raise LoadError("not a StateFlow program: missing %s" % e)
        self.module = self._execute(name, path, source)
        self.entities: Dict[str, _Entity] = {}
        for ent_ir in entities_ir:
            ent = self._index_entity(ent_ir, path)
            self.entities[ent.name] = ent
        self.codec = Codec({e.cls: e.name for e in self.entities.values()},
                           rebuild_error=self.rebuild_error)
        self._remote_classes: Dict[str, type] = {}
        self._handlers = {
            "Invoke": self._on_invoke,
            "Read": self._on_read,
            "Construct": self._on_construct,
            "Insert": self._on_insert,
            "Reply": self._on_reply,
        }

    def rebuild_error(self, type_name: str, message: str) -> BaseException:
        """An exception instance for an error that crossed a hop (``{type, message}``).

        ``EntityExists``/``EntityNotFound`` become ``stateflow.EntityExistsError`` /
        ``EntityNotFoundError``; a name the module defines as an exception class, or a
        builtin exception name, gives that class; anything else a ``stateflow.RemoteError``
        subclass of that name. ``str(e)`` is the message in every case.
        """
        if type_name == "EntityExists":
            return EntityExistsError(message)
        if type_name == "EntityNotFound":
            return EntityNotFoundError(message)
        cls = self.module.__dict__.get(type_name)
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            cls = getattr(builtins, type_name, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            inst = exception_with_message(cls, message)
            if inst is not None:
                return inst
        cls = self._remote_classes.get(type_name)
        if cls is None:
            name = type_name if type_name.isidentifier() else "RemoteError"
            cls = type(name, (RemoteError,), {"__module__": "stateflow"})
            self._remote_classes[type_name] = cls
        return cls(message)

    # -- loading ----------------------------------------------------------------

    @staticmethod
    def _execute(name: str, path: str, source: str) -> types.ModuleType:
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

    def _index_entity(self, ent_ir: Dict[str, Any], path: str) -> _Entity:
        name = ent_ir["name"]
        module = self.module
        cls = module.__dict__.get(name)
        if not isinstance(cls, type):
            raise LoadError("%s: entity class %s is not defined by the module" % (path, name))
        mod_name = module.__name__
        methods: Dict[str, _Method] = {}
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
                if body.get("entry") not in blocks:
                    raise LoadError("%s: %s.%s has no entry block %r"
                                    % (path, name, m_name, body.get("entry")))
            methods[m_name] = _Method(
                m_name,
                bool(m_ir.get("writes", True)),
                split,
                body.get("entry"),
                blocks,
                func,
                _Signature(func, "%s.%s" % (name, m_name), mod_name, drop_self=True),
                catches,
            )
        return _Entity(name, cls, methods, _Signature(cls, name, mod_name, drop_self=False))

    # -- processing -------------------------------------------------------------

    def process(self, event: Dict[str, Any], state: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """Processes one event against the current ``state`` of its target (``None`` if absent).

        Returns ``{"state": new_state, "out": [events]}``, with ``state`` only when it
        changed. Never raises: failures become error results sent to the waiting frame.
        """
        hop = _Hop(event)
        try:
            handler = self._handlers.get(event.get("kind"))
            if handler is None:
                raise StateflowError(
                    "Internal", "the kernel cannot process %r events" % (event.get("kind"),)
                )
            return handler(hop, event, state)
        except UserError as e:
            return self._fail(hop, e.to_value())
        except StateflowError as e:
            return self._fail(hop, e.to_value())
        except EncodingError as e:
            return self._fail(hop, StateflowError("EncodingError", str(e)).to_value())
        except RecursionError as e:
            # The kernel's own recursion over a value (user code's is a UserError): no
            # traceback, which would cost about a second per event on Pyodide.
            message = "a value is nested too deeply for the Python kernel (RecursionError: %s)" % (e,)
            return self._fail(hop, StateflowError("EncodingError", message).to_value())
        except Exception as e:  # a bug in the kernel or malformed input
            traceback.print_exc(file=sys.stderr)
            message = "%s: %s" % (type(e).__name__, e)
            return self._fail(hop, StateflowError("Internal", message).to_value())

    def fail(self, event: Dict[str, Any], error: Dict[str, Any]) -> Dict[str, Any]:
        """The result of ``event`` failing with ``error`` without running user code.

        Used by hosts when a hop was stopped (time limit) or its worker crashed: the
        error goes to the waiting frame (or the client) exactly as if the hop had raised.
        """
        hop = _Hop(event)
        target = event.get("target")
        if isinstance(target, dict):
            hop.entity = target.get("entity")
            hop.key = target.get("key")
        return self._fail(hop, error)

    def process_batch_json(self, text: str) -> str:
        """``process`` for a JSON array of ``{"event", "state"}`` (or ``{"event", "chained": true}``,
        see :mod:`stateflow_kernel.chain`); returns a JSON array of results."""
        from .chain import run_batch
        return json.dumps(run_batch(self.process, json.loads(text)), separators=(",", ":"))

    def _fail(self, hop: _Hop, error: Dict[str, Any], keep_state: bool = False) -> Dict[str, Any]:
        # Discard the events of the hop. Frames of this same instance pushed by in-line
        # self calls (or waiting here) fail with the same error in-line; the rest of the
        # stack gets the error frame by frame. A user exception keeps the state changes
        # made before it was raised, as in plain Python (`keep_state`).
        hop.out = []
        while hop.stack and hop.at_home(hop.stack[-1]):
            hop.stack.pop()
        hop.finish({"error": error})
        if keep_state and hop.inst is not None and hop.base is not None:
            try:
                new_state = self.codec.encode_fields(
                    hop.inst.__dict__, "state field", "%s(%r)" % (hop.ent.name, hop.key))
            except EncodingError:
                return {"out": hop.out}
            if not _same(new_state, hop.base):
                return {"state": new_state, "out": hop.out}
        return {"out": hop.out}

    def _entity(self, name: str) -> _Entity:
        ent = self.entities.get(name)
        if ent is None:
            raise StateflowError(
                "UnknownEntity",
                "the program has no entity class %r (entity classes: %s)"
                % (name, ", ".join(sorted(self.entities)) or "none"),
            )
        return ent

    def _instance(self, ent: _Entity, state: Dict[str, Any], hop: Optional[_Hop] = None) -> Any:
        inst = object.__new__(ent.cls)
        inst.__dict__.update(self.codec.decode_fields(state))
        if hop is not None:
            hop.inst, hop.ent, hop.base = inst, ent, state
        return inst

    def _on_invoke(self, hop: _Hop, ev: Dict[str, Any], state: Optional[Dict[str, Any]]):
        target = ev["target"]
        ent = self.entities.get(target["entity"]) or self._entity(target["entity"])
        key = target["key"]
        name = ev["method"]
        m = ent.methods.get(name)
        if m is None or name.startswith("_"):
            public = sorted(n for n in ent.methods if not n.startswith("_"))
            why = " (methods starting with '_' are private)" if m is not None else ""
            raise StateflowError(
                "UnknownMethod",
                "%s has no method %r that clients can call%s; methods: %s"
                % (ent.name, name, why, ", ".join(public) or "none"),
            )
        if state is None:
            raise StateflowError("EntityNotFound", "%s(%r) does not exist" % (ent.name, key))
        hop.entity, hop.key = ent.name, key
        codec = self.codec
        args = codec.decode(ev["args"]) if ev.get("args") else []
        kwargs = ev.get("kwargs")
        sig = m.signature
        if (not kwargs and not m.split and not sig.floats and sig.names is not None
                and len(args) == len(sig.names)):
            # Fast path: positional arguments that fit exactly need no binding.
            inst = self._instance(ent, state, hop)
            hop.writes = m.writes
            value = _call_user(m.func, inst, *args)
            return self._returned(hop, ent, inst, state, m, value)
        bound = sig.bind(args, codec.decode_fields(kwargs) if kwargs else {})
        inst = self._instance(ent, state, hop)
        hop.writes = m.writes
        if m.split:
            return self._run(hop, ent, inst, state, m, m.entry, bound.arguments)
        value = _call_user(m.func, inst, *bound.args, **bound.kwargs)
        return self._returned(hop, ent, inst, state, m, value)

    def _on_reply(self, hop: _Hop, ev: Dict[str, Any], state: Optional[Dict[str, Any]]):
        frame = ev["frame"]
        ent = self._entity(frame["entity"])
        hop.entity, hop.key = ent.name, frame["key"]
        result = ev["result"]
        if "error" in result:
            if state is None:
                return self._fail(hop, result["error"])
            err = result["error"]
            exc = self.rebuild_error(str(err.get("type")), str(err.get("message")))
            m = ent.methods.get(frame["method"])
            catch = m.catches.get(frame["resume"]) if m is not None else None
            if m is not None and catch is not None:
                env = self.codec.decode_fields(frame["env"])
                env[catch[1]] = exc
                target: Optional[Tuple[_Method, str, Dict[str, Any]]] = (m, catch[0], env)
            else:
                target = self._catch_home(hop, ent, exc)
            if target is None:
                return self._fail(hop, err)
            inst = self._instance(ent, state, hop)
            hop.writes = target[0].writes
            return self._run(hop, ent, inst, state, target[0], target[1], target[2])
        if state is None:
            raise StateflowError("EntityNotFound",
                                 "%s(%r) does not exist" % (ent.name, frame["key"]))
        m = ent.methods.get(frame["method"])
        if m is None or not m.split:
            raise StateflowError("Internal", "%s.%s has no block to resume"
                                 % (ent.name, frame["method"]))
        codec = self.codec
        env = codec.decode_fields(frame["env"])
        env[frame["resultVar"]] = codec.decode(result["ok"])
        inst = self._instance(ent, state, hop)
        hop.writes = m.writes
        return self._run(hop, ent, inst, state, m, frame["resume"], env)

    def _on_read(self, hop: _Hop, ev: Dict[str, Any], state: Optional[Dict[str, Any]]):
        target = ev["target"]
        ent = self._entity(target["entity"])
        attr = ev["attr"]
        if state is None:
            raise StateflowError("EntityNotFound",
                                 "%s(%r) does not exist" % (ent.name, target["key"]))
        if attr not in state:
            raise StateflowError(
                "UnknownAttribute",
                "%s(%r) has no attribute %r; its fields are: %s"
                % (ent.name, target["key"], attr, ", ".join(state) or "none"),
            )
        hop.finish({"ok": state[attr]})
        return {"out": hop.out}

    def _on_construct(self, hop: _Hop, ev: Dict[str, Any], state: Optional[Dict[str, Any]]):
        ent = self._entity(ev["entity"])
        key, new_state = self._construct(ent, ev.get("args") or [], ev.get("kwargs") or {})
        hop.emit({
            "kind": "Insert",
            "target": {"entity": ent.name, "key": key},
            "state": new_state,
            "stack": hop.stack,
        })
        return {"out": hop.out}

    def _on_insert(self, hop: _Hop, ev: Dict[str, Any], state: Optional[Dict[str, Any]]):
        target = ev["target"]
        ent = self._entity(target["entity"])
        if state is not None:
            raise StateflowError("EntityExists",
                                 "%s(%r) already exists" % (ent.name, target["key"]))
        hop.finish({"ok": {"$entity": ent.name, "$key": target["key"]}})
        return {"state": ev["state"], "out": hop.out}

    def _construct(self, ent: _Entity, args: Any, kwargs: Any,
                   decoded: bool = False) -> Tuple[str, Dict[str, Any]]:
        if not decoded:
            args = self.codec.decode(args)
            kwargs = self.codec.decode_fields(kwargs)
        bound = ent.init.bind(args, kwargs)
        inst = _call_user(ent.cls, *bound.args, **bound.kwargs)
        key = _check_key(ent.name, str(_call_user(inst.__key__)))
        state = self.codec.encode_fields(inst.__dict__, "state field", "%s(%r)", (ent.name, key))
        return key, state

    # -- the block state machine --------------------------------------------------

    def _run(self, hop: _Hop, ent: _Entity, inst: Any, state: Dict[str, Any], m: _Method,
             block_id: str, env: Dict[str, Any]) -> Dict[str, Any]:
        while True:
            step_catch: Optional[Tuple[str, Dict[str, Any]]] = None
            try:
                fn = m.blocks.get(block_id)
                if fn is None:
                    raise StateflowError("Internal", "%s.%s has no block %r"
                                         % (ent.name, m.name, block_id))
                step = _call_user(fn, inst, env)
                if type(step) is not tuple or not step:
                    raise StateflowError("Internal", "block %s of %s.%s returned %r, not a tuple"
                                         % (block_id, ent.name, m.name, step))
                op = step[0]
                if op == "jump":
                    _, block_id, env = step
                    continue
                if op == "return":
                    value = step[1]
                elif op == "invoke":
                    _, ref, method, args, kwargs, resume, result_var, live = step
                    step_catch = (resume, live)
                    address = self._address(ref, "call %s()", method)
                    self._push(hop, m, resume, result_var, live)
                    self._emit_call(hop, ent, m, {
                        "kind": "Invoke",
                        "target": address,
                        "method": method,
                        "args": self.codec.encode_value(
                            list(args), "the arguments of %s(%r).%s()",
                            (address["entity"], address["key"], method)),
                        "kwargs": self.codec.encode_fields(
                            kwargs, "keyword argument", "%s(%r).%s()",
                            (address["entity"], address["key"], method)) if kwargs else {},
                    })
                    return self._commit(hop, ent, inst, state)
                elif op == "read":
                    _, ref, attr, resume, result_var, live = step
                    step_catch = (resume, live)
                    address = self._address(ref, "read .%s", attr)
                    self._push(hop, m, resume, result_var, live)
                    self._emit_call(hop, ent, m, {"kind": "Read", "target": address, "attr": attr})
                    return self._commit(hop, ent, inst, state)
                elif op == "create":
                    _, entity_name, args, kwargs, resume, result_var, live = step
                    step_catch = (resume, live)
                    target = self._entity(entity_name)
                    key, new_state = self._construct(target, list(args), dict(kwargs), decoded=True)
                    self._push(hop, m, resume, result_var, live)
                    self._emit_call(hop, ent, m, {
                        "kind": "Insert",
                        "target": {"entity": target.name, "key": key},
                        "state": new_state,
                    })
                    return self._commit(hop, ent, inst, state)
                elif op == "invoke_self":
                    _, method, args, kwargs, resume, result_var, live = step
                    step_catch = (resume, live)
                    callee = ent.methods.get(method)
                    if callee is None:
                        raise StateflowError("Internal", "%s has no method %r" % (ent.name, method))
                    try:
                        bound = callee.signature.sig.bind(*args, **kwargs)  # type: ignore[union-attr]
                    except TypeError as e:
                        raise UserError(TypeError("%s: %s" % (callee.signature.label, e)))
                    bound.apply_defaults()
                    self._push(hop, m, resume, result_var, live)
                    step_catch = None
                    hop.writes = hop.writes or callee.writes
                    if callee.split:
                        m, block_id, env = callee, callee.entry, dict(bound.arguments)  # type: ignore[assignment]
                        continue
                    value = _call_user(callee.func, inst, *bound.args, **bound.kwargs)
                else:
                    raise StateflowError("Internal", "block %s of %s.%s returned unknown step %r"
                                         % (block_id, ent.name, m.name, op))
                # A value was returned: resume an in-line caller of this instance, if any.
                if hop.stack and hop.at_home(hop.stack[-1]):
                    frame = hop.stack.pop()
                    if type(frame) is _Pending:
                        env = frame.env
                        env[frame.result_var] = value
                        m_name, block_id = frame.method, frame.resume
                    else:
                        env = self.codec.decode_fields(frame["env"])
                        env[frame["resultVar"]] = value
                        m_name, block_id = frame["method"], frame["resume"]
                    resumed = ent.methods.get(m_name)
                    if resumed is None or not resumed.split:
                        raise StateflowError("Internal", "%s.%s has no block to resume"
                                             % (ent.name, m_name))
                    m = resumed
                    hop.writes = hop.writes or m.writes
                    continue
                return self._returned(hop, ent, inst, state, m, value)
            except UserError as e:
                target = None
                if step_catch is not None and step_catch[0] in m.catches:
                    # The interaction could not even start (bad reference, a raising
                    # constructor, bad arguments): the handler of that call site.
                    handler, error_var = m.catches[step_catch[0]]
                    env = dict(step_catch[1])
                    env[error_var] = e.error
                    target = (m, handler, env)
                else:
                    target = self._catch_home(hop, ent, e.error)
                if target is None:
                    raise
                m, block_id, env = target
                hop.writes = hop.writes or m.writes
                continue

    def _catch_home(self, hop: _Hop, ent: _Entity,
                    exc: BaseException) -> Optional[Tuple[_Method, str, Dict[str, Any]]]:
        """A method of this instance failed with ``exc``: pops the frames of this instance
        waiting in-line for it until one whose call site has a handler, and returns where
        to go on (method, handler block, env), or ``None`` when no frame here catches."""
        while hop.stack and hop.at_home(hop.stack[-1]):
            frame = hop.stack.pop()
            if type(frame) is _Pending:
                m_name, resume, env = frame.method, frame.resume, dict(frame.env)
            else:
                m_name, resume = frame["method"], frame["resume"]
                env = self.codec.decode_fields(frame["env"])
            m = ent.methods.get(m_name)
            catch = m.catches.get(resume) if m is not None else None
            if m is not None and catch is not None:
                env[catch[1]] = exc
                return m, catch[0], env
        return None

    def _address(self, ref: Any, what: str, what_arg: Any) -> Dict[str, str]:
        if type(ref) is EntityRef:
            return {"entity": ref.entity, "key": _check_key(ref.entity, ref.key)}
        name = self.codec.entity_classes.get(type(ref))
        if name is not None:
            return {"entity": name, "key": _check_key(name, str(_call_user(ref.__key__)))}
        raise UserError(TypeError(
            "cannot %s on %r: it is not a reference to an entity" % (what % (what_arg,), ref)))

    def _push(self, hop: _Hop, m: _Method, resume: str, result_var: str,
              live: Dict[str, Any]) -> None:
        hop.stack.append(_Pending(hop.entity, hop.key, m.name, resume, result_var, live))  # type: ignore[arg-type]

    def _emit_call(self, hop: _Hop, ent: _Entity, m: _Method, event: Dict[str, Any]) -> None:
        """Emits an outgoing interaction; encodes the frames pushed in this hop."""
        codec = self.codec
        stack = []
        for frame in hop.stack:
            if type(frame) is _Pending:
                frame = {
                    "entity": frame.entity,
                    "key": frame.key,
                    "method": frame.method,
                    "resume": frame.resume,
                    "resultVar": frame.result_var,
                    "env": codec.encode_fields(
                        frame.env, "variable", "%s.%s (carried across a remote call)",
                        (frame.entity, frame.method)),
                }
            stack.append(frame)
        hop.stack = stack
        event["stack"] = stack
        hop.emit(event)

    def _returned(self, hop: _Hop, ent: _Entity, inst: Any, state: Dict[str, Any],
                  m: _Method, value: Any) -> Dict[str, Any]:
        encoded = self.codec.encode_value(value, "the return value of %s.%s", (ent.name, m.name))
        hop.finish({"ok": encoded})
        return self._commit(hop, ent, inst, state)

    def _commit(self, hop: _Hop, ent: _Entity, inst: Any, state: Dict[str, Any]) -> Dict[str, Any]:
        new_state = self.codec.encode_fields(
            inst.__dict__, "state field", "%s(%r)", (ent.name, hop.key))
        if hop.writes or not _same(new_state, state):
            return {"state": new_state, "out": hop.out}
        return {"out": hop.out}


def _restore(name: str, previous: Optional[types.ModuleType]) -> None:
    if previous is None:
        sys.modules.pop(name, None)
    else:
        sys.modules[name] = previous
