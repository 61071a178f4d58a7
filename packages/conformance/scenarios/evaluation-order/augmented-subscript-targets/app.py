"""`self.d[k] += r.f(self)` and friends: Python evaluates the container, the index and the current value before the remote call."""
from typing import Dict, List

from stateflow import stateflow


@stateflow
class Team:
    def __init__(self, name: str):
        self.name: str = name
        self.points: int = 10
        self.scores: Dict[str, int] = {"a": 1, "b": 2}
        self.rounds: List[int] = [0, 0]
        self.i: int = 0
        self.tags: List[str] = []

    def bonus(self, n: int) -> int:
        self.points += n
        self.scores["a"] += n
        self.rounds[0] += n
        self.i += 1
        self.tags.append("bonus")
        return n

    def play(self, referee: "Referee") -> int:
        self.points += referee.score(self)
        return self.points

    def play_dict(self, referee: "Referee", key: str) -> int:
        self.scores[key] += referee.score(self)
        return self.scores[key]

    def play_index(self, referee: "Referee") -> List[int]:
        self.rounds[self.i] *= referee.score(self)
        return self.rounds

    def play_list(self, referee: "Referee") -> List[str]:
        self.tags += referee.names(self)
        return self.tags

    def __key__(self):
        return self.name


@stateflow
class Referee:
    def __init__(self, name: str):
        self.name: str = name

    def score(self, team: Team) -> int:
        return team.bonus(5) + 1

    def names(self, team: Team) -> List[str]:
        team.bonus(1)
        return ["x", "y"]

    def __key__(self):
        return self.name
