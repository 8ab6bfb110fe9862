"""The campaign panel's tests run on the services' own rig: a real store, the in-process
sandbox and a clock the tests drive."""

from tests.services.conftest import clock, desk, desks, env

__all__ = ["clock", "desk", "desks", "env"]
