"""The portal's pages: server-rendered HTML that works without JavaScript, in four
languages (a URL prefix: /en/, /fr/, /es/, /zh/; ``/`` follows Accept-Language)."""

from fastapi import APIRouter

from deo.publish.pages import assets, routes, track

router = APIRouter()
router.include_router(assets.router)
router.include_router(routes.router)
router.include_router(track.router)

__all__ = ["router"]
