"""Detached continuations: the callers' blocks that need no instance, run where the answer is.

A block the compiler marks ``detached`` (IR ``Block.detached``) never uses ``self`` and
ends in ``Return``, ``Jump`` or ``Branch``. When a hop produces a value for a frame of
another instance whose ``resume`` block is detached, any instance can run that block,
given the frame's env: the kernel runs it here (``self`` is ``None``), following jumps
and branches through detached blocks, and goes on with the next frame the same way.
This saves the trip back to the caller's instance that would only run ``return True``.

It stops at a frame of the instance the hop runs on, or whose resume block is not
detached (that frame gets the ``Reply``, as usual), or at the bottom of the stack (the
``Response``, with ``origin`` naming the bottom frame's instance, where the request
started and where a backend that remembers request ids per instance must record the
answer). When a detached block raises, jumps to a block that is not detached, or gives
anything but a returned value, nothing of the run is kept: the first frame gets the
``Reply`` exactly as without detaching, and its instance runs the block again (its
errors are handled there as usual).

Only ``Kernel(program, resume_detached=True)`` does this: a backend must know what
``origin`` means before its kernel may answer a client from another instance.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .hop import Hop
from .program import Entity, Method
from .values import Codec

# A detached run that cannot stand: the ordinary Reply goes out instead.
_GIVE_UP = object()


class DetachedResumer:
    """Runs the detached resume blocks of the frames waiting for a hop's value."""

    __slots__ = ("entities", "codec")

    def __init__(self, entities: Dict[str, Entity], codec: Codec):
        self.entities = entities
        self.codec = codec

    def answer(self, hop: Hop, value: Any, here: Tuple[Optional[str], Optional[str]]) -> bool:
        """Sends ``value`` (the hop's encoded ``ok`` result) on through the detached frames
        of ``hop.stack``; ``here`` is the instance the hop runs on. Returns whether it
        emitted the event (a ``Reply`` to a later frame, or the ``Response`` with
        ``origin``); when it returns ``False`` it changed nothing and the hop finishes
        as usual."""
        stack: List[Any] = hop.stack
        depth = len(stack)
        while depth > 0:
            frame = stack[depth - 1]
            # Frames pushed in this hop are raw (PendingFrame) and belong here anyway.
            if type(frame) is not dict or (frame["entity"], frame["key"]) == here:
                break
            m = self._method(frame)
            if m is None or frame["resume"] not in m.detached:
                break
            value = self._run(m, frame, value)
            if value is _GIVE_UP:
                return False
            depth -= 1
        if depth == len(stack):
            return False
        if depth > 0:
            hop.stack = stack[:depth]
            hop.finish({"ok": value})
        else:
            bottom = stack[0]
            hop.stack = []
            hop.emit({"kind": "Response", "result": {"ok": value}, "stack": [],
                      "origin": {"entity": bottom["entity"], "key": bottom["key"]}})
        return True

    def _method(self, frame: Dict[str, Any]) -> Optional[Method]:
        ent = self.entities.get(frame["entity"])
        if ent is None:
            return None
        m = ent.methods.get(frame["method"])
        return m if m is not None and m.split else None

    def _run(self, m: Method, frame: Dict[str, Any], value: Any) -> Any:
        """Runs ``frame``'s resume block and the detached blocks it leads to with
        ``self=None``; the encoded value returned, or ``_GIVE_UP``."""
        codec = self.codec
        try:
            # Decoded from the encoded result, as a Reply would be: the block gets its
            # own copy of the value, never an object the callee still holds.
            env = codec.decode_fields(frame["env"])
            env[frame["resultVar"]] = codec.decode(value)
            block_id = frame["resume"]
            while True:
                step = m.blocks[block_id](None, env)
                if type(step) is not tuple or not step:
                    return _GIVE_UP
                op = step[0]
                if op == "jump":
                    _, block_id, env = step
                    if block_id not in m.detached:
                        return _GIVE_UP
                    continue
                if op != "return":
                    return _GIVE_UP
                return codec.encode_value(step[1], "the return value of %s.%s",
                                          (frame["entity"], m.name))
        except Exception:
            # The caller's instance runs the block again and reports the error as usual.
            return _GIVE_UP
