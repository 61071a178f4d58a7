"""RequestsText (stateflow_statefun/requests_text.py) against the dict it stands for.

Usage: python requests_text_test.py (with service/ on PYTHONPATH); prints `ok <n>`. No SDK needed.
"""
import json
import random

from stateflow_statefun.requests_text import HEADER, RequestsText, decode, encode

passed = 0


def check(name, cond):
    global passed
    assert cond, name
    passed += 1


class Model:
    """What StorageState did before: the records as a dict, oldest first."""

    def __init__(self, records):
        self.records = dict(records)

    def get(self, request_id):
        return self.records.get(request_id)

    def put(self, request_id, record, window):
        self.records.pop(request_id, None)
        self.records[request_id] = record
        while self.records and len(self.records) > window:
            del self.records[next(iter(self.records))]


# Request ids and records with the layout's own separators, JSON syntax, escapes, non-ASCII.
IDS = ["r1", "r2", "", "\n", "\t", "a\nb", '"', '"r1"', "r1\t", "\\", "é", "😀", "#1 0", "{", "x" * 40,
       "0190a6f0-1c2b-7c3d-8e4f-123456789abc"]
RECORDS = ["", "{}", '{"response": "{\\"kind\\": \\"Response\\", \\"requestId\\": \\"r1\\"}"}', '"quoted"',
           "line\nbreak", "tab\there", '\n"r1"\tx', "é😀", '{"replyTo": {"channel": "kafka:t", "id": "c"}, "waiting": []}']

# Random sequences of lookups and writes, each step on a value read back from the last text.
rnd = random.Random(7)
for window in (0, 1, 2, 3, 5, 1000):
    for run in range(30):
        text, model = None, Model({})
        for _ in range(50):
            view = RequestsText(text)
            for request_id in (rnd.choice(IDS), rnd.choice(IDS)):
                check("get %r" % request_id, view.get(request_id) == model.get(request_id))
            if rnd.random() < 0.7:
                request_id, record = rnd.choice(IDS), rnd.choice(RECORDS)
                text = view.put(request_id, record, window)
                model.put(request_id, record, window)
                check("put %r: the same records, in order" % request_id, list(decode(text).items()) == list(model.records.items()))
                check("count", view.count() == len(model.records) == int(text.split("\n")[0][len(HEADER):]))
                check("get after put", view.get(request_id) == model.get(request_id))
                check("one line per record", text.count("\n") == len(model.records))

# No value yet.
check("no value", RequestsText(None).get("r1") is None and RequestsText(None).count() == 0)
check("first record", RequestsText(None).put("r1", "{}", 10) == HEADER + '1\n"r1"\t{}')

# The earlier layout (a JSON object) is read, and written in this one.
old = json.dumps({"a": "{}", "b": '{"response": "x"}', "c\n": '"'}, separators=(",", ":"))
view = RequestsText(old)
check("earlier layout: read", view.get("b") == '{"response": "x"}' and view.get("c\n") == '"' and view.get("z") is None and view.count() == 3)
check("earlier layout: decoded", decode(old) == json.loads(old))
text = view.put("d", "{}", 3)
check("earlier layout: written anew", text.startswith(HEADER) and list(decode(text)) == ["b", "c\n", "d"])

# The oldest go first, a replaced record becomes the newest.
view = RequestsText(None)
for rid in ("a", "b", "c"):
    view.put(rid, "{}", 2)
check("window keeps the newest", list(decode(view.text)) == ["b", "c"])
view.put("b", "again", 2)
view.put("d", "{}", 2)
check("a replaced record is the newest", decode(view.text) == {"b": "again", "d": "{}"} and list(decode(view.text)) == ["b", "d"])
check("a smaller window drops the oldest", decode(RequestsText(view.text).put("e", "{}", 1)) == {"e": "{}"})
check("encode is what put writes", encode({"b": "again", "d": "{}"}) == view.text)

print("ok %d" % passed)
