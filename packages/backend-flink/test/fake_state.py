"""The KeyState of stateflow_flink.operator as plain dicts, for the Python checks of this folder."""
import json

from stateflow_flink.dedup import Record


class FakeState:
    """One key's state: the instance's text, and each request id's record and ``keep`` flag.

    A record is kept as text, in its compact entry form (as Statefun's ``requests`` value and
    Flink's cell keep it), and read back from that text, so every check goes through the
    stored form; a test may also put the text of an earlier version's record in ``seen``.
    """

    def __init__(self):
        self.state = None
        self.seen = {}
        self.kept = {}

    def get_state(self):
        return self.state

    def set_state(self, text):
        self.state = text

    def get_seen(self, rid):
        text = self.seen.get(rid)
        return Record.parse(text, rid) if text is not None else None

    def put_seen(self, rid, record, keep):
        self.seen[rid] = json.dumps(record.entry(), separators=(",", ":"))
        self.kept[rid] = keep
