"""GET /api/v1/releases: every load, with what is needed to trust it."""

from __future__ import annotations

from fastapi import APIRouter, Request

from deo.publish.api.output import records

router = APIRouter(tags=["releases"])


@router.get("/releases", summary="Every release (load, pull or index build), oldest first")
def releases(request: Request) -> dict:
    frame = request.app.state.store.releases()
    for column in ("loaded_at", "as_of"):
        frame[column] = frame[column].map(lambda v: v.isoformat() if hasattr(v, "isoformat")
                                          else None)
    return {"data": records(frame), "count": len(frame)}
