"""RequestsText (stateflow_statefun/requests_text.py) against the dict it stands for.

Usage: python requests_text_test.py (with service/ on PYTHONPATH); prints `ok <n>`. No SDK needed.
"""
import json
import random

from stateflow_statefun.requests_text import HEADER, HEADER_1, RequestsText, decode, encode, id_text

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
       "0190a6f0-1c2b-7c3d-8e4f-123456789abc", "0190A6F0-1C2B-7C3D-8E4F-123456789ABC", "ffffffff-ffff-ffff-ffff-ffffffffffff",
       "00000000-0000-0000-0000-000000000000", "~AZCm8BwrfD2OTxI0VniavA", "0190a6f0-1c2b-7c3d-8e4f-123456789abcd"]
RECORDS = ["", "{}", '{"response": "{\\"kind\\": \\"Response\\", \\"requestId\\": \\"r1\\"}"}', '"quoted"',
           "line\nbreak", "tab\there", '\n"r1"\tx', "é😀", '{"replyTo": {"channel": "kafka:t", "id": "c"}, "waiting": []}']

# Random sequences of lookups and writes, each step on a value read back from the last text.
rnd = random.Random(7)
for window in (0, 1, 2, 3, 5, 1000):
    for run in range(30):
        text, model, view = None, Model({}), None
        for _ in range(50):
            # A new view of the last text, or the same one again (a batch's calls edit one view).
            if view is None or rnd.random() < 0.5:
                view = RequestsText(text)
            for request_id in (rnd.choice(IDS), rnd.choice(IDS)):
                check("get %r" % request_id, view.get(request_id) == model.get(request_id))
            if rnd.random() < 0.7:
                # Often the id just looked up, as a call does (put reuses where get found it).
                request_id = request_id if rnd.random() < 0.5 else rnd.choice(IDS)
                record = rnd.choice(RECORDS)
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

# A canonical UUID is written in base64url (23 characters), any other id as JSON.
check("uuid id", id_text("0190a6f0-1c2b-7c3d-8e4f-123456789abc") == "~AZCm8BwrfD2OTxI0VniavA")
check("upper-case uuid id as JSON", id_text("0190A6F0-1C2B-7C3D-8E4F-123456789ABC") == '"0190A6F0-1C2B-7C3D-8E4F-123456789ABC"')
check("an id that looks compact is JSON", id_text("~AZCm8BwrfD2OTxI0VniavA") == '"~AZCm8BwrfD2OTxI0VniavA"')

# The previous line layout (#1: every id as JSON) is read, and written in this one.
layout_1 = HEADER_1 + '2\n"0190a6f0-1c2b-7c3d-8e4f-123456789abc"\t{"fwd":{"entity":"A","key":"b"}}\n"r1"\t"tab\\there"'
view = RequestsText(layout_1)
check("#1 layout: read", view.count() == 2 and view.get("0190a6f0-1c2b-7c3d-8e4f-123456789abc") == '{"fwd":{"entity":"A","key":"b"}}'
      and view.get("r1") == "tab\there" and view.get("r2") is None)
check("#1 layout: decoded", decode(layout_1) == {"0190a6f0-1c2b-7c3d-8e4f-123456789abc": '{"fwd":{"entity":"A","key":"b"}}', "r1": "tab\there"})
text = view.put("r2", "{}", 10)
check("#1 layout: written anew", text == HEADER + '3\n~AZCm8BwrfD2OTxI0VniavA\t{"fwd":{"entity":"A","key":"b"}}\n"r1"\t"tab\\there"\n"r2"\t{}')

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
