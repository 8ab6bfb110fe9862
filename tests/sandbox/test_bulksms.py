"""The BulkSMS EAPI simulator, spoken to in its own wire format (raw HTTP, no adapter)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
import pytest

from app.sandbox.bulksms import DEFAULTS, BulkSmsSandbox, split_line
from app.sandbox.core import SandboxClock, SandboxEnv
from app.sandbox.inprocess import IN_PROCESS_URL
from tests.sandbox.rig import mounted, wire_client

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SEND = f"{IN_PROCESS_URL}/bulksms/submission/send_batch/1/1.0"
REPORT = f"{IN_PROCESS_URL}/bulksms/status_reports/get_report/2/2.0"
AUTH = {"username": "sandbox", "password": "sandbox"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Valid UK mobiles (+44 7911 123xxx), and one number no network knows.
GOOD = [f"447911123{i:03d}" for i in range(100)]
UNKNOWN = "44123"


def csv(rows: list[tuple[str, ...]], header: str = "msisdn,message") -> str:
    lines = [header] + [",".join(f'"{v}"' for v in row) for row in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture
def env() -> SandboxEnv:
    return SandboxEnv(clock=SandboxClock(START, frozen=True), failure_percent=0)


@pytest.fixture
async def client(env: SandboxEnv) -> AsyncIterator[httpx.AsyncClient]:
    async with wire_client(env, "/bulksms") as c:
        yield c


async def send(client: httpx.AsyncClient, batch_data: str, **params: str) -> list[str]:
    form = {**AUTH, **params, "batch_data": batch_data}
    response = await client.post(SEND, content=urlencode(form, encoding="latin-1"), headers=FORM)
    assert response.status_code == 200
    return response.text.split("|")


async def report(client: httpx.AsyncClient, batch_id: str, **params: str) -> list[list[str]]:
    response = await client.get(REPORT, params={**AUTH, "batch_id": batch_id, **params})
    assert response.status_code == 200
    status, _, rest = response.text.partition("\n")
    assert status == "0|Returns to follow"
    assert rest.startswith("\n")
    return [line.split("|") for line in rest.splitlines() if line]


async def test_a_batch_is_accepted_with_a_positive_batch_id(client):
    code, description, batch_id = await send(client, csv([(GOOD[0], "Hi"), (GOOD[1], "Hey")]))
    assert (code, description) == ("0", "IN_PROGRESS")
    assert int(batch_id) > 0
    lines = await report(client, batch_id)
    assert [line[0] for line in lines] == GOOD[:2]


async def test_wrong_credentials_get_23_on_both_calls(client):
    form = {"username": "sandbox", "password": "nope", "batch_data": csv([(GOOD[0], "x")])}
    sent = await client.post(SEND, content=urlencode(form), headers=FORM)
    assert sent.text.startswith("23|")
    got = await client.get(REPORT, params={"username": "x", "password": "y", "batch_id": "1"})
    assert got.text.startswith("23|")


async def test_send_batch_is_post_only(client):
    response = await client.get(SEND, params={**AUTH, "batch_data": csv([(GOOD[0], "x")])})
    assert response.status_code == 405


async def test_invalid_lines_are_skipped_and_long_values_truncated(client, env):
    long_text = "x" * 200
    data = "\n".join(
        [
            "msisdn,message,sender,source_id",
            f'"{GOOD[0]}","{long_text}","VeryLongSenderName","{"s" * 30}"',
            '"not-a-number","skipped"',  # bad msisdn and too few fields
            f'"{GOOD[1]}","unterminated',
            f'"{GOOD[2]}","say \\"hi\\"\\nbye","12345678901234",""',
            "",
        ]
    )
    _, _, batch_id = await send(client, data, sender="Default")
    lines = await report(client, batch_id, optional_fields="body,origin_address,source_id")
    assert [line[0] for line in lines] == [GOOD[0], GOOD[2]]
    first, second = lines
    assert first[2] == "x" * DEFAULTS["bulksms.max_message_chars"]
    assert first[3] == "VeryLongSen"
    assert first[4] == "s" * 20
    assert second[2] == 'say "hi"\\nbye'  # the line break comes back escaped, on one line
    assert second[3] == "12345678901234"  # a numeric sender is a number, not truncated to 11


async def test_the_batch_level_sender_is_the_default_of_every_row(client):
    _, _, batch_id = await send(client, csv([(GOOD[0], "x")]), sender="Shop")
    (line,) = await report(client, batch_id, optional_fields="origin_address")
    assert line[2] == "Shop"


async def test_iso_8859_1_text_arrives_intact(client):
    _, _, batch_id = await send(client, csv([(GOOD[0], "Héllo ñandú £5")]))
    (line,) = await report(client, batch_id, optional_fields="body")
    assert line[2] == "Héllo ñandú £5"


async def test_16bit_rows_take_hex_and_skip_anything_else(client):
    hex_text = "Привет".encode("utf-16-be").hex().upper()
    data = csv([(GOOD[0], hex_text, "16bit"), (GOOD[1], "not hex", "16bit")], "msisdn,message,dca")
    _, _, batch_id = await send(client, data)
    lines = await report(client, batch_id, optional_fields="body")
    assert [(line[0], line[2]) for line in lines] == [(GOOD[0], hex_text)]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("phone,text\n1,2\n", "header"),
        (csv([("123", "too short a number")]), "no valid"),
        ("", "header"),
    ],
)
async def test_unusable_batch_data_gets_24(client, data, reason):
    code, description, _ = await send(client, data)
    assert code == "24"
    assert reason in description


async def test_more_than_the_submission_limit_gets_24(client, env):
    env.settings["bulksms.max_batch_messages"] = 2
    code, description, _ = await send(client, csv([(n, "x") for n in GOOD[:3]]))
    assert code == "24"
    assert "too many" in description


async def test_stop_dup_id_replays_the_first_answer(client, env):
    data = csv([(GOOD[0], "x")])
    first = await send(client, data, stop_dup_id="4242")
    again = await send(client, csv([(GOOD[1], "other")]), stop_dup_id="4242")
    assert again == first
    lines = await report(client, first[2])
    assert [line[0] for line in lines] == [GOOD[0]]
    other = await send(client, data, stop_dup_id="4243")
    assert other[2] != first[2]


async def test_stop_dup_id_is_forgotten_after_a_few_hours(client, env):
    data = csv([(GOOD[0], "x")])
    first = await send(client, data, stop_dup_id="7")
    env.clock.advance(DEFAULTS["bulksms.stop_dup_seconds"] + 1)
    later = await send(client, data, stop_dup_id="7")
    assert later[2] != first[2]


async def test_failures_are_not_recorded_for_stop_dup_id(client, env):
    env.settings["bulksms.next_status_codes"] = [40]
    data = csv([(GOOD[0], "x")])
    failed = await send(client, data, stop_dup_id="99")
    assert failed[0] == "40"
    retried = await send(client, data, stop_dup_id="99")
    assert retried[0] == "0" and int(retried[2]) > 0


async def test_an_invalid_stop_dup_id_is_ignored(client):
    data = csv([(GOOD[0], "x")])
    first = await send(client, data, stop_dup_id="2147483648")
    second = await send(client, data, stop_dup_id="2147483648")
    assert first[2] != second[2]


async def test_queued_codes_answer_the_next_submissions_in_order(client, env):
    env.settings["bulksms.next_status_codes"] = [22, 26, 28, 40]
    data = csv([(GOOD[0], "x")])
    codes = [(await send(client, data))[0] for _ in range(5)]
    assert codes == ["22", "26", "28", "40", "0"]


async def test_credits_run_out_with_25_and_nothing_is_taken(client, env):
    env.settings["bulksms.credits"] = 2
    code, _, _ = await send(client, csv([(n, "x") for n in GOOD[:3]]))
    assert code == "25"
    assert env.settings["bulksms.credits"] == 2
    code, _, _ = await send(client, csv([(n, "x") for n in GOOD[:2]]))
    assert code == "0"
    assert env.settings["bulksms.credits"] == 0


async def test_the_daily_quota_answers_27_until_the_next_day(client, env):
    env.settings["bulksms.daily_quota"] = 3
    two = csv([(n, "x") for n in GOOD[:2]])
    assert (await send(client, two))[0] == "0"
    assert (await send(client, two))[0] == "27"
    env.clock.advance(24 * 3600)
    assert (await send(client, two))[0] == "0"


async def test_test_always_succeed_validates_without_sending(client, env):
    credits = DEFAULTS["bulksms.credits"]
    code, description, batch_id = await send(
        client, csv([(GOOD[0], "x"), ("bad", "y")]), test_always_succeed="1"
    )
    assert code == "0"
    assert batch_id == ""
    assert "1 valid, 1 skipped" in description
    assert env.settings.get("bulksms.credits", credits) == credits
    bad_auth = {"username": "sandbox", "password": "no", "test_always_succeed": "1"}
    refused = await client.post(SEND, content=urlencode(bad_auth), headers=FORM)
    assert refused.text.startswith("23|")


async def test_test_always_fail_fails_after_basic_validation(client):
    code, _, _ = await send(client, csv([(GOOD[0], "x")]), test_always_fail="1")
    assert code == "22"


async def test_messages_go_out_at_the_send_rate(client, env):
    _, _, batch_id = await send(client, csv([(n, "x") for n in GOOD]))
    assert {line[1] for line in await report(client, batch_id)} == {"0"}
    env.clock.advance(6)  # 600 a minute: 60 in six seconds
    codes = [line[1] for line in await report(client, batch_id)]
    assert codes == ["11"] * 60 + ["0"] * 40
    env.clock.advance(60)
    assert {line[1] for line in await report(client, batch_id)} == {"11"}


async def test_the_network_fails_unknown_numbers_and_some_handsets(client, env):
    env.failure_percent = 100
    _, _, batch_id = await send(client, csv([(GOOD[0], "x"), (UNKNOWN + "4567", "y")]))
    env.clock.advance(60)
    codes = {line[0]: line[1] for line in await report(client, batch_id)}
    assert codes == {GOOD[0]: "51", UNKNOWN + "4567": "31"}


async def test_completed_time_is_written_in_the_account_zone(client, env):
    env.settings["bulksms.timezone"] = "Europe/Helsinki"  # UTC+2 in November
    _, _, batch_id = await send(client, csv([(GOOD[0], "x"), (GOOD[1], "y")]))
    env.clock.advance(60)
    lines = await report(client, batch_id, optional_fields="completed_time,created_time")
    assert [line[2:] for line in lines] == [
        ["2026-11-23 11:00:00", "2026-11-23 11:00:00"],
        ["2026-11-23 11:00:00", "2026-11-23 11:00:00"],
    ]


async def test_a_future_send_time_schedules_and_reports_nothing_until_then(client, env):
    env.settings["bulksms.timezone"] = "America/New_York"  # UTC-5 in November
    code, description, batch_id = await send(
        client,
        csv([(GOOD[0], "x")]),
        send_time="2026-11-23 05:00:00",  # 10:00 UTC
    )
    assert (code, description) == ("1", "SCHEDULED")
    assert await report(client, batch_id) == []
    env.clock.advance(3599)
    assert await report(client, batch_id) == []
    env.clock.advance(2)
    assert [line[1] for line in await report(client, batch_id)] == ["11"]


async def test_a_past_send_time_sends_from_now(client, env):
    code, _, batch_id = await send(client, csv([(GOOD[0], "x")]), send_time="2020-01-01 00:00:00")
    assert code == "0"
    assert [line[1] for line in await report(client, batch_id)] == ["0"]
    env.clock.advance(1)
    lines = await report(client, batch_id, optional_fields="completed_time")
    assert [line[1:] for line in lines] == [["11", "2026-11-23 09:00:00"]]


async def test_send_time_unixtime_is_understood(client, env):
    later = int((START + timedelta(hours=1)).timestamp())
    code, _, batch_id = await send(client, csv([(GOOD[0], "x")]), send_time_unixtime=str(later))
    assert code == "1"
    env.clock.advance(3601)
    assert len(await report(client, batch_id)) == 1


async def test_a_bad_send_time_is_refused_rather_than_sent_now(client):
    code, description, _ = await send(client, csv([(GOOD[0], "x")]), send_time="tomorrow")
    assert code == "24"
    assert "send_time" in description


async def test_report_of_an_unknown_batch_is_24(client):
    response = await client.get(REPORT, params={**AUTH, "batch_id": "999999"})
    assert response.text.startswith("24|")


async def test_report_can_be_limited_to_one_msisdn(client):
    _, _, batch_id = await send(client, csv([(GOOD[0], "x"), (GOOD[1], "y")]))
    assert [line[0] for line in await report(client, batch_id, msisdn=GOOD[1])] == [GOOD[1]]


async def test_report_accepts_post_too(client):
    _, _, batch_id = await send(client, csv([(GOOD[0], "x")]))
    form = urlencode({**AUTH, "batch_id": batch_id})
    response = await client.post(REPORT, content=form, headers=FORM)
    assert response.text.startswith("0|Returns to follow")


async def test_repeated_texts_are_stored_once(client, env):
    _, _, batch_id = await send(client, csv([(n, "same text") for n in GOOD[:3]]))
    sandbox = _sandbox(client)
    bodies = sandbox.batches[int(batch_id)].bodies
    assert bodies[0] is bodies[1] is bodies[2]


@pytest.mark.parametrize(("fault", "status"), [("rate_limit", 429), ("server_errors", 500)])
async def test_injected_faults_are_plain_non_200_answers(client, env, fault, status):
    setattr(env.faults, fault, 1)
    env.faults.retry_after = 3
    response = await client.post(SEND, content=urlencode(AUTH), headers=FORM)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/plain")
    assert ("retry-after" in response.headers) == (status == 429)


def test_split_line_reads_quoted_escaped_and_bare_values():
    assert split_line('"a,b","c\\"d",e , ""') == ["a,b", 'c"d', "e", ""]
    assert split_line('"x\\\\n"') == ["x\\n"]
    assert split_line('"open') is None


@pytest.mark.loopback
async def test_round_trip_over_loopback(loopback_sandbox):
    sb = loopback_sandbox(providers=["/bulksms"])
    async with httpx.AsyncClient(base_url=sb.url + "/bulksms") as c:
        form = urlencode({**AUTH, "batch_data": csv([(GOOD[0], "x")]), "stop_dup_id": "5"})
        first = await c.post("/submission/send_batch/1/1.0", content=form, headers=FORM)
        again = await c.post("/submission/send_batch/1/1.0", content=form, headers=FORM)
        assert first.text == again.text
        code, _, batch_id = first.text.split("|")
        assert code == "0"
        sb.env.clock.advance(60)
        got = await c.get("/status_reports/get_report/2/2.0", params={**AUTH, "batch_id": batch_id})
    assert got.text.startswith("0|Returns to follow\n\n" + GOOD[0] + "|")


def _sandbox(client: httpx.AsyncClient) -> BulkSmsSandbox:
    """The simulator behind the in-process client."""
    sandbox: BulkSmsSandbox = mounted(client._transport, "/bulksms").state.bulksms
    return sandbox
