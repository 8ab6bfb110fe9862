"""The sandbox's state in a file, so that a restarted sandbox still knows its campaigns.

A real provider remembers what it was sent; the built-in sandbox is started and stopped with
the app, so without this file every campaign sent to a sandbox account was "not found" after
a restart. :class:`SandboxState` keeps each simulator's own objects (``env.parts``), the
settings they change (credits spent...) and how far the clock was moved on; the clock keeps
running while the sandbox is stopped, as a provider's would.

Saving never holds requests for long: a state-changing request marks its simulator, a save
follows :data:`SAVE_DELAY_S` later, only the simulators marked are encoded again, one
campaign at a time with the event loop free in between, and the file is written (atomically)
in a thread. The last save happens when the sandbox stops cleanly.

The file is a pickle, read back by an unpickler that builds only the sandbox's own classes and
a few plain types (see :data:`_ALLOWED`), never an arbitrary callable. A file that cannot be
read (corrupt, from another version, not a state file) does not stop the sandbox: it starts
empty and says so once.
"""

from __future__ import annotations

import asyncio
import io
import logging
import pickle
from collections.abc import Generator
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from starlette.types import ASGIApp, Receive, Scope, Send

from app.domain.atomic import write_bytes_atomic
from app.sandbox.core import SandboxEnv
from app.sandbox.server import PROVIDER_APPS

log = logging.getLogger("campaign_desk.sandbox")
T = TypeVar("T")

#: Changed with any change to what the file holds: an older file then starts the sandbox empty.
FORMAT = "campaign-desk sandbox state 1"
#: How long after a state-changing request the file is written (changes meanwhile join it).
SAVE_DELAY_S = 1.0
#: Requests that change nothing (a simulator may still fill a cache on them).
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The globals a state file may name besides the sandbox's own classes: plain types only.
_ALLOWED = frozenset(
    {
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "range"),
        ("builtins", "slice"),
        ("builtins", "complex"),
        ("builtins", "bytearray"),
        ("collections", "OrderedDict"),
        ("collections", "deque"),
        ("datetime", "datetime"),
        ("datetime", "date"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("zoneinfo", "ZoneInfo"),
        ("array", "array"),
        ("array", "_array_reconstructor"),
        ("copyreg", "_reconstructor"),
        ("app.sandbox.audience", "synthetic_phone"),
    }
)
#: The modules whose own classes a state file may name: the simulators and what they share.
_STATE_MODULES = frozenset(
    {
        "app.sandbox.core",
        "app.sandbox.audience",
        *(f"app.sandbox.{m}" for m in PROVIDER_APPS.values()),
    }
)


