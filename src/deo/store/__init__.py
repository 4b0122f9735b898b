"""Persistence: releases and observations in SQLite (default) or PostgreSQL.

Every load is a *release*; observations are never overwritten. A newer release that
changes an observation marks the older row ``superseded_by`` itself, so the store can be
read as it is now or as it was after any earlier release (a *vintage*).
"""

from deo.store.store import LoadResult, ReleaseBatch, Store

__all__ = ["LoadResult", "ReleaseBatch", "Store"]
