"""A scheduler that calls a counter a number of times, counting in a while loop."""
from stateflow import stateflow


@stateflow
class Counter:
    def __init__(self, name: str):
        self.name: str = name
        self.count: int = 0

    def tick(self, by: int) -> int:
        self.count += by
        return self.count

    def __key__(self):
        return self.name


@stateflow
class Scheduler:
    def __init__(self, name: str):
        self.name: str = name
        self.runs: int = 0
        self.seen: list = []

    def run(self, counter: Counter, times: int) -> int:
        i = 0
        last = -1
        while i < times:
            last = counter.tick(i + 1)
            self.seen.append(last)
            i += 1
        self.runs += 1
        return last

    def __key__(self):
        return self.name
