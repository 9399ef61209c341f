"""The `reviewdesk` command line: the one program for people and scripts.

- `launcher`: the console script (`reviewdesk.cli.launcher:main`); opens the desk without
  loading the command-line framework, and hands everything else to `app`.
- `app`: the typer app, its top-level commands (`demo`, `info`, `import`) and `run`.
- `export`, `stats`, `server`, `sync`: the other commands, each registered on the app.
- `console`: what they share: the consoles, messages, a progress bar and common options.

Only this package prints. Nothing is imported here: the launcher's quick start to the desk
passes through this module, and typer and rich cost it a few tenths of a second.
"""
