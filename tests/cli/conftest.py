from __future__ import annotations

from tests.server.conftest import clock, server  # noqa: F401  (push runs against a real server)
