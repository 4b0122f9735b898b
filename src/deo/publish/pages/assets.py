"""Front-end assets served from installed packages (no CDN): plotly.js from the
``plotly`` Python package."""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(include_in_schema=False)
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: The file changes only with the package version: let browsers keep it for a year.
CACHE = {"Cache-Control": "public, max-age=31536000, immutable"}


@router.get(f"/static/plotly-{plotly.__version__}.min.js")
def plotly_js() -> FileResponse:
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers=CACHE)


PLOTLY_URL = f"/static/plotly-{plotly.__version__}.min.js"
