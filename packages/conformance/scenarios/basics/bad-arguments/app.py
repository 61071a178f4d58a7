"""A thermostat with typed parameters: arguments that do not bind are refused."""
from stateflow import stateflow


@stateflow
class Thermostat:
    def __init__(self, room: str, target: float = 20.5):
        self.room: str = room
        self.target: float = target

    def set_target(self, degrees: float, *, reason: str = "manual") -> float:
        self.target = degrees
        return self.target

    def adjust(self, delta: float) -> float:
        self.target += delta
        return self.target

    def __key__(self):
        return self.room
