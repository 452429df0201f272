"""A module imported at its first use, for the pages a classroom server seldom serves.

Every web worker imports the whole app before forking (gunicorn's preload), and each megabyte
imported is a megabyte in every worker's peak memory (bench/classroom.py: < 80 MB a worker).
A view module that imports the services of sync, certificates, publication or reports at
first use keeps them out of the workers that only ever serve a classroom.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule(ModuleType):
    """Stands for the module `name`; imports it (thread-safely) at the first attribute read."""

    def __init__(self, name: str) -> None:
        super().__init__(name)

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self.__name__), attribute)


def lazy_module(name: str) -> ModuleType:
    """The module `name`, imported when one of its names is first read."""
    return LazyModule(name)
