"""The value encoding table of `@stateflow/ir` (src/values.ts) as a tiny Python encoder.

Checks that test/fixtures/values.json agrees with the table: evaluates each vector's
`python` expression, encodes it, and prints a JSON list of the vectors that differ
(empty when all agree). The kernel's real encoder must pass the same vectors.

Usage: python3 reference_encoder.py path/to/values.json
"""
import base64
import datetime
import decimal
import json
import math
import sys
import uuid


class EntityRef:
    def __init__(self, entity, key):
        self.entity = entity
        self.key = str(key)


def encode(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if abs(v) < 2**53 else {"$int": str(v)}
    if isinstance(v, float):
        if math.isfinite(v) and not v.is_integer():
            return v
        return {"$float": repr(v)}
    if isinstance(v, bytes):
        return {"$bytes": base64.b64encode(v).decode("ascii")}
    if isinstance(v, bytearray):
        return {"$bytearray": base64.b64encode(v).decode("ascii")}
    if isinstance(v, tuple):
        return {"$tuple": [encode(x) for x in v]}
    if isinstance(v, set):
        return {"$set": [encode(x) for x in sorted(v)]}
    if isinstance(v, frozenset):
        return {"$frozenset": [encode(x) for x in sorted(v)]}
    # datetime before date: a datetime is a date.
    if isinstance(v, datetime.datetime):
        return {"$datetime": v.isoformat()}
    if isinstance(v, datetime.date):
        return {"$date": v.isoformat()}
    if isinstance(v, datetime.time):
        return {"$time": v.isoformat()}
    if isinstance(v, datetime.timedelta):
        return {"$timedelta": [v.days, v.seconds, v.microseconds]}
    if isinstance(v, decimal.Decimal):
        return {"$decimal": str(v)}
    if isinstance(v, uuid.UUID):
        return {"$uuid": str(v)}
    if isinstance(v, list):
        return [encode(x) for x in v]
    if isinstance(v, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in v):
            return {k: encode(x) for k, x in v.items()}
        return {"$dict": [[encode(k), encode(x)] for k, x in v.items()]}
    if isinstance(v, EntityRef):
        return {"$entity": v.entity, "$key": v.key}
    raise TypeError(f"cannot encode {type(v).__name__}")


def canonical(v):
    # json.dumps tells 1 from True and 2 from 2.0, which == does not.
    return json.dumps(v, sort_keys=True)


def main(path):
    with open(path, encoding="utf-8") as f:
        vectors = json.load(f)
    bad = []
    for vec in vectors:
        value = eval(vec["python"], {"EntityRef": EntityRef, "datetime": datetime, "decimal": decimal, "uuid": uuid})
        got = encode(value)
        if canonical(got) != canonical(vec["encoded"]):
            bad.append({"name": vec["name"], "got": got, "expected": vec["encoded"]})
    json.dump(bad, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
