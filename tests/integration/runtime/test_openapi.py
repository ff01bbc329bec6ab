"""The OpenAPI document of the whole platform builds (a broken annotation anywhere makes
`/docs/openapi.json` a 500) and lists every public and admin route."""

from __future__ import annotations

from pathlib import Path

from yys.kit.settings import Settings
from yys.runtime.app import build_process, create_app
from yys.runtime.platform import build_platform
from yys.runtime.registry import SERVICES


def test_openapi_document_covers_every_route(tmp_path: Path) -> None:
    app = create_app(build_process(build_platform(Settings(data_dir=tmp_path)), list(SERVICES)))
    paths = set(app.openapi_schema.paths or {})
    for route in app.routes:
        if route.path.startswith(("/usercenter/", "/travel/", "/order/", "/payment/", "/admin/")):
            documented = route.path.replace(":int}", "}").replace(":str}", "}")
            assert documented in paths, route.path
