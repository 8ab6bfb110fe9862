"""What the PyInstaller bundle leaves out, and why (``campaign-desk.spec`` applies it).

PyInstaller collects every Qt plugin and translation of the Qt modules the app imports, every
library those plugins link, and every module any collected package might import. The app
loads far less: its windows are plain widgets (no OpenGL, no QtNetwork), its icons are SVG, it
installs no translator, and its code never touches the test, packaging or pretty-printing
tools that happen to sit in the build environment.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

#: Python packages and modules that are never imported at run time, though a collected package
#: mentions them (httpx's optional command line pulls rich and pygments, anyio ships a pytest
#: plugin, pydoc and doctest come with the standard library).
EXCLUDED_MODULES = [
    # tests and their tools
    "pytest", "_pytest", "pytestqt", "hypothesis", "xdist", "anyio.pytest_plugin", "unittest",
    "doctest", "pdb",
    # building and packaging
    "PyInstaller", "pip", "setuptools", "pkg_resources", "distutils", "ensurepip", "lib2to3",
    "importlinter", "grimp", "ruff",
    # interactive and documentation tools
    "tkinter", "idlelib", "pydoc", "pydoc_data", "rich", "pygments", "markdown_it", "mdurl",
    # Qt modules the app does not import
    "PySide6.QtNetwork", "PySide6.QtDBus", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets",
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtSql", "PySide6.QtTest", "PySide6.QtSvg",
    "PySide6.QtSvgWidgets", "PySide6.QtPrintSupport", "PySide6.QtConcurrent", "PySide6.QtXml",
    # phonenumbers' place names and carriers (the app checks numbers only; its time zones
    # stay: the built-in Routee sandbox reads them for quiet hours, and without them the
    # bundle's sandbox could not start)
    "phonenumbers.geocoder", "phonenumbers.geodata", "phonenumbers.carrier",
    "phonenumbers.carrierdata",
]  # fmt: skip

#: Qt plugin folders the app needs, and the plugins kept from each (``None``: all of them).
#: Everything else (eglfs, vnc, linuxfb, evdev input, OpenGL integrations, GTK theme, image
#: formats but SVG...) is left out, with the libraries only those plugins link.
QT_PLUGINS: dict[str, frozenset[str] | None] = {
    # xcb and wayland for desktops, offscreen for the smoke check and headless runs
    "platforms": frozenset({"qxcb", "qwayland", "qoffscreen", "qwindows", "qcocoa"}),
    "platforminputcontexts": None,  # compose keys and input methods (ibus)
    "platformthemes": frozenset({"qxdgdesktopportal"}),  # desktop file dialogs, colour scheme
    "styles": None,  # the native look on Windows and macOS
    "iconengines": frozenset({"qsvgicon"}),  # the app's icons are SVG
    "imageformats": frozenset({"qsvg"}),  # PNG is built into QtGui
    "wayland-shell-integration": frozenset({"xdg-shell"}),  # what every compositor speaks
    "wayland-decoration-client": None,  # title bars on compositors that draw none
}

_PLUGIN = re.compile(r"(?:^|/)plugins/(?P<folder>[^/]+)/(?:lib)?(?P<name>[^/.]+)[^/]*$")
_TRANSLATION = re.compile(r"(?:^|/)PySide6/(?:Qt/)?translations/")
#: Libraries that are only there because something links them: left out when nothing kept does.
_LIBRARY = re.compile(
    r"(?:^|/)(?:lib)?Qt6?\w+(?:\.so[.\d]*|\.dll|\.framework/.*)$|^lib[^/]+\.so[.\d]*$"
)


#: Qt files loaded only for OpenGL, which plain widgets do not use (Windows' 20 MB software
#: OpenGL fallback).
_UNUSED_QT_FILES = frozenset({"opengl32sw.dll"})


def keep_qt_file(dest: str) -> bool:
    """Whether a collected file (by its path inside the bundle) is a Qt part the app uses."""
    dest = dest.replace("\\", "/")
    if _TRANSLATION.search(dest):  # the app installs no QTranslator
        return False
    if PurePosixPath(dest).name.lower() in _UNUSED_QT_FILES:
        return False
    plugin = _PLUGIN.search(dest)
    if plugin is None or "PySide6/" not in dest:
        return True
    kept = QT_PLUGINS.get(plugin["folder"], frozenset())
    return kept is None or plugin["name"] in kept


def unreachable_libraries(
    binaries: Iterable[tuple[str, str]], imports: Callable[[str], Iterable[str]]
) -> set[str]:
    """The destinations of libraries that no other kept binary links, directly or not.

    ``binaries`` are (destination, source) pairs; ``imports(source)`` names the libraries a
    binary links (PyInstaller's ``bindepend.get_imports``). Extension modules, plugins and the
    Python library are roots: they are loaded by name, not linked.
    """
    by_name: dict[str, tuple[str, str]] = {}
    roots: list[tuple[str, str]] = []
    for dest, src in binaries:
        posix = dest.replace("\\", "/")
        if _LIBRARY.search(posix) and "plugins/" not in posix and "python" not in posix:
            by_name[PurePosixPath(posix).name.lower()] = (dest, src)
        else:
            roots.append((dest, src))
    reached: set[str] = set()
    pending = [src for _, src in roots]
    while pending:
        for name in imports(pending.pop()):
            key = PurePosixPath(name.replace("\\", "/")).name.lower()
            if key in by_name and key not in reached:
                reached.add(key)
                pending.append(by_name[key][1])
    return {dest for key, (dest, _) in by_name.items() if key not in reached}


def system_library(dest: str) -> bool:
    """Whether a collected file is a system library PyInstaller put beside the Python library
    (top level, not Python's own nor an extension module)."""
    return bool(re.fullmatch(r"lib[^/\\]+\.so[.\d]*", dest)) and not dest.startswith("libpython")


def debian_owned(paths: Iterable[str]) -> set[str]:
    """Those of ``paths`` that an installed Debian package provides (empty without dpkg).

    A .deb leaves these to the system's packages, which get security updates, and depends on
    them instead (``linux/build-deb.sh`` computes the Depends line from what remains).
    """
    owned: set[str] = set()
    for path in paths:
        resolved = Path(path).resolve()
        # merged /usr: dpkg may know /lib/x/libfoo.so as /usr/lib/x/libfoo.so, or the other way
        variants = {str(resolved), path}
        variants |= {
            p.removeprefix("/usr") if p.startswith("/usr/") else "/usr" + p for p in variants
        }
        try:
            found = subprocess.run(
                ["dpkg-query", "-S", *sorted(variants)], capture_output=True, text=True
            )
        except FileNotFoundError:  # not a Debian system
            return set()
        if any(": " in line for line in found.stdout.splitlines()):
            owned.add(path)
    return owned
