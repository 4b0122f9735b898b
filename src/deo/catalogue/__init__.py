"""The catalogue: indicators, code lists, areas and groups, as package data we write.

Files live beside this module (``indicators/*.toml``, ``codelists/*.toml``,
``areas/*.toml``, ``areas/groups/*.toml``); an office can add its own indicators and code
lists under ``$DEO_HOME/catalogue/`` in the same format. Economies come from ``pycountry``.
"""

from __future__ import annotations

from deo.catalogue.catalogue import Catalogue, get_catalogue

__all__ = ["Catalogue", "get_catalogue"]
