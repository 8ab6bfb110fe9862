"""No credential reaches an error, an issue or a log, even from a server that echoes every
request (headers, query and body) in its error text, in each provider's own error format."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from app.domain.accounts import Account, Secret
from app.providers import redaction
from app.providers.base import CampaignSpec, Recipient
from app.providers.errors import ProviderError
from app.providers.issues import ProviderIssue
from app.providers.registry import PROVIDERS, make_provider
from app.providers.transport import Transport, make_client
from tests.providers.rig import Waits, campaign_over, one_text_spec

ECHO = "http://echo.test"
#: Credentials with characters that URL encoding and base64 both change.
CREDENTIALS = {
    "rocketcoms": {"api_key": "rk-Kx9/+=é key", "api_secret": "rs-Zq7 &?# secret"},
    "routee": {"application_id": "ri-Ap9/+=é id", "application_secret": "rs-Wv3 &?# secret"},
    "bulksms": {"username": "bu-Us3r/+=é", "password": "bp-P4ss &?# word"},
    "cordial": {"api_key": "ck-Co9/+=é api key"},
    # header values are ASCII
    "batch": {"rest_api_key": "bk-Re5/+= rest", "project_key": "bp-Pr0 &?#/+= project"},
}
#: The Basic-auth pair each provider is signed in with, if any.
PAIRS = {
    "rocketcoms": ("api_key", "api_secret"),
    "routee": ("application_id", "application_secret"),
    "cordial": ("api_key", None),
}
TOKEN = "tok-9Hq/+=AccessToken"


async def dump(request: Request) -> str:
    """Everything the request carried, as an echoing server would copy it."""
    headers = "; ".join(f"{name}: {value}" for name, value in request.headers.items())
    body = (await request.body()).decode("latin-1")
    return f"{request.method} {request.url} [{headers}] {body}"


async def echo(request: Request) -> Response:
    provider = request.path_params["provider"]
    text = await dump(request)
    if provider == "rocketcoms":
        return JSONResponse({"status": "BAD_REQUEST", "message": text}, status_code=400)
    if provider.startswith("routee"):
        if request.url.path.endswith("/oauth/token"):
            if provider == "routee-refused":
                body = {"error": "invalid_client", "error_description": text}
                return JSONResponse(body, status_code=401)
            return JSONResponse({"access_token": TOKEN, "expires_in": 3600})
        return JSONResponse({"code": "400005000", "developerMessage": text}, status_code=400)
    if provider == "bulksms":
        return PlainTextResponse(f"24|Data validation failed: {text}|")
    if provider == "cordial":
        body = {"error": True, "errorKey": "VALIDATION_ERROR", "message": text}
        return JSONResponse(body, status_code=422)
    error = {"code": 31, "name": "MALFORMED_PARAMETER", "message": text}
    return JSONResponse({"error": error}, status_code=400)


ECHO_APP = Starlette(
    routes=[
        Route("/{provider}/{rest:path}", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    ]
)


def forbidden(provider: str) -> set[str]:
    """Every form of the account's secrets that must never show."""
    secrets = CREDENTIALS[provider]
    forms: set[str] = set()
    for value in secrets.values():
        forms |= {value, quote(value, safe=""), quote_plus(value)}
        forms.add(quote_plus(value, encoding="latin-1"))
        forms.add(base64.b64encode(value.encode()).decode())
    if provider in PAIRS:
        user, password = PAIRS[provider]
        pair = f"{secrets[user]}:{secrets[password] if password else ''}"
        forms.add(base64.b64encode(pair.encode()).decode())
    if provider == "routee":
        forms.add(TOKEN)
    return forms


