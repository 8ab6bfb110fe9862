"""Shipped resources, packaged as app._resources in a wheel."""
