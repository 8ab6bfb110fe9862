"""Crash recovery on disk: one journal per open document and process, locked while in use.

A journal is one file in the autosave folder, ``<id>.journal``: a header line naming the file
the edits apply to (absolute and resolved, with its size, modification time and inode when the
journal began, so that a file changed since is noticed), then one JSON line per edit (see
:mod:`app.store.autosave`), in the order they were made. Beside it, ``<id>.lock`` is held with
an OS lock (flock, or LockFileEx on Windows, through ``filelock``) for as long as the document
is open. The OS drops that lock when the process dies, however it dies: that is how a journal
left by a crash is told from one that another window still writes. The lock is a file of its
own because the journal is replaced whole (on save, on restore) and a lock on a replaced file
would guard nothing.

A journal is deleted only once its edits are saved (:meth:`Journal.saving`) or the operator
dropped them (``discard``). Beginning a journal for another document, or starting the app,
never touches another journal.

Saving is the one moment two files must agree. :meth:`Journal.saving` first records which file
is being written (and how it stood), then the caller writes it (temporary file, fsync, rename),
then the journal starts afresh on the saved file. A kill in between leaves a journal that says
a save was under way: if the file has changed since that record, the rename happened and the
edits are all in it; if not, the journal still holds them. Either way the temporary file a kill
during the write left beside the operator's file is removed on the next start.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from app.domain.csvfile import CsvLayout
from app.store.atomic import leftover_temp_files, write_text_atomic
from app.store.autosave import Op, RestoreError, layout_from_json, layout_to_json
from app.store.settings import data_dir

log = logging.getLogger(__name__)

JOURNAL_SUFFIX = ".journal"
_LOCK_SUFFIX = ".lock"
_FORMAT = 1
# The files of the version before: one journal for the whole app, without a lock.
_LEGACY_HEADER, _LEGACY_EDITS = "session.json", "journal.jsonl"


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What tells that a file changed: its size, modification time and inode (a save through
    a temporary file and a rename, as this app and most editors do, always gives a new inode,
    even within one tick of the clock)."""

    size: int
    mtime_ns: int
    inode: int | None  # None for a journal carried over from the version before

    @classmethod
    def of(cls, path: Path) -> FileStamp | None:
        """The file's stamp now; None when it is not there (or cannot be looked at)."""
        try:
            stat = path.stat()
        except OSError:
            return None
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ino)

    def matches(self, other: FileStamp | None) -> bool:
        return (
            other is not None
            and (self.size, self.mtime_ns) == (other.size, other.mtime_ns)
            and (self.inode is None or other.inode is None or self.inode == other.inode)
        )

    def to_json(self) -> list[int | None]:
        return [self.size, self.mtime_ns, self.inode]

    @classmethod
    def from_json(cls, data: list[int | None] | None) -> FileStamp | None:
        if data is None:
            return None
        size, mtime_ns, inode = data
        if not isinstance(size, int) or not isinstance(mtime_ns, int):
            raise ValueError("a file stamp needs a size and a time")
        return cls(size, mtime_ns, inode)


class BaseState(StrEnum):
    """How the file a recovered journal's edits apply to stands now."""

    NEW_BATCH = "new batch"  # the edits were made on a batch started empty: there is no file
    UNCHANGED = "unchanged"  # the file is as it was when the journal began
    CHANGED = "changed"  # it was changed on disk since (size, modification time or inode)
    GONE = "gone"  # it is no longer there


