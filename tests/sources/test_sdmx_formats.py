"""SDMX-CSV, SDMX-ML and SDMX-JSON: round trips, interoperability with sdmx1, bad input."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import sdmx
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from deo.core import DeoError, breakdown_key
from deo.core.breakdown import DIMENSIONS
from deo.core.indicator import sdmx_id
from deo.core.observation import OBSERVATION_COLUMNS, ROW_COLUMN
from deo.sources.formats import sdmx_csv, sdmx_json, sdmx_ml
from deo.sources.formats.sdmx_common import component_table, data_message

NAN = float("nan")
FORMATS = {
    "sdmx-csv": (sdmx_csv, ".sdmx.csv"),
    "sdmx-ml": (sdmx_ml, ".xml"),
    "sdmx-json": (sdmx_json, ".json"),
}
MISSING = ("K", "L", "M", "O", "Q")
GEN_NS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"


def hand_frame() -> pd.DataFrame:
    rows = [
        ("B1", "KEN", "2023", "SEX=F;SIZE_CLASS=10-49", 0.1 + 0.2, "A", 0.0123, 0.27, 0.33),
        ("B1", "KEN", "2023", "SEX=M;SIZE_CLASS=10-49", 1 / 3, "E", NAN, NAN, NAN),
        ("B1", "FRA", "2023-Q2", "", NAN, "M", NAN, NAN, NAN),
        ("B2", "NAM", "2023-04", "SEX=F", -1.5e-300, "P", NAN, -2.0, 7.25),
        ("B2", "NAM", "2023-04", "SIZE_CLASS=250+", 123456789.125, "A", 5e-324, NAN, NAN),
        ("IT.NET.USER.ZS", "UGA", "2021", "", 42.0, "A", NAN, NAN, NAN),
    ]
    return pd.DataFrame(rows, columns=list(OBSERVATION_COLUMNS))


def to_observations(raw: pd.DataFrame) -> pd.DataFrame:
    """A raw frame back to observations: breakdown keys, floats; sorted by key."""
    dims = [c for c in raw.columns if c in DIMENSIONS]
    records = raw[dims].to_dict("records")

    def number(x) -> float:
        return NAN if x is None or str(x).strip() == "" else float(x)

    out = pd.DataFrame(
        {
            "indicator": raw["indicator"].astype(str).to_numpy(),
            "area": raw["area"].astype(str).to_numpy(),
            "period": raw["period"].astype(str).to_numpy(),
            "breakdown": [breakdown_key(r) for r in records],
            "value": [number(v) for v in raw["value"]],
            "status": raw["status"].astype(str).to_numpy(),
            "se": [number(v) for v in raw["se"]],
            "ci_lower": [number(v) for v in raw["ci_lower"]],
            "ci_upper": [number(v) for v in raw["ci_upper"]],
        }
    )
    return canonical(out)


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[list(OBSERVATION_COLUMNS)].copy()
    for column in ("value", "se", "ci_lower", "ci_upper"):
        out[column] = out[column].astype(float)
    for column in ("indicator", "area", "period", "breakdown", "status"):
        out[column] = out[column].astype(object)
    # SDMX ids may not contain dots: files carry IT_NET_USER_ZS for IT.NET.USER.ZS.
    out["indicator"] = out["indicator"].map(sdmx_id)
    return out.sort_values(["indicator", "area", "period", "breakdown"]).reset_index(drop=True)


def assert_same_observations(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, canonical(expected), check_exact=True)
    # assert_frame_equal treats -0.0 == 0.0; floats must come back bit for bit.
    for column in ("value", "se", "ci_lower", "ci_upper"):
        for a, b in zip(got[column], canonical(expected)[column], strict=True):
            assert (math.isnan(a) and math.isnan(b)) or math.copysign(1, a) == math.copysign(1, b)


# --- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_round_trip_hand_frame(tmp_path, name):
    module, suffix = FORMATS[name]
    frame = hand_frame()
    path = tmp_path / f"data{suffix}"
    module.write(frame, path)
    raw = module.read(path)
    assert_same_observations(to_observations(raw), frame)
    missing = raw[raw["status"] == "M"]
    assert len(missing) == 1 and missing["value"].iloc[0] in ("", "NaN", "nan")


@pytest.mark.parametrize("name", FORMATS)
def test_raw_frame_contract(tmp_path, name):
    module, suffix = FORMATS[name]
    path = tmp_path / f"data{suffix}"
    module.write(hand_frame(), path)
    raw = module.read(path)
    for column in ("indicator", "area", "period", "value", "status", "se", "ci_lower"):
        assert column in raw.columns
    assert {"SEX", "SIZE_CLASS"} <= set(raw.columns)
    assert raw.loc[raw["area"] == "FRA", "SEX"].tolist() == ["_T"]
    first = 2 if name == "sdmx-csv" else 1  # a CSV header is row 1
    assert raw[ROW_COLUMN].tolist() == list(range(first, first + len(raw)))
    assert raw.attrs["source_columns"] == {
        "indicator": "INDICATOR",
        "area": "REF_AREA",
        "period": "TIME_PERIOD",
        "value": "OBS_VALUE",
        "status": "OBS_STATUS",
        "se": "STD_ERR",
        "ci_lower": "CONF_INT_LOWER",
        "ci_upper": "CONF_INT_UPPER",
        "SEX": "SEX",
        "SIZE_CLASS": "SIZE_CLASS",
    }
    # File order is kept: the first observation is the frame's first row.
    assert (raw["indicator"].iloc[0], raw["SEX"].iloc[0]) == ("B1", "F")


@pytest.mark.parametrize("name", FORMATS)
def test_empty_frame_round_trip(tmp_path, name):
    module, suffix = FORMATS[name]
    path = tmp_path / f"empty{suffix}"
    module.write(hand_frame().iloc[0:0], path)
    raw = module.read(path)
    assert len(raw) == 0
    assert {"indicator", "area", "period", "value", ROW_COLUMN} <= set(raw.columns)


@pytest.mark.parametrize("name", FORMATS)
def test_writer_options_name_the_flow(tmp_path, name):
    module, suffix = FORMATS[name]
    path = tmp_path / f"data{suffix}"
    module.write(hand_frame(), path, agency="KNBS", dataflow="ICT_USE", version="2.1")
    text = path.read_text(encoding="utf-8")
    assert "KNBS" in text and "ICT_USE" in text
    assert_same_observations(to_observations(module.read(path)), hand_frame())


def test_sdmx_csv_writes_version_1_0(tmp_path):
    path = tmp_path / "data.sdmx.csv"
    sdmx_csv.write(hand_frame(), path)
    header, first = path.read_text(encoding="utf-8").splitlines()[:2]
    assert header == (
        "DATAFLOW,INDICATOR,REF_AREA,SEX,SIZE_CLASS,TIME_PERIOD,OBS_VALUE,OBS_STATUS,"
        "STD_ERR,CONF_INT_LOWER,CONF_INT_UPPER"
    )
    assert first == "DEO:DEO_OBS(1.0),B1,KEN,F,10-49,2023,0.30000000000000004,A,0.0123,0.27,0.33"


def test_sdmx_csv_2_0_round_trip(tmp_path):
    path = tmp_path / "data.sdmx.csv"
    sdmx_csv.write(hand_frame(), path, csv_version="2.0")
    assert path.read_text(encoding="utf-8").startswith("STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR")
    assert_same_observations(to_observations(sdmx_csv.read(path)), hand_frame())


def test_sdmx_csv_reads_bom_semicolons_and_labels(tmp_path):
    path = tmp_path / "their.csv"
    path.write_text(
        "\ufeffDATAFLOW;FREQ: Frequency;REF_AREA: Reference area;INDICATOR: Indicator;"
        "SEX: Sex;TIME_PERIOD: Time;OBS_VALUE: Value;OBS_STATUS: Status;UNIT_MULT: Multiplier\n"
        "UNSD:DF_ICT(1.0);A: Annual;NAM: Namibia;B1: Firms online;F: Female;2022;12.5;"
        "E: Estimated;0: Units\n",
        encoding="utf-8",
    )
    raw = sdmx_csv.read(path)
    row = raw.iloc[0]
    assert (row["indicator"], row["area"], row["period"], row["value"]) == (
        "B1",
        "NAM",
        "2022",
        "12.5",
    )
    assert (row["status"], row["SEX"], row["FREQ"], row[ROW_COLUMN]) == ("E", "F", "A", 2)
    assert "UNIT_MULT" not in raw.columns


def test_sdmx_csv_version_2_with_structure_name_column(tmp_path):
    path = tmp_path / "their.csv"
    path.write_text(
        "STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME,ACTION,INDICATOR,REF_AREA,TIME_PERIOD,OBS_VALUE\n"
        "dataflow,UNSD:DF_ICT(1.0),ICT,I,B1,KEN,2022,1.5\n",
        encoding="utf-8",
    )
    raw = sdmx_csv.read(path)
    assert raw[["indicator", "area", "period", "value"]].iloc[0].tolist() == [
        "B1",
        "KEN",
        "2022",
        "1.5",
    ]
    assert "STRUCTURE_NAME" not in raw.columns and "ACTION" not in raw.columns


# --- property test ----------------------------------------------------------------------

INDICATORS = ["B1", "B2", "I_IUSE", "IT.NET.USER.ZS"]
AREAS = ["KEN", "FRA", "NAM", "UGA", "BRA"]
BREAKDOWNS = ["", "SEX=F", "SEX=M", "SIZE_CLASS=10-49", "SIZE_CLASS=250+", "SEX=F;SIZE_CLASS=0-9"]
finite = st.floats(allow_nan=False, allow_infinity=False)
periods = st.one_of(
    st.integers(1990, 2035).map(str),
    st.tuples(st.integers(1990, 2035), st.integers(1, 4)).map(lambda t: f"{t[0]}-Q{t[1]}"),
    st.tuples(st.integers(1990, 2035), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
)


@st.composite
def observation(draw):
    missing = draw(st.booleans()) and draw(st.booleans())
    optional = st.one_of(st.just(NAN), finite)
    return (
        draw(st.sampled_from(INDICATORS)),
        draw(st.sampled_from(AREAS)),
        draw(periods),
        draw(st.sampled_from(BREAKDOWNS)),
        NAN if missing else draw(finite),
        draw(st.sampled_from(MISSING if missing else ("A", "E", "P", "F", "B"))),
        draw(st.one_of(st.just(NAN), st.floats(min_value=0, allow_infinity=False))),
        draw(optional),
        draw(optional),
    )


observation_frames = st.lists(observation(), max_size=25, unique_by=lambda r: r[:4]).map(
    lambda rows: pd.DataFrame(rows, columns=list(OBSERVATION_COLUMNS))
)


@pytest.mark.parametrize("name", FORMATS)
@settings(max_examples=30, deadline=None)
@given(frame=observation_frames)
def test_property_write_read_identical(name, frame):
    module, suffix = FORMATS[name]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"data{suffix}"
        module.write(frame, path)
        raw = module.read(path)
    assert len(raw) == len(frame)
    assert_same_observations(to_observations(raw), frame)


# --- interoperability: a standard SDMX client reads our files ---------------------------


def sdmx1_observations(message) -> pd.DataFrame:
    """Observations from an sdmx1 message, decoded here without our reader's help."""
    rows = []
    for dataset in message.data:
        for obs in dataset.obs:
            key = {k: str(getattr(kv.value, "id", kv.value)) for k, kv in obs.key.values.items()}
            # An empty SDMX-CSV cell means no value; sdmx1 keeps it as "".
            attrs = {k: str(av) for k, av in obs.attrib.items() if str(av) != ""}
            value = NAN if obs.value in (None, "") else float(obs.value)
            breakdown = {
                k: v for k, v in key.items() if k not in ("INDICATOR", "REF_AREA", "TIME_PERIOD")
            }
            rows.append(
                {
                    "indicator": key["INDICATOR"],
                    "area": key["REF_AREA"],
                    "period": key["TIME_PERIOD"],
                    "breakdown": breakdown_key(breakdown),
                    "value": value,
                    "status": attrs.get("OBS_STATUS", "A"),
                    "se": float(attrs.get("STD_ERR", NAN)),
                    "ci_lower": float(attrs.get("CONF_INT_LOWER", NAN)),
                    "ci_upper": float(attrs.get("CONF_INT_UPPER", NAN)),
                }
            )
    return canonical(pd.DataFrame(rows, columns=list(OBSERVATION_COLUMNS)))


