#!/usr/bin/env bash
# Build the Linux one-folder bundle: dist/caseload/ (run dist/caseload/caseload), then check
# it with its own --self-test. Usage: bash installer/build.sh [--venv DIR]
# Works from a clean checkout; makes its own virtual environment (default .build-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.build-venv
if [ "${1:-}" = "--venv" ]; then VENV=$2; fi

python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q . "pyinstaller>=6.10"
rm -rf build/pyinstaller dist/caseload
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --workpath build/pyinstaller --distpath dist installer/caseload.spec

# The bundle must work on its own: no source tree, no virtual environment on its path.
QT_QPA_PLATFORM=offscreen CASELOAD_HOME="$(mktemp -d)" env -u PYTHONPATH \
  dist/caseload/caseload --self-test
echo "bundle: dist/caseload ($(du -sh dist/caseload | cut -f1) unpacked)"