@dataclass(frozen=True, slots=True)
class _Header:
    base: Path | None  # absolute and resolved; None for a batch started empty
    stamp: FileStamp | None  # of ``base`` when the edits began to apply to it
    layout: CsvLayout | None
    extra_columns: tuple[str, ...]

    def line(self) -> str:
        data = {
            "journal": _FORMAT,
            "base": None if self.base is None else str(self.base),
            "stamp": None if self.stamp is None else self.stamp.to_json(),
            "layout": layout_to_json(self.layout),
            "extra_columns": list(self.extra_columns),
        }
        return json.dumps(data, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Header:
        if data.get("journal") != _FORMAT:
            raise ValueError(f"journal format {data.get('journal')!r} is not {_FORMAT}")
        base = data["base"]
        return cls(
            base=None if base is None else Path(base),
            stamp=FileStamp.from_json(data["stamp"]),
            layout=layout_from_json(data["layout"]),
            extra_columns=tuple(data["extra_columns"]),
        )


@dataclass(slots=True)
class _Contents:
    """A journal as read back: its header, its edits, and the saves it recorded."""

    header: _Header
    ops: list[Op] = field(default_factory=list)
    op_lines: list[str] = field(default_factory=list)  # the edits as written, to write again
    saved_to: set[Path] = field(default_factory=set)  # every file a save was begun to
    # The save under way when the journal was last written, with the target as it stood then.
    unfinished_save: tuple[Path, FileStamp | None] | None = None


def _edit_lines(ops: Iterable[Op]) -> list[str]:
    return [json.dumps(op, ensure_ascii=False) + "\n" for op in ops]


def _read(path: Path) -> _Contents:
    """Read a journal; lines after the last whole one (cut short by a kill) are left out.

    Raises OSError, or ValueError (also KeyError, IndexError, TypeError) for a header that is
    not one: :meth:`Journals.begin` writes it atomically, so only damage makes that happen.
    """
    header, *lines = _whole_lines(path)
    contents = _Contents(_Header.from_json(json.loads(header)))
    for line, item in zip(lines, _parsed(lines, path.name), strict=False):
        if isinstance(item, list):
            contents.ops.append(item)
            contents.op_lines.append(line + "\n")
            # An edit after a save began means that save ended (failed, as the journal was
            # not started afresh) although the line saying so could not be written.
            contents.unfinished_save = None
        elif isinstance(item, dict) and "saving" in item:
            if item["saving"] is None:  # that save failed
                contents.unfinished_save = None
            else:
                target = Path(item["saving"])
                contents.saved_to.add(target)
                contents.unfinished_save = (target, FileStamp.from_json(item["stamp"]))
        else:
            log.warning("%s: an unknown line; the edits before it are kept", path.name)
            break
    return contents


def _whole_lines(path: Path) -> list[str]:
    """The lines of ``path`` but one a kill cut short (even in the middle of a character)."""
    data = path.read_bytes()
    return data[: data.rfind(b"\n") + 1].decode("utf-8").split("\n")[:-1]


def _parsed(lines: list[str], name: str) -> list[Any]:
    """The JSON value of each line, up to the first damaged one."""
    try:  # in one go: three times as fast as line by line, for a journal of many edits
        return list(json.loads("[" + ",".join(lines) + "]"))
    except ValueError:
        pass
    values = []
    for line in lines:
        try:
            values.append(json.loads(line))
        except ValueError:
            log.warning("%s: a damaged line; the edits before it are kept", name)
            break
    return values


def _lock_for(journal: Path) -> FileLock:
    # timeout=0: a lock held by someone else is an answer (that journal is in use), not a wait.
    # No soft fallback: a lock file that outlives its process would hide a journal for good.
    return FileLock(
        journal.with_suffix(_LOCK_SUFFIX), timeout=0, thread_local=False, fallback_to_soft=False
    )


def _let_go(lock: FileLock, *, delete: bool) -> None:
    lock.release()
    if delete:
        with suppress(OSError):  # Windows refuses while another process has it open
            Path(lock.lock_file).unlink(missing_ok=True)


class Journal:
    """The recovery journal of one open document, locked by this process until it is
    discarded or closed. Made by :meth:`Journals.begin` or :meth:`RecoverableJournal.restore`.

    Every method that writes raises OSError when the disk refuses (full, gone...). Dropped
    without :meth:`discard` or :meth:`close`, it is as closed: the lock goes with the object.
    """

    def __init__(self, path: Path, lock: FileLock, header: _Header) -> None:
        self.path = path
        self._lock = lock
        self._header = header

    @property
    def base(self) -> Path | None:
        """The file the edits apply to (absolute, resolved); None for a batch started empty."""
        return self._header.base

    @property
    def is_open(self) -> bool:
        return self._lock.is_locked

    def append(self, ops: Sequence[Op]) -> None:
        """Add edits and make sure they reached the disk before returning."""
        if ops:
            self._append_lines(_edit_lines(ops))

    @contextmanager
    def saving(
        self, path: Path, layout: CsvLayout | None, extra_columns: Sequence[str] = ()
    ) -> Iterator[None]:
        """Wrap the save of the whole document to ``path`` (with ``layout``, the one it is
        written in): once the block ends without an exception, the journal starts afresh on
        the saved file, empty. Append the edits not yet journalled before: if the process is
        killed during the save, the journal is what holds them.

            with journal.saving(path, batch.layout, batch.extra_columns):
                save_batch(batch, path)
        """
        target = path.resolve()
        before = FileStamp.of(target)
        record = {"saving": str(target), "stamp": None if before is None else before.to_json()}
        self._append_lines([json.dumps(record, ensure_ascii=False) + "\n"])
        try:
            yield
        except BaseException:
            # The file was not replaced; say so, so that a later change to it by someone
            # else is not taken for this save. Failing that, the edits are still all here.
            with suppress(OSError):
                self._append_lines(['{"saving": null}\n'])
            raise
        self._rewrite(_Header(target, FileStamp.of(target), layout, tuple(extra_columns)))

    def discard(self) -> None:
        """Delete the journal: its edits were saved, or the operator dropped them."""
        if self.is_open:
            self.path.unlink(missing_ok=True)
            _let_go(self._lock, delete=True)

    def close(self) -> None:
        """Let go of the journal and keep it, as a crash would: the next start offers it."""
        if self.is_open:
            _let_go(self._lock, delete=False)

    def _append_lines(self, lines: Sequence[str]) -> None:
        if not self.is_open:
            raise RuntimeError(f"The recovery journal {self.path.name} was closed.")
        with self.path.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write("".join(lines))
            handle.flush()
            os.fsync(handle.fileno())

    def _rewrite(self, header: _Header, lines: Sequence[str] = ()) -> None:
        """Replace the journal whole (atomically) by ``header`` and edit ``lines``."""
        write_text_atomic(self.path, header.line() + "".join(lines))
        self._header = header


class RecoverableJournal:
    """A journal left by a process that is gone, with what the operator needs to decide.

    :meth:`Journals.recover` claims it (holds its lock), so that no other window offers it
    meanwhile, until :meth:`restore`, :meth:`discard` or :meth:`release`.
    """

    def __init__(self, journal: Journal, contents: _Contents) -> None:
        self._journal = journal
        self._header = contents.header
        self._op_lines = contents.op_lines
        self.ops = contents.ops
        self.base = contents.header.base
        self.layout = contents.header.layout
        self.extra_columns = contents.header.extra_columns
        if self.base is None:
            self.base_state = BaseState.NEW_BATCH
        else:
            now = FileStamp.of(self.base)
            stamp = contents.header.stamp
            if now is None:
                self.base_state = BaseState.GONE
            elif stamp is not None and stamp.matches(now):
                self.base_state = BaseState.UNCHANGED
            else:
                self.base_state = BaseState.CHANGED

    @property
    def edits(self) -> int:
        return len(self.ops)

    def restore(self) -> Journal:
        """Take the journal over for the restored document (load :attr:`base`, or start an
        empty batch with :attr:`layout` and :attr:`extra_columns` for a new batch, then
        replay :attr:`ops`): later edits go on after these.

        When the file changed since, the operator chose to apply the edits to it as it is now,
        and the journal says so from here on. Raises :class:`RestoreError` when it is gone: a
        journal is never applied to another file.
        """
        if self.base_state is BaseState.GONE:
            raise RestoreError(f"The file {self.base} the edits were made on is gone.")
        stamp = None if self.base is None else FileStamp.of(self.base)
        # Written anew, which also drops a line a kill cut short (later edits would follow
        # it) and the record of a save that did not go through.
        self._journal._rewrite(replace(self._header, stamp=stamp), self._op_lines)
        return self._journal

    def discard(self) -> None:
        """Delete the journal: the operator chose to drop these edits."""
        self._journal.discard()

    def release(self) -> None:
        """Leave the journal for a later start (the operator has not decided)."""
        self._journal.close()


class Journals:
    """The recovery journals in one folder (``autosave`` in the app's data folder)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or data_dir() / "autosave"

    def begin(
        self,
        base: Path | None,
        layout: CsvLayout | None,
        extra_columns: Sequence[str] = (),
        *,
        stamp: FileStamp | None = None,
    ) -> Journal:
        """A new, empty journal for a document just opened from ``base`` (None: a batch
        started empty), locked by this process. ``stamp``: the file as it was read (take it
        before the load starts); by default, as it is now. Other journals are not touched.
        """
        resolved = None if base is None else base.resolve()
        if stamp is None and resolved is not None:
            stamp = FileStamp.of(resolved)
        return self._create(_Header(resolved, stamp, layout, tuple(extra_columns)))

    def recover(self) -> list[RecoverableJournal]:
        """Claim the journals that processes now gone left with edits in them, oldest first.

        On the way, removes what such a process left that holds no edit: a journal with no
        edit or whose edits reached the saved file, the temporary file of a save (or of a
        journal rewrite) it was killed in, a lock file without its journal. Journals locked by
        a live window are neither offered nor touched.
        """
        if not self.folder.is_dir():
            return []
        self._carry_over_legacy()
        found: list[RecoverableJournal] = []
        claimed: set[Path] = set()
        leftovers: dict[Path, list[Path]] = {}  # temporary files beside each file written
        for path in sorted(self.folder.glob(f"*{JOURNAL_SUFFIX}"), key=_modified):
            read = self._claim(path)
            if read is None:
                continue
            journal, contents = read
            claimed.add(path)
            written = set(contents.saved_to)
            if contents.header.base is not None:
                written.add(contents.header.base)
            for target in written:
                leftovers.setdefault(target, []).extend(leftover_temp_files(target))
            for temp in leftover_temp_files(path):
                temp.unlink(missing_ok=True)
            if not contents.ops or _went_through(contents.unfinished_save):
                journal.discard()
            else:
                found.append(RecoverableJournal(journal, contents))
        if any(leftovers.values()):
            self._remove_leftovers(leftovers, self._saves_under_way(skip=claimed))
        self._remove_stray_locks()
        return found

    def _create(self, header: _Header, lines: Sequence[str] = ()) -> Journal:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{uuid.uuid4().hex}{JOURNAL_SUFFIX}"
        lock = _lock_for(path)
        lock.acquire()  # a new name: nobody else holds it
        journal = Journal(path, lock, header)
        try:
            journal._rewrite(header, lines)  # the journal appears whole, and locked already
        except BaseException:
            _let_go(lock, delete=True)
            raise
        return journal

    def _claim(self, path: Path) -> tuple[Journal, _Contents] | None:
        """Lock the journal at ``path`` and read it; None when a live process holds it, or
        it was deleted meanwhile, or it cannot be read (then it is left as it is)."""
        lock = _lock_for(path)
        try:
            lock.acquire()
        except Timeout:
            return None
        try:
            contents = _read(path)
        except FileNotFoundError:
            _let_go(lock, delete=True)
            return None
        except (OSError, ValueError, KeyError, IndexError, TypeError) as error:
            log.warning("The recovery journal %s cannot be read (%s); left as it is", path, error)
            _let_go(lock, delete=False)
            return None
        return Journal(path, lock, contents.header), contents

    @staticmethod
    def _remove_leftovers(leftovers: dict[Path, list[Path]], live: set[Path]) -> None:
        """Delete the temporary files of writes whose process is gone, but not beside a file
        that a live window is saving right now (``live``)."""
        for target, temps in leftovers.items():
            if target not in live:
                for temp in temps:
                    with suppress(OSError):
                        temp.unlink(missing_ok=True)
                        log.info("Removed %s, left by a save that was cut short", temp)

    def _saves_under_way(self, skip: set[Path]) -> set[Path]:
        """The files that journals locked by another live process are being saved to
        (``skip``: the journals this process just claimed)."""
        targets: set[Path] = set()
        for path in self.folder.glob(f"*{JOURNAL_SUFFIX}"):
            if path in skip:
                continue
            lock = _lock_for(path)
            try:
                lock.acquire()
            except Timeout:
                with suppress(OSError, ValueError, KeyError, IndexError, TypeError):
                    unfinished = _read(path).unfinished_save
                    if unfinished is not None:
                        targets.add(unfinished[0])
            else:
                _let_go(lock, delete=False)
        return targets

    def _remove_stray_locks(self) -> None:
        for path in self.folder.glob(f"*{_LOCK_SUFFIX}"):
            journal = path.with_suffix(JOURNAL_SUFFIX)
            lock = _lock_for(journal)
            try:
                lock.acquire()
            except Timeout:
                continue
            _let_go(lock, delete=not journal.exists())

    def _carry_over_legacy(self) -> None:
        """Turn the one journal of the version before into a journal of this one, so that an
        upgrade right after a crash loses nothing."""
        header_path, edits_path = self.folder / _LEGACY_HEADER, self.folder / _LEGACY_EDITS
        if not edits_path.exists():
            return
        try:
            data = json.loads(header_path.read_text(encoding="utf-8"))
            base, size = data["base"], data["size"]
            header = _Header(
                None if base is None else Path(base).absolute(),
                None if size is None else FileStamp(size, data["mtime_ns"], None),
                layout_from_json(data["layout"]),
                tuple(data["extra_columns"]),
            )
            lines = _whole_lines(edits_path)
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("The recovery files of the version before cannot be read (%s)", error)
            return
        ops = [op for op in _parsed(lines, edits_path.name) if isinstance(op, list)]
        if ops:
            self._create(header, _edit_lines(ops)).close()
        edits_path.unlink()
        header_path.unlink(missing_ok=True)


def _went_through(unfinished: tuple[Path, FileStamp | None] | None) -> bool:
    """Whether a save under way when the process died put the file in place: the file has
    changed since the journal recorded it, so the rename was done."""
    if unfinished is None:
        return False
    target, before = unfinished
    now = FileStamp.of(target)
    return now is not None and (before is None or not before.matches(now))


def _modified(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
