#!/usr/bin/env bash
# Build the wheel and sdist, check them with twine, install the wheel into a clean venv and run
# the desk from it (offscreen, --screenshot), as a reviewer installing with pip would.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
rm -rf dist/wheel .venv-wheel
uv build --quiet --out-dir dist/wheel
uv tool run --quiet twine check --strict dist/wheel/*
uv venv --quiet --python "$(command -v python3)" .venv-wheel
uv pip install --quiet --python .venv-wheel/bin/python dist/wheel/reviewdesk-*.whl
shot=$(mktemp -d)/desk.png
(cd "$(mktemp -d)" && XDG_DATA_HOME="$PWD/data" XDG_CONFIG_HOME="$PWD/config" \
    QT_QPA_PLATFORM=offscreen "$OLDPWD/.venv-wheel/bin/reviewdesk" demo --screenshot "$shot")
test -s "$shot"
echo "wheel: $(ls dist/wheel/*.whl) installs and renders the desk ($shot)"
