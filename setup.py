"""Build step beyond pyproject.toml: compile the message catalogues (.po -> .mo) into the
wheel, so installed copies read compiled catalogues (see deo.i18n)."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


def compile_catalogues(locale: Path) -> list[Path]:
    """Write ``deo.mo`` beside every ``<lang>/LC_MESSAGES/deo.po`` under ``locale``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(locale.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as po:
            catalog = read_po(po, locale=po_path.parent.parent.name)
        with po_path.with_suffix(".mo").open("wb") as mo:
            write_mo(mo, catalog)  # fuzzy and untranslated messages are left out
        written.append(po_path.with_suffix(".mo"))
    return written


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        compile_catalogues(Path(self.build_lib) / "deo" / "catalogue" / "locale")


if __name__ == "__main__":  # setuptools' build backend runs this file as __main__
    setup(cmdclass={"build_py": BuildWithCatalogues})
