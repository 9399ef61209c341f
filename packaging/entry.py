"""The bundle's entry point: the same as the `reviewdesk` command."""

from reviewdesk.cli.launcher import main

main()
