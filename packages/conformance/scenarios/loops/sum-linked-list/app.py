"""A linked list of Nodes: the head walks the chain with a while loop of remote calls."""
from typing import Optional

from stateflow import stateflow


@stateflow
class Node:
    def __init__(self, name: str, value: int):
        self.name: str = name
        self.value: int = value
        self.next: Optional[Node] = None

    def link(self, nxt: "Node") -> None:
        self.next = nxt

    def get_value(self) -> int:
        return self.value

    def get_next(self) -> Optional["Node"]:
        return self.next

    def total(self) -> int:
        total = self.value
        node: Optional[Node] = self.next
        hops = 0
        while node is not None:
            total += node.get_value()
            node = node.get_next()
            hops += 1
        self.value = self.value
        return total * 100 + hops

    def __key__(self):
        return self.name
