"""The reference: the benchmark's operations as a plain-Python loop over objects in a dict.

Same entity class logic, same operation mix and key choice (YCSB scrambled Zipfian,
theta 0.99, or uniform) as the harness; the keys are drawn before the clock starts,
so only the operations are timed. Prints one JSON object.

    python3 plain.py --workload A --dist zipf --entities 10000 --ops 1000000
"""
import argparse
import json
import random
import time


class Account:
    def __init__(self, id, balance):
        self.id = id
        self.balance = balance
        self.field0 = "x" * 100

    def read(self):
        return self.balance

    def update(self, value):
        self.field0 = value

    def deposit(self, amount):
        self.balance += amount
        return self.balance

    def transfer(self, amount, to):
        if self.balance < amount:
            return False
        self.balance -= amount
        to.deposit(amount)
        return True


def zeta(n, theta):
    return sum(1 / (i ** theta) for i in range(1, n + 1))


def fnv64(value):
    h = 0xCBF29CE484222325
    for _ in range(8):
        h ^= value & 0xFF
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        value >>= 8
    return h


def chooser(dist, n, rnd):
    if dist == "uniform":
        return lambda: int(rnd.random() * n)
    theta = 0.99
    zetan = zeta(n, theta)
    zeta2 = zeta(2, theta)
    alpha = 1 / (1 - theta)
    eta = (1 - (2 / n) ** (1 - theta)) / (1 - zeta2 / zetan)
    half = 0.5 ** theta
    scramble = [fnv64(r) % n for r in range(n)]

    def rank():
        u = rnd.random()
        uz = u * zetan
        if uz < 1:
            return 0
        if uz < 1 + half:
            return 1
        return min(n - 1, int(n * (eta * u - eta + 1) ** alpha))

    return lambda: scramble[rank()]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", choices=["A", "B", "T"], required=True)
    p.add_argument("--dist", choices=["uniform", "zipf"], required=True)
    p.add_argument("--entities", type=int, default=10000)
    p.add_argument("--ops", type=int, default=1000000)
    a = p.parse_args()

    rnd = random.Random(42)
    pick = chooser(a.dist, a.entities, rnd)
    accounts = {f"acct{i}": Account(f"acct{i}", 1_000_000) for i in range(a.entities)}
    value = "v" * 100
    read_share = {"A": 0.5, "B": 0.95, "T": 0.0}[a.workload]
    plan = []
    for _ in range(a.ops):
        k = pick()
        if a.workload == "T":
            to = pick()
            if to == k:
                to = (k + 1) % a.entities
            plan.append((f"acct{k}", f"acct{to}"))
        else:
            plan.append((f"acct{k}", rnd.random() < read_share))

    start = time.perf_counter()
    if a.workload == "T":
        for k, to in plan:
            accounts[k].transfer(1, accounts[to])
    else:
        for k, is_read in plan:
            acct = accounts[k]
            if is_read:
                acct.read()
            else:
                acct.update(value)
    seconds = time.perf_counter() - start
    print(json.dumps({"workload": a.workload, "dist": a.dist, "ops": a.ops, "seconds": seconds, "opsPerSec": a.ops / seconds}))


if __name__ == "__main__":
    main()
