"""Campaign Desk: a desktop editor and control panel for bulk SMS campaigns."""

__version__ = "0.1.0"
