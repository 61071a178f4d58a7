"""A leaderboard: dict and set comprehensions with a filter, both with remote calls."""
from typing import List

from stateflow import stateflow


@stateflow
class Team:
    def __init__(self, name: str, points: int, active: bool):
        self.name: str = name
        self.points: int = points
        self.active: bool = active

    def is_active(self) -> bool:
        return self.active

    def points_of(self) -> int:
        return self.points

    def __key__(self):
        return self.name


@stateflow
class League:
    def __init__(self, name: str):
        self.name: str = name
        self.teams: List[Team] = []

    def join(self, team: Team) -> None:
        self.teams.append(team)

    def table(self) -> dict:
        return {t.name: t.points_of() for t in self.teams if t.is_active()}

    def distinct_points(self) -> set:
        return {t.points_of() for t in self.teams}

    def __key__(self):
        return self.name
