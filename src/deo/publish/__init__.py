"""Publishing: the web portal and the open API (FastAPI). Reads the store, writes nothing."""
