"""All provider simulators behind one ASGI app, plus the sandbox's own control endpoints.

``/rocketcoms``, ``/routee``, ``/bulksms``, ``/cordial``, ``/batch`` each serve one provider's
wire format; ``GET/POST /_sandbox/clock`` reads and advances the clock
(``{"advance_seconds": N}``), ``GET/POST /_sandbox/faults`` reads and sets fault injection.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from app.sandbox.core import FaultMiddleware, FaultRenderer, SandboxEnv, faults_as_json

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
    for prefix, module_name in PROVIDER_APPS.items():
        if prefix not in wanted:
            continue
        module = import_module(f"app.sandbox.{module_name}")
        routes.append(Mount(prefix, app=module.create_app(env)))
        renderers[prefix] = module.fault_response
    app = Starlette(routes=routes)
    app.state.env = env
    return FaultMiddleware(app, env, renderers)


async def _clock(request: Request) -> JSONResponse:
    env: SandboxEnv = request.app.state.env
    if request.method == "POST":
        body = await request.json()
        try:
            seconds = float(body["advance_seconds"])
        except (KeyError, TypeError, ValueError):
            return JSONResponse({"error": 'Send {"advance_seconds": N}.'}, status_code=400)
        env.clock.advance(seconds)
    return JSONResponse({"now": env.clock.now().isoformat()})


async def _faults(request: Request) -> JSONResponse:
    env: SandboxEnv = request.app.state.env
    if request.method == "POST":
        try:
            env.faults.update(await request.json())
        except (ValueError, TypeError, AttributeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(faults_as_json(env.faults))
