"""Commands that serve the portal: demo, serve, version."""

from __future__ import annotations

import typer

from deo import __version__
from deo.cli.app import (
    app,
    err,
    load_catalogue,
    open_store,
    out,
)
from deo.cli.output import (
    load_progress,
)
from deo.i18n import _


@app.command()
def demo(
    serve: bool = typer.Option(True, help="Start the portal when the store is built."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Build a demonstration store (reference data, World Bank API, or synthetic) and serve it."""
    from deo.sources.demo import build_demo

    store = open_store()
    with load_progress(err) as progress:
        report = build_demo(store, progress=progress)
    out.print(report.summary)
    if report.kind == "reference":
        _demo_indices(store)
    _demo_tracker(store)
    if serve:
        _serve(host, port)


def _demo_indices(store) -> None:
    """Build the B2C index recipes for 2020 from the demo's reference data."""
    from deo.assess.build import build_index
    from deo.sources.demo import DEMO_INDICES

    for recipe in DEMO_INDICES:
        done = build_index(store, load_catalogue(), recipe, 2020)
        out.print(
            _("Index {recipe} 2020: {n} areas scored (deo index explain {recipe} AREA "
              "--year 2020).").format(recipe=done.result.recipe.id, n=len(done.result.scores)),
            highlight=False,
        )


def _demo_tracker(store) -> None:
    """The illustrative strategies of the tracker, and the demo's accounts."""
    from deo.track.demo import build_demo_tracker

    built = build_demo_tracker(store.engine)
    if built is None:
        return
    out.print(_("Tracker: illustrative strategies {codes}; sign in as {accounts} with the "
                "password {password!r} (a local demo only).").format(
        codes=", ".join(built.strategies),
        accounts=", ".join(email for email, _role in built.accounts),
        password=built.password), highlight=False)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Start the web portal and API."""
    open_store()
    _serve(host, port)


def _serve(host: str, port: int) -> None:
    import uvicorn

    from deo.publish.app import create_app

    out.print(_("Portal on {url}  (Ctrl+C to stop)").format(url=f"http://{host}:{port}/"))
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")


@app.command()
def version() -> None:
    """Print the version."""
    out.print(f"deo {__version__}")
