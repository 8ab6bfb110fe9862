"""The chunked-job protocol and the collector policy every job runner applies (the Qt runner
itself is tested in tests/ui/widgets/test_jobs.py)."""

from __future__ import annotations

import asyncio
import gc

from app.services.jobs import (
    ROWS_PER_STEP,
    Steps,
    keep_out_of_gc,
    next_turn,
    row_slices,
    run_to_end,
)


def squares(count: int, seen: list[tuple[int, int]]) -> Steps:
    found = []
    for n in range(count):
        found.append(n * n)
        seen.append((n + 1, count))
        yield n + 1, count
    return found


def test_a_job_run_to_the_end_takes_every_step_and_gives_its_result():
    seen: list[tuple[int, int]] = []
    assert run_to_end(squares(4, seen)) == [0, 1, 4, 9]
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert run_to_end(squares(0, [])) == []


def test_rows_come_in_consecutive_slices_that_cover_them_once():
    total = ROWS_PER_STEP * 2 + 5
    parts = list(row_slices(total))
    assert [(p.start, p.stop) for p in parts] == [
        (0, ROWS_PER_STEP),
        (ROWS_PER_STEP, 2 * ROWS_PER_STEP),
        (2 * ROWS_PER_STEP, total),
    ]
    assert [list(row_slices(n)) for n in (0, 1)] == [[], [range(0, 1)]]


def test_what_a_job_built_is_moved_out_of_the_collectors_generations():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    built = [[n] for n in range(1000)]
    keep_out_of_gc()
    assert gc.get_freeze_count() >= len(built)


async def test_the_next_turn_lets_other_tasks_run_and_keeps_the_policy():
    ran: list[str] = []

    async def other() -> None:
        ran.append("other")

    task = asyncio.create_task(other())
    gc.unfreeze()
    await next_turn()
    assert ran == ["other"] and gc.get_freeze_count() > 0
    await task
