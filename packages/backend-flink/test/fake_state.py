"""The KeyState of stateflow_flink.operator as plain dicts, for the Python checks of this folder."""


class FakeState:
    """One key's state: the instance's text, and each request id's record and ``keep`` flag."""

    def __init__(self):
        self.state = None
        self.seen = {}
        self.kept = {}

    def get_state(self):
        return self.state

    def set_state(self, text):
        self.state = text

    def get_seen(self, rid):
        return self.seen.get(rid)

    def put_seen(self, rid, record, keep):
        self.seen[rid] = record
        self.kept[rid] = keep
