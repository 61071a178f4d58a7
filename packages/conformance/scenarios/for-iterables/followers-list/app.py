"""A social graph: posting notifies every follower in a list of references."""
from typing import List

from stateflow import stateflow


@stateflow
class Person:
    def __init__(self, handle: str):
        self.handle: str = handle
        self.followers: List[Person] = []
        self.inbox: List[str] = []

    def add_follower(self, who: "Person") -> int:
        self.followers.append(who)
        return len(self.followers)

    def receive(self, message: str) -> int:
        self.inbox.append(message)
        return len(self.inbox)

    def post(self, text: str) -> int:
        delivered = 0
        for follower in self.followers:
            delivered += follower.receive(f"{self.handle}: {text}")
        return delivered

    def __key__(self):
        return self.handle
