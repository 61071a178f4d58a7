"""The module StateFlow programs import: ``from stateflow import stateflow``.

``stateflow`` is an identity class decorator that marks entity classes for the
compiler; ``EntityRef`` is the run-time type of references to other entities.
``EntityExistsError`` is raised where an entity is created under a key that is taken;
``EntityNotFoundError`` where a call or read targets a missing entity;
``BadArgumentsError`` (a ``TypeError``) where the arguments of a call of another entity
or of a creation do not bind; ``RemoteError`` is the base of these and of exceptions of
other entities that cannot be rebuilt as their own class.
"""
from stateflow_kernel.refs import (BadArgumentsError, EntityExistsError, EntityNotFoundError,
                                   EntityRef, RemoteError, stateflow)

__all__ = ["stateflow", "EntityRef", "RemoteError", "EntityExistsError", "EntityNotFoundError",
           "BadArgumentsError"]
