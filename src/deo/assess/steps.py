"""Named step kernels of the index engine (transforms, normalisers, imputers, aggregators).

Each step module creates one :class:`StepRegistry` and registers its kernels with the
:meth:`StepRegistry.register` decorator, so a recipe names a method (``minmax``) and the
engine looks it up instead of switching on strings.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from deo.core import DeoError


@dataclass(frozen=True, slots=True)
class Step:
    """One named kernel.

    ``params`` lists every keyword-only parameter ``fn`` accepts, including those the engine
    supplies itself (``direction``, ``year``, ``groups``); the engine subtracts those to
    know which options a recipe may set. ``doc`` is the first paragraph of the docstring.
    """

    name: str
    fn: Callable[..., Any]
    params: tuple[str, ...]
    doc: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)


class StepRegistry:
    """Kernels of one ``kind`` (``"normalisation"``, ...) by name."""

    def __init__(self, kind: str):
        self.kind = kind
        self._steps: dict[str, Step] = {}

    def register(
        self, name: str, params: tuple[str, ...] = ()
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: register the function under ``name``; the function is returned as is."""

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            if name in self._steps:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            # Checked here so a declared parameter list cannot drift from the signature.
            keyword_only = tuple(
                p.name
                for p in inspect.signature(fn).parameters.values()
                if p.kind is inspect.Parameter.KEYWORD_ONLY
            )
            if set(keyword_only) != set(params):
                raise TypeError(
                    f"{self.kind} {name!r}: params {params} do not match the keyword-only "
                    f"parameters {keyword_only} of {fn.__qualname__}"
                )
            doc = (inspect.getdoc(fn) or "").split("\n\n")[0].replace("\n", " ")
            self._steps[name] = Step(name=name, fn=fn, params=tuple(params), doc=doc)
            return fn

        return decorate

    def get(self, name: str) -> Step:
        """The step called ``name``; a :class:`DeoError` naming the known ones otherwise."""
        try:
            return self._steps[name]
        except KeyError:
            known = ", ".join(self.names())
            raise DeoError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def names(self) -> tuple[str, ...]:
        """Registered names, sorted."""
        return tuple(sorted(self._steps))

    def __contains__(self, name: object) -> bool:
        return name in self._steps

    def __iter__(self) -> Iterator[Step]:
        return iter(self._steps[name] for name in self.names())

    def __len__(self) -> int:
        return len(self._steps)
