"""A tree of folders: size and depth computed recursively over a list of children."""
from typing import List

from stateflow import stateflow


@stateflow
class Folder:
    def __init__(self, path: str, size: int):
        self.path: str = path
        self.size: int = size
        self.children: List[Folder] = []

    def add(self, child: "Folder") -> int:
        self.children.append(child)
        return len(self.children)

    def total_size(self) -> int:
        total = self.size
        for child in self.children:
            total += child.total_size()
        return total

    def depth(self) -> int:
        deepest = 0
        for child in self.children:
            deepest = max(deepest, child.depth())
        return deepest + 1

    def __key__(self):
        return self.path
