"""The installable package is complete (every Python package and resource ships), and what
the installers under packaging/ put in the bundle and check in it."""

from __future__ import annotations

import ast
import importlib.util
import os
import plistlib
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from pathlib import Path
from types import ModuleType

import app

ROOT = Path(__file__).resolve().parent.parent


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_app_package_is_listed_in_pyproject():
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "app").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    listed = set(_setuptools()["packages"])
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_resources_ship_as_package_data():
    config = _setuptools()
    assert config["package-dir"]["app._resources"] == "resources"
    patterns = config["package-data"]["app._resources"]
    shipped = [
        p
        for p in (ROOT / "resources").rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    ]
    assert shipped, "resources/ is empty"
    for path in shipped:
        relative = path.relative_to(ROOT / "resources")
        assert any(relative.match(pattern) or path.match(pattern) for pattern in patterns), (
            f"{relative} would not be packaged"
        )


# -- the installers (packaging/): what goes into the bundle, what the smoke check catches ------


PYSIDE_QT = Path(importlib.util.find_spec("PySide6").origin).parent / "Qt"


def _packaging_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"packaging_{name}", ROOT / "packaging" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


smoke = _packaging_module("smoke")
trim = _packaging_module("trim")
icons = _packaging_module("icons")


def _needed(elf: str) -> list[str]:
    """The libraries an ELF file links (its DT_NEEDED entries), as readelf lists them."""
    dynamic = subprocess.run(["readelf", "-d", elf], capture_output=True, text=True, check=True)
    return [
        line.split("[")[1].rstrip("]") for line in dynamic.stdout.splitlines() if "(NEEDED)" in line
    ]


def test_libraries_that_only_left_out_plugins_link_are_left_out():
    lib, plugins = PYSIDE_QT / "lib", PYSIDE_QT / "plugins"
    binaries = [
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", plugins / "platforms/libqoffscreen.so"),
        *((f"PySide6/Qt/lib/{name}", lib / name) for name in
          ("libQt6Core.so.6", "libQt6Gui.so.6", "libQt6DBus.so.6", "libQt6Network.so.6")),
    ]  # fmt: skip
    unlinked = trim.unreachable_libraries([(d, str(s)) for d, s in binaries], _needed)
    assert unlinked == {"PySide6/Qt/lib/libQt6Network.so.6"}


