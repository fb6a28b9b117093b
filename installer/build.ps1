# Build the Windows bundle (dist\caseload\caseload.exe and caseload-cli.exe), check it with its
# own --self-test, then (if Inno Setup 6 is installed) the installer dist\caseload-setup-X.exe.
#
#   powershell -ExecutionPolicy Bypass -File installer\build.ps1 [-Venv DIR] [-NoInstaller]
#              [-SignCommand 'signtool sign /fd sha256 /tr http://your-timestamp-server /td sha256 /a $f']
#
# Works from a clean checkout with Python 3.11+ on the PATH (py launcher or python.exe).
# -SignCommand is passed to Inno Setup as its sign tool ($f is the file to sign): it signs
# caseload.exe, caseload-cli.exe, the installer and the uninstaller.
[CmdletBinding()]
param(
    [string]$Venv = ".build-venv",
    [switch]$NoInstaller,
    [string]$SignCommand = ""
)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")

function Invoke-Checked {
    # Run a program and stop the build if it fails (PowerShell does not, for native programs).
    param([string]$Program, [string[]]$Arguments)
    & $Program @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Program $($Arguments -join ' ') failed ($LASTEXITCODE)" }
}

$python = if (Get-Command py -ErrorAction SilentlyContinue) { "py" } else { "python" }
$pythonArgs = if ($python -eq "py") { @("-3", "-m", "venv", $Venv) } else { @("-m", "venv", $Venv) }
Invoke-Checked $python $pythonArgs
$vpy = Join-Path $Venv "Scripts\python.exe"
Invoke-Checked $vpy @("-m", "pip", "install", "-q", "--upgrade", "pip")
Invoke-Checked $vpy @("-m", "pip", "install", "-q", ".", "pyinstaller>=6.10")

Remove-Item -Recurse -Force build\pyinstaller, dist\caseload -ErrorAction SilentlyContinue
Invoke-Checked (Join-Path $Venv "Scripts\pyinstaller.exe") @(
    "--noconfirm", "--clean", "--log-level", "WARN",
    "--workpath", "build\pyinstaller", "--distpath", "dist", "installer\caseload.spec")

# The bundle must work on its own: its own folders, no source tree or venv on its path.
$env:QT_QPA_PLATFORM = "offscreen"
$env:CASELOAD_HOME = Join-Path ([System.IO.Path]::GetTempPath()) ("caseload-selftest-" + [guid]::NewGuid())
Remove-Item Env:PYTHONPATH -ErrorAction SilentlyContinue
Invoke-Checked "dist\caseload\caseload-cli.exe" @("--self-test")
Remove-Item Env:QT_QPA_PLATFORM, Env:CASELOAD_HOME
$size = (Get-ChildItem dist\caseload -Recurse -File | Measure-Object Length -Sum).Sum / 1MB
Write-Host ("bundle: dist\caseload ({0:N0} MB unpacked)" -f $size)

if ($NoInstaller) { exit 0 }
$iscc = @(
    "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
    "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
    "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe"
) | Where-Object { Test-Path $_ } | Select-Object -First 1
if (-not $iscc) {
    Write-Warning "Inno Setup 6 is not installed: the bundle is built, the installer is not."
    exit 0
}
$version = & $vpy -c "import importlib.metadata as m; print(m.version('caseload'))"
$isccArgs = @("/Qp", "/DAppVersion=$version", "/DBundle=..\dist\caseload", "/DOutputDir=..\dist")
# Quotes inside one argument do not survive Windows PowerShell 5.1's command line: Inno
# Setup reads $q in a sign tool's command as a quote, so pass them that way.
if ($SignCommand) { $isccArgs += @("/DSign", ("/Scaseloadsign=" + $SignCommand.Replace('"', '$q'))) }
Invoke-Checked $iscc ($isccArgs + @("installer\caseload.iss"))
Write-Host "installer: dist\caseload-setup-$version.exe"