def adapter(provider: str, *, refused_token: bool = False) -> Any:
    """The adapter on an account with :data:`CREDENTIALS`, talking to the echoing server
    (which refuses Routee's token request with ``refused_token``)."""
    mount = "routee-refused" if refused_token else provider
    account = Account(
        id=f"echo-{provider}",
        provider=provider,
        name="Echo",
        base_url=f"{ECHO}/{mount}",
        credentials={k: Secret(v) for k, v in CREDENTIALS[provider].items()},
        options={"audience_key": "all-sms", "campaign_id": "5a4d0b0c-0000-4000-8000-000000000000"},
    )
    client = make_client(httpx.ASGITransport(app=ECHO_APP))
    return make_provider(account, Transport(client, sleep=Waits()))


def texts_of(error: ProviderError) -> list[str]:
    issues: tuple[ProviderIssue, ...] = getattr(error, "issues", ())
    return [
        str(error),
        error.provider_message or "",
        error.code or "",
        *(issue.message for issue in issues),
        *(issue.code for issue in issues),
    ]


def rows_spec(provider: str) -> CampaignSpec:
    if provider in ("cordial", "batch"):
        return one_text_spec(options={"targeting": {}} if provider == "batch" else {})
    rows = [Recipient(row=0, line=2, phone="+447400123456", message="Hello")]
    return campaign_over(rows, sender="Shop")


CALLS: dict[str, Callable[[Any], Any]] = {
    "send": lambda p: p.send(rows_spec(p.name)),
    "validate": lambda p: p.validate(rows_spec(p.name)),
    "get": lambda p: p.get("12345"),
}


@pytest.mark.parametrize(
    ("provider", "call"),
    [(p, c) for p in PROVIDERS for c in CALLS if (p, c) != ("batch", "validate")],  # it has none
)
async def test_an_echoed_request_carries_no_secret_to_the_operator_or_the_log(
    caplog, provider, call
):
    caplog.set_level(logging.DEBUG)
    made = adapter(provider)
    try:
        outcome = await CALLS[call](made)
    except ProviderError as error:
        texts = texts_of(error)
    else:  # a validate-only run reports what the provider said as issues
        texts = [f"{issue.code} {issue.message}" for issue in outcome.issues]
    finally:
        await made.transport.aclose()
    assert any("***" in text for text in texts), texts  # the echo was there, masked
    shown = "\n".join([*texts, caplog.text])
    leaked = [form for form in forbidden(provider) if form in shown]
    assert leaked == []


async def test_a_refused_token_request_carries_no_secret_either(caplog):
    caplog.set_level(logging.DEBUG)
    made = adapter("routee", refused_token=True)
    with pytest.raises(ProviderError) as caught:
        await made.send(rows_spec("routee"))
    await made.transport.aclose()
    texts = texts_of(caught.value)
    assert "***" in caught.value.provider_message
    shown = "\n".join([*texts, caplog.text])
    assert [form for form in forbidden("routee") if form in shown] == []


@pytest.mark.parametrize("secret", ["uk-Ux9/+=é unit", "plain-secret-value", "ünïcödé-sëcret"])
def test_every_form_of_a_secret_is_masked_inside_longer_text(secret):
    redaction.register("form-test", [secret])
    try:
        for before in ("", "u", "us", "user:"):  # every alignment inside a base64 text
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                pair = encode(f"{before}{secret}:tail".encode()).decode()
                masked = redaction.redact(f"Authorization: Basic {pair}")
                assert "***" in masked and pair not in masked
        lower_hex = re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret, safe=""))
        for form in (secret, quote(secret, safe=""), quote_plus(secret), lower_hex):
            assert redaction.redact(f"x={form}&y=1") == "x=***&y=1"
        assert redaction.redact("nothing secret here") == "nothing secret here"
    finally:
        redaction.register("form-test", [])
    assert redaction.redact(secret) == secret  # no longer registered


def test_a_secret_shorter_than_four_characters_is_not_searched_for():
    redaction.register("short-test", ["abc"])
    try:
        assert redaction.redact("abcdef abc") == "abcdef abc"
    finally:
        redaction.register("short-test", [])
