"""The Batch (batch.com) simulator's wire format and rules, spoken to directly over HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.sandbox.batchcom import fault_response, targeted_audience
from app.sandbox.core import SandboxClock, SandboxEnv, network_outcome
from app.sandbox.inprocess import IN_PROCESS_URL
from tests.sandbox.rig import wire_client

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BASE = f"{IN_PROCESS_URL}/batch/2.8"
AUTH = {"Authorization": "Bearer sandbox", "X-Batch-Project": "sandbox"}


def campaign(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Spring",
        "state": "DRAFT",
        "send_rate": 1000,
        "when": {"local_time": False},
        "targeting": {},
        "messages": [{"channel_type": "sms", "message": {"body": "Hello"}}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def env() -> SandboxEnv:
    return SandboxEnv(clock=SandboxClock(START, frozen=True))


@pytest.fixture
async def http(env: SandboxEnv) -> AsyncIterator[httpx.AsyncClient]:
    async with wire_client(env, "/batch", headers=AUTH) as client:
        yield client


async def create(http: httpx.AsyncClient, **overrides: Any) -> str:
    response = await http.post(f"{BASE}/campaigns/create", json=campaign(**overrides))
    assert response.status_code == 200, response.text
    campaign_id: str = response.json()["id"]
    return campaign_id


async def update(http: httpx.AsyncClient, campaign_id: str, **fields: Any) -> httpx.Response:
    return await http.post(f"{BASE}/campaigns/update", json={"id": campaign_id, "campaign": fields})


async def view(http: httpx.AsyncClient, campaign_id: str) -> dict[str, Any]:
    response = await http.get(f"{BASE}/orchestrations/view", params={"id": campaign_id})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def stats(http: httpx.AsyncClient, campaign_id: str, first: str, last: str) -> httpx.Response:
    params = {"id": campaign_id, "from": first, "to": last}
    return await http.get(f"{BASE}/orchestrations/stats", params=params)


def sent_of(response: httpx.Response) -> int:
    return sum(day["sent"] for day in response.json()["details"])


def assert_error(response: httpx.Response, status: int, name: str, code: int) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["name"], error["code"]) == (name, code)
    assert error["message"]


async def test_create_answers_an_orchestration_id_and_view_shows_a_draft(http):
    campaign_id = await create(http)
    assert campaign_id.startswith("orchestration_")
    data = await view(http, campaign_id)
    assert data["status"] == "draft" and data["name"] == "Spring" and data["channels"] == ["sms"]
    assert data["created_date"] == START.isoformat()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sandbox"},
        {"X-Batch-Project": "sandbox"},
        {"Authorization": "Bearer wrong", "X-Batch-Project": "sandbox"},
        {"Authorization": "Basic sandbox", "X-Batch-Project": "sandbox"},
        {"Authorization": "Bearer sandbox", "X-Batch-Project": "project_other"},
    ],
)
async def test_authentication_is_checked_before_anything_else(env, headers):
    async with wire_client(env, "/batch") as client:
        for path in ("/campaigns/create", "/no/such/route"):
            response = await client.post(f"{BASE}{path}", content=b"{not json", headers=headers)
            assert_error(response, 401, "AUTHENTICATION_INVALID", 10)


async def test_unknown_routes_and_methods_are_route_not_found(http):
    assert_error(await http.get(f"{BASE}/campaigns/list"), 404, "ROUTE_NOT_FOUND", 20)
    assert_error(await http.get(f"{BASE}/campaigns/create"), 404, "ROUTE_NOT_FOUND", 20)


@pytest.mark.parametrize(
    ("overrides", "name", "code"),
    [
        ({"name": ""}, "MISSING_PARAMETER", 30),
        ({"messages": []}, "MISSING_PARAMETER", 30),
        ({"when": None}, "MISSING_PARAMETER", 30),
        ({"messages": [{"channel_type": "sms", "message": {}}]}, "MISSING_PARAMETER", 30),
        ({"state": "PAUSED"}, "MALFORMED_PARAMETER", 31),
        ({"send_rate": 999}, "MALFORMED_PARAMETER", 31),
        ({"send_rate": 1_000_001}, "MALFORMED_PARAMETER", 31),
        ({"send_rate": "fast"}, "MALFORMED_PARAMETER", 31),
        ({"when": {"start_time": "soon"}}, "MALFORMED_PARAMETER", 31),
        ({"when": {"local_time": "yes"}}, "MALFORMED_PARAMETER", 31),
        ({"targeting": {"regions": "FR"}}, "MALFORMED_PARAMETER", 31),
        ({"targeting": {"query": []}}, "MALFORMED_PARAMETER", 31),
        ({"messages": [{"channel_type": "email", "html": "x"}]}, "MALFORMED_PARAMETER", 31),
        (
            {"state": "RUNNING", "when": {"start_time": "2026-03-02T08:00:00Z"}},
            "MALFORMED_PARAMETER",
            31,
        ),
    ],
)
async def test_a_campaign_batch_refuses_gets_its_name_and_code(http, overrides, name, code):
    response = await http.post(f"{BASE}/campaigns/create", json=campaign(**overrides))
    assert_error(response, 400, name, code)


async def test_a_body_that_is_not_json_is_malformed_json_body(http):
    for path in ("/campaigns/create", "/campaigns/update", "/campaigns/delete"):
        response = await http.post(f"{BASE}{path}", content=b"{nope")
        assert_error(response, 400, "MALFORMED_JSON_BODY", 32)


async def test_update_and_delete_need_a_known_id(http):
    assert_error(await update(http, "", state="RUNNING"), 400, "MISSING_PARAMETER", 30)
    assert_error(await update(http, "orchestration_x", state="RUNNING"), 404, "ROUTE_NOT_FOUND", 20)
    campaign_id = await create(http)
    missing = await http.post(f"{BASE}/campaigns/update", json={"id": campaign_id})
    assert_error(missing, 400, "MISSING_PARAMETER", 30)
    gone = await http.post(f"{BASE}/campaigns/delete", json={"id": "orchestration_x"})
    assert_error(gone, 404, "ROUTE_NOT_FOUND", 20)
    assert_error(await http.get(f"{BASE}/orchestrations/view"), 400, "MISSING_PARAMETER", 30)


async def test_running_sends_at_the_send_rate_and_completes(http, env):
    campaign_id = await create(http)
    assert (await update(http, campaign_id, state="RUNNING")).json() == {}
    env.clock.advance(30)
    day = START.date().isoformat()
    assert sent_of(await stats(http, campaign_id, day, day)) == 500
    assert (await view(http, campaign_id))["status"] == "running"
    env.clock.advance(30)
    assert (await view(http, campaign_id))["status"] == "completed"
    details = (await stats(http, campaign_id, day, day)).json()["details"]
    failed = sum(network_outcome(f"+4474{i:08d}", 2) is not None for i in range(1000))
    assert details == [{"date": day, "sent": 1000, "delivered": 1000 - failed, "failed": failed}]


async def test_a_start_time_makes_it_wait_then_run(http, env):
    start = (START + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    campaign_id = await create(http, state="RUNNING", when={"start_time": start})
    assert (await view(http, campaign_id))["status"] == "scheduled"
    env.clock.advance(3600 + 6)
    assert (await view(http, campaign_id))["status"] == "running"
    day = START.date().isoformat()
    assert sent_of(await stats(http, campaign_id, day, day)) == 100


async def test_stopped_is_paused_and_running_again_resumes_without_resending(http, env):
    campaign_id = await create(http, state="RUNNING")
    env.clock.advance(12)
    assert (await update(http, campaign_id, state="STOPPED")).status_code == 200
    day = START.date().isoformat()
    assert (await view(http, campaign_id))["status"] == "stopped"
    env.clock.advance(3600)
    assert sent_of(await stats(http, campaign_id, day, day)) == 200
    await update(http, campaign_id, state="RUNNING")
    env.clock.advance(6)
    assert sent_of(await stats(http, campaign_id, day, day)) == 300
    env.clock.advance(3600)
    assert sent_of(await stats(http, campaign_id, day, day)) == 1000


async def test_stopping_before_the_start_keeps_the_start_time_on_resume(http, env):
    start = (START + timedelta(hours=1)).isoformat()
    campaign_id = await create(http, state="RUNNING", when={"start_time": start})
    await update(http, campaign_id, state="STOPPED")
    await update(http, campaign_id, state="RUNNING")
    assert (await view(http, campaign_id))["status"] == "scheduled"


@pytest.mark.parametrize("status", ["scheduled", "running", "completed"])
async def test_a_running_or_completed_one_off_campaign_cannot_be_updated(http, env, status):
    when = {"start_time": (START + timedelta(hours=1)).isoformat()} if status == "scheduled" else {}
    campaign_id = await create(http, state="RUNNING", when=when)
    if status == "completed":
        env.clock.advance(3600)
    assert (await view(http, campaign_id))["status"] == status
    assert_error(await update(http, campaign_id, name="Renamed"), 403, "API_MISUSE", 12)
    assert_error(await update(http, campaign_id, state="DRAFT"), 403, "API_MISUSE", 12)
    stop = await update(http, campaign_id, state="STOPPED")
    if status == "completed":
        assert_error(stop, 403, "API_MISUSE", 12)
    else:
        assert stop.status_code == 200


async def test_drafts_and_stopped_campaigns_can_be_overwritten(http, env):
    campaign_id = await create(http)
    await update(http, campaign_id, name="Renamed", send_rate=2000)
    assert (await view(http, campaign_id))["name"] == "Renamed"
    assert_error(await update(http, campaign_id, send_rate=5), 400, "MALFORMED_PARAMETER", 31)
    await update(http, campaign_id, state="RUNNING")
    await update(http, campaign_id, state="STOPPED")
    assert (await update(http, campaign_id, name="Again", state="STOPPED")).status_code == 200
    assert (await view(http, campaign_id))["name"] == "Again"


async def test_delete_removes_in_any_state(http, env):
    for state in ("DRAFT", "RUNNING"):
        campaign_id = await create(http, state=state)
        response = await http.post(f"{BASE}/campaigns/delete", json={"id": campaign_id})
        assert response.status_code == 204
        missing = await http.get(f"{BASE}/orchestrations/view", params={"id": campaign_id})
        assert_error(missing, 404, "ROUTE_NOT_FOUND", 20)


async def test_list_pages_with_a_cursor(http):
    ids = [await create(http, name=f"c{i}") for i in range(5)]
    first = (await http.get(f"{BASE}/orchestrations/list", params={"limit": 2})).json()
    assert [o["id"] for o in first["orchestrations"]] == ids[:2]
    assert first["count"] == 2 and first["has_more"] is True
    seen = [o["id"] for o in first["orchestrations"]]
    cursor = first["next_from"]
    while cursor:
        page = (
            await http.get(f"{BASE}/orchestrations/list", params={"limit": 2, "from": cursor})
        ).json()
        seen += [o["id"] for o in page["orchestrations"]]
        cursor = page.get("next_from")
    assert seen == ids
    default = (await http.get(f"{BASE}/orchestrations/list")).json()
    assert default["count"] == 5 and default["has_more"] is False and "next_from" not in default
    for bad in ({"limit": 101}, {"limit": 0}, {"from": "zz"}):
        response = await http.get(f"{BASE}/orchestrations/list", params=bad)
        assert_error(response, 400, "MALFORMED_PARAMETER", 31)


async def test_stats_spread_over_days_and_check_their_range(http, env):
    env.settings["batch.profiles"] = 3000
    late = START.replace(hour=23, minute=59)
    env.clock.advance((late - START).total_seconds())
    campaign_id = await create(http, state="RUNNING")
    env.clock.advance(3600)
    first, second = late.date(), late.date() + timedelta(days=1)
    details = (await stats(http, campaign_id, first.isoformat(), second.isoformat())).json()
    assert [(d["date"], d["sent"]) for d in details["details"]] == [
        (first.isoformat(), 1000),
        (second.isoformat(), 2000),
    ]
    assert_error(
        await stats(http, campaign_id, "2026-03-04", "2026-03-01"), 400, "MALFORMED_PARAMETER", 31
    )
    assert_error(
        await stats(http, campaign_id, "2025-01-01", "2026-03-01"), 400, "MALFORMED_PARAMETER", 31
    )
    assert_error(
        await stats(http, campaign_id, "03/02/2026", "2026-03-03"), 400, "MALFORMED_PARAMETER", 31
    )
    assert_error(await stats(http, campaign_id, "", "2026-03-03"), 400, "MISSING_PARAMETER", 30)


async def test_targeting_selects_profiles_by_region_and_language(http, env):
    day = START.date().isoformat()
    campaign_id = await create(
        http, state="RUNNING", targeting={"regions": ["US", "GB"], "languages": ["en"]}
    )
    env.clock.advance(3600)
    assert sent_of(await stats(http, campaign_id, day, day)) == 500
    audience = targeted_audience({"regions": ["DE"]}, profiles=10, failure_percent=0)
    assert audience.size == 2
    assert [audience.phone(k) for k in range(2)] == ["+447400000003", "+447400000007"]
    none = targeted_audience({"regions": ["JP"]}, profiles=10, failure_percent=0)
    assert none.size == 0


async def test_maintenance_answers_503_with_its_code(http, env):
    env.settings["batch.maintenance"] = True
    assert_error(await http.get(f"{BASE}/orchestrations/list"), 503, "MAINTENANCE_ERROR", 2)


@pytest.mark.parametrize(
    ("status", "name", "code"),
    [(429, "TOO_MANY_REQUESTS", 60), (500, "SERVER_ERROR", 1)],
)
async def test_injected_faults_speak_batchs_error_format(http, env, status, name, code):
    env.faults.rate_limit = int(status == 429)
    env.faults.server_errors = int(status == 500)
    assert_error(await http.get(f"{BASE}/orchestrations/list"), status, name, code)
    rendered = fault_response(429, 6)
    assert rendered.headers["retry-after"] == "6"
    assert json.loads(bytes(rendered.body))["error"]["code"] == 60
