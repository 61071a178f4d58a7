"""A score read before a remote call that changes it (via a call back): Python reads it first."""
from stateflow import stateflow


@stateflow
class Player:
    def __init__(self, name: str):
        self.name: str = name
        self.score: int = 1

    def add(self, n: int) -> int:
        self.score += n
        return self.score

    def before_and_after(self, judge: "Judge") -> tuple:
        before = self.score
        during = self.score + judge.award(self, 10)
        after = self.score
        return (before, during, after)

    def __key__(self):
        return self.name


@stateflow
class Judge:
    def __init__(self, name: str):
        self.name: str = name

    def award(self, player: Player, n: int) -> int:
        return player.add(n)

    def __key__(self):
        return self.name