@pytest.mark.parametrize("name", ["sdmx-ml", "sdmx-json"])
def test_sdmx1_reads_our_files(tmp_path, name):
    module, suffix = FORMATS[name]
    path = tmp_path / f"data{suffix}"
    module.write(hand_frame(), path)
    with path.open("rb") as fh:
        message = sdmx.read_sdmx(fh)
    assert isinstance(message, sdmx.message.DataMessage)
    assert_same_observations(sdmx1_observations(message), hand_frame())


def test_sdmx_ml_is_generic_data(tmp_path):
    path = tmp_path / "data.xml"
    sdmx_ml.write(hand_frame(), path)
    root = etree.parse(str(path)).getroot()
    assert root.tag == f"{{{GEN_NS}}}GenericData"
    structure = root.find(f"{{{GEN_NS}}}Header/{{{GEN_NS}}}Structure")
    assert structure.get("dimensionAtObservation") == "AllDimensions"
    assert root.find(f"{{{GEN_NS}}}DataSet").get("action") in (None, "Information")


def test_sdmx1_reads_our_sdmx_csv_2_0(tmp_path):
    # sdmx1 reads only SDMX-CSV 2.x, and only with the structure in hand.
    frame = hand_frame()
    path = tmp_path / "data.csv"
    sdmx_csv.write(frame, path, csv_version="2.0")
    dataflow = data_message(component_table(frame)).dataflow
    message = sdmx.read_sdmx(path, structure=dataflow)
    assert_same_observations(sdmx1_observations(message), frame)


