"""A journal records the order in which try, except, else and finally run around remote calls."""
from typing import List

from stateflow import stateflow


@stateflow
class Step:
    def __init__(self, name: str):
        self.name: str = name

    def run(self, fail: bool) -> str:
        if fail:
            raise ValueError(f"{self.name} failed")
        return f"{self.name} ran"

    def __key__(self):
        return self.name


@stateflow
class Journal:
    def __init__(self, name: str):
        self.name: str = name
        self.lines: List[str] = []

    def attempt(self, step: Step, fail: bool) -> str:
        outcome = "?"
        try:
            self.lines.append("try")
            r = step.run(fail)
            self.lines.append(r)
        except ValueError as e:
            self.lines.append(f"except {e}")
            outcome = step.run(False) + " on retry"
        else:
            self.lines.append("else")
            outcome = "first time"
        finally:
            self.lines.append("finally")
        return outcome

    def returns_in_try(self, step: Step) -> str:
        try:
            return step.run(False)
        finally:
            self.lines.append("cleanup")

    def __key__(self):
        return self.name
