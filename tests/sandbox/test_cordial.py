"""The Cordial simulator's wire format and rules, spoken to directly over HTTP."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.sandbox.audience import Audience
from app.sandbox.cordial import fault_response
from app.sandbox.core import SandboxClock, SandboxEnv, network_outcome
from app.sandbox.inprocess import IN_PROCESS_URL
from tests.sandbox.rig import wire_client

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BASE = f"{IN_PROCESS_URL}/cordial/v2/batchmessages"


def basic(user: str, password: str = "") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


AUTH = basic("sandbox")


def sms(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "sms",
        "classification": "promotional",
        "name": "spring",
        "tags": ["t1"],
        "audience-key": "all-sms",
        "message": {"content": {"text/plain": "Hello"}},
    }
    body.update(overrides)
    return body


@pytest.fixture
def env() -> SandboxEnv:
    return SandboxEnv(clock=SandboxClock(START, frozen=True))


@pytest.fixture
async def http(env: SandboxEnv) -> AsyncIterator[httpx.AsyncClient]:
    async with wire_client(env, "/cordial", headers=AUTH) as client:
        yield client


async def create(http: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await http.post(BASE, json=sms(**overrides))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def put(http: httpx.AsyncClient, msg_id: str, action: str) -> httpx.Response:
    return await http.put(f"{BASE}/{msg_id}/{action}")


def assert_error(response: httpx.Response, status: int, key: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] is True
    assert body["errorKey"] == key
    assert body["message"]


async def test_post_creates_a_draft_with_an_id_and_the_audience_size(http: httpx.AsyncClient):
    data = await create(http)
    assert data["status"] == "draft"
    assert data["id"].startswith("252:") and data["id"].endswith(":ot")
    assert data["stats"] == {"total": 1000, "sent": 0, "delivered": 0, "failed": 0}
    again = await create(http)
    assert again["id"] != data["id"]  # a repeated POST makes another message


@pytest.mark.parametrize(
    "headers",
    [{}, basic("wrong"), basic("sandbox", "not-empty"), {"Authorization": "Bearer sandbox"}],
)
async def test_anything_but_the_key_with_an_empty_password_is_refused(env, headers):
    async with wire_client(env, "/cordial") as client:
        response = await client.get(BASE, headers=headers)
    assert_error(response, 401, "UNAUTHORIZED")


@pytest.mark.parametrize(
    ("overrides", "status", "key"),
    [
        (
            {"classification": "transactional"},
            422,
            "BATCH_MESSAGES_SMS_TRANSACTIONAL_MESSAGES_NOT_ALLOWED",
        ),
        ({"channel": "whatsapp"}, 422, "CHANNELS_KEY_NOT_FOUND"),
        ({"audience-key": "nobody"}, 422, "BATCH_MESSAGES_AUDIENCE_NOT_FOUND"),
        ({"audience": {"include": ["x"]}}, 422, "BATCH_MESSAGES_AUDIENCE_FILTER_CONFLICT"),
        ({"schedule": "2026-03-02T08:00:00+0000"}, 422, "BATCH_MESSAGES_SCHEDULE_ERROR"),
        ({"schedule": "next tuesday"}, 422, "BATCH_MESSAGES_SCHEDULE_ERROR"),
        ({"message": {"content": {"text/html": "<p>x</p>"}}}, 422, "VALIDATION_ERROR"),
        ({"channel": ""}, 422, "VALIDATION_ERROR"),
    ],
)
async def test_a_body_cordial_refuses_gets_its_error_key(http, overrides, status, key):
    response = await http.post(BASE, json=sms(**overrides))
    assert_error(response, status, key)
    if key == "BATCH_MESSAGES_AUDIENCE_NOT_FOUND":
        assert response.json()["message"] == "Audience with name: 'nobody' does not exist."


async def test_malformed_json_is_refused_in_cordials_format(http):
    response = await http.post(BASE, content=b"{nope", headers={"Content-Type": "application/json"})
    assert_error(response, 422, "VALIDATION_ERROR")


async def test_unknown_message_is_record_not_found(http):
    for method, path in [("GET", ""), ("PUT", "/send"), ("DELETE", "")]:
        response = await http.request(method, f"{BASE}/252:0:ot{path}")
        assert_error(response, 404, "RECORD_NOT_FOUND")


async def test_send_without_schedule_is_pending_then_processing_then_sent(http, env):
    env.settings["cordial.audiences"] = {"small": 1200}
    msg = await create(http, **{"audience-key": "small"})
    response = await put(http, msg["id"], "send")
    assert response.json()["status"] == "pending"
    env.clock.advance(59)
    assert (await http.get(f"{BASE}/{msg['id']}")).json()["status"] == "pending"
    env.clock.advance(1 + 30)  # out of the queue, then 30 s at 600/min
    data = (await http.get(f"{BASE}/{msg['id']}")).json()
    assert data["status"] == "processing"
    assert data["stats"]["sent"] == 300
    env.clock.advance(90)
    data = (await http.get(f"{BASE}/{msg['id']}")).json()
    assert data["status"] == "sent"
    failed = sum(
        network_outcome(f"+4474{i:08d}", env.failure_percent) is not None for i in range(1200)
    )
    assert data["stats"] == {
        "total": 1200,
        "sent": 1200,
        "delivered": 1200 - failed,
        "failed": failed,
    }


async def test_send_with_schedule_waits_for_its_time(http, env):
    start = START + timedelta(hours=2)
    msg = await create(http, schedule=start.strftime("%Y-%m-%dT%H:%M:%S+0000"))
    assert (await put(http, msg["id"], "send")).json()["status"] == "scheduled"
    env.clock.advance(7199)
    assert (await http.get(f"{BASE}/{msg['id']}")).json()["status"] == "scheduled"
    env.clock.advance(61)
    data = (await http.get(f"{BASE}/{msg['id']}")).json()
    assert data["status"] == "processing"
    assert data["stats"]["sent"] == 600


async def test_a_schedule_that_passed_before_send_is_refused(http, env):
    msg = await create(http, schedule=(START + timedelta(minutes=5)).isoformat())
    env.clock.advance(600)
    assert_error(await put(http, msg["id"], "send"), 422, "BATCH_MESSAGES_SCHEDULE_ERROR")


async def test_schedule_type_takes_contact_tz_with_a_schedule_only(http, env):
    later = (START + timedelta(hours=2)).isoformat()
    msg = await create(http, schedule=later, scheduleType="contactTZ")
    assert msg["scheduleType"] == "contactTZ"
    response = await http.post(BASE, json=sms(schedule=later, scheduleType="recipientTZ"))
    assert_error(response, 422, "VALIDATION_ERROR")
    response = await http.post(BASE, json=sms(scheduleType="contactTZ"))
    assert_error(response, 422, "BATCH_MESSAGES_SCHEDULE_ERROR")


async def to_status(http: httpx.AsyncClient, env: SandboxEnv, status: str) -> str:
    """A message in ``status`` (a 1000-contact audience: processing lasts 100 s)."""
    schedule = (START + timedelta(hours=1)).isoformat() if status in ("scheduled",) else None
    msg = await create(http, **({"schedule": schedule} if schedule else {}))
    if status == "draft":
        return str(msg["id"])
    await put(http, msg["id"], "send")
    if status in ("processing", "paused", "sent"):
        env.clock.advance(61)
    if status == "paused":
        await put(http, msg["id"], "pause")
    if status == "cancelled":
        await put(http, msg["id"], "cancel")
    if status == "sent":
        env.clock.advance(200)
    got = (await http.get(f"{BASE}/{msg['id']}")).json()["status"]
    assert got == status
    return str(msg["id"])


ALLOWED = {
    "pause": {"pending", "processing"},
    "resume": {"paused"},
    "cancel": {"scheduled", "pending", "processing", "paused"},
    "unschedule": {"scheduled"},
    "send": {"draft"},
}
STATUSES = ["draft", "scheduled", "pending", "processing", "paused", "cancelled", "sent"]


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("status", STATUSES)
async def test_each_action_is_accepted_only_in_its_statuses(http, env, action, status):
    msg_id = await to_status(http, env, status)
    response = await put(http, msg_id, action)
    if status in ALLOWED[action]:
        assert response.status_code == 200, response.text
        return
    expected = "BATCH_MESSAGES_STATUS_ERROR"
    if action == "unschedule" and status == "processing":
        expected = "BATCH_MESSAGES_CANNOT_UNSCHEDULE_PROCESSING_MESSAGE"
    if action == "send":  # the status it would have moved to
        target = "SCHEDULED" if status == "scheduled" else "PENDING"
        expected = f"BATCH_MESSAGES_CANNOT_UPDATE_STATUS_TO_{target}"
    assert_error(response, 409, expected)


async def test_status_error_messages_follow_the_seed(http, env):
    msg_id = await to_status(http, env, "cancelled")
    assert (await put(http, msg_id, "resume")).json()["message"] == (
        "Message canceled and can't be resumed"
    )
    assert (await put(http, msg_id, "cancel")).json()["message"] == "Message already canceled"


@pytest.mark.parametrize("status", STATUSES)
async def test_put_and_delete_only_in_draft(http, env, status):
    msg_id = await to_status(http, env, status)
    update = await http.put(f"{BASE}/{msg_id}", json={"name": "renamed"})
    delete = await http.delete(f"{BASE}/{msg_id}")
    if status == "draft":
        assert update.json()["name"] == "renamed"
        assert delete.status_code == 204
        assert_error(await http.get(f"{BASE}/{msg_id}"), 404, "RECORD_NOT_FOUND")
    else:
        assert_error(update, 409, "BATCH_MESSAGES_CANNOT_EDIT_SENT_MESSAGE")
        assert_error(delete, 409, "BATCH_MESSAGES_REMOVE_REQUEST_NOT_ALLOWED")


async def test_put_validates_the_merged_body(http):
    msg = await create(http)
    response = await http.put(f"{BASE}/{msg['id']}", json={"classification": "transactional"})
    assert_error(response, 422, "BATCH_MESSAGES_SMS_TRANSACTIONAL_MESSAGES_NOT_ALLOWED")


async def test_unschedule_returns_to_an_editable_draft(http, env):
    msg_id = await to_status(http, env, "scheduled")
    assert (await put(http, msg_id, "unschedule")).json()["status"] == "draft"
    update = await http.put(f"{BASE}/{msg_id}", json={"message": {"content": {"text/plain": "B"}}})
    assert update.json()["message"]["content"]["text/plain"] == "B"


async def test_pause_stops_delivery_and_resume_continues_where_it_stopped(http, env):
    msg_id = await to_status(http, env, "processing")  # 1 s into processing
    env.clock.advance(9)
    paused = (await put(http, msg_id, "pause")).json()
    assert paused["stats"]["sent"] == 100
    env.clock.advance(3600)
    assert (await http.get(f"{BASE}/{msg_id}")).json()["stats"]["sent"] == 100
    resumed = (await put(http, msg_id, "resume")).json()
    assert resumed["status"] == "processing"
    env.clock.advance(10)
    assert (await http.get(f"{BASE}/{msg_id}")).json()["stats"]["sent"] == 200
    env.clock.advance(3600)
    done = (await http.get(f"{BASE}/{msg_id}")).json()
    assert done["status"] == "sent" and done["stats"]["sent"] == 1000


async def test_a_message_paused_while_pending_goes_back_to_the_queue(http, env):
    msg_id = await to_status(http, env, "pending")
    await put(http, msg_id, "pause")
    env.clock.advance(3600)
    assert (await put(http, msg_id, "resume")).json()["status"] == "pending"


async def test_sendtest_needs_one_list_of_contact_identifiers(http):
    msg = await create(http)
    ok = await http.put(f"{BASE}/{msg['id']}/sendtest", json={"cID": ["a", "b"]})
    assert ok.json() == {"success": True, "sent": 2}
    assert_error(
        await http.put(f"{BASE}/{msg['id']}/sendtest", json={}), 422, "BATCH_MESSAGES_TEST_ERROR"
    )
    assert (await http.get(f"{BASE}/{msg['id']}")).json()["status"] == "draft"


async def test_list_filters_sorts_and_pages(http, env):
    first = await create(http, tags=["a"])
    env.clock.advance(10)
    second = await create(http, tags=["b"])
    await put(http, second["id"], "send")
    env.clock.advance(10)
    third = await create(http, tags=["a"])

    async def ids(**params: str) -> list[str]:
        response = await http.get(BASE, params=params)
        return [m["id"] for m in response.json()]

    assert await ids() == [first["id"], second["id"], third["id"]]
    assert await ids(sort_by="ct", sort_dir="desc") == [third["id"], second["id"], first["id"]]
    assert await ids(tags="a") == [first["id"], third["id"]]
    assert await ids(status="pending") == [second["id"]]
    assert await ids(page="2", per_page="2") == [third["id"]]
    assert await ids(**{"ct[gt]": (START + timedelta(seconds=5)).isoformat()}) == [
        second["id"],
        third["id"],
    ]
    env.clock.advance(60)
    assert await ids(**{"sendTime[gte]": START.isoformat()}) == [second["id"]]


async def test_rate_limit_headers_count_down_and_429_carries_retry_after(http, env):
    env.settings["cordial.rate_limit_per_minute"] = 2
    first = await http.get(BASE)
    assert first.headers["X-Rate-Limit-Limit"] == "2"
    assert first.headers["X-Rate-Limit-Remaining"] == "1"
    assert first.headers["X-Rate-Limit-Reset"] == "60"
    assert (await http.post(BASE, json=sms())).status_code == 200  # another endpoint+method
    await http.get(BASE)
    limited = await http.get(BASE)
    assert_error(limited, 429, "EXCEEDED_RATE_LIMIT")
    assert limited.headers["Retry-After"] == "60"
    env.clock.advance(60)
    assert (await http.get(BASE)).status_code == 200


@pytest.mark.parametrize(("status", "key"), [(429, "EXCEEDED_RATE_LIMIT"), (500, "INTERNAL_ERROR")])
async def test_injected_faults_speak_cordials_error_format(http, env, status, key):
    env.faults.rate_limit = 1 if status == 429 else 0
    env.faults.server_errors = 1 if status == 500 else 0
    response = await http.get(BASE)
    assert_error(response, status, key)
    if status == 429:
        assert response.headers["Retry-After"] == "1"
    rendered = fault_response(429, 2.5)
    assert rendered.headers["retry-after"] == "2.5"
    assert json.loads(bytes(rendered.body))["errorKey"] == "EXCEEDED_RATE_LIMIT"


def test_a_million_contact_audience_counts_failures_only_as_far_as_sent():
    audience = Audience.of(1_000_000, failure_percent=2)
    assert audience.phone(999_999) == "+447400999999"
    failed = audience.failed_before(2000)
    assert failed == sum(network_outcome(audience.phone(i), 2) is not None for i in range(2000))
    assert len(audience._failed_prefix) == 2001
    assert audience.failed_before(10) <= failed


def test_a_listed_audience_uses_its_own_numbers():
    audience = Audience.of(["+447400000001", "not a number"], failure_percent=0)
    assert audience.size == 2
    assert audience.failed_before(5) == 1  # the invalid one fails as an unknown number
