"""`except E as e` unbinds `e` when the clause is left (normally, by return, break or continue), as Python does."""
from typing import List

from stateflow import stateflow


class Low(Exception):
    pass


@stateflow
class Account:
    def __init__(self, name: str, balance: int = 0):
        self.name: str = name
        self.balance: int = balance

    def take(self, n: int) -> int:
        if n > self.balance:
            raise Low("only %d" % self.balance)
        self.balance -= n
        return self.balance

    def __key__(self):
        return self.name


@stateflow
class Teller:
    def __init__(self, name: str):
        self.name: str = name

    def after_handler(self, a: Account, n: int) -> str:
        e = "before"
        try:
            a.take(n)
        except Low as e:
            note = str(e)
        else:
            note = "ok"
        try:
            return note + " " + e
        except NameError:
            return note + " (e unbound)"

    def returns_from_handler(self, a: Account, n: int) -> str:
        try:
            a.take(n)
        except Low as e:
            return "low: " + str(e) + " after " + str(a.take(0))
        return "ok"

    def in_loop(self, a: Account, ns: List[int]) -> List[str]:
        out = []
        for n in ns:
            try:
                a.take(n)
            except Low as err:
                out.append(str(err))
                if n > 100:
                    break
                continue
            out.append("took %d" % n)
        try:
            out.append(str(err))
        except NameError:
            out.append("err unbound")
        return out

    def __key__(self):
        return self.name
