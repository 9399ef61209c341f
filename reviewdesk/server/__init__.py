"""The FastAPI queue server."""
