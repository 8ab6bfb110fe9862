"""The one owner of ``httpx.AsyncClient``: timeouts, retries, idempotent creates, safe logs.

Retry rules (DESIGN.md, "Providers"):

* a failure before the request reached the server (connect error, pool timeout) is always
  retried: nothing can have been processed;
* a failure after it was sent (read timeout, dropped connection) and a 5xx are retried only for
  idempotent requests; for others they raise :class:`TransientError` with ``ambiguous=True``,
  and :meth:`Transport.create_once` looks the campaign up before creating it again;
* 429 is always retried, after ``Retry-After`` (or the provider's floor, e.g. Batch's 5 s),
  unless the wait is longer than the policy's ``max_wait``;
* an adapter may mark a 200 answer as transient (BulkSMS status 40, a few times 26 and 28);
* a validation error (any other 4xx) is never retried.

Operations that may create hold their idempotency key (:meth:`Transport.exclusive`), so two
at once with one key run one after the other and the second finds what the first made.

Backoff is exponential with full jitter. Logs never show a credential: userinfo and secret
query parameters are masked, headers and bodies are not logged at all, and every account's
credentials are taken out of whatever the HTTP loggers write (:mod:`app.providers.redaction`).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import random
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

from app.providers.errors import ProviderError, RateLimited, TransientError

log = logging.getLogger("campaign_desk.http")

T = TypeVar("T")

#: Query parameters whose values are masked in logs (BulkSMS EAPI takes its password there).
SECRET_PARAMS = frozenset({"password", "username", "secret", "token", "key", "api_key", "apikey"})

#: Failures where the request never reached the server.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Failures where the server may have processed the request before the answer was lost.
MAYBE_SENT = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=120.0, pool=10.0)

Body = bytes | AsyncIterable[bytes]
#: A transient check for 200 answers: False/0 not transient, True retry per policy,
#: an int n retry at most n attempts in all.
TransientCheck = Callable[[httpx.Response], bool | int]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    #: a longer Retry-After is not waited out here: the answer goes back to the adapter,
    #: which raises RateLimited/TransientError with the wait for the operator to see
    max_wait: float = 60.0

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Full-jitter exponential backoff before retry number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling * (0.5 + rng() / 2)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds, from either of its two forms."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_for(
    cls: type[ProviderError],
    sentence: str,
    response: httpx.Response,
    *,
    provider: str,
    code: str | None,
    provider_message: str | None,
    idempotent: bool,
    retry_after_floor: float = 0.0,
) -> ProviderError:
    """The ``cls`` error for an error answer, with what only some classes carry: the wait of
    a :class:`RateLimited` (``Retry-After``, at least the provider's floor), and whether a
    :class:`TransientError` may have been processed (a 5xx to a call that is not idempotent).
    """
    common: dict[str, Any] = {
        "provider": provider,
        "code": code,
        "http_status": response.status_code,
        "provider_message": provider_message,
    }
    if issubclass(cls, RateLimited):
        wait = retry_after_seconds(response)
        if retry_after_floor:
            wait = max(wait or 0.0, retry_after_floor)
        return RateLimited(sentence, retry_after=wait, **common)
    if issubclass(cls, TransientError):
        return TransientError(sentence, ambiguous=not idempotent, **common)
    return cls(sentence, **common)


def error_class(
    code: str | None,
    status: int,
    by_code: Mapping[str, type[ProviderError]],
    by_status: Mapping[int, type[ProviderError]],
) -> type[ProviderError]:
    """The class of an error answer: the provider's own code decides, then the HTTP status; a
    status neither table knows is a :class:`TransientError` when it is a 5xx, else a plain
    :class:`ProviderError`."""
    cls = by_code.get(code or "") or by_status.get(status)
    if cls is None:
        cls = TransientError if status >= 500 else ProviderError
    return cls


def could_not(display_name: str, doing: str, detail: str) -> str:
    """The operator's sentence for a refused call: ``"<Provider> could not <doing>: <detail>."``."""
    sentence = f"{display_name} could not {doing}: {detail}"
    return sentence if sentence.endswith(".") else sentence + "."


def json_answer(response: httpx.Response, *, provider: str, display_name: str, doing: str) -> Any:
    """The decoded JSON of a successful answer (None when it has no body); a body that is not
    JSON raises :class:`TransientError`."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise TransientError(
            f"{display_name} answered {doing} with something that is not JSON.",
            provider=provider,
            http_status=response.status_code,
        ) from None


def redact_url(url: httpx.URL) -> str:
    """The URL as it may appear in a log: no userinfo, secret parameters masked."""
    params = [(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in url.params.multi_items()]
    safe = url.copy_with(username=None, password=None, params=params or None)
    return str(safe)


class _RedactHttpxLog(logging.Filter):
    """httpx logs every request's full URL at INFO: mask it as our own log does."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_RedactHttpxLog())


def make_client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The application's HTTP client; ``transport`` lets the in-process sandbox plug in."""
    _load_async_backend()
    return httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, transport=transport, follow_redirects=False)


