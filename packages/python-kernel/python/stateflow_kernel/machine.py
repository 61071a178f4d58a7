"""The block state machine: runs the blocks of a method on one instance, within one hop.

A block function returns a step (ARCHITECTURE.md, "The block calling convention"):
``jump`` and in-line self calls (``invoke_self``) go on in the same hop, a ``return``
resumes an in-line caller of the same instance or ends the hop with the result, and an
``invoke``/``read``/``create`` ends the hop with an outgoing event carrying the stack.
An exception from user code goes to the handler of its call site when there is one
(``onError`` of the terminator, or of a frame of this instance waiting in-line).
"""
from __future__ import annotations

import os
import sys
import traceback
from typing import Any, Callable, Dict, Optional, Tuple

from .detached import DetachedResumer
from .errors import StateflowError, UserError, mark_system
from .hop import Hop, PendingFrame
from .program import Entity, Method
from .refs import BadArgumentsError, EntityRef
from .request_values import key_problem
from .signature import Bound
from .values import Codec

_TRACEBACKS = os.environ.get("STATEFLOW_KERNEL_TRACEBACKS", "") not in ("", "0")

# Longest instance key in UTF-8 bytes, on every backend: MAX_KEY_BYTES in @stateflow/ir.
MAX_KEY_BYTES = 1000


def check_key(entity: str, key: str) -> str:
    """Returns ``key``; ``BadArguments`` when no URL can address it, or it is longer than
    any backend can store (``checkKey`` in the IR)."""
    if len(key) <= 2 or not key.isascii():
        # Unaddressable ('', '.', '..') or not Unicode (a lone surrogate).
        problem = key_problem(key)
        if problem is not None and len(key) * 4 <= MAX_KEY_BYTES:
            raise StateflowError("BadArguments", "%s instance: %s" % (entity, problem))
    # A UTF-8 character is at most 4 bytes: short keys need no encoding to be checked.
    if len(key) * 4 > MAX_KEY_BYTES:
        size = len(key.encode("utf-8", "surrogatepass"))
        if size > MAX_KEY_BYTES:
            raise StateflowError(
                "BadArguments",
                "the key of %s(%r…) is %d bytes long; instance keys are at most %d bytes (UTF-8)"
                % (entity, key[:40], size, MAX_KEY_BYTES))
    return key


_ABSENT = object()


def same_state(a: Any, b: Any) -> bool:
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
                if not same_state(v, w):
                    return False
            elif v != w:
                return False
        return True
    if type(a) is list:
        return len(a) == len(b) and all(same_state(x, y) for x, y in zip(a, b))
    return a == b


