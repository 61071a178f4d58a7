"""One wait for a bundle's state writes instead of one per key (the SDK harness's side).

At the end of a bundle Beam's Python SDK writes back the state of every key the bundle
touched (``FnApiUserStateContext.commit``), one key after another: it sends a key's
``clear`` and ``append`` requests to the runner and waits for their answers before it
sends the next key's. The entity steps write their key's cell with every client request
(its record: a copy gets the same answer), so a bundle of *k* keys waited for *k* round
trips to the runner after its last element; on Prism, on two busy cores, each took a
millisecond or two of the bundle's time, with the bundle's keys held meanwhile.

:func:`install` makes the commit send every key's requests first and then wait for them
all: the same requests, in the same order on the same state stream (the runner answers a
stream's requests in order, and no key appears twice), and the bundle still completes only
once all are acknowledged, failing if any failed. Only ``ReadModifyWriteState`` and
``BagState`` (the SDK's synchronous bag-backed states) are written this way; other states
commit as before. When the SDK's internals are not the ones this was
written for (another Beam version), nothing is changed.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, List

_lock = threading.Lock()
_installed: List[bool] = []

#: What SynchronousBagRuntimeState keeps (Beam 2.78's bundle_processor); checked before use.
_BAG_FIELDS = ("_state_handler", "_state_key", "_value_coder", "_cleared", "_added_elements")


def _supported(bundle_processor: Any) -> bool:
    bag = getattr(bundle_processor, "SynchronousBagRuntimeState", None)
    context = getattr(bundle_processor, "FnApiUserStateContext", None)
    rmw = getattr(bundle_processor, "ReadModifyWriteRuntimeState", None)
    if None in (bag, context, rmw) or not callable(getattr(bundle_processor, "_await_state_commit", None)):
        return False
    names = set(bag.__init__.__code__.co_names) | set(bag.commit.__code__.co_names)
    return all(f in names for f in _BAG_FIELDS) and "_underlying_bag_state" in rmw.__init__.__code__.co_names and hasattr(context, "commit")


def commit_all(states: Any, bundle_processor: Any) -> None:
    """Commits ``states`` (runtime states of one bundle): every bag-backed state's requests
    are sent before any answer is awaited."""
    bag_type = bundle_processor.SynchronousBagRuntimeState
    futures = []
    for state in states:
        bag = state._underlying_bag_state if type(state) is bundle_processor.ReadModifyWriteRuntimeState else state
        if type(bag) is not bag_type:
            state.commit()  # another kind of state: as the SDK does it
            continue
        # What SynchronousBagRuntimeState.commit sends, without waiting here.
        if bag._cleared:
            futures.append(bag._state_handler.clear(bag._state_key))
        if bag._added_elements:
            futures.append(bag._state_handler.extend(bag._state_key, bag._value_coder.get_impl(), bag._added_elements))
    bundle_processor._await_state_commit(futures)


def install() -> bool:
    """Replaces the SDK's per-key commit in this process (once); False when the SDK is not
    the one this was written for (then nothing changes)."""
    with _lock:
        if _installed:
            return _installed[0]
        from apache_beam.runners.worker import bundle_processor

        ok = _supported(bundle_processor)
        if ok:
            def commit(self: Any) -> None:
                commit_all(list(self._all_states.values()), bundle_processor)

            bundle_processor.FnApiUserStateContext.commit = commit
        else:
            logging.getLogger(__name__).warning("stateflow: this Beam SDK's state commit is not the one expected; bundles commit key by key")
        _installed.append(ok)
        return ok
