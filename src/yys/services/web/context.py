"""What every page handler (storefront and console) is given: the API client, the renderer and
the web settings, injected by name as `web` (see `wiring.build_router`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from litestar.di import NamedDependency

from yys.services.web.api_client import ApiClient
from yys.services.web.settings import WebSettings
from yys.services.web.views import Views


@dataclass(frozen=True)
class Web:
    api: ApiClient
    views: Views
    settings: WebSettings


# Handler parameter type: `async def page(request, web: WebDep)`.
WebDep: TypeAlias = NamedDependency[Web]
