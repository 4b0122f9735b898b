"""The ``deo`` command line: one Typer app; each command is a thin call into a package.

Exit codes: 0 success; 1 a mistake the user can fix (the message says what); 2 an
internal error (a bug: the message says how to report it). No traceback is shown for a
user's mistake; set ``DEO_DEBUG=1`` to see one for an internal error.

Messages are printed in the language of ``DEO_LANG`` or the locale (see :mod:`deo.i18n`);
a command's ``--lang`` sets both the language of names and that of messages.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer
from rich.console import Console
from rich.markup import escape

from deo.cli.output import (
    print_problems,
)
from deo.core import DeoError, LoadRejected
from deo.i18n import _, language, set_language

app = typer.Typer(
    name="deo",
    help="Digital Economy Observatory: compile, check, query and publish digital-economy "
    "statistics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
pull_app = typer.Typer(help="Fetch data from a public API and load it as a release.")
app.add_typer(pull_app, name="pull")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

LANG = typer.Option(
    None, "--lang",
    help="Language of names and messages: en, fr, es or zh (default: $DEO_LANG, else the "
    "locale, else en).",
)


@app.callback()
def _messages_language() -> None:
    # Commands run through `main` get this already; this covers other callers of `app`.
    set_language(None)


def use_language(lang: str | None) -> str:
    """A command's ``--lang``: the language of names, and of messages from now on."""
    if lang:
        set_language(lang)
    return language()


def parse_pairs(values: list[str] | None, option: str) -> dict[str, str]:
    """``["a=b", ...]`` as a dict; a clear error for anything else."""
    parsed: dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise DeoError(_("{option} {value}: expected NAME=VALUE")
                           .format(option=option, value=repr(item)))
        parsed[name.strip()] = value.strip()
    return parsed


def open_store():
    from deo.store import Store

    return Store.open()


def load_catalogue():
    from deo.catalogue import get_catalogue

    return get_catalogue()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) 0, 1 for a user's mistake, 2 for a bug."""
    command = typer.main.get_command(app)
    set_language(None)  # DEO_LANG or the locale, until a command's --lang says otherwise
    try:
        command.main(args=argv, prog_name="deo", standalone_mode=False)
        code = 0
    except typer.Exit as exc:  # --help, --version
        code = exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err.print(_("Interrupted; nothing was written by an unfinished load."))
        code = 1
    except LoadRejected as exc:
        print_problems(err, exc)
        code = 1
    except DeoError as exc:
        # TRANSLATORS: the prefix of every error message, e.g. "error: no such file".
        prefix = _("error:")
        err.print(f"[bold red]{escape(prefix)}[/] {escape(str(exc))}", highlight=False)
        code = 1
    except typer.TyperException as exc:  # a usage error: unknown option, bad value...
        exc.show(file=sys.stderr)
        code = 1
    except Exception as exc:  # a bug: say so, and how to report it
        if os.environ.get("DEO_DEBUG", "").strip().lower() in ("1", "true", "yes", "on"):
            traceback.print_exc()
        err.print(
            _("internal error: {error}").format(error=f"{type(exc).__name__}: {exc}") + "\n"
            + _("This is a bug in deo. Run again with DEO_DEBUG=1 to see the traceback, "
                "and report it with the command you ran."),
            highlight=False,
            markup=False,
        )
        code = 2
    finally:
        set_language(None)  # a later caller in this process follows the environment again
    if argv is None:
        sys.exit(code)
    return code
