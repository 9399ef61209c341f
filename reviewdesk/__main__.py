"""`python -m reviewdesk`: the same as the `reviewdesk` command."""

from __future__ import annotations

from reviewdesk.cli.launcher import main

main()
