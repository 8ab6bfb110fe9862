"""All provider simulators behind one ASGI app, plus the sandbox's own control endpoints.

``/rocketcoms``, ``/routee``, ``/bulksms``, ``/cordial``, ``/batch`` each serve one provider's
wire format; ``GET/POST /_sandbox/clock`` reads and advances the clock
(``{"advance_seconds": N}``), ``GET/POST /_sandbox/faults`` reads and sets fault injection.

It holds up as a server should: a body is read only up to its mount point's limit (413
beyond it, see ``SandboxEnv.body_limits``), and a request it cannot use gets that provider's
own 4xx error, never a 500 (``tests/sandbox/test_fuzz.py`` fuzzes every provider for it).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from app.sandbox.core import (
    BadJson,
    BodyLimit,
    FaultMiddleware,
    FaultRenderer,
    Refusal,
    SandboxEnv,
    control_refusal,
    faults_as_json,
    http_error_handlers,
    parse_json,
)

#: mount point -> module under app.sandbox with ``create_app(env)`` and ``fault_response``
PROVIDER_APPS: dict[str, str] = {
    "/rocketcoms": "rocketcoms",
    "/routee": "routee",
    "/bulksms": "bulksms",
    "/cordial": "cordial",
    "/batch": "batchcom",
}


def build_sandbox(
    env: SandboxEnv | None = None, providers: Iterable[str] | None = None
) -> FaultMiddleware:
    """The sandbox app; ``providers`` (mount points like ``"/bulksms"``) limits what is served."""
    env = env or SandboxEnv()
    wanted = set(PROVIDER_APPS if providers is None else providers)
    routes: list[Route | Mount] = [
        Route("/_sandbox/clock", _clock, methods=["GET", "POST"]),
        Route("/_sandbox/faults", _faults, methods=["GET", "POST"]),
    ]
    renderers: dict[str, FaultRenderer] = {}
    refusals: dict[str, Refusal] = {}
    for prefix, module_name in PROVIDER_APPS.items():
        if prefix not in wanted:
            continue
        module = import_module(f"app.sandbox.{module_name}")
        routes.append(Mount(prefix, app=module.create_app(env)))
        renderers[prefix] = module.fault_response
        refusals[prefix] = module.refusal
    app = Starlette(
        routes=routes,
        exception_handlers=http_error_handlers(control_refusal),
        middleware=[Middleware(BodyLimit, env=env, refusals=refusals)],
    )
    app.state.env = env
    return FaultMiddleware(app, env, renderers)


#: The furthest ``POST /_sandbox/clock`` moves the clock at once: a century.
MAX_ADVANCE_SECONDS = 100 * 365.25 * 86400


async def _clock(request: Request) -> JSONResponse:
    env: SandboxEnv = request.app.state.env
    if request.method == "POST":
        try:
            body = parse_json(await request.body())
        except BadJson as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        seconds = body.get("advance_seconds") if isinstance(body, dict) else None
        if type(seconds) not in (int, float) or not 0 <= seconds <= MAX_ADVANCE_SECONDS:
            return JSONResponse(
                {"error": 'Send {"advance_seconds": N}, N seconds from 0 to 3,155,760,000.'},
                status_code=400,
            )
        try:
            env.clock.advance(seconds)
        except OverflowError:
            return JSONResponse(
                {"error": "The clock cannot go past the year 9999."}, status_code=400
            )
    return JSONResponse({"now": env.clock.now().isoformat()})


async def _faults(request: Request) -> JSONResponse:
    env: SandboxEnv = request.app.state.env
    if request.method == "POST":
        try:
            body = parse_json(await request.body())
            if not isinstance(body, dict):
                raise ValueError('Send the settings to change as an object, e.g. {"latency": 1}.')
            env.faults.update(body)
        except ValueError as exc:  # BadJson, or a setting out of range: a sentence either way
            return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(faults_as_json(env.faults))
