"""A message's CR LF reaches every provider as CR LF (two GSM characters, as the segment count
has it), and RocketCOMS's line numbers still name the right rows around it (what RocketCOMS
receives: tests/providers/test_rocketcoms.py, test_messages_survive_the_csv)."""

from __future__ import annotations

from typing import Any

import pytest

from app.providers.base import Recipient
from app.providers.batchcom import BatchProvider
from app.providers.bulksms import BulkSmsProvider, csv_field
from app.providers.cordial import CordialProvider
from app.providers.rocketcoms import RocketComsProvider
from app.providers.routee import RouteeProvider
from app.sandbox.bulksms import split_line
from app.sandbox.core import SandboxClock, SandboxEnv
from tests.providers.rig import ProviderRig, Rigs, campaign_over, one_text_spec

TEXT = "Hello\r\nWorld\rand\nmore"  # a CR LF, a lone CR and a lone LF


class RocketRig(ProviderRig[RocketComsProvider]):
    adapter = RocketComsProvider
    mount = "/rocketcoms"


class RouteeRig(ProviderRig[RouteeProvider]):
    adapter = RouteeProvider
    mount = "/routee"


class BulkRig(ProviderRig[BulkSmsProvider]):
    adapter = BulkSmsProvider
    mount = "/bulksms"


class CordialRig(ProviderRig[CordialProvider]):
    adapter = CordialProvider
    mount = "/cordial"


class BatchRig(ProviderRig[BatchProvider]):
    adapter = BatchProvider
    mount = "/batch"


def env() -> SandboxEnv:
    return SandboxEnv(clock=SandboxClock(frozen=True), failure_percent=0)


def rows(*messages: str, phone: str = "+447400123456") -> list[Recipient]:
    return [Recipient(row=i, line=i + 2, phone=phone, message=m) for i, m in enumerate(messages)]


async def test_rocketcoms_line_errors_after_a_cr_name_the_right_rows(rigs: Rigs):
    rig = rigs.in_process(RocketRig, env())
    spec = campaign_over(
        rows("ok", "two\r\nlines", "fine") + rows("bad number", phone="+1") + rows("a\rb", "")
    )
    report = await rig.provider.validate(spec)
    assert [issue.index for issue in report.issues] == [3, 5]  # the bad number, the empty text


def test_the_bulksms_escape_keeps_every_cr():
    field = csv_field(TEXT)
    assert "\r" not in field and "\n" not in field  # one line of batch_data
    assert split_line(field) == [TEXT]


@pytest.mark.parametrize("name", ["routee", "bulksms", "cordial", "batch"])
async def test_every_other_provider_receives_the_cr_lf_as_written(rigs: Rigs, name: str):
    rig_cls: Any = {
        "routee": RouteeRig,
        "bulksms": BulkRig,
        "cordial": CordialRig,
        "batch": BatchRig,
    }[name]
    rig = rigs.in_process(rig_cls, env())
    if name in ("cordial", "batch"):
        spec = one_text_spec([TEXT] * 2, options={"targeting": {}} if name == "batch" else {})
    else:
        spec = campaign_over(rows(TEXT), sender="Shop")
    await rig.provider.send(spec)
    held: list[str]
    if name == "routee":
        held = [c.body for c in rig.app.state.routee.campaigns.values()]
    elif name == "bulksms":
        held = [body for b in rig.app.state.bulksms.batches.values() for body in b.bodies]
    elif name == "cordial":
        held = [
            m.body["message"]["content"]["text/plain"]
            for m in rig.app.state.cordial.messages.values()
        ]
    else:
        held = [
            c.body["messages"][0]["message"]["body"] for c in rig.app.sandbox.campaigns.values()
        ]
    assert held == [TEXT]
