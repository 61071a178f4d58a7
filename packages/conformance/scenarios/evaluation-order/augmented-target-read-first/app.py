"""`self.points += referee.score(self)` where the referee calls back into self: Python reads self.points first."""
from stateflow import stateflow


@stateflow
class Team:
    def __init__(self, name: str):
        self.name: str = name
        self.points: int = 10
        self.bonus_log: list = []

    def bonus(self, n: int) -> int:
        self.points += n
        self.bonus_log.append(n)
        return n

    def play(self, referee: "Referee") -> int:
        self.points += referee.score(self)
        return self.points

    def __key__(self):
        return self.name


@stateflow
class Referee:
    def __init__(self, name: str):
        self.name: str = name

    def score(self, team: Team) -> int:
        return team.bonus(5) + 1

    def __key__(self):
        return self.name