@settings(max_examples=30, deadline=None)
@given(frame=observation_frames)
def test_property_sdmx1_reads_our_json_and_xml(frame):
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("sdmx-ml", "sdmx-json"):
            module, suffix = FORMATS[name]
            path = Path(tmp) / f"data{suffix}"
            module.write(frame, path)
            with path.open("rb") as fh:
                message = sdmx.read_sdmx(fh)
            assert_same_observations(sdmx1_observations(message), frame)


# --- other producers' messages ----------------------------------------------------------

SERIES_ML = """<?xml version="1.0" encoding="UTF-8"?>
<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
    xmlns:generic="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
    xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
  <message:Header>
    <message:ID>X1</message:ID><message:Test>false</message:Test>
    <message:Prepared>2024-05-01T10:00:00</message:Prepared><message:Sender id="UNSD"/>
    <message:Structure structureID="S1" dimensionAtObservation="TIME_PERIOD">
      <common:Structure><Ref agencyID="UNSD" id="DSD_SDG" version="1.0"/></common:Structure>
    </message:Structure>
  </message:Header>
  <message:DataSet structureRef="S1">
    <generic:Series>
      <generic:SeriesKey>
        <generic:Value id="FREQ" value="A"/><generic:Value id="INDIC_IS" value="IT_USE_ii99"/>
        <generic:Value id="REF_AREA" value="KEN"/><generic:Value id="SEX" value="F"/>
      </generic:SeriesKey>
      <generic:Attributes><generic:Value id="UNIT_MEASURE" value="PT"/></generic:Attributes>
      <generic:Obs><generic:ObsDimension value="2021"/><generic:ObsValue value="25.1"/>
        <generic:Attributes><generic:Value id="OBS_STATUS" value="E"/></generic:Attributes>
      </generic:Obs>
      <generic:Obs><generic:ObsDimension value="2022"/><generic:ObsValue value="NaN"/>
        <generic:Attributes><generic:Value id="OBS_STATUS" value="O"/></generic:Attributes>
      </generic:Obs>
    </generic:Series>
  </message:DataSet>
</message:GenericData>
"""