def call_user(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Calls user code; an exception it raises becomes a :class:`UserError`."""
    try:
        return func(*args, **kwargs)
    except Exception as e:
        if _TRACEBACKS:
            traceback.print_exc(file=sys.stderr)
        raise UserError(e) from None


class BlockMachine:
    """Runs blocks of the program's methods; shared by every hop of one :class:`Kernel`."""

    __slots__ = ("entities", "codec", "resumer")

    def __init__(self, entities: Dict[str, Entity], codec: Codec,
                 resume_detached: bool = False):
        self.entities = entities
        self.codec = codec
        #: runs the callers' detached blocks where a value is produced (``detached``)
        self.resumer = DetachedResumer(entities, codec) if resume_detached else None

    def entity(self, name: str) -> Entity:
        """The entity class ``name``; ``UnknownEntity`` when the program has none."""
        ent = self.entities.get(name)
        if ent is None:
            raise StateflowError(
                "UnknownEntity",
                "the program has no entity class %r (entity classes: %s)"
                % (name, ", ".join(sorted(self.entities)) or "none"),
            )
        return ent

    def instance(self, ent: Entity, state: Dict[str, Any]) -> Any:
        """A fresh instance of ``ent`` with ``state`` (built without ``__init__``)."""
        inst = object.__new__(ent.cls)
        inst.__dict__.update(self.codec.decode_fields(state))
        return inst

    def construct(self, ent: Entity, bound: Bound) -> Tuple[str, Dict[str, Any]]:
        """Runs the constructor and ``__key__()``: the new instance's key and encoded state."""
        inst = call_user(ent.cls, *bound.args, **bound.kwargs)
        key = check_key(ent.name, str(call_user(inst.__key__)))
        state = self.codec.encode_fields(inst.__dict__, "state field", "%s(%r)", (ent.name, key))
        return key, state

    def run(self, hop: Hop, ent: Entity, inst: Any, state: Dict[str, Any], m: Method,
            block_id: str, env: Dict[str, Any]) -> Dict[str, Any]:
        """Runs ``m`` from ``block_id`` with ``env`` on ``inst`` (whose state before the hop
        is ``state``) until the hop ends; the result of :meth:`Kernel.process`."""
        while True:
            step_catch: Optional[Tuple[str, Dict[str, Any]]] = None
            try:
                fn = m.blocks.get(block_id)
                if fn is None:
                    raise StateflowError("Internal", "%s.%s has no block %r"
                                         % (ent.name, m.name, block_id))
                step = call_user(fn, inst, env)
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
                    hop.push(m.name, resume, result_var, live)
                    hop.emit_call({
                        "kind": "Invoke",
                        "target": address,
                        "method": method,
                        "args": self.codec.encode_value(
                            list(args), "the arguments of %s(%r).%s()",
                            (address["entity"], address["key"], method)),
                        "kwargs": self.codec.encode_fields(
                            kwargs, "keyword argument", "%s(%r).%s()",
                            (address["entity"], address["key"], method)) if kwargs else {},
                    }, self.codec)
                    return self.commit(hop, ent, inst, state)
                elif op == "read":
                    _, ref, attr, resume, result_var, live = step
                    step_catch = (resume, live)
                    address = self._address(ref, "read .%s", attr)
                    hop.push(m.name, resume, result_var, live)
                    hop.emit_call({"kind": "Read", "target": address, "attr": attr}, self.codec)
                    return self.commit(hop, ent, inst, state)
                elif op == "create":
                    _, entity_name, args, kwargs, resume, result_var, live = step
                    step_catch = (resume, live)
                    target = self.entity(entity_name)
                    try:
                        bound = target.init.bind(list(args), dict(kwargs))
                    except StateflowError as e:
                        # A TypeError at the call site, as in plain Python.
                        raise UserError(mark_system(BadArgumentsError(e.message), e.code))
                    key, new_state = self.construct(target, bound)
                    hop.push(m.name, resume, result_var, live)
                    hop.emit_call({
                        "kind": "Insert",
                        "target": {"entity": target.name, "key": key},
                        "state": new_state,
                    }, self.codec)
                    return self.commit(hop, ent, inst, state)
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
                    hop.push(m.name, resume, result_var, live)
                    step_catch = None
                    hop.writes = hop.writes or callee.writes
                    if callee.split:
                        m, block_id, env = callee, callee.entry, dict(bound.arguments)  # type: ignore[assignment]
                        continue
                    value = call_user(callee.func, inst, *bound.args, **bound.kwargs)
                else:
                    raise StateflowError("Internal", "block %s of %s.%s returned unknown step %r"
                                         % (block_id, ent.name, m.name, op))
                # A value was returned: resume an in-line caller of this instance, if any.
                if hop.stack and hop.at_home(hop.stack[-1]):
                    frame = hop.stack.pop()
                    if type(frame) is PendingFrame:
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
                return self.returned(hop, ent, inst, state, m, value)
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
                    target = self.catch_home(hop, ent, e.error)
                if target is None:
                    raise
                m, block_id, env = target
                hop.writes = hop.writes or m.writes
                continue

    def catch_home(self, hop: Hop, ent: Entity,
                   exc: BaseException) -> Optional[Tuple[Method, str, Dict[str, Any]]]:
        """A method of this instance failed with ``exc``: pops the frames of this instance
        waiting in-line for it until one whose call site has a handler, and returns where
        to go on (method, handler block, env), or ``None`` when no frame here catches."""
        while hop.stack and hop.at_home(hop.stack[-1]):
            frame = hop.stack.pop()
            if type(frame) is PendingFrame:
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
        """The target of an interaction with ``ref`` (a reference or an entity instance);
        a ``TypeError`` of user code for anything else (``what`` names the interaction)."""
        if type(ref) is EntityRef:
            return {"entity": ref.entity, "key": check_key(ref.entity, ref.key)}
        name = self.codec.entity_classes.get(type(ref))
        if name is not None:
            return {"entity": name, "key": check_key(name, str(call_user(ref.__key__)))}
        raise UserError(TypeError(
            "cannot %s on %r: it is not a reference to an entity" % (what % (what_arg,), ref)))

    def returned(self, hop: Hop, ent: Entity, inst: Any, state: Dict[str, Any],
                 m: Method, value: Any) -> Dict[str, Any]:
        """``m`` returned ``value``: sends it on and ends the hop."""
        encoded = self.codec.encode_value(value, "the return value of %s.%s", (ent.name, m.name))
        self.finish_ok(hop, encoded, (hop.entity, hop.key))
        return self.commit(hop, ent, inst, state)

    def finish_ok(self, hop: Hop, encoded: Any, here: Tuple[Optional[str], Optional[str]]) -> None:
        """Sends the hop's value ``encoded`` on: through the waiting frames' detached
        blocks when the kernel resumes them (``here`` is the instance the hop runs on),
        else to the innermost frame or the client."""
        if self.resumer is None or not self.resumer.answer(hop, encoded, here):
            hop.finish({"ok": encoded})

    def commit(self, hop: Hop, ent: Entity, inst: Any, state: Dict[str, Any]) -> Dict[str, Any]:
        """Ends the hop: its events, and the new state when it (may have) changed."""
        new_state = self.codec.encode_fields(
            inst.__dict__, "state field", "%s(%r)", (ent.name, hop.key))
        if hop.writes or not same_state(new_state, state):
            return {"state": new_state, "out": hop.out}
        return {"out": hop.out}

