"""The `reviewdesk` command line: the one program for people and scripts.

- `launcher`: the console script (`reviewdesk.cli.launcher:main`). It opens the desk without
  loading the command-line framework and hands everything else to `app`.
- `desk`: opening the desk (and its self-test), for the launcher and for `app` alike.
- `app`: the typer app, its top-level commands (`demo`, `info`, `import`) and `run`.
- `export`, `stats`, `server`, `sync`: the other commands, each module registering its own.
- `push`: the work of `reviewdesk push`: a JSONL file sent to a queue server in batches, over
  the producer client (`reviewdesk.remote`).
- `console`: what the commands share: the consoles, messages, a progress bar, common options.

Only this package prints. This module imports nothing: the launcher's quick start to the desk
passes through it, and typer and rich would cost that start a few tenths of a second.
"""
