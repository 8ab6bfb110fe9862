; Inno Setup script for the Windows installer. Build on Windows after PyInstaller:
;   pyinstaller --noconfirm packaging\campaign-desk.spec
;   iscc packaging\windows\campaign-desk.iss
#define AppVersion "0.1.0"
[Setup]
AppId={{6C1E3E1E-2F2B-4F0B-9A57-CA4D5E3D7A11}
AppName=Campaign Desk
AppVersion={#AppVersion}
DefaultDirName={autopf}\Campaign Desk
DefaultGroupName=Campaign Desk
OutputBaseFilename=campaign-desk-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible

[Files]
Source: "..\..\dist\campaign-desk\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\Campaign Desk"; Filename: "{app}\campaign-desk.exe"
Name: "{autodesktop}\Campaign Desk"; Filename: "{app}\campaign-desk.exe"; Tasks: desktopicon

[Tasks]
Name: desktopicon; Description: "Create a desktop icon"; Flags: unchecked
