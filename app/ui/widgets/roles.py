"""Qt's item roles as plain ints, for the models' ``data()`` and ``headerData()``.

``data()`` runs about a thousand times per paint of a table, and each lookup of a member of
``Qt.ItemDataRole`` costs 0.3 µs in PySide6: as much as the rest of a cached answer.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

DISPLAY = int(Qt.ItemDataRole.DisplayRole)
EDIT = int(Qt.ItemDataRole.EditRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
DECORATION = int(Qt.ItemDataRole.DecorationRole)
BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
FONT = int(Qt.ItemDataRole.FontRole)
USER = int(Qt.ItemDataRole.UserRole)

HORIZONTAL = Qt.Orientation.Horizontal
VERTICAL = Qt.Orientation.Vertical
