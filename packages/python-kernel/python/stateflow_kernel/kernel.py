"""The kernel: runs the method state machines of one compiled program.

One call of :meth:`Kernel.process` is one *hop*: an event delivered to one entity
instance (or to no instance, for ``Construct``). A hop is atomic: when user code
raises, every change of the hop is discarded and the error goes to the waiting frame.
See ARCHITECTURE.md ("The block calling convention", "The kernel").

This module handles the events; ``program`` loads the program, ``signature`` binds
arguments, ``hop`` holds a hop's events and call stack, and ``machine`` runs blocks.
"""
from __future__ import annotations

import builtins
import json
import sys
import traceback
from typing import Any, Dict, List, Optional, Tuple

from .errors import StateflowError, UserError, exception_with_message, mark_system
from .hop import Hop
from .machine import MAX_KEY_BYTES, BlockMachine, call_user
from .program import Entity, Method, enum_classes, install_shim, load_program
from .refs import BadArgumentsError, EntityExistsError, EntityNotFoundError, RemoteError
from .request_values import RequestDecoder, RequestValueError
from .values import Codec, EncodingError

__all__ = ["Kernel", "install_shim", "MAX_KEY_BYTES"]

# The shim's classes for system errors, by error code.
_SYSTEM_CLASSES: Dict[str, type] = {
    "EntityExists": EntityExistsError,
    "EntityNotFound": EntityNotFoundError,
    "BadArguments": BadArgumentsError,
}
# The same by class name: an exception kept in a variable across a hop is encoded with
# its class name, which the module need not have imported.
_SHIM_CLASSES: Dict[str, type] = {cls.__name__: cls for cls in _SYSTEM_CLASSES.values()}


