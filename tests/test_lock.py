"""The lock file is in step with pyproject.toml: every declared requirement is pinned there,
at a version the declaration admits, with hashes (so `make` installs one program everywhere)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def _pins() -> dict[str, list[tuple[str, str | None]]]:
    """Package -> [(version, marker)] from requirements.lock."""
    pins: dict[str, list[tuple[str, str | None]]] = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        match = PIN.match(line)
        if match:
            name, version, marker = match.groups()
            pins.setdefault(canonicalize_name(name), []).append((version, marker))
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        declared += extra
    build = (REPO / "requirements" / "build.in").read_text().splitlines()
    declared += [line for line in build if line.strip() and not line.startswith("#")]
    return [Requirement(text) for text in declared]


def test_every_declared_requirement_is_pinned_at_an_admitted_version():
    pins = _pins()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in requirements.lock: run `make lock`"
        for version, _marker in pins[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"requirements.lock pins {name}=={version}, outside {requirement}: run `make lock`")


def test_every_pin_carries_hashes():
    text = (REPO / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    pinned = [entry for entry in entries if "==" in entry.split("\n", 1)[0]]
    assert len(pinned) > 50
    for entry in pinned:
        assert "--hash=sha256:" in entry, entry.split("\n", 1)[0]
