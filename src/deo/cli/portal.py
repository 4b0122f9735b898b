"""Commands that serve the portal: demo, serve, version."""

from __future__ import annotations

import typer

from deo import __version__
from deo.cli.app import (
    app,
    err,
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
    if serve:
        _serve(host, port)


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
