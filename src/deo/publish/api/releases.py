"""GET /api/v1/releases: every load, with what is needed to trust it."""

from __future__ import annotations

import re
from pathlib import PureWindowsPath

from fastapi import APIRouter, Request

from deo.publish.api.output import records

router = APIRouter(tags=["releases"])


@router.get("/releases", summary="Every release (load, pull or index build), oldest first")
def releases(request: Request) -> dict:
    frame = request.app.state.store.releases()
    # Names, not the server's folders: a release says which file, not where it lay.
    for column in ("file_name", "note"):
        frame[column] = frame[column].map(without_paths)
    for column in ("loaded_at", "as_of"):
        frame[column] = frame[column].map(lambda v: v.isoformat() if hasattr(v, "isoformat")
                                          else None)
    return {"data": records(frame), "count": len(frame)}


#: A file path: absolute (``/srv/deo/x.csv``, ``C:\\data\\x.csv``), or relative with a
#: file name (``deo-data/rejects/x.csv``); never part of a URL.
PATH = re.compile(r"(?<![\w:/.\\-])(?:(?:[A-Za-z]:)?[\\/](?:[^\s;,\\/]+[\\/])*[^\s;,\\/]+"
                  r"|[\w.-]+[\\/](?:[^\s;,\\/]+[\\/])*[^\s;,\\/]+\.\w{1,8}\b)")


def without_paths(text: str | None) -> str | None:
    """``text`` with every file path cut to the file's name (URLs are kept)."""
    if not isinstance(text, str):
        return text
    return PATH.sub(lambda m: PureWindowsPath(m.group(0)).name or m.group(0), text)
