#!/usr/bin/env bash
# Install the Linux bundle for this user, no administrator rights needed:
#   bash installer/install-linux.sh [BUNDLE]      (default BUNDLE: dist/caseload)
#   bash installer/install-linux.sh --uninstall   (removes the program, keeps your data)
# The program goes to ~/.local/opt/caseload, a `caseload` command to ~/.local/bin, and a
# menu entry with its icon to ~/.local/share. Your database, backups, settings and log are
# elsewhere (Help > About shows where) and are never touched by installing or removing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
opt="$HOME/.local/opt/caseload"
bin="$HOME/.local/bin/caseload"
menu="$data/applications/caseload.desktop"
icon="$data/icons/hicolor/256x256/apps/caseload.png"

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$opt" "$bin" "$menu" "$icon"
  echo "caseload removed; your data is kept."
  exit 0
fi

bundle="${1:-$here/../dist/caseload}"
if [ ! -x "$bundle/caseload" ]; then
  echo "No bundle at $bundle: build it first with installer/build.sh" >&2
  exit 1
fi
mkdir -p "$(dirname "$opt")" "$(dirname "$bin")" "$(dirname "$menu")" "$(dirname "$icon")"
rm -rf "$opt.new"
cp -a "$bundle" "$opt.new"  # copy beside, then swap: an interrupted install breaks nothing
rm -rf "$opt"
mv "$opt.new" "$opt"
ln -sf "$opt/caseload" "$bin"
cp "$here/caseload.png" "$icon"
sed "s|^Exec=.*|Exec=$opt/caseload|" "$here/caseload.desktop" > "$menu"
echo "caseload installed in $opt (command: $bin)"
