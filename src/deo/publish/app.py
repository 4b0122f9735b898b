"""The web application. For now one page: what the store holds, and a health check.

The full portal and API (explore, compare, download, four languages) build on this app.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from deo import __version__
from deo.catalogue import get_catalogue
from deo.publish import api
from deo.publish.api import problems
from deo.store import Store

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


def create_app(store: Store | None = None) -> FastAPI:
    """The portal app over ``store`` (default: the configured store)."""
    app = FastAPI(
        title="Digital Economy Observatory",
        version=__version__,
        description="Open data on ICT use, e-commerce and digital trade, and composite "
        "indices computed from them.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.store = store or Store.open()
    problems.install(app)
    app.include_router(api.router)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        catalogue = get_catalogue()
        current: Store = app.state.store
        summary = current.summary()
        rows = [
            {
                "code": r.indicator,
                "name": catalogue.indicators[r.indicator].label("en")
                if r.indicator in catalogue.indicators
                else r.indicator,
                "observations": r.observations,
                "areas": r.areas,
                "first": r.first_period,
                "last": r.last_period,
            }
            for r in summary.itertuples()
        ]
        releases = current.releases()
        return TEMPLATES.TemplateResponse(
            request,
            "home.html",
            {
                "version": __version__,
                "counts": current.counts(),
                "indicators": rows,
                "synthetic": bool(releases["synthetic"].any()) if not releases.empty else False,
                "sources": sorted(set(releases["source"])) if not releases.empty else [],
            },
        )

    @app.get("/api/health")
    def health() -> dict:
        return {"status": "ok", "version": __version__, **app.state.store.counts()}

    return app
