"""Feeds the smoke job and checks its output (kafka-python, read_committed).

Produces KEYS keys, key i getting (i + 1) * PER_KEY records "k<i>:<seq>", then reads
the output topic until every key's count reached its total. Passes when each key's
counts are exactly 1, 2, ..., total (no loss, no duplicate). Prints the timings.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict

from kafka import KafkaConsumer, KafkaProducer


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--keys", type=int, default=5)
    p.add_argument("--per-key", type=int, default=4)
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for all output")
    args = p.parse_args()

    expected = {f"k{i}": (i + 1) * args.per_key for i in range(args.keys)}
    total = sum(expected.values())

    consumer = KafkaConsumer(
        args.output,
        bootstrap_servers=args.bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all")
    t0 = time.monotonic()
    # Interleave the keys so each partition sees several keys.
    for seq in range(max(expected.values())):
        for key, n in expected.items():
            if seq < n:
                producer.send(args.input, value=f"{key}:{seq}".encode("utf-8"))
    producer.flush()
    producer.close()
    print(f"produced {total} records for {len(expected)} keys in {time.monotonic() - t0:.2f}s", flush=True)

    counts: dict[str, list[int]] = defaultdict(list)
    seen = 0
    first_at = None
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            for r in records:
                key, count, _seq = r.value.decode("utf-8").split(",")
                counts[key].append(int(count))
                seen += 1
                if first_at is None:
                    first_at = time.monotonic() - t0
        if all(len(counts[k]) >= n for k, n in expected.items()):
            break
    consumer.close()
    elapsed = time.monotonic() - t0

    bad = {
        k: counts.get(k, [])
        for k, n in expected.items()
        if sorted(counts.get(k, [])) != list(range(1, n + 1))
    }
    extra = sorted(set(counts) - set(expected))
    if bad or extra:
        print(f"FAIL after {elapsed:.1f}s: {seen}/{total} output records", file=sys.stderr)
        for k, got in bad.items():
            print(f"  {k}: expected counts 1..{expected[k]}, got {got}", file=sys.stderr)
        if extra:
            print(f"  unexpected keys: {extra}", file=sys.stderr)
        return 1
    print(
        f"OK: {total} counts match for {len(expected)} keys "
        f"(first output after {first_at:.1f}s, all after {elapsed:.1f}s)",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
