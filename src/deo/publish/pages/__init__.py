"""The portal's pages: server-rendered HTML that works without JavaScript, in four
languages (a URL prefix: /en/, /fr/, /es/, /zh/; ``/`` follows Accept-Language)."""

from deo.publish.pages.routes import router

__all__ = ["router"]
