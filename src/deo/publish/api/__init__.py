"""The open API, version 1 (``/api/v1``): JSON by default, downloads in every format,
errors as problem details. Its OpenAPI description is at ``/api/v1/openapi.json``."""

from fastapi import APIRouter, Depends

from deo.publish.api import accounts, catalogue, indices, observations, releases, sdmx, track
from deo.publish.api.parameters import known_parameters

# Every path refuses query parameters it does not declare (see parameters.py).
router = APIRouter(prefix="/api/v1", dependencies=[Depends(known_parameters)])
for module in (catalogue, observations, indices, releases, sdmx, track, accounts):
    router.include_router(module.router)

__all__ = ["router"]
