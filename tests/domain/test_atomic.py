"""A file is replaced whole or not at all, and keeps its permissions."""

from __future__ import annotations

import stat

import pytest

from app.domain.atomic import replacing, write_bytes_atomic


def test_the_new_content_replaces_the_old_and_keeps_its_permissions(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    path = folder / "state.bin"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write_bytes_atomic(path, b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    with replacing(path, encoding="utf-16", newline="") as handle:
        handle.write("näher\r\n")
    assert path.read_bytes().decode("utf-16") == "näher\r\n"
    assert [p.name for p in folder.iterdir()] == ["state.bin"]


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary_one(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    path = folder / "recipients.csv"
    path.write_text("phone,message\n", encoding="utf-8")
    with pytest.raises(RuntimeError), replacing(path, encoding="utf-8") as handle:
        handle.write("half a fi")
        raise RuntimeError("the disk went away")
    assert path.read_text(encoding="utf-8") == "phone,message\n"
    assert [p.name for p in folder.iterdir()] == ["recipients.csv"]


def test_a_file_in_a_folder_not_made_yet_is_written(tmp_path):
    path = tmp_path / "data" / "sandbox-state.pickle"
    write_bytes_atomic(path, b"\x80\x05")
    assert path.read_bytes() == b"\x80\x05"
