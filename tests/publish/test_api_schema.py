"""A bounded Schemathesis run over the API's OpenAPI description: whatever the parameters
(valid or not), no request gets a server error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from deo.publish.app import create_app
from deo.sources.load import load_files
from deo.store import Store

ROWS = """indicator,area,period,breakdown,value
IT.NET.USER.ZS,KEN,2021,,29.5
IT.NET.USER.ZS,UGA,2022,,10.3
B3,KEN,2021,SIZE_CLASS=10-49,55.5
UNCTAD.B2C.INTERNET,KEN,2020,,23
UNCTAD.B2C.ACCOUNT,KEN,2020,,82
UNCTAD.B2C.SERVERS,KEN,2020,,45
UNCTAD.B2C.POSTAL,KEN,2020,,46
"""


def _app():
    folder = Path(tempfile.mkdtemp(prefix="deo-schemathesis-"))
    store = Store.open(f"sqlite:///{folder / 'store.sqlite'}")
    (folder / "rows.csv").write_text(ROWS)
    load_files(store, [folder / "rows.csv"], rejects_folder=folder)
    return create_app(store)


schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case):
    response = case.call()
    # 501 is SDMX REST's answer to a valid request a service does not support; it is
    # allowed where the operation documents it. Any other 5xx is a bug.
    documented = case.operation.definition.raw.get("responses", {})
    if response.status_code == 501 and "501" in documented:
        assert response.json()["status"] == 501
        return
    case.validate_response(response, checks=[not_a_server_error])
