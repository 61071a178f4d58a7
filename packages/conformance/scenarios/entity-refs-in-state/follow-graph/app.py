"""A follower graph: users keep references to each other in list fields, both ways."""
from typing import List

from stateflow import stateflow


@stateflow
class User:
    def __init__(self, name: str):
        self.name: str = name
        self.following: List[User] = []
        self.followers: List[User] = []

    def follow(self, other: "User") -> int:
        if other in self.following:
            return -1
        self.following.append(other)
        return other.add_follower(self)

    def add_follower(self, who: "User") -> int:
        self.followers.append(who)
        return len(self.followers)

    def __key__(self):
        return self.name
