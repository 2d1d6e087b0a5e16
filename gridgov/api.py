"""The NinjaAPI object; each app contributes a router in its own api.py."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="gridgov API",
    version="1",
    description="党建引领网格化治理平台 API. Authenticate with `Authorization: Bearer <token>`.",
    urls_namespace="api-v1",
)