STRUCTURE_SPECIFIC_ML = """<?xml version="1.0" encoding="UTF-8"?>
<mes:StructureSpecificData xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
    xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
    xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
  <mes:Header>
    <mes:ID>X2</mes:ID><mes:Test>false</mes:Test>
    <mes:Prepared>2024-05-01T10:00:00</mes:Prepared><mes:Sender id="TEST"/>
    <mes:Structure structureID="TEST_DSD_ICT_1_0" dimensionAtObservation="TIME_PERIOD"
        namespace="urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=TEST:DSD_ICT(1.0)">
      <com:Structure><Ref agencyID="TEST" id="DSD_ICT" version="1.0"/></com:Structure>
    </mes:Structure>
  </mes:Header>
  <mes:DataSet ss:dataScope="DataStructure" ss:structureRef="TEST_DSD_ICT_1_0">
    <Series FREQ="A" REF_AREA="UGA" INDICATOR="B1" SIZE_CLASS="10-49">
      <Obs TIME_PERIOD="2022" OBS_VALUE="10.5" OBS_STATUS="P"/>
      <Obs TIME_PERIOD="2023" OBS_VALUE="11.25" OBS_STATUS="A"/>
    </Series>
  </mes:DataSet>
</mes:StructureSpecificData>
"""


