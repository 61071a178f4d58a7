"""A grid of cells filled row by row: a while loop inside a for loop, both with remote calls."""
from typing import List

from stateflow import stateflow


@stateflow
class Cell:
    def __init__(self, name: str):
        self.name: str = name
        self.marks: List[int] = []

    def mark(self, n: int) -> int:
        self.marks.append(n)
        return len(self.marks)

    def __key__(self):
        return self.name


@stateflow
class Painter:
    def __init__(self, name: str):
        self.name: str = name

    def paint(self, cells: List[Cell], per_cell: int) -> int:
        total = 0
        for row in range(2):
            j = 0
            while j < per_cell:
                for cell in cells:
                    total += cell.mark(row * 10 + j)
                j += 1
        return total

    def __key__(self):
        return self.name
