"""The open API, version 1 (``/api/v1``): JSON by default, downloads in every format,
errors as problem details. Its OpenAPI description is at ``/api/v1/openapi.json``."""

from fastapi import APIRouter

from deo.publish.api import catalogue, indices, observations, releases, sdmx, track

router = APIRouter(prefix="/api/v1")
for module in (catalogue, observations, indices, releases, sdmx, track):
    router.include_router(module.router)

__all__ = ["router"]
