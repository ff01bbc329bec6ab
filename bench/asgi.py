"""An ASGI app factory for servers other than the built-in uvicorn (`--server granian`).

    granian --interface asgi --factory bench.asgi:app

It builds the same process as `yys serve` (settings from `YYS_*`, the services listed in
`YYS_BENCH_SERVICES`, the api role only), so both servers run the identical application.
"""

from __future__ import annotations

import os
from typing import Any


def app() -> Any:
    from yys.kit.observability.logging import configure_logging
    from yys.kit.settings import Settings
    from yys.runtime.app import build_process, create_app
    from yys.runtime.platform import build_platform
    from yys.runtime.registry import parse_services

    settings = Settings()
    services = parse_services(os.environ.get("YYS_BENCH_SERVICES", "usercenter,travel"))
    configure_logging(level=settings.log_level, json=True, service=",".join(services))
    process = build_process(build_platform(settings), services, roles=("api",))
    return create_app(process)
