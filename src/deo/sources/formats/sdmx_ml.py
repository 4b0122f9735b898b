"""SDMX-ML data messages (XML).

Writes an SDMX-ML 2.1 ``GenericData`` message with sdmx1's ``to_xml``: flat observations
(``dimensionAtObservation="AllDimensions"``) in frame order, so any SDMX client reads it
without the data structure definition. Reads SDMX-ML 2.1 (generic or structure-specific)
and 3.0 structure-specific data with ``sdmx.read_sdmx``; a structure-specific message is
read without its DSD unless ``structure=`` (an sdmx1 DSD or dataflow) is given, sdmx1
then guessing which XML attributes are dimensions.

XML safety: a document with a DOCTYPE is refused before sdmx1 sees it. SDMX-ML never has
one, and a DTD is how external entities (reading local files, network fetches) and entity
expansion bombs get in; lxml would expand internal entities by default.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from lxml import etree

from deo.core import DeoError
from deo.sources.formats import FileFormat, register
from deo.sources.formats.sdmx_common import (
    AGENCY,
    DATAFLOW,
    VERSION,
    component_table,
    data_message,
    message_to_raw,
    read_message,
)

_SDMX_NS = "http://www.sdmx.org/resources/sdmxml/schemas/"
_MESSAGE_NS = {f"{_SDMX_NS}v2_1/message": "2.1", f"{_SDMX_NS}v3_0/message": "3.0"}
DATA_ROOTS = frozenset(
    {
        "GenericData",
        "GenericTimeSeriesData",
        "StructureSpecificData",
        "StructureSpecificTimeSeriesData",
    }
)
_GENERIC_DATA = f"{{{_SDMX_NS}v2_1/message}}GenericData"
_HEADER_STRUCTURE = f"{{{_SDMX_NS}v2_1/message}}Header/{{{_SDMX_NS}v2_1/message}}Structure"


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def write(
    frame: pd.DataFrame,
    path: Path,
    agency: str = AGENCY,
    dataflow: str = DATAFLOW,
    version: str = VERSION,
    breakdowns: Sequence[str] | None = None,
    **_options,
) -> None:
    """Write an observation frame as an SDMX-ML 2.1 GenericData message."""
    import sdmx

    components = component_table(frame, path.name, breakdowns)
    # Missing values are written as NaN, the XML Schema spelling of "no number".
    message = data_message(
        components, agency=agency, dataflow=dataflow, version=version, missing_value="NaN"
    )
    xml = sdmx.to_xml(message, pretty_print=True)
    path.write_bytes(_as_generic_data(xml))


def _as_generic_data(xml: bytes) -> bytes:
    """Fix sdmx1's GenericData output.

    sdmx1 (2.28) names the root of every 2.1 data message ``StructureSpecificData``,
    even when the data set it writes is generic (``gen:Obs`` elements), and leaves out
    ``dimensionAtObservation``, which the schema requires on the header's structure.
    """
    root = etree.fromstring(xml, _safe_parser())
    root.tag = _GENERIC_DATA
    for structure in root.iterfind(_HEADER_STRUCTURE):
        structure.set("dimensionAtObservation", "AllDimensions")
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def check_document(data: bytes, file: str) -> str:
    """Refuse anything that is not a safe SDMX-ML data message; return its root name."""
    if not data.strip():
        raise DeoError(f"{file}: the file is empty")
    events = etree.iterparse(
        io.BytesIO(data),
        events=("start",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        _, root = next(events)
    except (etree.XMLSyntaxError, StopIteration) as exc:
        raise DeoError(
            f"{file}: not an SDMX-ML data message (not well-formed XML: {exc})"
        ) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise DeoError(
            f"{file}: refusing an XML document with a DOCTYPE declaration; SDMX-ML never "
            "has one, and its entities could read local files or expand without end"
        )
    qname = etree.QName(root)
    name = qname.localname
    if qname.namespace in _MESSAGE_NS and name in DATA_ROOTS:
        return name
    if qname.namespace in _MESSAGE_NS and name == "Error":
        raise DeoError(f"{file}: the file is an SDMX error message, not data: {_error_text(data)}")
    if qname.namespace in _MESSAGE_NS and name == "Structure":
        raise DeoError(
            f"{file}: the file is an SDMX-ML structure message (code lists, data "
            "structures), not data"
        )
    if qname.namespace and qname.namespace.startswith(_SDMX_NS):
        raise DeoError(
            f"{file}: {name} in {qname.namespace} is not an SDMX-ML data message we read "
            "(SDMX-ML 2.1 or 3.0 GenericData / StructureSpecificData); ask the provider "
            "for SDMX-ML 2.1, SDMX-CSV or SDMX-JSON"
        )
    raise DeoError(f"{file}: not an SDMX-ML data message (found root element {name!r})")


def _error_text(data: bytes) -> str:
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError:
        return "(unreadable)"
    texts = []
    for message in root.iter(f"{{{_SDMX_NS}v2_1/message}}ErrorMessage"):
        text = " ".join(t.strip() for t in message.itertext() if t.strip())
        code = message.get("code")
        texts.append(f"[{code}] {text}" if code else text)
    return "; ".join(texts) or "(no text)"


def read(path: Path, columns=None, constants=None, structure=None, **_options) -> pd.DataFrame:
    """Read an SDMX-ML data message into a raw frame (``_row``: observation number)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DeoError(f"{path.name}: cannot read the file ({exc.strerror})") from None
    check_document(data, path.name)
    kwargs = {} if structure is None else {"structure": structure}
    message = read_message(data, path.name, "SDMX-ML", format="XML", **kwargs)
    return message_to_raw(message, path.name, columns, constants)


def sniff(head: bytes) -> bool:
    """An XML document whose root is an SDMX-ML data (or error) message."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"<"):
        return False
    if b"sdmx.org/resources/sdmxml" not in text:
        return False
    return any(
        f":{root}".encode() in text or f"<{root}".encode() in text
        for root in (*DATA_ROOTS, "Error")
    )


register(
    FileFormat(
        name="sdmx-ml",
        description="SDMX-ML 2.1 data message (reads 2.1 and 3.0, generic or structure-specific)",
        extensions=(".xml",),
        read=read,
        write=write,
        sniff=sniff,
        options={"agency": AGENCY, "dataflow": DATAFLOW, "version": VERSION},
    )
)
