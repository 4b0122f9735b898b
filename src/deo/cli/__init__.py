"""The ``deo`` command line: one Typer app (:mod:`deo.cli.app`); each command is a thin
call into a package, grouped by job in the modules below. Importing this package
registers every command."""

from deo.cli import (  # noqa: F401  (register commands)
    catalogue,
    data,
    index,
    portal,
    query,
    records,
    survey,
    track,
)
from deo.cli.app import app, main

__all__ = ["app", "main"]
