"""The sandbox layer (see DESIGN.md)."""
