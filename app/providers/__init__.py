"""The providers layer (see DESIGN.md)."""
