"""The bundle's entry point: the same as the `reviewdesk` command."""

from reviewdesk.launcher import main

main()
