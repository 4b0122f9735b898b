"""A registry of named plug-ins (file formats, connectors, later normalisers and
estimators), filled by the modules that define them, imported on first use."""

from __future__ import annotations

import importlib
from typing import Generic, Protocol, TypeVar

from deo.core import DeoError


class Named(Protocol):
    name: str


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    """Plug-ins of one ``kind`` by name. ``modules`` register theirs when imported."""

    def __init__(self, kind: str, modules: tuple[str, ...]):
        self.kind = kind
        self._modules = modules
        self._items: dict[str, T] = {}
        self._loaded = False

    def register(self, item: T) -> T:
        self._items[item.name] = item
        return item

    def all(self) -> dict[str, T]:
        """Every registered plug-in, in registration order."""
        if not self._loaded:
            self._loaded = True
            for module in self._modules:
                importlib.import_module(module)
        return dict(self._items)

    def get(self, name: str) -> T:
        items = self.all()
        if name not in items:
            known = ", ".join(sorted(items))
            raise DeoError(f"unknown {self.kind} {name!r}; known {self.kind}s: {known}")
        return items[name]
