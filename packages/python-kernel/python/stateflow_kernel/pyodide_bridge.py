"""The kernel's entry points for the Pyodide hosts of ``@stateflow/python-host``.

Each Pyodide (the in-process host's, or one per worker thread) imports this module and
calls its functions with JSON text, so that only strings cross between JavaScript and
Python:

- ``load(text, resume_detached)`` loads a program and returns ``None``, or the load
  error's message (``resume_detached``: ``Kernel(program, resume_detached=...)``);
- ``batch(text)`` runs a batch (the in-process host, ``Kernel.process_batch_json``);
- ``worker_batch(text, progress, limit_s)`` runs a batch in a worker thread, publishing
  the index of the running event so the main thread can stop a runaway hop.

A batch that cannot be read, or whose answer cannot be encoded, is answered with
``{"error": {...EncodingError}}`` (see ``encoding_error``) instead of a list of
results; the host then re-runs the batch one event at a time.

The module holds the loaded kernel in a global: one Pyodide runs one program.
"""
from __future__ import annotations

import gc
import json
import time
from typing import Any, MutableSequence, Optional

from .chain import StateChain
from .errors import LoadError
from .kernel import Kernel
from .serve import timeout_error

#: The loaded program's kernel (``None`` until ``load`` succeeds).
kernel: Optional[Kernel] = None


def load(text: str, resume_detached: bool = False) -> Optional[str]:
    """Loads the program ``text`` (IR JSON); returns the load error's message, or ``None``.
    With ``resume_detached`` the kernel runs the callers' detached resume blocks where a
    value is produced (``stateflow_kernel.detached``); the host must then accept a
    ``Response`` with ``origin``."""
    global kernel
    try:
        kernel = Kernel(json.loads(text), resume_detached=resume_detached is True)
    except LoadError as e:
        return str(e)
    # The standard library's, Pyodide's and the program's objects live until the next
    # load: move them out of the collector's way, so collections only scan what batches
    # create (a full collection of the ~21,000 objects at start takes about 7 ms here).
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return None


def encoding_error(what: str, e: BaseException) -> str:
    """The answer of a batch that cannot be read or whose answer cannot be encoded."""
    message = "%s: a value is nested too deeply for the Python kernel (%s: %s)" % (what, type(e).__name__, e)
    return json.dumps({"error": {"type": "EncodingError", "code": "EncodingError", "message": message}})


def _loaded() -> Kernel:
    if kernel is None:
        raise RuntimeError("no program is loaded: call load(text) first")
    return kernel


def batch(text: str) -> str:
    """The results of the batch ``text`` (JSON list of ``{"event", "state"}``) as JSON."""
    try:
        return _loaded().process_batch_json(text)
    except RecursionError as e:
        return encoding_error("cannot run the batch", e)


def worker_batch(text: str, progress: MutableSequence[int], limit_s: float) -> str:
    """Runs a batch in a worker thread; ``progress[0]`` is 1 + the index of the running
    event (0 once done). The main thread stops a hop that runs longer than ``limit_s``
    by raising ``KeyboardInterrupt`` in it; that event then fails with a ``TimeoutError``."""
    k = _loaded()
    try:
        requests: Any = json.loads(text)
    except RecursionError as e:
        return encoding_error("cannot read the batch", e)
    out = []
    i = 0
    n = len(requests)
    process = k.process
    chain = StateChain()
    while i < n:
        r = requests[i]
        progress[0] = i + 1
        t0 = time.monotonic()
        state = chain.state(r)
        try:
            result = process(r["event"], state)
        except KeyboardInterrupt:
            if limit_s > 0 and time.monotonic() - t0 < limit_s / 2:
                continue  # a late stop meant for the previous event: run this one again
            result = k.fail(r["event"], timeout_error(r["event"], limit_s))
        chain.done(r, state, result)
        out.append(result)
        i += 1
    progress[0] = 0
    try:
        return json.dumps(out, separators=(",", ":"))
    except (RecursionError, ValueError) as e:
        return encoding_error("cannot encode the answer", e)
