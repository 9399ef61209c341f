"""reviewdesk: a desktop review desk for generative-AI outputs.

The packages, lowest layer first (each imports only those before it; import-linter checks it):
`domain` (models and rules), `protocol` (API v1 on the wire), `store` (the SQLite store and
the core tables' SQL), `remote` (the HTTP client of API v1), the core (`ingest`, `review`,
`stats`, `export`, `sync`, which never import each other), the faces (`ui`, the Qt desk;
`server`, the queue server) and `cli` (the command line). `reviewdesk.client` is the producer's
entry point; `reviewdesk.errors` draws the exception tree.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