def _imported_names(source: Path) -> set[str]:
    """Every module ``source`` imports, and every ``from X import y`` as ``X.y`` too (y may be
    a submodule: ``from phonenumbers import timezone``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_no_module_the_app_imports_is_left_out_of_the_bundle():
    """A left-out module the app imports breaks the bundle where nothing else notices (the
    sandbox child's simulators, imported by name, once lost phonenumbers.timezone)."""
    excluded = set(trim.EXCLUDED_MODULES)
    clashes = {
        f"{source.relative_to(ROOT)}: {name}"
        for source in (ROOT / "app").rglob("*.py")
        for name in _imported_names(source)
        if any(name == e or name.startswith(f"{e}.") for e in excluded)
    }
    assert not clashes, sorted(clashes)


def test_only_the_qt_plugins_the_app_loads_are_kept():
    kept = [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6\\plugins\\platforms\\qwindows.dll",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/Qt/lib/libQt6Core.so.6",
    ]
    dropped = [
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/generic/libqevdevmouseplugin.so",
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6\\opengl32sw.dll",
    ]
    assert [d for d in kept if not trim.keep_qt_file(d)] == []
    assert [d for d in dropped if trim.keep_qt_file(d)] == []


def test_debian_packages_own_system_libraries_only(tmp_path):
    ours = tmp_path / "libours.so.1"
    ours.write_bytes(b"\x7fELF")
    dpkg = shutil.which("dpkg")
    assert trim.debian_owned([dpkg, str(ours)]) == {dpkg}


def _shared_library(tmp_path: Path, name: str, runpath: str) -> Path:
    source = tmp_path / "empty.c"
    source.write_text("int nothing(void) { return 0; }\n")
    library = tmp_path / name
    subprocess.run(
        ["cc", "-shared", "-fPIC", f"-Wl,-rpath,{runpath}", "-o", str(library), str(source)],
        check=True,
    )
    source.unlink()
    return library


def test_smoke_check_finds_what_a_bundle_must_not_hold(tmp_path):
    bundle = tmp_path / "bundle"
    (bundle / "_internal" / "tests").mkdir(parents=True)
    (bundle / "_internal" / "tests" / "test_sms.py").write_text("def test(): pass\n")
    (bundle / ".venv").mkdir()
    (bundle / ".venv" / "pyvenv.cfg").write_text("home = /usr\n")
    (bundle / ".netrc").write_text("machine example.org\n")
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" * 2
    (bundle / "key.pem").write_text(
        f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"
    )
    (bundle / "built.txt").write_text("compiled in /home/builder/campaign-desk/app/sms.py")
    _shared_library(bundle, "libabs.so", "/home/builder/lib")

    problems = "\n".join(smoke.file_problems(bundle, ["/home/builder/campaign-desk"]))

    for expected in (
        "_internal/tests/test_sms.py: belongs to a source tree",
        "_internal/tests/test_sms.py: a test module",
        ".venv/pyvenv.cfg: belongs to a source tree or virtual environment",
        ".netrc: a file that holds credentials",
        "key.pem: holds what looks like a credential",
        "built.txt: names the build path /home/builder/campaign-desk",
        "libabs.so: RUNPATH /home/builder/lib",
    ):
        assert expected in problems


def test_smoke_check_passes_what_a_bundle_may_hold(tmp_path):
    # certificates, the bare key header OpenSSL's code carries, a library found beside itself
    (tmp_path / "cacert.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nMIIFazCCA1OgAwIBAgIRAIIQz7DSQONZRGPgu2OCiwAw\n"
    )
    (tmp_path / "libcrypto.so.3").write_bytes(b"\x00-----BEGIN PRIVATE KEY-----\x00PEM_read\x00")
    _shared_library(tmp_path, "libqxcb.so", "$ORIGIN/../../lib")
    assert smoke.file_problems(tmp_path, [str(ROOT)]) == []


def test_smoke_check_finds_tools_build_paths_and_missing_app_modules():
    modules = {
        "app": b"",
        "app.main": b"\xe3code of main",
        "app.cli": b"\xe3" + str(ROOT / "app" / "cli.py").encode(),
        "_pytest.fixtures": b"",
        "hypothesis": b"",
        "phonenumbers": b"",
    }
    problems = smoke.module_problems(
        modules, ["app", "app.main", "app.cli", "app.services"], [str(ROOT)]
    )
    assert problems == [
        "module _pytest.fixtures: a test or packaging tool",
        "module hypothesis: a test or packaging tool",
        f"module app.cli: names the build path {ROOT}",
        "module app.services: in the source tree but not in the bundle",
    ]


def test_every_source_module_is_expected_in_the_bundle():
    names = smoke.source_modules(ROOT / "app")
    assert {"app", "app.main", "app.ui.application", "app.providers.registry"} <= set(names)
    assert all(not name.endswith("__init__") for name in names)


def test_icons_are_rendered_at_every_hicolor_size(tmp_path, qapp):
    # qapp: the suite's QApplication, so that render() does not make a bare QGuiApplication
    # that the widget tests after this one in the same process could not use
    from PySide6.QtGui import QImage

    written = icons.render(ROOT / "resources" / "campaign-desk.svg", tmp_path)
    assert sorted(written) == [16, 22, 24, 32, 48, 64, 128, 256, 512]
    for size, path in written.items():
        assert path == tmp_path / "hicolor" / f"{size}x{size}" / "apps" / "campaign-desk.png"
        image = QImage(str(path))
        assert (image.width(), image.height()) == (size, size)
        assert image.pixelColor(size // 2, size // 8).alpha() == 255  # the icon, not a blank


def test_first_window_hook_reports_the_first_window_and_quits(tmp_path):
    """The start-time hook, run ahead of the app from source as PyInstaller runs it ahead of the
    bundle: the app shows its window, says when, and quits through its normal shutdown."""
    hook = ROOT / "packaging" / "first_window_hook.py"
    code = (
        f"import runpy, sys; runpy.run_path({str(hook)!r}); "
        "from app.main import main; sys.exit(main([]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env |= {
        "HOME": str(tmp_path),
        "CAMPAIGN_DESK_QUIT_AFTER_FIRST_WINDOW": "1",
        "QT_QPA_PLATFORM": "offscreen",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"^first-window-epoch=\d+\.\d{3}$", done.stdout, re.MULTILINE), done.stdout


def test_desktop_entry_metainfo_and_app_agree():
    entry = ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(ROOT / "resources" / "campaign-desk.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Exec"] == "campaign-desk %f"
    assert "text/csv" in desktop["MimeType"].split(";")

    meta = ET.parse(ROOT / "resources" / "campaign-desk.metainfo.xml").getroot()
    assert meta.findtext("launchable") == "campaign-desk.desktop"
    assert meta.findtext("icon") == desktop["Icon"]
    assert meta.findtext("provides/mediatype") == "text/csv"
    assert meta.findtext("provides/binary") == "campaign-desk"
    newest = meta.find("releases/release")
    assert newest is not None and newest.get("version") == app.__version__, (
        "add a <release> for the new version to resources/campaign-desk.metainfo.xml"
    )


def test_macos_bundle_opens_csv_files():
    plist = plistlib.loads((ROOT / "packaging" / "macos" / "Info.plist").read_bytes())
    (csv,) = plist["CFBundleDocumentTypes"]
    assert csv["LSItemContentTypes"] == ["public.comma-separated-values-text"]
    assert csv["CFBundleTypeRole"] == "Editor"