def _load_async_backend() -> None:
    """Import what httpcore imports on its first request: anyio's asyncio backend and its TLS
    streams, 50-60 ms that would otherwise freeze the window the first time the operator
    validates or sends. anyio loads its backend by this module name itself, and only from
    inside a running task, so there is no public call that does it earlier."""
    importlib.import_module("anyio._backends._asyncio")
    importlib.import_module("anyio.streams.tls")


class Transport:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.client = client
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._rng = rng
        self._keys: dict[str, tuple[asyncio.Lock, int]] = {}  # see exclusive: lock, holders

    async def aclose(self) -> None:
        await self.client.aclose()

    @asynccontextmanager
    async def exclusive(self, key: str) -> AsyncIterator[None]:
        """One holder of ``key`` at a time, the others waiting their turn in order.

        What keeps two sends of one campaign (a button clicked twice, two windows, a retry
        racing a slow answer) from both finding no campaign and both creating one: every
        adapter operation that may create holds its idempotency key (see
        :func:`app.providers.base.one_per_key`). Not re-entrant.
        """
        lock, holders = self._keys.get(key, (asyncio.Lock(), 0))
        self._keys[key] = (lock, holders + 1)
        try:
            async with lock:
                yield
        finally:
            lock, holders = self._keys[key]
            if holders == 1:
                del self._keys[key]
            else:
                self._keys[key] = (lock, holders - 1)

    async def request(
        self,
        method: str,
        url: str,
        *,
        provider: str,
        idempotent: bool = True,
        transient: TransientCheck | None = None,
        retry_after_floor: float = 0.0,
        body: Callable[[], Body] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send with retries; return the final response, whatever its status.

        ``body`` is a factory called once per attempt, so a streamed upload can be replayed.
        Error statuses are returned, not raised: the adapter maps them to its error classes.
        """
        attempt = 0
        while True:
            attempt += 1
            if body is not None:
                kwargs["content"] = body()
            started = time.monotonic()
            try:
                response = await self.client.request(method, url, **kwargs)
            except NOT_SENT as exc:
                self._log(method, exc.request.url, f"not sent ({type(exc).__name__})", started)
                if attempt < self.policy.attempts:
                    await self._sleep(self.policy.backoff(attempt, self._rng))
                    continue
                raise TransientError(
                    f"{provider} could not be reached ({_reason(exc)}).", provider=provider
                ) from None
            except MAYBE_SENT as exc:
                self._log(method, exc.request.url, f"answer lost ({type(exc).__name__})", started)
                if idempotent and attempt < self.policy.attempts:
                    await self._sleep(self.policy.backoff(attempt, self._rng))
                    continue
                raise TransientError(
                    f"The connection to {provider} broke before it answered ({_reason(exc)}).",
                    provider=provider,
                    ambiguous=True,
                ) from None
            self._log(method, response.request.url, str(response.status_code), started)
            wait = self._retry_wait(response, attempt, idempotent, transient, retry_after_floor)
            if wait is None:
                return response
            await response.aclose()
            await self._sleep(wait)

    def _retry_wait(
        self,
        response: httpx.Response,
        attempt: int,
        idempotent: bool,
        transient: TransientCheck | None,
        floor: float,
    ) -> float | None:
        """Seconds to wait before retrying ``response``, or None to return it."""
        status = response.status_code
        limit = self.policy.attempts
        if status == 429:
            if attempt >= limit:
                return None
            wait = max(
                retry_after_seconds(response) or 0.0, floor, self.policy.backoff(attempt, self._rng)
            )
            return wait if wait <= self.policy.max_wait else None
        if status >= 500:
            if not idempotent or attempt >= limit:
                return None
            wait = max(
                retry_after_seconds(response) or 0.0, self.policy.backoff(attempt, self._rng)
            )
            return wait if wait <= self.policy.max_wait else None
        if status < 300 and transient is not None:
            verdict = transient(response)
            if verdict is False or verdict == 0:
                return None
            allowed = limit if verdict is True else min(int(verdict), limit)
            if attempt >= allowed:
                return None
            return self.policy.backoff(attempt, self._rng)
        return None

    async def create_once(
        self,
        attempt: Callable[[], Awaitable[T]],
        find_existing: Callable[[], Awaitable[T | None]],
    ) -> T:
        """Create something at most once, even when an answer is lost.

        ``attempt`` does the create (its requests are sent with ``idempotent=False``). When it
        fails ambiguously, ``find_existing`` looks for what it may have made (by external id or
        name); only when nothing is found is the create tried again.
        """
        tries = 0
        while True:
            tries += 1
            try:
                return await attempt()
            except TransientError as exc:
                if tries >= self.policy.attempts:
                    raise
                if exc.ambiguous:
                    existing = await find_existing()
                    if existing is not None:
                        return existing
                await self._sleep(self.policy.backoff(tries, self._rng))

    def _log(self, method: str, url: httpx.URL, outcome: str, started: float) -> None:
        if log.isEnabledFor(logging.INFO):
            elapsed = time.monotonic() - started
            log.info("%s %s -> %s in %.3f s", method, redact_url(url), outcome, elapsed)


def _reason(exc: Exception) -> str:
    """A short cause without the URL (it may carry credentials in its query)."""
    return type(exc).__name__.replace("Error", " error").replace("Timeout", " timeout").strip()
