"""The store layer (see DESIGN.md)."""
