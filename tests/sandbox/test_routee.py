"""The Routee simulator on the wire: auth, rules, error codes, the clock, tracking pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.sandbox.core import SandboxClock, SandboxEnv, network_outcome
from app.sandbox.routee import destination_zone
from tests.sandbox.rig import wire_client

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BASE = "http://sandbox.invalid/routee"
UNKNOWN = "+15550001234"


def numbers(count: int, start: int = 0) -> list[str]:
    return [f"+1212555{i:04d}" for i in range(start, start + count)]


def at(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Api:
    def __init__(self, client: httpx.AsyncClient, env: SandboxEnv) -> None:
        self.client = client
        self.env = env
        self.token = ""

    async def login(self) -> None:
        response = await self.client.post(
            f"{BASE}/oauth/token",
            auth=("sandbox", "sandbox"),
            data={"grant_type": "client_credentials"},
        )
        assert response.status_code == 200
        self.token = response.json()["access_token"]

    async def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return await self.client.request(method, f"{BASE}{path}", headers=headers, **kw)

    async def create(self, **fields: Any) -> dict[str, Any]:
        response = await self.call("POST", "/sms/campaign", json=campaign(**fields))
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    async def details(self, tracking_id: str) -> dict[str, Any]:
        response = await self.call("GET", f"/campaigns/{tracking_id}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    async def messages(self, tracking_id: str, size: int = 1000) -> list[dict[str, Any]]:
        response = await self.call(
            "GET", f"/sms/tracking/campaign/{tracking_id}", params={"size": size}
        )
        content: list[dict[str, Any]] = response.json()["content"]
        return content


def campaign(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"from": "Shop", "body": "Hello", "to": numbers(5)}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def env() -> SandboxEnv:
    return SandboxEnv(clock=SandboxClock(T0, frozen=True))


@pytest.fixture
async def api(env: SandboxEnv) -> AsyncIterator[Api]:
    async with wire_client(env, "/routee") as c:
        client = Api(c, env)
        await client.login()
        yield client


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["developerMessage"]


# -- auth -----------------------------------------------------------------------------------
async def test_token_needs_the_sandbox_credentials_and_the_grant(api: Api) -> None:
    url = f"{BASE}/oauth/token"
    grant = {"grant_type": "client_credentials"}
    bad = await api.client.post(url, auth=("sandbox", "nope"), data=grant)
    assert bad.status_code == 401 and bad.json()["error"] == "unauthorized"
    wrong_grant = await api.client.post(url, auth=("sandbox", "sandbox"), data={"grant_type": "x"})
    assert wrong_grant.status_code == 400
    good = await api.client.post(url, auth=("sandbox", "sandbox"), data=grant)
    assert good.json()["token_type"] == "bearer" and good.json()["expires_in"] == 3600


async def test_resources_need_a_live_token(api: Api) -> None:
    api.env.settings["routee.token_lifetime"] = 60
    await api.login()
    assert (await api.call("GET", "/campaigns")).status_code == 200
    api.env.clock.advance(61)
    assert_error(await api.call("GET", "/campaigns"), 401, "401000000")
    api.token = "made-up"
    assert_error(await api.call("GET", "/campaigns"), 401, "401000000")


# -- request rules --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"from": "12345678901234567"}, 400, "400005000"),  # numeric sender > 16 digits
        ({"from": "TwelveChars1"}, 400, "400005000"),  # alphanumeric sender > 11
        ({"from": None}, 400, "400005000"),
        ({"body": ""}, 400, "400005000"),
        ({"campaignName": "x"}, 400, "400005000"),
        ({"campaignName": "n" * 31}, 400, "400005000"),
        ({"campaignName": "under_score"}, 400, "400005000"),
        ({"to": numbers(30_001)}, 400, "400005000"),
        ({"to": ["0044 7700"]}, 400, "400005000"),
        ({"to": None}, 400, "400005000"),  # no recipients at all
        ({"to": []}, 400, "400009004"),
        ({"to": None, "groups": ["customers"]}, 400, "400009004"),
        ({"to": None, "contacts": ["c-1"]}, 404, "404002001"),
        ({"scheduledDate": at(T0 - timedelta(minutes=1))}, 400, "400005000"),
        ({"scheduledDate": "tomorrow"}, 400, "400005000"),
    ],
)
async def test_create_rules(api: Api, fields: dict[str, Any], status: int, code: str) -> None:
    assert_error(await api.call("POST", "/sms/campaign", json=campaign(**fields)), status, code)


async def test_accepted_senders_and_names(api: Api) -> None:
    numeric = await api.create(**{"from": "4412345678901234", "campaignName": "Sale 2026-11"})
    assert numeric["from"] == "4412345678901234" and numeric["campaignName"] == "Sale 2026-11"
    assert (await api.create(**{"from": "Shop 123456"}))["state"] in {"Queued", "Running"}
    assert (await api.create(to=numbers(30_000)))["totalMessages"] == 30_000


async def test_names_are_unique_per_account(api: Api) -> None:
    first = await api.create(campaignName="Only once")
    assert_error(
        await api.call("POST", "/sms/campaign", json=campaign(campaignName="Only once")),
        409,
        "409009003",
    )
    # an update may keep its own name
    later = at(T0 + timedelta(hours=1))
    scheduled = await api.create(campaignName="Mine", scheduledDate=later)
    body = campaign(campaignName="Mine", scheduledDate=later)
    assert (await api.call("PUT", f"/sms/{scheduled['trackingId']}", json=body)).status_code == 200
    body["campaignName"] = first["campaignName"]
    assert_error(
        await api.call("PUT", f"/sms/{scheduled['trackingId']}", json=body), 409, "409009003"
    )


async def test_balance_is_charged_checked_and_refunded(api: Api) -> None:
    api.env.settings["routee.balance"] = 0.02 * 10  # ten single-part messages
    later = at(T0 + timedelta(hours=1))
    first = await api.create(to=numbers(6), scheduledDate=later)
    assert first["cost"] == pytest.approx(0.12)
    assert_error(
        await api.call("POST", "/sms/campaign", json=campaign(to=numbers(5))), 400, "400001009"
    )
    # an update beyond the balance is refused too; its own cost is counted back first
    too_big = campaign(to=numbers(11), scheduledDate=later)
    assert_error(
        await api.call("PUT", f"/sms/{first['trackingId']}", json=too_big), 400, "400001009"
    )
    assert (await api.call("DELETE", f"/sms/{first['trackingId']}")).status_code == 200
    assert (await api.create(to=numbers(10)))["cost"] == pytest.approx(0.2)


async def test_long_and_unicode_bodies_cost_more_parts(api: Api) -> None:
    made = await api.create(body="x" * 161)
    assert made["smsAnalysis"]["bodyAnalysis"] == {"characters": 161, "parts": 2, "unicode": False}
    assert made["cost"] == pytest.approx(5 * 2 * 0.02)
    greek = await api.create(body="Γειά σου κόσμε ☺")
    assert greek["smsAnalysis"]["bodyAnalysis"]["unicode"] is True


# -- the state machine on the clock ---------------------------------------------------------
async def test_states_follow_the_clock(api: Api) -> None:
    made = await api.create(to=numbers(100), scheduledDate=at(T0 + timedelta(minutes=10)))
    tid = made["trackingId"]
    assert made["state"] == "Scheduled" and made["scheduledDate"] == "2026-11-23T09:10:00Z"
    assert made["statuses"]["Queued"] == 100
    api.env.clock.advance(600)
    assert (await api.details(tid))["state"] == "Queued"  # due, nothing has left yet
    api.env.clock.advance(5)  # 600 a minute: 50 have left
    running = await api.details(tid)
    assert running["state"] == "Running"
    assert running["statuses"]["Queued"] == 50 and running["statuses"]["Delivered"] == 0
    api.env.clock.advance(5)
    sent = await api.details(tid)
    assert sent["state"] == "Sent" and sent["statuses"]["Queued"] == 0
    api.env.clock.advance(10)  # the delivery reports are in
    final = (await api.details(tid))["statuses"]
    undelivered = sum(network_outcome(n) is not None for n in numbers(100))
    assert final == {
        "Queued": 0,
        "Sent": 0,
        "Failed": 0,
        "Delivered": 100 - undelivered,
        "Undelivered": undelivered,
        "Unsent": 0,
    }


async def test_message_statuses_in_tracking(api: Api) -> None:
    undelivered = next(n for n in numbers(200) if network_outcome(n) is not None)
    delivered = numbers(1)[0]
    made = await api.create(to=[delivered, UNKNOWN, undelivered, *numbers(3, start=500)])
    tid = made["trackingId"]

    def statuses(content: list[dict[str, Any]]) -> list[str]:
        return [m["status"]["status"] for m in content]

    assert statuses(await api.messages(tid)) == ["Queued"] * 6
    api.env.clock.advance(0.3)  # three have left
    assert statuses(await api.messages(tid)) == ["Sent", "Failed", "Sent", *["Queued"] * 3]
    api.env.clock.advance(30)
    content = await api.messages(tid)
    assert statuses(content)[:3] == ["Delivered", "Failed", "Undelivered"]
    assert content[1]["status"]["reason"]["detailedStatus"] == "Unknown Number"
    assert content[2]["status"]["reason"]["detailedStatus"] == "Undelivered on Handset"
    assert content[0]["country"] == "US" and content[0]["campaignTrackingId"] == tid


async def test_tracking_pages_are_spring_pages(api: Api) -> None:
    tid = (await api.create(to=numbers(25)))["trackingId"]
    response = await api.call(
        "GET", f"/sms/tracking/campaign/{tid}", params={"page": 2, "size": 10}
    )
    page = response.json()
    assert {k: v for k, v in page.items() if k != "content"} == {
        "first": False,
        "last": True,
        "number": 2,
        "numberOfElements": 5,
        "size": 10,
        "totalElements": 25,
        "totalPages": 3,
    }
    assert [m["to"] for m in page["content"]] == numbers(5, start=20)
    assert_error(await api.call("GET", "/sms/tracking/campaign/nope"), 404, "404009001")


async def long_lived_token(api: Api) -> None:
    api.env.settings["routee.token_lifetime"] = 10**8
    await api.login()


async def test_quiet_hours_hold_messages_in_the_destination_night(api: Api) -> None:
    await long_lived_token(api)
    greek = [f"+30694{i:07d}" for i in range(10)]
    assert destination_zone(greek[0]).key == "Europe/Athens"
    api.env.clock.advance(12 * 3600)  # 21:00 UTC = 23:00 in Athens: quiet until 08:00
    quiet = await api.create(to=greek, respectQuietHours=True)
    loud = await api.create(to=greek, respectQuietHours=False)
    api.env.clock.advance(3600)
    assert (await api.details(quiet["trackingId"]))["state"] == "Queued"
    assert (await api.details(loud["trackingId"]))["state"] == "Sent"
    api.env.clock.advance(8 * 3600 + 1)  # 07:00 UTC = 09:00 in Athens
    assert (await api.details(quiet["trackingId"]))["state"] == "Sent"


async def test_quiet_hours_include_the_afternoon(api: Api) -> None:
    await long_lived_token(api)
    us = numbers(3)  # New York: 14:00-17:00 local is 19:00-22:00 UTC in November
    api.env.clock.advance(10 * 3600)  # 19:00 UTC
    quiet = await api.create(to=us, respectQuietHours=True)
    api.env.clock.advance(2 * 3600)
    assert (await api.details(quiet["trackingId"]))["state"] == "Queued"
    api.env.clock.advance(3600 + 60)
    assert (await api.details(quiet["trackingId"]))["state"] == "Sent"


# -- update and delete rules ----------------------------------------------------------------
async def test_update_only_while_scheduled(api: Api) -> None:
    later = at(T0 + timedelta(minutes=5))
    tid = (await api.create(scheduledDate=later))["trackingId"]
    changed = await api.call(
        "PUT", f"/sms/{tid}", json=campaign(body="Changed", scheduledDate=later)
    )
    assert changed.json()["body"] == "Changed" and changed.json()["state"] == "Scheduled"
    api.env.clock.advance(300)
    assert_error(
        await api.call("PUT", f"/sms/{tid}", json=campaign(scheduledDate=later)), 400, "400009002"
    )
    assert_error(await api.call("DELETE", f"/sms/{tid}"), 400, "400009002")
    assert_error(await api.call("PUT", "/sms/nope", json=campaign()), 404, "404009001")
    assert_error(await api.call("DELETE", "/sms/nope"), 404, "404009001")


async def test_update_without_scheduled_date_sends_at_once(api: Api) -> None:
    tid = (await api.create(scheduledDate=at(T0 + timedelta(days=1))))["trackingId"]
    response = await api.call("PUT", f"/sms/{tid}", json=campaign())
    assert response.json()["state"] == "Queued" and response.json()["scheduledDate"] is None


async def test_delete_removes_a_scheduled_campaign(api: Api) -> None:
    tid = (await api.create(scheduledDate=at(T0 + timedelta(days=1))))["trackingId"]
    assert (await api.call("DELETE", f"/sms/{tid}")).json()["trackingId"] == tid
    assert_error(await api.call("GET", f"/campaigns/{tid}"), 404, "404009001")


async def test_list_filters_by_name(api: Api) -> None:
    await api.create(campaignName="First one")
    await api.create(campaignName="Second one")
    page = (await api.call("GET", "/campaigns", params={"campaignName": "Second one"})).json()
    assert [c["campaignName"] for c in page["content"]] == ["Second one"]
    assert page["totalElements"] == 1


# -- analyze --------------------------------------------------------------------------------
async def test_analyze_places_numbers_without_creating_anything(api: Api) -> None:
    body = campaign(to=[*numbers(2), UNKNOWN, "+306948530920"], campaignName="x")
    response = await api.call("POST", "/sms/analyze/campaign", json=body)
    data = response.json()
    assert data["numberOfRecipients"] == 4
    assert data["recipientCountries"] == {
        numbers(1)[0]: "US",
        numbers(2)[1]: "US",
        UNKNOWN: None,
        "+306948530920": "GR",
    }
    assert data["recipientsPerCountry"] == {"US": 2, "GR": 1}
    assert (await api.call("GET", "/campaigns")).json()["totalElements"] == 0
    bad = await api.call("POST", "/sms/analyze/campaign", json=campaign(**{"from": "!"}))
    assert_error(bad, 400, "400005000")


# -- faults in Routee's format --------------------------------------------------------------
async def test_injected_faults_use_routee_error_bodies(api: Api) -> None:
    api.env.faults.update({"rate_limit": 1, "retry_after": 3.0, "server_errors": 1})
    limited = await api.call("GET", "/campaigns")
    assert_error(limited, 429, "429000000")
    assert limited.headers["Retry-After"] == "3"
    assert_error(await api.call("GET", "/campaigns"), 500, "500000000")
    assert (await api.call("GET", "/campaigns")).status_code == 200


async def test_malformed_json_is_refused(api: Api) -> None:
    response = await api.call("POST", "/sms/campaign", content=b"{nope")
    assert_error(response, 400, "400000000")
