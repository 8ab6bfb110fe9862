"""Render the app icon's SVG to PNGs at build time, rather than keeping a PNG per size in git.

    python packaging/icons.py OUT_DIR  # OUT_DIR/hicolor/<N>x<N>/apps/campaign-desk.png

Qt's own SVG renderer (already in the build environment) draws them, so no image tool is needed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

#: The hicolor sizes desktops look for, from menus (16) to software centres (512).
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path, out_dir: Path, sizes: Iterable[int] = HICOLOR_SIZES) -> dict[int, Path]:
    """Write ``out_dir/hicolor/<N>x<N>/apps/<svg stem>.png`` for each size; return the paths."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])  # QPainter wants one
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not an SVG image Qt can draw")
    written: dict[int, Path] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out_dir / "hicolor" / f"{size}x{size}" / "apps" / f"{svg.stem}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"cannot write {path}")
        written[size] = path
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python packaging/icons.py OUT_DIR")
    svg = Path(__file__).resolve().parent.parent / "resources" / "campaign-desk.svg"
    for path in render(svg, Path(sys.argv[1])).values():
        print(path)
