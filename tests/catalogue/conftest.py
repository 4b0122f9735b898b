"""Fixtures for the catalogue tests: the shipped catalogue, without any office additions."""

from __future__ import annotations

import pytest

from deo.catalogue import Catalogue, get_catalogue


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    # An empty folder as the office catalogue, so files under $DEO_HOME never leak in.
    return get_catalogue(tmp_path_factory.mktemp("no_office_catalogue"))
