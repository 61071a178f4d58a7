"""A door that asks the guard only when it is locked: `and` must not call the right side."""
from stateflow import stateflow


@stateflow
class Guard:
    def __init__(self, name: str):
        self.name: str = name
        self.asked: int = 0

    def allows(self, who: str) -> bool:
        self.asked += 1
        return who != "mallory"

    def __key__(self):
        return self.name


@stateflow
class Door:
    def __init__(self, name: str, locked: bool):
        self.name: str = name
        self.locked: bool = locked

    def may_open(self, guard: Guard, who: str) -> bool:
        return not self.locked or guard.allows(who)

    def must_check(self, guard: Guard, who: str) -> bool:
        checked = self.locked and guard.allows(who)
        return checked

    def __key__(self):
        return self.name
