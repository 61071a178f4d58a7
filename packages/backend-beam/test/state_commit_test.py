"""Checks of stateflow_beam.state_commit against the installed Beam SDK (run with Beam's
Python by state-commit.test.ts): a bundle's state writes are all sent before any is
awaited, they are the requests the SDK's own commit sends, and a failed one still fails
the commit."""
from apache_beam.coders import StrUtf8Coder
from apache_beam.runners.worker import bundle_processor as bp

from stateflow_beam import state_commit

passed = 0


def check(cond, what):
    global passed
    assert cond, what
    passed += 1


class Response:
    def __init__(self, error=""):
        self.error = error


class Handler:
    """A state handler that records what is sent and when an answer is awaited."""

    def __init__(self, fail=()):
        self.log = []
        self.fail = fail

    def _future(self, what):
        handler = self

        class Future:
            def get(self):
                handler.log.append(("wait",) + what)
                return Response("no" if what[1] in handler.fail else "")

        return Future()

    def clear(self, key):
        self.log.append(("clear", key))
        return self._future(("clear", key))

    def extend(self, key, coder, elements):
        self.log.append(("append", key, tuple(elements)))
        return self._future(("append", key))


def bundle(handler):
    """The states one bundle touched: two rewritten cells, a bag appended to, a cell only read."""
    states = []
    for key in ("k1", "k2"):
        cell = bp.ReadModifyWriteRuntimeState(bp.SynchronousBagRuntimeState(handler, key, StrUtf8Coder()))
        cell.write("v-" + key)
        states.append(cell)
    log = bp.SynchronousBagRuntimeState(handler, "k3", StrUtf8Coder())
    log.add("t1")
    states.append(log)
    states.append(bp.ReadModifyWriteRuntimeState(bp.SynchronousBagRuntimeState(handler, "k4", StrUtf8Coder())))
    return states


check(state_commit._supported(bp), "this Beam SDK's commit is the one state_commit was written for")
ours, theirs = Handler(), Handler()
state_commit.commit_all(bundle(ours), bp)
for state in bundle(theirs):
    state.commit()
sent = [e for e in ours.log if e[0] != "wait"]
check(sent == [e for e in theirs.log if e[0] != "wait"], "the same requests in the same order as the SDK's commit: %r" % sent)
check(sent == [("clear", "k1"), ("append", "k1", ("v-k1",)), ("clear", "k2"), ("append", "k2", ("v-k2",)), ("append", "k3", ("t1",))],
      "a rewritten cell is a clear and an append, a bag an append, a cell only read nothing: %r" % sent)
first_wait = next(i for i, e in enumerate(ours.log) if e[0] == "wait")
check(first_wait == len(sent) and len(ours.log) == 2 * len(sent), "every request is sent before the first wait, each awaited: %r" % ours.log)
check([i for i, e in enumerate(theirs.log) if e[0] == "wait"][0] == 2, "(the SDK's own commit waits after each key's requests)")

failing = Handler(fail=("k1",))
try:
    state_commit.commit_all(bundle(failing), bp)
    check(False, "a failed write fails the commit")
except RuntimeError:
    check(len([e for e in failing.log if e[0] == "wait"]) == 5, "a failed write fails the commit, after every answer is in")

check(state_commit.install() is True and state_commit.install() is True, "installed (once)")
check(bp.FnApiUserStateContext.commit.__module__ == state_commit.__name__, "the SDK's commit is replaced in this process")
print("ok %d" % passed)