def _to_end(steps: Generator[None, None, T]) -> T:
    """Run ``steps`` without a pause; what it returns (``app.services.jobs.run_to_end``,
    which the sandbox may not import)."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


class StateFileError(Exception):
    """The state file cannot be used (a sentence saying why)."""


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if module in _STATE_MODULES and "." not in name:
            found = super().find_class(module, name)
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise StateFileError(f"it names {module}.{name}, which is not part of a sandbox's state")


def _loads(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        # A zone is written as the call ZoneInfo(key): its own pickling names a classmethod
        # through builtins.getattr, which the reader refuses (getattr reaches anything).
        if type(obj) is ZoneInfo:
            return ZoneInfo, (obj.key,)
        return NotImplemented


def _dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


class SandboxState:
    def __init__(self, env: SandboxEnv, path: Path, *, delay: float = SAVE_DELAY_S) -> None:
        """Keeps ``env``'s simulators in the file at ``path``: build the sandbox app on
        ``env`` first (that registers them in ``env.parts``), then :meth:`load`."""
        self.env = env
        self.path = path
        self.delay = delay
        # each simulator's encoded state: the pieces of the last save, until it changes again
        self._pieces: dict[str, list[bytes]] = {}
        self._dirty: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._saving: asyncio.Task[None] | None = None

    # -- loading --------------------------------------------------------------------------
    def load(self) -> bool:
        """Put the file's state into the simulators; False (and one warning in the log) when
        there is none to use: no file yet (no warning then), or one that cannot be read."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return False
        except OSError as exc:
            return self._start_empty(f"it cannot be read ({exc.strerror or exc})")
        try:
            saved = self._decode(data)
        except StateFileError as exc:
            return self._start_empty(str(exc))
        except Exception as exc:
            return self._start_empty(f"it is damaged ({type(exc).__name__})")
        for name, attributes in saved["parts"].items():
            vars(self.env.parts[name]).update(attributes)
        self.env.settings.update(saved["settings"])
        if saved["ahead"] > timedelta():
            self.env.clock.advance(saved["ahead"].total_seconds())
        self._pieces = dict(saved["pieces"])
        return True

    def _decode(self, data: bytes) -> dict[str, Any]:
        """The state in ``data``, checked against the simulators now running (all or none)."""
        outer = _loads(data)
        if not isinstance(outer, dict) or outer.get("format") != FORMAT:
            raise StateFileError("it is not a state file of this version of the sandbox")
        head = _loads(outer["head"])
        parts: dict[str, dict[str, Any]] = {}
        pieces: dict[str, list[bytes]] = outer["parts"]
        for name, encoded in pieces.items():
            if name not in self.env.parts:
                continue  # a simulator this sandbox does not serve: kept as it was
            own = {key for key in vars(self.env.parts[name]) if key != "env"}
            attributes: dict[str, Any] = {}
            for piece in encoded:
                kind, attribute, *value = _loads(piece)
                if attribute not in own:
                    raise StateFileError(f"it holds {name}.{attribute}, unknown to this sandbox")
                if kind == "item":
                    attributes.setdefault(attribute, {})[value[0]] = value[1]
                else:
                    attributes[attribute] = value[0]
            parts[name] = attributes
        if not isinstance(head.get("settings"), dict) or not isinstance(
            head.get("ahead"), timedelta
        ):
            raise StateFileError("its settings or clock are missing")
        return {"parts": parts, "pieces": pieces, **head}

    def _start_empty(self, reason: str) -> bool:
        log.warning(
            "The sandbox's state file %s is not used: %s. The sandbox starts empty (the file "
            "is replaced at the next change).",
            self.path,
            reason,
        )
        return False

    # -- saving ---------------------------------------------------------------------------
    @property
    def pending(self) -> bool:
        """Whether a change has yet to reach the file."""
        return bool(self._dirty) or self._timer is not None or self._saving is not None

    def changed(self, part: str) -> None:
        """Simulator ``part`` (or ``"clock"``) changed: save within :attr:`delay` seconds.
        Call from the sandbox's event loop."""
        self._dirty.add(part)
        if self._timer is None and self._saving is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.delay, self._start_saving)

    def _start_saving(self) -> None:
        self._timer = None
        self._saving = asyncio.get_running_loop().create_task(self.save())

    async def save(self) -> None:
        """Encode what changed, a piece at a time between requests, and write the file."""
        dirty, self._dirty = self._dirty, set()
        try:
            head = self._head()
            encoding = self._encoding(dirty)
            while True:
                try:
                    next(encoding)
                except StopIteration as done:
                    pieces: dict[str, list[bytes]] = done.value
                    break
                await asyncio.sleep(0)
            data = self._file(head, pieces)
            await asyncio.to_thread(write_bytes_atomic, self.path, data)
            self._pieces = pieces
        except BaseException:
            self._dirty |= dirty  # saved next time
            raise
        finally:
            self._saving = None
            if self._dirty and self._timer is None:
                self._timer = asyncio.get_running_loop().call_later(self.delay, self._start_saving)

    def save_now(self) -> None:
        """Write every change at once: when the sandbox stops (its event loop has ended)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        dirty, self._dirty = self._dirty, set()
        if not dirty:
            return
        head = self._head()
        pieces = _to_end(self._encoding(dirty))
        write_bytes_atomic(self.path, self._file(head, pieces))
        self._pieces = pieces

    def _encoding(self, dirty: set[str]) -> Generator[None, None, dict[str, list[bytes]]]:
        """The file's pieces with the ``dirty`` simulators encoded again, one table entry per
        step (the saver hands the event loop back between steps)."""
        staged = {name: self._stage(name) for name in dirty if name in self.env.parts}
        pieces = dict(self._pieces)
        for name, (encoded, items) in staged.items():
            for attribute, entries in items:
                for key, value in entries:
                    encoded.append(_dumps(("item", attribute, key, value)))
                    yield
            pieces[name] = encoded
        return pieces

    def _head(self) -> bytes:
        return _dumps({"settings": dict(self.env.settings), "ahead": self.env.clock.ahead})

    def _stage(self, name: str) -> tuple[list[bytes], list[tuple[str, list[tuple[Any, Any]]]]]:
        """Simulator ``name`` as of now: its plain attributes encoded at once, and the entries
        of each of its tables (campaigns by id...) to encode one by one. Taken without a
        pause, so that an id counter never lags the table it numbers."""
        encoded: list[bytes] = []
        items: list[tuple[str, list[tuple[Any, Any]]]] = []
        for attribute, value in vars(self.env.parts[name]).items():
            if attribute == "env":
                continue
            if isinstance(value, dict) and value:
                items.append((attribute, list(value.items())))
            else:
                encoded.append(_dumps(("value", attribute, value)))
        return encoded, items

    @staticmethod
    def _file(head: bytes, pieces: dict[str, list[bytes]]) -> bytes:
        return _dumps({"format": FORMAT, "head": head, "parts": pieces})

    def watching(self, app: ASGIApp) -> ASGIApp:
        """``app`` (the whole sandbox) telling this state which simulator each request may
        have changed."""
        return _ChangeWatch(app, self)


class _ChangeWatch:
    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state
        self._parts = dict(PROVIDER_APPS)
        self._parts["/_sandbox/clock"] = "clock"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _READS:
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        part = next((name for prefix, name in self._parts.items() if path.startswith(prefix)), None)
        try:
            await self.app(scope, receive, send)
        finally:
            if part is not None:
                self.state.changed(part)
