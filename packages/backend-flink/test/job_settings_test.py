"""Tests of job.py's settings that need no PyFlink (run by job-settings.test.ts)."""
from job import FLINK_BUNDLE_TIME_MS, bundle_time_ms, changelog_options, sink_layout

passed = 0


def check(cond, what):
    global passed
    assert cond, what
    passed += 1


# process mode: bundleTimeMs is how long a Python worker holds records, so it is used as set.
check(bundle_time_ms({"bundleTimeMs": 5}, "process") == 5, "process mode keeps bundleTimeMs")
check(bundle_time_ms({"bundleTimeMs": 40}, "process") == 40, "process mode keeps any bundleTimeMs")
check(bundle_time_ms({}, "process") == 5, "process mode defaults to 5 ms")
# thread mode: the embedded operators hold nothing; the period is only that of a timer doing nothing.
check(FLINK_BUNDLE_TIME_MS == 1000, "Flink's default bundle time")
check(bundle_time_ms({"bundleTimeMs": 5}, "thread") == FLINK_BUNDLE_TIME_MS, "thread mode: Flink's default period")
check(bundle_time_ms({}, "thread") == FLINK_BUNDLE_TIME_MS, "thread mode without bundleTimeMs")
# sinks: the build always writes it; a stateflow-job.json without it predates the setting, whose
# jobs had a sink per output (their checkpoints restore only into that shape).
check(sink_layout({"sinks": "single"}) == "single", "sinks as written")
check(sink_layout({"sinks": "per-output"}) == "per-output", "sinks as written")
check(sink_layout({}) == "per-output", "a file from before the setting: three sinks")
# stateChangelog: Flink's changelog state backend, its files next to the checkpoints.
on = changelog_options({"stateChangelog": True, "checkpoint": {"dir": "file:///tmp/ck/"}})
check(on["state.changelog.enabled"] == "true", "changelog on")
check(on["state.changelog.dstl.dfs.base-path"] == "file:///tmp/ck/changelog", "changelog files in the checkpoint folder")
check(on["state.changelog.dstl.dfs.batch.persist-delay"] == "0 ms", "no batching delay")
check(on["execution.state-recovery.claim-mode"] == "CLAIM", "a restore claims its checkpoint (no full snapshot forced)")
check(changelog_options({"stateChangelog": False, "checkpoint": {"dir": "file:///tmp/ck"}}) == {}, "changelog off")
check(changelog_options({"checkpoint": {"dir": "file:///tmp/ck"}}) == {}, "a file from before the setting: full snapshots")
print("ok %d" % passed)
