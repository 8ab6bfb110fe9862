# Smoke check of the Windows installer: install silently for the current user (no admin),
# check the Start-menu entry and the CSV "Open with" entry, run packaging\smoke.py on the
# installed program, uninstall silently and check that the program folder, the shortcut and
# the association are gone.
#   pwsh packaging\windows\smoke.ps1 [-Installer dist\campaign-desk-X.Y.Z-setup.exe]
param([string]$Installer = "")
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
$env:PATH = "$PWD\.venv\Scripts;$env:PATH"
if (-not $Installer) {
    $Installer = (Get-ChildItem dist\campaign-desk-*-setup.exe | Sort-Object LastWriteTime | Select-Object -Last 1).FullName
}
$dir = Join-Path $env:TEMP "campaign-desk-smoke"
$shortcut = Join-Path ([Environment]::GetFolderPath("Programs")) "Campaign Desk.lnk"
$progid = "HKCU:\Software\Classes\CampaignDesk.csv"

$setup = Start-Process $Installer -Wait -PassThru -ArgumentList `
    "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART", "/CURRENTUSER", "/DIR=`"$dir`""
if ($setup.ExitCode) { throw "the installer exited with $($setup.ExitCode)" }
if (-not (Test-Path $shortcut)) { throw "no Start-menu entry at $shortcut" }
$openWith = Get-ItemProperty "HKCU:\Software\Classes\.csv\OpenWithProgids" -ErrorAction SilentlyContinue
if ($null -eq $openWith -or $null -eq $openWith."CampaignDesk.csv") { throw "no CSV Open-with entry" }
$command = (Get-ItemProperty "$progid\shell\open\command")."(default)"
if ($command -ne "`"$dir\campaign-desk.exe`" `"%1`"") { throw "CSV opens with $command" }
"ok   per-user install, Start-menu entry, CSV Open-with entry"

python packaging\smoke.py "$dir\campaign-desk.exe"
if ($LASTEXITCODE) { throw "smoke.py failed" }

$uninstall = Start-Process "$dir\unins000.exe" -Wait -PassThru -ArgumentList "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART"
if ($uninstall.ExitCode) { throw "the uninstaller exited with $($uninstall.ExitCode)" }
# the uninstaller hands its last deletions to a copy of itself, which exits a moment later
$deadline = (Get-Date).AddSeconds(60)
while ((Test-Path $dir) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 500 }
if (Test-Path $dir) { throw "uninstalling left $dir" }
if (Test-Path $shortcut) { throw "uninstalling left $shortcut" }
if (Test-Path $progid) { throw "uninstalling left the CSV association" }
"ok   uninstall removed the program, its shortcut and its CSV association"
"smoke.ps1: passed"
