"""The "use GSM characters" fix: what it says it does."""

from __future__ import annotations

from app.domain.batch import Batch, RowData
from app.main import build_context
from app.services.gsm_fix import describe, plan_steps
from app.services.jobs import run_to_end


def test_one_row_is_worded_in_the_singular():
    context = build_context()
    batch = Batch(context.batch_settings(context.settings))
    batch.append_rows([RowData("+447400123456", "“Hi” 😀", line=2)])
    text = describe(run_to_end(plan_steps(batch)), batch)
    assert "Replace the characters that force UCS-2 in 1 row." in text
    assert "1 of these rows keeps a character with no GSM look-alike" in text
    assert "stays UCS-2" in text
