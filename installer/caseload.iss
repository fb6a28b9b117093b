; Inno Setup script: the Windows installer for caseload (built by installer/build.ps1).
;
; Installs for the current user without admin rights (into %LOCALAPPDATA%\Programs\caseload)
; with a Start-menu shortcut. IT may install for all users instead (/ALLUSERS, as admin).
; Uninstalling removes the program only: the caseload database, backups, letters, settings
; and log live in the user's own folders (%LOCALAPPDATA%\caseload) and are never touched.
;
; Defines passed by build.ps1:  /DAppVersion=1.2.3  /DBundle=..\dist\caseload
;                               /DOutputDir=..\dist  (and /DSign when signing: see README)

#if VER < EncodeVer(6, 3, 0)
  #error Inno Setup 6.3 or later is needed (x64compatible)
#endif
#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=x.y.z installer\caseload.iss
#endif
#ifndef Bundle
  #define Bundle "..\dist\caseload"
#endif
#ifndef OutputDir
  #define OutputDir "..\dist"
#endif

[Setup]
; The AppId ties upgrades and the uninstaller to this program: never change it.
AppId={{5B7E2C1A-8F3D-4C6B-9A2E-3D1F0C7B6A54}
AppName=caseload
AppVersion={#AppVersion}
AppVerName=caseload {#AppVersion}
AppPublisher=caseload
AppComments=EHCP caseload manager for SEND teams
; %LOCALAPPDATA%\Programs\caseload for one user, Program Files for all (ProgramFolder below).
DefaultDirName={code:ProgramFolder}
DefaultGroupName=caseload
DisableProgramGroupPage=yes
DisableDirPage=auto
; Per user by default; an administrator may choose all users (/ALLUSERS or the dialog).
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=caseload-setup-{#AppVersion}
SetupIconFile=caseload.ico
UninstallDisplayIcon={app}\caseload.exe
UninstallDisplayName=caseload {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An open caseload is asked to close (its database is saved per action, so nothing is lost).
CloseApplications=yes
RestartApplications=no
SetupLogging=yes
#ifdef Sign
SignTool=caseloadsign
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "Put a caseload shortcut on the desktop"; Flags: unchecked

[InstallDelete]
; A new version replaces the old program folder whole: no stale libraries left beside it.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
#ifdef Sign
Source: "{#Bundle}\caseload.exe"; DestDir: "{app}"; Flags: ignoreversion signonce
Source: "{#Bundle}\caseload-cli.exe"; DestDir: "{app}"; Flags: ignoreversion signonce
Source: "{#Bundle}\*"; Excludes: "caseload.exe,caseload-cli.exe"; DestDir: "{app}"; \
  Flags: ignoreversion recursesubdirs createallsubdirs
#else
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
#endif

[Icons]
Name: "{autoprograms}\caseload"; Filename: "{app}\caseload.exe"; \
  Comment: "EHCP caseload manager"
Name: "{autodesktop}\caseload"; Filename: "{app}\caseload.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\caseload.exe"; Description: "Open caseload now"; \
  Flags: nowait postinstall skipifsilent

; No [UninstallDelete] section on purpose: the user's data is not the program's to remove.

[Code]
// What {autopf} means, spelled out: Wine (where CI checks this script) cannot resolve the
// per-user Program Files known folder, which on Windows 10 and 11 is this same folder.
function ProgramFolder(Param: String): String;
begin
  if IsAdminInstallMode then
    Result := ExpandConstant('{commonpf}\caseload')
  else
    Result := ExpandConstant('{localappdata}\Programs\caseload');
end;
