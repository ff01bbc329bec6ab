"""The `yys` command: one binary, every process role (ARCHITECTURE.md §2, runtime/)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from yys.kit.settings import Settings

if TYPE_CHECKING:  # the CLI imports heavy modules only in the command that needs them
    from yys.kit.hosting import Role

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="yys: a homestay booking platform. `yys up` runs all of it in one process.")

HostOpt = Annotated[str | None, typer.Option(help="Interface to bind (default from YYS_HOST).")]
PortOpt = Annotated[int | None, typer.Option(help="Port to bind (default from YYS_PORT).")]
DataOpt = Annotated[Path | None, typer.Option(help="Data directory (default from YYS_DATA_DIR).")]
ServicesOpt = Annotated[str, typer.Option(help="Comma-separated services to host, or 'all'.")]


def _settings(**overrides: object) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**values)  # type: ignore[arg-type]


def _run_server(main: Coroutine[Any, Any, None]) -> None:
    """Serve on uvloop where installed (it ships with uvicorn[standard]): measured 15-20 % less
    CPU per request than the default loop here (bench/README.md)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def _parse_roles(spec: str) -> tuple[Role, ...]:
    from yys.kit.hosting import ROLES

    roles = tuple(r.strip() for r in spec.split(",") if r.strip())
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise typer.BadParameter(f"unknown role(s) {bad}; known: {', '.join(ROLES)}")
    return roles  # type: ignore[return-value]


@app.command()
def up(host: HostOpt = None, port: PortOpt = None, data_dir: DataOpt = None,
       seed: Annotated[bool, typer.Option(help="Load demo data on first start.")] = True,
       split: Annotated[bool, typer.Option(
           "--split", help="One process per service and role behind an nginx edge (docs/SPLIT.md).")]
       = False,
       *,
       observability: Annotated[bool, typer.Option(
           "--observability", help="With --split: also run Prometheus and Alertmanager against the "
           "processes (deploy/observability/README.md).")] = False) -> None:
    """Run the whole platform in one process on the embedded default (or the configured URLs)."""
    settings = _settings(host=host, port=port, data_dir=data_dir)
    if split:
        from yys.runtime.split.supervisor import run_split

        asyncio.run(run_split(settings, seed=seed, observability=observability))
        return
    if observability:
        raise typer.BadParameter("--observability needs --split", param_hint="--observability")
    from yys.runtime.serve import run_up

    _run_server(run_up(settings, seed=seed))


@app.command()
def serve(services: ServicesOpt = "all",
          roles: Annotated[str, typer.Option(help="Process roles: api,consumer,worker,scheduler.")]
          = "api",
          host: HostOpt = None, port: PortOpt = None,
          migrate: Annotated[bool, typer.Option(help="Run migrations before serving.")] = False,
          ) -> None:
    """Serve a subset of services (one per pod in production)."""
    from yys.runtime.registry import parse_services
    from yys.runtime.serve import run_serve

    settings = _settings(host=host, port=port)
    _run_server(run_serve(settings, parse_services(services), _parse_roles(roles), migrate=migrate))


def _run_role(role: str, services: str, host: str | None, port: int | None) -> None:
    from yys.runtime.registry import parse_services
    from yys.runtime.serve import run_serve

    settings = _settings(host=host, port=port)
    _run_server(run_serve(settings, parse_services(services), _parse_roles(role), migrate=False))


@app.command()
def consume(services: ServicesOpt = "all", host: HostOpt = None, port: PortOpt = None) -> None:
    """Run the event consumers of the given services (health and metrics on HTTP)."""
    _run_role("consumer", services, host, port)


@app.command()
def worker(services: ServicesOpt = "all", host: HostOpt = None, port: PortOpt = None) -> None:
    """Run the delay-queue workers of the given services (health and metrics on HTTP)."""
    _run_role("worker", services, host, port)


@app.command()
def scheduler(services: ServicesOpt = "all", host: HostOpt = None, port: PortOpt = None) -> None:
    """Run the cron scheduler and sweepers (one active replica holds the lease)."""
    _run_role("scheduler", services, host, port)


@app.command()
def migrate(services: ServicesOpt = "all",
            make: Annotated[str | None, typer.Option(
                help="Autogenerate a new revision for this service instead of upgrading.")] = None,
            message: Annotated[str, typer.Option("-m", "--message")] = "change") -> None:
    """Bring every hosted service's schema up to date (or autogenerate a revision)."""
    from yys.runtime.serve import run_make_revision, run_migrate

    settings = _settings()
    if make:
        asyncio.run(run_make_revision(settings, make, message))
    else:
        from yys.runtime.registry import parse_services

        asyncio.run(run_migrate(settings, parse_services(services)))


@app.command()
def seed(homestays: Annotated[int, typer.Option(help="Homestays to create.")] = 100,
         businesses: Annotated[int, typer.Option(help="Businesses (hosts) to create.")] = 10,
         users: Annotated[int, typer.Option(help="Guest users to create.")] = 50,
         comments: Annotated[int, typer.Option(help="Comments per homestay (average).")] = 3,
         data_dir: DataOpt = None) -> None:
    """Load a generated catalogue of the given size (migrates first)."""
    from yys.runtime.seed import run_seed_command

    settings = _settings(data_dir=data_dir)
    asyncio.run(run_seed_command(settings, homestays=homestays, businesses=businesses,
                                 users=users, comments=comments))


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()


if __name__ == "__main__":
    main()
