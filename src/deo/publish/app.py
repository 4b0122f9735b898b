"""The web application: the open API (/api/v1) and the portal's pages (/en/, /fr/...)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi_offline import FastAPIOffline

from deo import __version__
from deo.publish import api, pages
from deo.publish.api import problems
from deo.publish.guard import Guard, max_request_bytes
from deo.store import Store
from deo.track import updates


def create_app(store: Store | None = None) -> FastAPI:
    """The portal app over ``store`` (default: the configured store)."""
    # The docs page loads Swagger UI from the package, not a CDN: offices work offline.
    app = FastAPIOffline(
        title="Digital Economy Observatory",
        version=__version__,
        description="Open data on ICT use, e-commerce and digital trade, and composite "
        "indices computed from them.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        static_url="/api/v1/docs-assets",
        # A form carries at most an update's evidence files (the guard caps their bytes).
        form_limits={"max_files": updates.max_evidence_files() + 1, "max_fields": 100},
    )
    app.state.store = store or Store.open()
    # A mistyped limit stops the server at start, not every upload later.
    max_request_bytes()
    updates.max_evidence_total_bytes()
    updates.max_evidence_bytes()
    # Offices on slow links: compress pages, JSON and CSV (downloads shrink 5-10 times).
    # Level 5: most of level 9's saving on JSON and CSV at a third of its CPU time.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)
    # Outermost: limits and the session check run before anything reads the body.
    app.add_middleware(Guard)
    problems.install(app)

    # Before the pages: their /{lang}/... routes would otherwise answer /api/health.
    @app.get("/api/health")
    def health() -> dict:
        return {"status": "ok", "version": __version__, **app.state.store.counts()}

    app.include_router(api.router)
    app.include_router(pages.router)
    return app
