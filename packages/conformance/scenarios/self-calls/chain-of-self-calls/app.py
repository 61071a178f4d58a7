"""A report built by public methods calling each other on self, each with remote calls."""
from stateflow import stateflow


@stateflow
class Sensor:
    def __init__(self, name: str, reading: int):
        self.name: str = name
        self.reading: int = reading

    def read(self) -> int:
        self.reading += 1
        return self.reading

    def __key__(self):
        return self.name


@stateflow
class Station:
    def __init__(self, name: str):
        self.name: str = name
        self.reports: int = 0

    def temperature(self, s: Sensor) -> int:
        return s.read() * 10

    def summary(self, s: Sensor) -> str:
        t = self.temperature(s)
        return f"t={t} r={s.read()}"

    def report(self, s: Sensor) -> str:
        self.reports += 1
        text = self.summary(s) + " / " + self.summary(s)
        return f"#{self.reports} {text}"

    def __key__(self):
        return self.name