def test_reads_series_generic_data_with_column_mapping(tmp_path):
    path = tmp_path / "sdg.xml"
    path.write_text(SERIES_ML, encoding="utf-8")
    with pytest.raises(DeoError, match=r"sdg\.xml: no SDMX component for indicator"):
        sdmx_ml.read(path)
    raw = sdmx_ml.read(path, columns={"indicator": "INDIC_IS"})
    assert raw["indicator"].tolist() == ["IT_USE_ii99"] * 2
    assert raw["value"].tolist() == ["25.1", "NaN"]
    assert raw["status"].tolist() == ["E", "O"]
    assert raw["SEX"].tolist() == ["F", "F"]
    assert raw[ROW_COLUMN].tolist() == [1, 2]
    assert raw.attrs["source_columns"]["indicator"] == "INDIC_IS"
    assert "UNIT_MEASURE" not in raw.columns


def test_reads_structure_specific_data_without_its_dsd(tmp_path):
    path = tmp_path / "ss.xml"
    path.write_text(STRUCTURE_SPECIFIC_ML, encoding="utf-8")
    raw = sdmx_ml.read(path)
    assert raw[["indicator", "area", "period", "value", "status"]].values.tolist() == [
        ["B1", "UGA", "2022", "10.5", "P"],
        ["B1", "UGA", "2023", "11.25", "A"],
    ]
    assert raw["SIZE_CLASS"].tolist() == ["10-49", "10-49"]
    assert "OBS_STATUS" not in raw.columns


def test_json_constants_fill_a_missing_dimension(tmp_path):
    # A one-indicator flow: the message has no INDICATOR dimension at all.
    frame = hand_frame()
    message = sdmx_json.build_message(frame[frame["indicator"] == "B1"])
    dims = message["structure"]["dimensions"]["observation"]
    assert dims.pop(0)["id"] == "INDICATOR"
    for position, dim in enumerate(dims):
        dim["keyPosition"] = position
    dataset = message["dataSets"][0]
    dataset["observations"] = {
        key.split(":", 1)[1]: obs for key, obs in dataset["observations"].items()
    }
    path = tmp_path / "one.json"
    path.write_text(json.dumps(message), encoding="utf-8")
    with pytest.raises(DeoError, match="--set indicator=CODE"):
        sdmx_json.read(path)
    raw = sdmx_json.read(path, constants={"indicator": "B1"})
    assert raw["indicator"].tolist() == ["B1"] * 3
    assert raw["area"].tolist() == ["KEN", "KEN", "FRA"]
    assert raw.attrs["source_columns"]["indicator"] == "--set indicator"


# --- bad input --------------------------------------------------------------------------


