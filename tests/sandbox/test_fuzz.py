"""Hostile requests to every simulator: whatever the shape, the answer is the provider's own
error (a 4xx), never a 5xx, unless a fault was asked for."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.sandbox.core import SandboxClock, SandboxEnv
from app.sandbox.inprocess import IN_PROCESS_URL, SandboxTransport

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BASIC = "Basic " + base64.b64encode(b"sandbox:sandbox").decode()

# -- values ----------------------------------------------------------------------------------

#: Text with what breaks naive code: lone surrogates, NULs, line breaks, huge and odd numbers.
texts = st.text(st.characters(codec=None), max_size=12) | st.sampled_from(
    ["", " ", "\x00", "\ud800", "\r\n", "NaN", "1e308", "-1", "9" * 30, "2026-13-45", "../.."]
)
numbers = st.integers(-(2**70), 2**70) | st.floats(allow_nan=True, allow_infinity=True)
scalars = st.none() | st.booleans() | numbers | texts
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)


class Raw(bytes):
    """A request body that prints short, should hypothesis report it."""

    def __repr__(self) -> str:
        return f"Raw({bytes(self[:60])!r}{'...' if len(self) > 60 else ''}, {len(self)} bytes)"


#: Bodies no JSON library likes: nesting deeper than the recursion limit, escapes of lone
#: surrogates, NaN, bytes that are not UTF-8, no body at all.
raw_bodies = st.sampled_from(
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"body": "\\ud800", "message": "\\udfff"}',
        b"NaN",
        b'{"advance_seconds": NaN}',
        b"\xff\xfe\xfa",
        b"",
        b'"a string"',
        b"[1, 2]",
        b"{",
    ]
).map(Raw)


def dump(value: Any) -> Raw:
    """JSON with NaN and infinities as Python writes them, and lone surrogates escaped."""
    return Raw(json.dumps(value, allow_nan=True).encode())


def bodies(shape: st.SearchStrategy[Any]) -> st.SearchStrategy[Raw]:
    """A well-shaped body (most often), any JSON value, or a raw hostile body."""
    return st.one_of(shape.map(dump), shape.map(dump), json_values.map(dump), raw_bodies)


def fields(**known: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the ``known`` keys, a plausible value most often (else any JSON value),
    a few keys left out."""
    whole = st.fixed_dictionaries({k: st.one_of(v, v, json_values) for k, v in known.items()})
    return whole.flatmap(
        lambda d: st.sets(st.sampled_from(sorted(d)) if d else st.nothing(), max_size=2).map(
            lambda gone: {k: v for k, v in d.items() if k not in gone}
        )
    )


@asynccontextmanager
async def client(env: SandboxEnv | None = None) -> AsyncIterator[httpx.AsyncClient]:
    env = env or SandboxEnv(clock=SandboxClock(START, frozen=True))
    transport = SandboxTransport(env)
    async with httpx.AsyncClient(transport=transport, base_url=IN_PROCESS_URL) as http:
        yield http


async def answered(http: httpx.AsyncClient, method: str, url: str, **kw: Any) -> httpx.Response:
    """The answer, which must not be a server error."""
    response = await http.request(method, url, **kw)
    assert response.status_code < 500, (method, url, response.status_code, response.text[:300])
    return response


def ids(known: str) -> st.SearchStrategy[str]:
    """The id of a record that exists, or anything else."""
    return st.sampled_from([known]) | texts


# -- RocketCOMS ------------------------------------------------------------------------------

