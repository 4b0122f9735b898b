"""Shared fixtures: where the published reference files (test oracles) are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def reference_data() -> Path:
    """The reference-data folder ($DEO_REFERENCE_DATA, default ../shared/data from the repo)."""
    folder = Path(os.environ.get("DEO_REFERENCE_DATA") or REPO_ROOT.parent / "shared" / "data")
    if not folder.is_dir():
        pytest.skip(
            f"reference data folder {folder} not found; set DEO_REFERENCE_DATA to the folder "
            "holding the published reference files (see shared/data/README.md)"
        )
    return folder
