"""References returned by methods, compared, stored in tuples and passed on."""
from typing import Optional

from stateflow import stateflow


@stateflow
class Player:
    def __init__(self, name: str, rating: int):
        self.name: str = name
        self.rating: int = rating

    def rating_of(self) -> int:
        return self.rating

    def me(self) -> "Player":
        return self

    def __key__(self):
        return self.name


@stateflow
class Match:
    def __init__(self, mid: str):
        self.mid: str = mid
        self.sides: tuple = ()
        self.winner: Optional[Player] = None

    def setup(self, a: Player, b: Player) -> bool:
        self.sides = (a, b)
        return a == b

    def decide(self) -> Player:
        a: Player = self.sides[0]
        b: Player = self.sides[1]
        ra = a.rating_of()
        rb = b.rating_of()
        if ra >= rb:
            self.winner = a
        else:
            self.winner = b
        return self.winner

    def __key__(self):
        return self.mid
