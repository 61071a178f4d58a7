"""Finding a cache hit: `a.get(k) or b.get(k)` asks the second cache only on a miss."""
from typing import Dict, Optional

from stateflow import stateflow


@stateflow
class Cache:
    def __init__(self, name: str):
        self.name: str = name
        self.data: Dict[str, str] = {}
        self.lookups: int = 0

    def put(self, k: str, v: str) -> None:
        self.data[k] = v

    def get(self, k: str) -> Optional[str]:
        self.lookups += 1
        return self.data.get(k)

    def __key__(self):
        return self.name


@stateflow
class Front:
    def __init__(self, name: str):
        self.name: str = name

    def lookup(self, l1: Cache, l2: Cache, k: str) -> str:
        return l1.get(k) or l2.get(k) or "miss"

    def both(self, l1: Cache, l2: Cache, k: str) -> bool:
        if l1.get(k) is not None and l2.get(k) is not None:
            return True
        return False

    def __key__(self):
        return self.name
