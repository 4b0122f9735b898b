"""The portal's pages: server-rendered HTML that works without JavaScript, in four
languages (a URL prefix: /en/, /fr/, /es/, /zh/; ``/`` follows Accept-Language)."""

from fastapi import APIRouter

from deo.publish.pages import account, assets, fallback, routes, track

router = APIRouter()
router.include_router(assets.router)
# Before the language routes: /de/... and /track must not reach them as a bad `lang`.
router.include_router(fallback.router)
router.include_router(routes.router)
router.include_router(track.router)
router.include_router(account.router)
# Keep last: any other GET /{lang}/... is the "Not found" page (add page routers above).
router.include_router(fallback.last)

__all__ = ["router"]
