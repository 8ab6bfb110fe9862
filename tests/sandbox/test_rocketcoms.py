"""The RocketCOMS simulator on the wire: auth, uploads, line errors, status rules, the clock."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.sandbox.core import SandboxClock, SandboxEnv
from app.sandbox.inprocess import IN_PROCESS_URL
from tests.sandbox.rig import wire_client

BASE = "/rocketcoms/v1"
CAMPAIGN = "05ee2300-51cd-4021-b28d-11597cf9a175"
BASIC = "Basic " + base64.b64encode(b"sandbox:sandbox").decode()
START = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)


def csv_file(text: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("batch.csv", text.encode(), "text/csv")}


def good_rows(count: int, message: str = "Spring sale") -> str:
    return "".join(f"+1202555{i:04d},{message} {i}\n" for i in range(count))


@pytest.fixture
def env() -> SandboxEnv:
    return SandboxEnv(clock=SandboxClock(START, frozen=True))


@pytest.fixture
async def client(env: SandboxEnv) -> AsyncIterator[httpx.AsyncClient]:
    async with wire_client(
        env, "/rocketcoms", base_url=IN_PROCESS_URL, headers={"Authorization": BASIC}
    ) as http:
        yield http


async def upload(
    client: httpx.AsyncClient, text: str, *, action: str = "SCHEDULE", **params: str
) -> httpx.Response:
    query = {
        "campaignId": CAMPAIGN,
        "externalId": "ext-1",
        "startDate": "2030-01-01",
        "action": action,
        **params,
    }
    return await client.post(f"{BASE}/batches", params=query, files=csv_file(text))


async def created(client: httpx.AsyncClient, text: str, **params: str) -> str:
    response = await upload(client, text, **params)
    assert response.status_code == 201, response.text
    return str(response.json()["result"]["id"])


async def status_of(client: httpx.AsyncClient, batch_id: str) -> str:
    return str((await client.get(f"{BASE}/batches/{batch_id}")).json()["status"])


async def insights(client: httpx.AsyncClient, batch_id: str) -> dict[str, int]:
    response = await client.get(f"{BASE}/insights/campaigns/{batch_id}")
    return dict(response.json()["result"])


# -- auth -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header",
    [
        None,
        "Basic " + base64.b64encode(b"sandbox:wrong").decode(),
        "Basic not-base64!",
        "Bearer nope",
    ],
)
async def test_bad_credentials_get_401_in_rocketcoms_error_format(client, header):
    headers = {"Authorization": header} if header else {}
    client.headers.pop("Authorization")
    response = await client.get(f"{BASE}/batches", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == "UNAUTHORIZED"
    assert set(body) == {"status", "traceId", "message", "timestamp"}
    assert uuid.UUID(body["traceId"])


async def test_bearer_sandbox_token_is_accepted(client):
    response = await client.get(f"{BASE}/batches", headers={"Authorization": "Bearer sandbox"})
    assert response.status_code == 200
    assert response.json()["status"] == "0000"


# -- uploads ----------------------------------------------------------------------------------
async def test_create_answers_the_documented_envelope(client):
    response = await upload(client, good_rows(3), description="Spring Sale", action="VALIDATE")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "0010"
    assert body["message"] == "Batch created. CSV file is in progress"
    result = body["result"]
    assert result["campaignId"] == CAMPAIGN
    assert result["externalId"] == "ext-1"
    assert result["description"] == "Spring Sale"
    assert result["status"] == "CREATED"
    assert result["createdAt"] == "2030-01-01T08:00:00.000Z"


@pytest.mark.parametrize("missing", ["campaignId", "externalId", "startDate"])
async def test_create_requires_its_query_parameters(client, missing):
    response = await upload(client, good_rows(1), **{missing: ""})
    assert response.status_code == 400
    assert response.json()["status"] == "BAD_REQUEST"
    assert missing in response.json()["message"]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"campaignId": "not-a-uuid"}, "campaignId"),
        ({"startDate": "2029-12-31"}, "past"),
        ({"startDate": "01/01/2030"}, "YYYY-MM-DD"),
        ({"endDate": "2029-12-31"}, "before startDate"),
        ({"startTime": "09:00"}, "together"),
        ({"startTime": "09:00", "endTime": "09:00"}, "differ"),
        ({"startTime": "9", "endTime": "10:00"}, "hh:mm"),
        ({"shortlink": "yes"}, "shortlink"),
        ({"action": "SEND"}, "VALIDATE or SCHEDULE"),
    ],
)
async def test_bad_batch_settings_are_refused(client, params, words):
    response = await upload(client, good_rows(1), **params)
    assert response.status_code == 400
    assert words in response.json()["message"]


async def test_upload_needs_a_multipart_file_part(client):
    query = {"campaignId": CAMPAIGN, "externalId": "x", "startDate": "2030-01-01"}
    not_multipart = await client.post(f"{BASE}/batches", params=query, content=b"+1,hi")
    assert not_multipart.status_code == 400
    wrong_part = await client.post(
        f"{BASE}/batches", params=query, files={"data": ("a.csv", b"+12025550100,hi")}
    )
    assert wrong_part.status_code == 400
    assert "file" in wrong_part.json()["message"]


@pytest.mark.parametrize(
    ("content", "words"), [(b"", "no lines"), (b"\xff\xfe\x00bad", "UTF-8"), (b"\n\n", "no lines")]
)
async def test_unusable_files_are_refused(client, content, words):
    query = {"campaignId": CAMPAIGN, "externalId": "x", "startDate": "2030-01-01"}
    response = await client.post(
        f"{BASE}/batches", params=query, files={"file": ("a.csv", content)}
    )
    assert response.status_code == 400
    assert words in response.json()["message"]


async def test_unregistered_campaign_gets_403(client, env):
    env.settings["rocketcoms.unregistered_campaigns"] = [CAMPAIGN]
    response = await upload(client, good_rows(1))
    assert response.status_code == 403
    assert response.json()["status"] == "FORBIDDEN"


# -- line errors ------------------------------------------------------------------------------
BAD_FILE = (
    "+12025550100,Fine\n"  # 1
    "\n"  # 2 blank: skipped, still counted
    "12,Bad phone\n"  # 3
    "+12025550101,\n"  # 4 empty message
    "+12025550102\n"  # 5 one field
    '+12025550103,"quoted, with comma"\n'  # 6
    "+12025550104," + "x" * 919 + "\n"  # 7 too long
    '+12025550105,"spans\ntwo lines"\n'  # 8-9: a quoted line feed
    "+12025550106,a,b\n"  # 10 three fields
    "2025550107,National number\\nsecond line\n"  # 11
)


async def test_errors_name_the_file_line_and_reason(client):
    batch_id = await created(client, BAD_FILE, action="VALIDATE")
    terse = (await client.get(f"{BASE}/batches/{batch_id}/errors")).json()["result"]
    assert terse["fileErrors"] == 5
    assert "content" not in terse
    verbose = await client.get(
        f"{BASE}/batches/{batch_id}/errors", params={"verbose": "true", "pageSize": "100"}
    )
    content = verbose.json()["result"]["content"]
    assert [e["line"] for e in content] == [3, 4, 5, 7, 10]
    messages = [e["detailMessage"] for e in content]
    assert "Invalid phone number '12'" in messages[0]
    assert "empty" in messages[1]
    assert "found 1" in messages[2]
    assert "919 characters; the limit is 918" in messages[3]
    assert "found 3" in messages[4]


async def test_errors_page_through(client):
    text = "".join(f"bad{i},hello\n" for i in range(25))
    batch_id = await created(client, text, action="VALIDATE")
    lines = []
    for page in range(3):
        result = (
            await client.get(
                f"{BASE}/batches/{batch_id}/errors",
                params={"verbose": "true", "page": str(page), "pageSize": "10"},
            )
        ).json()["result"]
        assert result["total"] == 25
        lines += [e["line"] for e in result["content"]]
    assert lines == list(range(1, 26))


async def test_message_length_limit_is_a_setting(client, env):
    env.settings["rocketcoms.max_message_length"] = 5
    batch_id = await created(client, "+12025550100,123456\n", action="VALIDATE")
    report = (await client.get(f"{BASE}/batches/{batch_id}/report")).json()["result"]
    assert report["content"][0]["status"] == "LENGTH-ERROR"


async def test_report_keeps_decoded_text_and_rejections(client):
    batch_id = await created(client, BAD_FILE)
    report = await client.get(f"{BASE}/batches/{batch_id}/report", params={"pageSize": "50"})
    rows = report.json()["result"]["content"]
    assert len(rows) == 9
    by_number = {r["destinationNumber"]: r for r in rows}
    assert by_number[12025550107]["messageText"] == "National number\nsecond line"
    assert by_number[12025550107]["destinationFormat"] == 1
    assert by_number[12025550105]["messageText"] == "spans\ntwo lines"
    assert by_number[12025550103]["messageText"] == "quoted, with comma"
    assert by_number[12]["status"] == "INVALID-INPUT"
    assert by_number[12]["destinationFormat"] == 0
    assert by_number[12025550104]["status"] == "LENGTH-ERROR"
    assert {r["status"] for r in rows} == {"PENDING", "INVALID-INPUT", "LENGTH-ERROR"}


# -- status rules -----------------------------------------------------------------------------
async def test_only_a_created_batch_can_be_updated_or_deleted(client):
    batch_id = await created(client, good_rows(2))
    assert await status_of(client, batch_id) == "PENDING"
    patch = await client.patch(f"{BASE}/batches/{batch_id}", files=csv_file(good_rows(1)))
    assert patch.status_code == 400
    assert patch.json()["status"] == "INVALID_BATCH_STATUS"
    delete = await client.delete(f"{BASE}/batches/{batch_id}")
    assert delete.status_code == 400
    assert "CREATED" in delete.json()["message"]


async def test_patch_replaces_the_file_then_schedules(client):
    batch_id = await created(client, "bad,hi\n", action="VALIDATE")
    patch = await client.patch(
        f"{BASE}/batches/{batch_id}",
        params={"action": "VALIDATE", "description": "Fixed"},
        files=csv_file(good_rows(4)),
    )
    assert patch.status_code == 200
    assert patch.json()["result"]["status"] == "CREATED"
    assert patch.json()["result"]["description"] == "Fixed"
    errors = (await client.get(f"{BASE}/batches/{batch_id}/errors")).json()["result"]
    assert errors["fileErrors"] == 0
    scheduled = await client.patch(
        f"{BASE}/batches/{batch_id}", params={"action": "SCHEDULE"}, files=csv_file(good_rows(4))
    )
    assert scheduled.json()["result"]["status"] == "PENDING"
    assert (await insights(client, batch_id))["submitted"] == 4


async def test_patch_refuses_a_past_start_without_touching_the_batch(client, env):
    batch_id = await created(client, good_rows(2), action="VALIDATE")
    env.clock.advance(2 * 86400)
    patch = await client.patch(
        f"{BASE}/batches/{batch_id}", params={"action": "SCHEDULE"}, files=csv_file("x,y\n")
    )
    assert patch.status_code == 400
    assert "past" in patch.json()["message"]
    assert await status_of(client, batch_id) == "CREATED"
    assert (await insights(client, batch_id))["submitted"] == 2


async def test_delete_answers_the_documented_text(client):
    batch_id = await created(client, good_rows(1), action="VALIDATE")
    response = await client.delete(f"{BASE}/batches/{batch_id}")
    assert response.status_code == 200
    assert response.text == "Batch was successfully deleted"
    missing = await client.get(f"{BASE}/batches/{batch_id}")
    assert missing.status_code == 404
    assert missing.json()["status"] == "NOT_FOUND"


async def test_a_file_without_a_sendable_line_ends_in_error(client):
    batch_id = await created(client, "bad,one\nworse,two\n")
    assert await status_of(client, batch_id) == "ERROR"


# -- the clock --------------------------------------------------------------------------------
async def test_batch_sends_only_inside_its_daily_window(client, env):
    env.settings["rocketcoms.send_rate_per_minute"] = 600
    batch_id = await created(client, good_rows(1000), startTime="09:00", endTime="09:01")
    assert await status_of(client, batch_id) == "PENDING"
    env.clock.advance(3600 + 30)  # 09:00:30
    assert await status_of(client, batch_id) == "IN_PROCESS"
    assert (await insights(client, batch_id))["sent"] == 300
    env.clock.advance(3 * 3600)  # 12:00:30: the window closed after 600
    counts = await insights(client, batch_id)
    assert (counts["sent"], counts["inProgress"]) == (600, 400)
    assert await status_of(client, batch_id) == "IN_PROCESS"
    env.clock.advance(21 * 3600 + 10)  # next day 09:00:40
    batch = (await client.get(f"{BASE}/batches/{batch_id}")).json()
    assert batch["status"] == "COMPLETED"
    assert batch["finishedAt"] == "2030-01-02T09:00:40.000Z"
    assert batch["startTime"] == "09:00:00"


async def test_start_date_waits_for_its_day(client, env):
    batch_id = await created(client, good_rows(10), startDate="2030-01-03")
    env.clock.advance(86400)
    assert await status_of(client, batch_id) == "PENDING"
    env.clock.advance(86400)  # 2030-01-03 08:00
    assert await status_of(client, batch_id) == "COMPLETED"
    report = (await client.get(f"{BASE}/batches/{batch_id}/report")).json()["result"]
    assert report["content"][0]["sentAt"] == "2030-01-03T00:00:00.100Z"


async def test_end_date_stops_sending_and_fails_the_rest(client, env):
    env.settings["rocketcoms.send_rate_per_minute"] = 1
    batch_id = await created(
        client, good_rows(5), endDate="2030-01-01", startTime="23:57", endTime="23:59"
    )
    env.clock.advance(86400)
    batch = (await client.get(f"{BASE}/batches/{batch_id}")).json()
    assert batch["status"] == "COMPLETED"
    assert batch["finishedAt"] == "2030-01-02T00:00:00.000Z"
    counts = await insights(client, batch_id)
    assert (counts["sent"], counts["failed"], counts["inProgress"]) == (2, 3, 0)
    report = (await client.get(f"{BASE}/batches/{batch_id}/report")).json()["result"]
    assert [r["status"] for r in report["content"]] == ["DELIVERED"] * 2 + ["FAILED"] * 3


async def test_network_failures_are_kept_per_recipient(client, env):
    env.failure_percent = 100
    batch_id = await created(client, good_rows(3) + "bad,x\n")
    env.clock.advance(60)
    counts = await insights(client, batch_id)
    assert counts == {
        "submitted": 4,
        "processed": 4,
        "rejected": 1,
        "sent": 3,
        "delivered": 0,
        "failed": 3,
        "inProgress": 0,
    }
    report = (await client.get(f"{BASE}/batches/{batch_id}/report")).json()["result"]
    assert [r["status"] for r in report["content"]] == ["FAILED"] * 3 + ["INVALID-INPUT"]


# -- listing ----------------------------------------------------------------------------------
async def test_list_filters_sorts_and_pages(client, env):
    other = str(uuid.uuid4())
    first = await created(client, good_rows(1), action="VALIDATE")
    env.clock.advance(1)
    second = await created(client, good_rows(1), startDate="2030-01-05")
    env.clock.advance(1)
    third = await created(client, good_rows(1), campaignId=other, endDate="2030-02-01")

    async def ids(**params: str) -> list[str]:
        body = (await client.get(f"{BASE}/batches", params=params)).json()
        assert body["status"] == "0000"
        return [row["id"] for row in body["result"]["content"]]

    assert await ids() == [first, second, third]
    assert await ids(sortBy="createdAt", sortDir="desc") == [third, second, first]
    assert await ids(campaignId=other) == [third]
    assert await ids(status="CREATED") == [first]
    assert await ids(startDateFrom="2030-01-02") == [second]
    assert await ids(endDateTo="2030-03-01") == [third]
    assert await ids(page="1", pageSize="2") == [third]
    bad = await client.get(f"{BASE}/batches", params={"status": "LOST"})
    assert bad.status_code == 400
    too_big = await client.get(f"{BASE}/batches", params={"pageSize": "100000"})
    assert too_big.status_code == 400


# -- faults in RocketCOMS's format ------------------------------------------------------------
async def test_injected_faults_use_the_error_body(client, env):
    env.faults.rate_limit = 1
    env.faults.retry_after = 3
    env.faults.server_errors = 1
    limited = await client.get(f"{BASE}/batches")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert limited.json()["status"] == "TOO_MANY_REQUESTS"
    failed = await client.get(f"{BASE}/batches")
    assert failed.status_code == 500
    assert failed.json()["status"] == "INTERNAL_SERVER_ERROR"


@pytest.mark.loopback
async def test_round_trip_on_a_real_server(loopback_sandbox):
    sb = loopback_sandbox(SandboxEnv(clock=SandboxClock(START, frozen=True)), ["/rocketcoms"])
    async with httpx.AsyncClient(base_url=sb.url, headers={"Authorization": BASIC}) as http:
        batch_id = await created(http, BAD_FILE, action="VALIDATE")
        errors = await http.get(f"{BASE}/batches/{batch_id}/errors", params={"verbose": "true"})
        assert [e["line"] for e in errors.json()["result"]["content"]] == [3, 4, 5, 7, 10]
        sb.env.clock.advance(timedelta(minutes=1).total_seconds())
        assert (await http.delete(f"{BASE}/batches/{batch_id}")).text == (
            "Batch was successfully deleted"
        )
