"""Appending to a linked list creates the new Node and links it with remote calls."""
from typing import Optional

from stateflow import stateflow


@stateflow
class Node:
    def __init__(self, name: str, value: int):
        self.name: str = name
        self.value: int = value
        self.next: Optional[Node] = None

    def set_next(self, nxt: "Node") -> str:
        self.next = nxt
        return self.name

    def value_of(self) -> int:
        return self.value

    def __key__(self):
        return self.name


@stateflow
class ListHead:
    def __init__(self, name: str):
        self.name: str = name
        self.last: Optional[Node] = None
        self.size: int = 0

    def push(self, value: int) -> int:
        node = Node(f"{self.name}-{self.size}", value)
        if self.last is not None:
            self.last.set_next(node)
        self.last = node
        self.size += 1
        return node.value_of() * 10 + self.size

    def __key__(self):
        return self.name
