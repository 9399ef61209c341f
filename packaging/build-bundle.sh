#!/usr/bin/env bash
# Build the one-folder desktop bundle (dist/reviewdesk/) and run its self-test.
#   bash packaging/build-bundle.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${REVIEWDESK_BUILD_VENV:-.venv-bundle}
command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
[ -x "$VENV/bin/python" ] || uv venv --quiet --python "$(command -v python3)" "$VENV"
# A clean environment with the desk's dependencies only, so nothing else lands in the bundle.
uv pip install --quiet --python "$VENV/bin/python" . "pyinstaller>=6.10"
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/reviewdesk.spec
echo "bundle: dist/reviewdesk ($(du -sh dist/reviewdesk | cut -f1))"
if find dist/reviewdesk -iname '*webengine*' | grep -q .; then
    echo "the bundle carries QtWebEngine, which the desk never uses" >&2
    exit 1
fi
QT_QPA_PLATFORM=offscreen dist/reviewdesk/reviewdesk --self-test