def write_bytes(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "data.xml",
            "<foo><bar/></foo>",
            r"data\.xml: not an SDMX-ML data message \(found root element 'foo'\)",
        ),
        (
            "data.xml",
            "this is not xml",
            r"data\.xml: not an SDMX-ML data message \(not well-formed",
        ),
        ("data.xml", "", r"data\.xml: the file is empty"),
        (
            "data.xml",
            SERIES_ML[: len(SERIES_ML) // 2],
            r"data\.xml: not a valid SDMX-ML data message",
        ),
        (
            "data.xml",
            SERIES_ML.replace('id="REF_AREA" value="KEN"/>', 'id="REF_AREA"/>'),
            r"data\.xml: not a valid SDMX-ML data message",
        ),
        (
            "data.xml",
            '<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"/>',
            r"data\.xml: the file is an SDMX-ML structure message",
        ),
        (
            "data.xml",
            '<mes:Error xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
            'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">'
            '<mes:ErrorMessage code="100"><com:Text>No results found</com:Text>'
            "</mes:ErrorMessage></mes:Error>",
            r"data\.xml: the file is an SDMX error message, not data: \[100\] No results found",
        ),
        ("data.json", "{not json", r"data\.json: not an SDMX-JSON data message \(invalid JSON"),
        (
            "data.json",
            "[1, 2]",
            r"data\.json: not an SDMX-JSON data message \(expected a JSON object",
        ),
        (
            "data.json",
            '{"foo": 1}',
            r"data\.json: not an SDMX-JSON data message \(expected \"dataSets\"",
        ),
        ("data.json", "", r"data\.json: the file is empty"),
        (
            "data.json",
            '{"meta": {}, "data": {"structures": [], "dataSets": []}}',
            r"data\.json: SDMX-JSON 2\.0",
        ),
        (
            "data.json",
            '{"header": {"id": "X", "prepared": "2024-01-01T00:00:00Z", "sender": {"id": "S"}},'
            ' "structure": {"dimensions": {"observation": [{"id": "INDICATOR", "keyPosition": 0,'
            ' "values": [{"id": "B1"}]}]}, "attributes": {}},'
            ' "dataSets": [{"action": "Information", "observations": {"7": [1.0]}}]}',
            r"data\.json: not a valid SDMX-JSON data message",
        ),
        (
            "data.csv",
            "indicator,area,period,value\nB1,KEN,2022,1\n",
            r"data\.csv: not SDMX-CSV \(first column is 'indicator'",
        ),
        ("data.csv", "", r"data\.csv: the file is empty"),
        (
            "data.csv",
            "DATAFLOW,INDICATOR,REF_AREA,TIME_PERIOD\nX,B1,KEN,2022\n",
            r"data\.csv: no OBS_VALUE column",
        ),
        (
            "data.csv",
            "DATAFLOW,REF_AREA,TIME_PERIOD,OBS_VALUE\nX,KEN,2022,1\n",
            r"data\.csv: no SDMX component for indicator",
        ),
        (
            "data.csv",
            "STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR,REF_AREA,TIME_PERIOD,OBS_VALUE\n"
            "dataflow,X:Y(1.0),I,B1,KEN,2022,1\ndataflow,X:Y(1.0),D,B1,KEN,2023,\n",
            r"data\.csv, row 3: ACTION D \(delete\)",
        ),
        ("data.csv", b"DATAFLOW,OBS_VALUE\n\xff\xfe,1\n", r"data\.csv: not a readable"),
    ],
)
def test_malformed_files_give_deo_error_with_file_name(tmp_path, capsys, name, content, message):
    module = {"xml": sdmx_ml, "json": sdmx_json, "csv": sdmx_csv}[name.rsplit(".", 1)[1]]
    path = write_bytes(tmp_path, name, content)
    with pytest.raises(DeoError, match=message):
        module.read(path)
    # sdmx1's parser diagnostics stay off the user's terminal.
    assert capsys.readouterr().out == ""


def test_missing_file_gives_deo_error(tmp_path):
    for module, suffix in FORMATS.values():
        with pytest.raises(DeoError, match=f"nothing{suffix.replace('.', '[.]')}"):
            module.read(tmp_path / f"nothing{suffix}")


