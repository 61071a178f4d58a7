"""The module StateFlow programs import: ``from stateflow import stateflow``.

``stateflow`` is an identity class decorator that marks entity classes for the
compiler; ``EntityRef`` is the run-time type of references to other entities.
"""
from stateflow_kernel.refs import EntityRef, stateflow

__all__ = ["stateflow", "EntityRef"]
