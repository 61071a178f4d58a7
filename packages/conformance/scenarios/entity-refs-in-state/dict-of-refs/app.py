"""A directory maps team names to team leads in a dict field and calls them through it."""
from typing import Dict

from stateflow import stateflow


@stateflow
class Lead:
    def __init__(self, name: str):
        self.name: str = name
        self.tasks: int = 0

    def assign(self, n: int) -> int:
        self.tasks += n
        return self.tasks

    def __key__(self):
        return self.name


@stateflow
class Directory:
    def __init__(self, org: str):
        self.org: str = org
        self.leads: Dict[str, Lead] = {}

    def set_lead(self, team: str, lead: Lead) -> int:
        self.leads[team] = lead
        return len(self.leads)

    def assign(self, team: str, n: int) -> int:
        return self.leads[team].assign(n)

    def lead_of(self, team: str) -> Lead:
        return self.leads[team]

    def __key__(self):
        return self.org
