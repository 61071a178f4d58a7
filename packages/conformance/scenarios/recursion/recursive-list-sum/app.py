"""A linked list that sums itself recursively: each Node asks the next one."""
from typing import Optional

from stateflow import stateflow


@stateflow
class Node:
    def __init__(self, name: str, value: int):
        self.name: str = name
        self.value: int = value
        self.next: Optional[Node] = None
        self.visits: int = 0

    def link(self, nxt: "Node") -> None:
        self.next = nxt

    def total(self) -> int:
        self.visits += 1
        if self.next is None:
            return self.value
        return self.value + self.next.total()

    def path(self) -> list:
        rest = [] if self.next is None else self.next.path()
        return [self.name] + rest

    def __key__(self):
        return self.name