csv_bytes = st.one_of(
    st.lists(st.lists(texts, max_size=4), max_size=5).map(
        lambda rows: "\n".join(",".join(f'"{c}"' for c in row) for row in rows).encode(
            "utf-8", "surrogatepass"
        )
    ),
    st.binary(max_size=40),
    st.just(b"+14155550100,Hello\n+14155550101,Hi\\nthere\n"),
)
rocket_params = fields(
    campaignId=st.just("5a4d0b0c-0000-4000-8000-000000000000") | texts,
    externalId=texts,
    startDate=st.just(START.date().isoformat()) | texts,
    endDate=texts,
    startTime=st.sampled_from(["09:00", "25:00", "9"]) | texts,
    endTime=st.sampled_from(["17:00", "00:00"]) | texts,
    shortlink=st.sampled_from(["true", "false"]) | texts,
    action=st.sampled_from(["VALIDATE", "SCHEDULE"]) | texts,
    page=texts,
    pageSize=texts,
    status=texts,
    sortBy=texts,
    sortDir=texts,
    verbose=texts,
    startDateFrom=texts,
    endDateTo=texts,
)


def wire(text: str) -> str:
    """``text`` percent-encoded as a client would send it (a lone surrogate as the bytes
    Python's "surrogatepass" gives it, which are not UTF-8)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def query(params: dict[str, Any]) -> str:
    """A query string (or form body) of ``params``, any value written as JSON."""
    return "&".join(
        f"{wire(k)}={wire(v if isinstance(v, str) else json.dumps(v))}" for k, v in params.items()
    )


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@FUZZ
@given(
    method=st.sampled_from(["POST", "PATCH", "GET", "DELETE"]),
    path=st.sampled_from(
        [
            "/v1/batches",
            "/v1/batches/{id}",
            "/v1/batches/{id}/errors",
            "/v1/batches/{id}/report",
            "/v1/insights/campaigns/{id}",
        ]
    ),
    batch=st.data(),
    params=rocket_params,
    upload=st.one_of(csv_bytes.map(lambda c: ("file", c)), raw_bodies.map(lambda b: ("raw", b))),
    auth=st.sampled_from([BASIC, "Bearer sandbox", "Basic !!!", ""]),
)
async def test_rocketcoms_answers_every_request_with_its_own_error(
    method, path, batch, params, upload, auth
):
    async with client() as http:
        made = await answered(
            http,
            "POST",
            "/rocketcoms/v1/batches",
            params={
                "campaignId": "5a4d0b0c-0000-4000-8000-000000000000",
                "externalId": "x",
                "startDate": START.date().isoformat(),
                "action": "VALIDATE",
            },
            files={"file": ("b.csv", b"+14155550100,Hello\n")},
            headers={"Authorization": BASIC},
        )
        known = made.json()["result"]["id"]
        url = "/rocketcoms" + path.format(id=wire(batch.draw(ids(known)))) + "?" + query(params)
        kind, content = upload
        kw: dict[str, Any] = {"headers": {"Authorization": auth}}
        if kind == "file":
            kw["files"] = {"file": ("b.csv", content)}
        else:
            kw["content"] = content
        await answered(http, method, url, **kw)


# -- Routee ----------------------------------------------------------------------------------

routee_campaign = fields(
    body=st.just("Hello") | texts,
    to=st.just(["+447400123456"]) | st.lists(texts, max_size=3),
    contacts=st.lists(texts, max_size=2),
    groups=st.lists(texts, max_size=2),
    scheduledDate=st.just((START + timedelta(hours=1)).isoformat()) | texts,
    campaignName=texts,
    respectQuietHours=st.booleans(),
    callback=json_values,
    campaignCallback=json_values,
    flash=st.booleans(),
    **{"from": st.just("Shop") | texts},
)


@FUZZ
@given(
    request=st.sampled_from(
        [
            ("POST", "/sms/campaign"),
            ("POST", "/sms/analyze/campaign"),
            ("PUT", "/sms/{id}"),
            ("DELETE", "/sms/{id}"),
            ("GET", "/campaigns/{id}"),
            ("GET", "/sms/tracking/campaign/{id}"),
            ("GET", "/campaigns"),
            ("POST", "/oauth/token"),
        ]
    ),
    data=st.data(),
    body=bodies(routee_campaign),
    params=fields(page=texts, size=texts, campaignName=texts),
    token_form=fields(grant_type=st.just("client_credentials") | texts),
)
async def test_routee_answers_every_request_with_its_own_error(
    request, data, body, params, token_form
):
    async with client() as http:
        token = (
            await answered(
                http,
                "POST",
                "/routee/oauth/token",
                auth=("sandbox", "sandbox"),
                data={"grant_type": "client_credentials"},
            )
        ).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        made = await answered(
            http,
            "POST",
            "/routee/sms/campaign",
            headers=bearer,
            content=dump(
                {
                    "from": "Shop",
                    "body": "Hi",
                    "to": ["+447400123456"],
                    "scheduledDate": (START + timedelta(hours=1)).isoformat(),
                }
            ),
        )
        method, path = request
        url = "/routee" + path.format(id=wire(data.draw(ids(made.json()["trackingId"]))))
        if path == "/oauth/token":
            form = query(token_form).encode()
            await answered(
                http, method, url, auth=("sandbox", "sandbox"), content=form, headers=FORM
            )
        else:
            await answered(http, method, f"{url}?{query(params)}", headers=bearer, content=body)


# -- BulkSMS ---------------------------------------------------------------------------------

bulksms_form = fields(
    username=st.just("sandbox") | texts,
    password=st.just("sandbox") | texts,
    batch_data=st.one_of(
        st.just('msisdn,message\n"447400123456","Hi"\n'),
        st.lists(st.lists(texts, max_size=4), max_size=4).map(
            lambda rows: "msisdn,message\n" + "\n".join(",".join(r) for r in rows)
        ),
        texts,
    ),
    send_time=st.just("2026-03-02 10:00:00") | texts,
    send_time_unixtime=texts,
    stop_dup_id=texts,
    dca=st.sampled_from(["7bit", "8bit", "16bit"]) | texts,
    sender=texts,
    source_id=texts,
    test_always_succeed=texts,
    batch_id=texts,
    msisdn=texts,
    optional_fields=st.just("body,completed_time,created_time,credits") | texts,
)


@FUZZ
@given(
    request=st.sampled_from(
        [
            ("POST", "/submission/send_batch/1/1.0"),
            ("GET", "/status_reports/get_report/2/2.0"),
            ("POST", "/status_reports/get_report/2/2.0"),
        ]
    ),
    form=bulksms_form,
    raw=st.none() | raw_bodies,
)
async def test_bulksms_answers_every_request_with_its_own_error(request, form, raw):
    async with client() as http:
        method, path = request
        url = "/bulksms" + path
        if raw is not None and method == "POST":
            await answered(http, method, f"{url}?{query(form)}", content=raw, headers=FORM)
        elif method == "POST":
            await answered(http, method, url, content=query(form).encode(), headers=FORM)
        else:
            await answered(http, method, f"{url}?{query(form)}")


# -- Cordial ---------------------------------------------------------------------------------

cordial_message = fields(
    channel=st.sampled_from(["sms", "email"]) | texts,
    classification=st.sampled_from(["promotional", "transactional"]) | texts,
    name=texts,
    tags=st.lists(texts, max_size=2),
    message=fields(content=fields(**{"text/plain": texts})),
    schedule=st.just((START + timedelta(hours=1)).isoformat()) | texts,
    audience=json_values,
    transportID=texts,
    **{"audience-key": st.just("all-sms") | texts},
)


@FUZZ
@given(
    request=st.sampled_from(
        [("POST", ""), ("GET", ""), ("GET", "/{id}"), ("PUT", "/{id}"), ("DELETE", "/{id}")]
        + [
            ("PUT", f"/{{id}}/{a}")
            for a in ("send", "sendtest", "pause", "resume", "cancel", "unschedule")
        ]
    ),
    data=st.data(),
    body=bodies(cordial_message),
    params=fields(
        page=texts,
        per_page=texts,
        status=texts,
        tags=texts,
        sort_by=texts,
        sort_dir=texts,
        **{"ct[gt]": texts, "sendTime[lte]": texts},
    ),
)
async def test_cordial_answers_every_request_with_its_own_error(request, data, body, params):
    async with client() as http:
        made = await answered(
            http,
            "POST",
            "/cordial/v2/batchmessages",
            auth=("sandbox", ""),
            json={
                "channel": "sms",
                "classification": "promotional",
                "audience-key": "all-sms",
                "message": {"content": {"text/plain": "Hi"}},
            },
        )
        method, path = request
        url = "/cordial/v2/batchmessages" + path.format(id=wire(data.draw(ids(made.json()["id"]))))
        await answered(http, method, f"{url}?{query(params)}", auth=("sandbox", ""), content=body)


# -- Batch -----------------------------------------------------------------------------------

batch_campaign = fields(
    name=texts,
    state=st.sampled_from(["DRAFT", "RUNNING", "STOPPED"]) | texts,
    messages=st.just([{"channel_type": "sms", "message": {"body": "Hi"}}])
    | st.lists(fields(channel_type=st.just("sms"), message=fields(body=texts)), max_size=2),
    when=fields(
        local_time=st.booleans(),
        start_time=st.just((START + timedelta(hours=1)).isoformat()) | texts,
    ),
    targeting=fields(
        regions=st.lists(texts, max_size=2),
        languages=st.lists(texts, max_size=2),
        query=json_values,
    ),
    send_rate=st.integers(),
    labels=json_values,
)


@FUZZ
@given(
    request=st.sampled_from(
        [
            ("POST", "/campaigns/create"),
            ("POST", "/campaigns/update"),
            ("POST", "/campaigns/delete"),
            ("GET", "/orchestrations/list"),
            ("GET", "/orchestrations/view"),
            ("GET", "/orchestrations/stats"),
            ("GET", "/nowhere"),
        ]
    ),
    data=st.data(),
    campaign=batch_campaign,
    raw=st.none() | raw_bodies,
    params=fields(limit=texts, from_=texts, to=texts),
)
async def test_batch_answers_every_request_with_its_own_error(request, data, campaign, raw, params):
    headers = {"Authorization": "Bearer sandbox", "X-Batch-Project": "sandbox"}
    async with client() as http:
        made = await answered(
            http,
            "POST",
            "/batch/2.8/campaigns/create",
            headers=headers,
            json={
                "name": "n",
                "state": "DRAFT",
                "when": {"local_time": False},
                "messages": [{"channel_type": "sms", "message": {"body": "Hi"}}],
            },
        )
        known = data.draw(ids(made.json()["id"]))
        method, path = request
        body = (
            dump({"id": known, "campaign": campaign})
            if path.endswith("update")
            else (dump({"id": known, **campaign}))
        )
        named = {("from" if k == "from_" else k): v for k, v in params.items()}
        url = f"/batch/2.8{path}?id={wire(known)}&{query(named)}"
        await answered(http, method, url, headers=headers, content=body if raw is None else raw)


# -- the sandbox's own controls --------------------------------------------------------------


@FUZZ
@given(
    path=st.sampled_from(["/_sandbox/clock", "/_sandbox/faults"]),
    body=bodies(
        fields(
            advance_seconds=numbers | texts,
            latency=numbers,
            rate_limit=numbers,
            retry_after=numbers,
            server_errors=numbers,
            drop_before=numbers,
            drop_after=numbers,
            only=texts,
        )
    ),
)
async def test_the_controls_refuse_what_they_cannot_use_with_a_sentence(path, body):
    async with client() as http:
        response = await answered(http, "POST", path, content=body)
        if response.status_code >= 400:
            sentence = response.json()["error"]
            assert sentence.endswith(".") and "Traceback" not in sentence
        # whatever was accepted, the sandbox still answers at once
        faults = (await answered(http, "GET", "/_sandbox/faults")).json()
        assert 0 <= faults["latency"] <= 60
