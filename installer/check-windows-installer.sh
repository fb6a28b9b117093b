#!/usr/bin/env bash
# Check installer/caseload.iss on Linux: compile it with the real Inno Setup compiler under
# Wine, install silently for the current user, upgrade, uninstall, and check what is where.
#
# The Windows program itself cannot be built here (PyInstaller does not cross-compile), so
# the installer is fed a STAND-IN bundle: a small Windows program named caseload.exe and
# caseload-cli.exe plus an _internal folder. This checks the installer script (per-user
# folder, Start-menu shortcut, uninstall entry, upgrade, data kept on uninstall), not the
# app, and not code signing (Inno Setup insists on a real signature). installer/build.ps1
# builds and self-tests the real bundle on Windows.
#
# Needs: wine (64- and 32-bit: ISCC.exe is a 32-bit program), an X display (Setup makes its
# windows even when silent: run it under xvfb-run) and npm (the `innosetup` package carries
# ISCC). With --install-deps it installs them with apt-get (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--install-deps" ]; then
  export DEBIAN_FRONTEND=noninteractive
  dpkg --add-architecture i386
  # A Debian mirror caught mid-sync fails an index or two: try again, then install from the
  # indexes there are (a package really missing still fails the install below).
  apt-get update -qq || { sleep 30; apt-get update -qq; } ||
    echo "check-windows-installer: apt-get update failed twice; installing from the indexes there are" >&2
  wanted="wine wine64 wine32:i386 xvfb"
  command -v npm >/dev/null || wanted="$wanted npm"  # a node from elsewhere brings its own
  # shellcheck disable=SC2086
  apt-get install -y -qq $wanted >/dev/null
  shift
fi
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a bash "$0" "$@"
fi

WORK=$(mktemp -d)
# KEEP_WORK=1 keeps the folder (Setup's logs are in it) for a look after a failure.
trap 'wineserver -k 2>/dev/null || true; [ -n "${KEEP_WORK:-}" ] && echo "kept $WORK" || rm -rf "$WORK"' EXIT
export WINEPREFIX=$WORK/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
fail() { echo "check-windows-installer: FAILED: $*" >&2; exit 1; }

echo "== Inno Setup compiler (npm: innosetup) and a Wine prefix"
(cd "$WORK" && npm install --silent --no-audit --no-fund --prefix "$WORK/npm" innosetup@6.4.1 >/dev/null)
ISCC=$WORK/npm/node_modules/innosetup/bin/ISCC.exe
[ -f "$ISCC" ] || fail "the innosetup package has no ISCC.exe"
timeout 300 wineboot -i >/dev/null 2>&1 || true
timeout 120 wine winecfg /v win10 >/dev/null 2>&1 ||  # the installer needs Windows 10, as Qt 6 does
  fail "Wine could not be set to Windows 10 (winecfg /v win10)"
C=$WINEPREFIX/drive_c
USER_DIR=$(ls -d "$C"/users/* | grep -v -e /Public -e /Default | head -1)
[ -d "$USER_DIR" ] || fail "the Wine prefix has no user folder"

stand_in() {  # $1: folder; $2: a marker file inside _internal
  mkdir -p "$1/_internal"
  cp "$C/windows/system32/hostname.exe" "$1/caseload.exe"
  cp "$C/windows/system32/hostname.exe" "$1/caseload-cli.exe"
  echo "stand-in for the PyInstaller bundle" > "$1/_internal/$2"
}
compile() {  # $1: version; $2: bundle; then extra ISCC options
  local version=$1 bundle=$2
  shift 2
  (cd installer && timeout 300 wine "$ISCC" /Q "/DAppVersion=$version" \
    "/DBundle=$(winepath -w "$bundle")" "/DOutputDir=$(winepath -w "$WORK/out")" "$@" caseload.iss) \
    || fail "ISCC could not compile caseload.iss ($version)"
  [ -f "$WORK/out/caseload-setup-$version.exe" ] || fail "no caseload-setup-$version.exe"
}
run_setup() {  # the switches IT uses for a silent per-user install (README)
  timeout 300 wine "$WORK/out/caseload-setup-$1.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART \
    /CURRENTUSER "/LOG=$(winepath -w "$WORK/setup-$1.log")" || fail "setup $1 exited $?"
}

echo "== compile (version 0.9.0 and 1.0.0)"
stand_in "$WORK/bundle-0.9" old-library.txt
stand_in "$WORK/bundle-1.0" new-library.txt
compile 0.9.0 "$WORK/bundle-0.9"
compile 1.0.0 "$WORK/bundle-1.0"

echo "== silent per-user install, no admin rights"
run_setup 0.9.0
APP=$USER_DIR/AppData/Local/Programs/caseload
[ -f "$APP/caseload.exe" ] || fail "caseload.exe is not in the per-user folder $APP"
[ -f "$APP/caseload-cli.exe" ] || fail "caseload-cli.exe is missing"
[ -f "$APP/_internal/old-library.txt" ] || fail "the bundle's _internal folder was not installed"
LINK=$USER_DIR/AppData/Roaming/Microsoft/Windows/Start\ Menu/Programs/caseload.lnk
[ -f "$LINK" ] || fail "no Start-menu shortcut at $LINK"
[ ! -e "$USER_DIR/Desktop/caseload.lnk" ] || fail "a desktop shortcut was made without being asked"
wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\{5B7E2C1A-8F3D-4C6B-9A2E-3D1F0C7B6A54}_is1' \
  /v DisplayVersion 2>/dev/null | grep -q 0.9.0 || fail "no per-user uninstall entry for 0.9.0"

echo "== the user's data, as caseload keeps it (platformdirs: %LOCALAPPDATA%\\caseload\\caseload)"
DATA=$USER_DIR/AppData/Local/caseload/caseload
mkdir -p "$DATA/backups"
echo "not really a database" > "$DATA/caseload.sqlite3"
echo "not really a backup" > "$DATA/backups/caseload-20261201-090000.sqlite3"

echo "== upgrade to 1.0.0: the old program folder is replaced whole"
run_setup 1.0.0
[ -f "$APP/_internal/new-library.txt" ] || fail "the upgrade did not install the new bundle"
[ ! -e "$APP/_internal/old-library.txt" ] || fail "the upgrade left the old bundle's files behind"
wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\{5B7E2C1A-8F3D-4C6B-9A2E-3D1F0C7B6A54}_is1' \
  /v DisplayVersion 2>/dev/null | grep -q 1.0.0 || fail "the uninstall entry still names the old version"
[ "$(ls "$APP"/unins*.exe | wc -l)" = 1 ] || fail "the upgrade made a second uninstaller"

echo "== silent uninstall: the program goes, the user's data stays"
timeout 300 wine "$APP/unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART || fail "uninstall exited $?"
for _ in $(seq 30); do [ -e "$APP/caseload.exe" ] || break; sleep 1; done  # it finishes in a copy
[ ! -e "$APP/caseload.exe" ] || fail "uninstall left caseload.exe"
[ ! -e "$LINK" ] || fail "uninstall left the Start-menu shortcut"
[ -f "$DATA/caseload.sqlite3" ] || fail "uninstall removed the user's database"
[ -f "$DATA/backups/caseload-20261201-090000.sqlite3" ] || fail "uninstall removed the backups"

echo "check-windows-installer: OK (installer script checked with a stand-in bundle)"
