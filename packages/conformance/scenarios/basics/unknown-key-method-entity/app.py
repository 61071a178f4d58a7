"""A lamp with a private helper: what clients can and cannot reach."""
from stateflow import stateflow


@stateflow
class Lamp:
    def __init__(self, room: str):
        self.room: str = room
        self.on: bool = False

    def toggle(self) -> bool:
        self.on = self._flip(self.on)
        return self.on

    def _flip(self, value: bool) -> bool:
        return not value

    @staticmethod
    def describe(on: bool) -> str:
        return "on" if on else "off"

    def __key__(self):
        return self.room