def test_writer_refuses_a_frame_without_observation_columns(tmp_path):
    frame = hand_frame().drop(columns=["status"])
    for module, suffix in FORMATS.values():
        with pytest.raises(DeoError, match="lacks column"):
            module.write(frame, tmp_path / f"out{suffix}")


# --- XML safety -------------------------------------------------------------------------


def test_external_entity_is_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    document = SERIES_ML.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE foo [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>',
    ).replace('value="IT_USE_ii99"', 'value="&xxe;"')
    path = write_bytes(tmp_path, "evil.xml", document)
    with pytest.raises(
        DeoError, match=r"evil\.xml: refusing an XML document with a DOCTYPE"
    ) as err:
        sdmx_ml.read(path, columns={"indicator": "INDIC_IS"})
    assert "TOP-SECRET-CONTENT" not in str(err.value)


def test_entity_expansion_bomb_is_refused(tmp_path):
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    document = SERIES_ML.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">{lol}]>',
    ).replace('value="IT_USE_ii99"', 'value="&lol9;"')
    path = write_bytes(tmp_path, "bomb.xml", document)
    with pytest.raises(DeoError, match="DOCTYPE"):
        sdmx_ml.read(path)


# --- format detection -------------------------------------------------------------------


def test_each_sniff_claims_only_its_own_files(tmp_path):
    heads = {}
    for name, (module, suffix) in FORMATS.items():
        path = tmp_path / f"data{suffix}"
        module.write(hand_frame(), path)
        heads[name] = path.read_bytes()[:4096]
    path = tmp_path / "data2.sdmx.csv"
    sdmx_csv.write(hand_frame(), path, csv_version="2.0")
    heads["sdmx-csv-2.0"] = path.read_bytes()[:4096]
    heads["tidy"] = b"indicator,area,period,value\nB1,KEN,2022,1\n"
    heads["json"] = b'{"rows": [1, 2, 3]}'
    heads["xml"] = b'<?xml version="1.0"?><rss version="2.0"/>'
    heads["bom-csv"] = "\ufeffDATAFLOW,INDICATOR\n".encode()
    claims = {
        "sdmx-csv": {"sdmx-csv", "sdmx-csv-2.0", "bom-csv"},
        "sdmx-ml": {"sdmx-ml"},
        "sdmx-json": {"sdmx-json"},
    }
    for name, (module, _) in FORMATS.items():
        claimed = {h for h, head in heads.items() if module.sniff(head)}
        assert claimed == claims[name], name
    fixture_like = b'{\n  "header": {"id": "X"},\n  "dataSets": [{"series": {}}]'
    assert sdmx_json.sniff(fixture_like)


def test_formats_register_themselves():
    from deo.sources.formats import formats

    for name, (module, suffix) in FORMATS.items():
        fmt = formats()[name]
        assert fmt.read is module.read and fmt.write is module.write
        assert suffix in fmt.extensions


def test_written_codes_are_valid_sdmx_ids_and_read_back(tmp_path, catalogue):
    """SDMX ids match [A-Za-z0-9_@$-]+ (the dot separates a key's dimensions): an
    indicator code with dots goes out as IT_NET_USER_ZS, and the catalogue reads it back."""
    import re

    path = tmp_path / "data.sdmx.csv"
    # Canonical codes, as validation leaves them (the hand frame spells GE250 "250+").
    frame = hand_frame()
    frame["breakdown"] = frame["breakdown"].str.replace("250+", "GE250", regex=False)
    FORMATS["sdmx-csv"][0].write(frame, path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in table.columns[1:table.columns.get_loc("TIME_PERIOD")]:
        bad = [v for v in table[column] if not re.fullmatch(r"[A-Za-z0-9_@$\-]+", v)]
        assert not bad, (column, bad)
    assert "IT_NET_USER_ZS" in set(table["INDICATOR"])
    assert catalogue.resolve_indicator("IT_NET_USER_ZS") == ("IT.NET.USER.ZS", {})
