# Build dist\campaign-desk-<version>-setup.exe on Windows (PyInstaller cannot cross-build):
#   py -3.11 -m venv .venv; .venv\Scripts\pip install -e ".[package]"
#   pwsh packaging\windows\build.ps1
# Needs Inno Setup 6 (winget install JRSoftware.InnoSetup, or choco install innosetup).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
$env:PATH = "$PWD\.venv\Scripts;$env:PATH"
$version = python -c "import app; print(app.__version__)"
pyinstaller --noconfirm --log-level WARN packaging\campaign-desk.spec
if ($LASTEXITCODE) { throw "pyinstaller failed" }
$iscc = (Get-Command iscc -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $iscc)) { throw "build.ps1 needs Inno Setup 6 (choco install innosetup)" }
& $iscc /Qp "/DAppVersion=$version" packaging\windows\campaign-desk.iss
if ($LASTEXITCODE) { throw "iscc failed" }
Get-Item "dist\campaign-desk-$version-setup.exe" | ForEach-Object { "build.ps1: $($_.FullName) ($([int]($_.Length / 1KB)) KiB)" }