class Kernel:
    """Loads one compiled program and processes events for it.

    ``program`` is the IR ``Program`` as a dict. Raises :class:`LoadError` when the
    module cannot be executed or does not match the IR.

    With ``resume_detached=True``, a value for a frame of another instance whose resume
    block is ``detached`` runs that block in the same hop (see :mod:`.detached`), and a
    ``Response`` produced away from the request's first instance carries ``origin``.
    Only for backends that record answers at ``origin``; off by default.
    """

    def __init__(self, program: Dict[str, Any], resume_detached: bool = False):
        self.module, self.entities = load_program(program)
        self.codec = Codec({e.cls: e.name for e in self.entities.values()},
                           rebuild_error=self.rebuild_error,
                           enum_classes=enum_classes(self.module))
        # Client arguments (events with seq 0) are decoded strictly: a malformed value is
        # BadArguments, never a traceback (the gateways check the same rules first).
        self.request_decoder = RequestDecoder(self.codec, frozenset(self.entities))
        self._machine = BlockMachine(self.entities, self.codec, resume_detached)
        self._remote_classes: Dict[str, type] = {}
        self._handlers = {
            "Invoke": self._on_invoke,
            "Read": self._on_read,
            "Construct": self._on_construct,
            "Insert": self._on_insert,
            "Reply": self._on_reply,
        }

    def rebuild_error(self, type_name: str, message: str,
                      code: Optional[str] = None) -> BaseException:
        """An exception instance for an error that crossed a hop (``{type, message, code?}``).

        ``EntityExists``/``EntityNotFound``/``BadArguments`` become
        ``stateflow.EntityExistsError``/``EntityNotFoundError``/``BadArgumentsError`` (a
        ``TypeError``, as a call with bad arguments raises in plain Python); a name the
        module defines as an exception class, a builtin exception name, or the name of one
        of those shim classes gives that class; anything else a ``stateflow.RemoteError``
        subclass of that name. ``str(e)`` is the message in every case. With a ``code``
        (a system error), the exception remembers it, so raising it again fails with
        that same system error.
        """
        exc = self._rebuild(type_name, message)
        return mark_system(exc, code) if code else exc

    def _rebuild(self, type_name: str, message: str) -> BaseException:
        system_class = _SYSTEM_CLASSES.get(type_name)
        if system_class is not None:
            return system_class(message)
        cls = self.module.__dict__.get(type_name)
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            cls = getattr(builtins, type_name, None) or _SHIM_CLASSES.get(type_name)
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

    # -- processing -------------------------------------------------------------

    def process(self, event: Dict[str, Any], state: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """Processes one event against the current ``state`` of its target (``None`` if absent).

        Returns ``{"state": new_state, "out": [events]}``, with ``state`` only when it
        changed. Never raises: failures become error results sent to the waiting frame.
        """
        hop = Hop(event)
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
        hop = Hop(event)
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

    def _fail(self, hop: Hop, error: Dict[str, Any]) -> Dict[str, Any]:
        # Nothing of the failed hop is kept: neither its events nor its state changes.
        hop.fail(error)
        return {"out": hop.out}

    # -- events -------------------------------------------------------------------

    def _on_invoke(self, hop: Hop, ev: Dict[str, Any], state: Optional[Dict[str, Any]]):
        target = ev["target"]
        ent = self.entities.get(target["entity"]) or self._machine.entity(target["entity"])
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
        kwargs = ev.get("kwargs")
        if hop.seq == 0:
            args, kwargs = self._client_arguments(ev)
        else:
            args = codec.decode(ev["args"]) if ev.get("args") else []
            kwargs = codec.decode_fields(kwargs) if kwargs else None
        sig = m.signature
        if (not kwargs and not m.split and not sig.floats and sig.names is not None
                and len(args) == len(sig.names)):
            # Fast path: positional arguments that fit exactly need no binding.
            inst = self._machine.instance(ent, state)
            hop.writes = m.writes
            value = call_user(m.func, inst, *args)
            return self._machine.returned(hop, ent, inst, state, m, value)
        bound = sig.bind(args, kwargs or {})
        inst = self._machine.instance(ent, state)
        hop.writes = m.writes
        if m.split:
            return self._machine.run(hop, ent, inst, state, m, m.entry, bound.arguments)
        value = call_user(m.func, inst, *bound.args, **bound.kwargs)
        return self._machine.returned(hop, ent, inst, state, m, value)

    def _on_reply(self, hop: Hop, ev: Dict[str, Any], state: Optional[Dict[str, Any]]):
        frame = ev["frame"]
        ent = self._machine.entity(frame["entity"])
        hop.entity, hop.key = ent.name, frame["key"]
        result = ev["result"]
        if "error" in result:
            if state is None:
                return self._fail(hop, result["error"])
            err = result["error"]
            code = err.get("code")
            exc = self.rebuild_error(str(err.get("type")), str(err.get("message")),
                                     code if isinstance(code, str) else None)
            m = ent.methods.get(frame["method"])
            catch = m.catches.get(frame["resume"]) if m is not None else None
            if m is not None and catch is not None:
                env = self.codec.decode_fields(frame["env"])
                env[catch[1]] = exc
                target: Optional[Tuple[Method, str, Dict[str, Any]]] = (m, catch[0], env)
            else:
                target = self._machine.catch_home(hop, ent, exc)
            if target is None:
                return self._fail(hop, err)
            inst = self._machine.instance(ent, state)
            hop.writes = target[0].writes
            return self._machine.run(hop, ent, inst, state, target[0], target[1], target[2])
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
        inst = self._machine.instance(ent, state)
        hop.writes = m.writes
        return self._machine.run(hop, ent, inst, state, m, frame["resume"], env)

    def _on_read(self, hop: Hop, ev: Dict[str, Any], state: Optional[Dict[str, Any]]):
        target = ev["target"]
        ent = self._machine.entity(target["entity"])
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
        self._machine.finish_ok(hop, state[attr], (target["entity"], target["key"]))
        return {"out": hop.out}

    def _client_arguments(self, ev: Dict[str, Any]) -> Tuple[List[Any], Dict[str, Any]]:
        """The arguments of a client's event, decoded strictly (``BadArguments`` if malformed)."""
        try:
            # An absent args/kwargs is empty; any other non-list/non-dict (null too) is refused.
            return self.request_decoder.arguments(ev.get("args", []), ev.get("kwargs", {}))
        except RequestValueError as e:
            raise StateflowError("BadArguments", str(e)) from None

    def _on_construct(self, hop: Hop, ev: Dict[str, Any], state: Optional[Dict[str, Any]]):
        ent = self._machine.entity(ev["entity"])
        if hop.seq == 0:
            args, kwargs = self._client_arguments(ev)
        else:
            args = self.codec.decode(ev.get("args") or [])
            kwargs = self.codec.decode_fields(ev.get("kwargs") or {})
        key, new_state = self._construct(ent, args, kwargs)
        hop.emit({
            "kind": "Insert",
            "target": {"entity": ent.name, "key": key},
            "state": new_state,
            "stack": hop.stack,
        })
        return {"out": hop.out}

    def _on_insert(self, hop: Hop, ev: Dict[str, Any], state: Optional[Dict[str, Any]]):
        target = ev["target"]
        ent = self._machine.entity(target["entity"])
        if state is not None:
            raise StateflowError("EntityExists",
                                 "%s(%r) already exists" % (ent.name, target["key"]))
        self._machine.finish_ok(hop, {"$entity": ent.name, "$key": target["key"]},
                                (target["entity"], target["key"]))
        return {"state": ev["state"], "out": hop.out}

    def _construct(self, ent: Entity, args: List[Any], kwargs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
        """Runs ``__init__`` with decoded arguments; returns the key and the encoded state."""
        bound = ent.init.bind(args, kwargs)
        return self._machine.construct(ent, bound)

