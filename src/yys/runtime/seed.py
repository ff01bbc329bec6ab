"""Demo data on first start (`yys up`) and the benchmark catalogue (`yys seed`).

The runtime is the one place allowed to reach into several services: users come from
usercenter's seed, the catalogue from travel's, linked by the user ids the first returns.
"""

from __future__ import annotations

import time

import structlog
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yys.kit.settings import Settings
from yys.runtime.app import Process, build_process
from yys.runtime.platform import build_platform, close_platform
from yys.services.travel import seed as travel_seed
from yys.services.travel.caching import TravelCaches
from yys.services.travel.seed_data import DEMO_BUSINESSES
from yys.services.travel.wiring import cache_policy
from yys.services.usercenter.seed import seed_hosts, seed_users

log = structlog.get_logger("yys.seed")

DEMO_GUESTS = 10
DEMO_MOBILE = 13800000000  # the first guest: seed_users' default start
DEMO_PASSWORD = "password123"


async def seed_demo_if_empty(process: Process) -> None:
    """Load the demo catalogue when travel has no homestays yet (first start)."""
    hosted = {s.name for s in process.services}
    if not {"usercenter", "travel"} <= hosted:
        log.info("demo data skipped: needs usercenter and travel in this process")
        return
    platform = process.platform
    travel_db = platform.database("travel")
    if not await travel_seed.is_empty(travel_db):
        return
    started = time.perf_counter()
    users_db = platform.database("usercenter")
    hosts = await seed_hosts(users_db, platform.hasher, count=len(DEMO_BUSINESSES))
    guests = await seed_users(users_db, platform.hasher, count=DEMO_GUESTS,
                              start_mobile=DEMO_MOBILE, password=DEMO_PASSWORD)
    result = await travel_seed.seed_demo(travel_db, hosts=hosts, guests=guests)
    await travel_seed.forget_cached_lists(TravelCaches(platform.cache,
                                                       cache_policy(platform.settings)))
    log.info("demo data loaded", homestays=result.homestays, businesses=result.businesses,
             comments=result.comments, seconds=round(time.perf_counter() - started, 2),
             demo_login_mobile=str(DEMO_MOBILE), demo_login_password=DEMO_PASSWORD)


async def run_seed_command(settings: Settings, *, homestays: int, businesses: int, users: int,
                           comments: int) -> None:
    """Migrate, then bulk-load users and a generated catalogue of the given size."""
    console = Console(stderr=True)
    platform = build_platform(settings)
    process = build_process(platform, ["usercenter", "travel"])
    try:
        await process.migrate()
        started = time.perf_counter()
        with Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as bar:
            users_task = bar.add_task("users", total=businesses + users)
            users_db = platform.database("usercenter")
            hosts = await seed_hosts(users_db, platform.hasher, count=businesses)
            bar.advance(users_task, len(hosts))
            guests = await seed_users(users_db, platform.hasher, count=users)
            bar.advance(users_task, len(guests))
            tasks = {
                "business": bar.add_task("businesses", total=businesses),
                "homestay": bar.add_task("homestays", total=homestays),
                "comment": bar.add_task("comments", total=homestays * comments),
                "activity": bar.add_task("activities", total=None),
            }
            plan = travel_seed.CataloguePlan(homestays=homestays, businesses=businesses,
                                             comments_per_homestay=comments, hosts=hosts,
                                             guests=guests)
            result = await travel_seed.seed_catalogue(
                platform.database("travel"), plan,
                progress=lambda kind, n: bar.advance(tasks[kind], n))
            for task in tasks.values():
                bar.update(task, total=bar.tasks[task].completed)
        await travel_seed.forget_cached_lists(TravelCaches(platform.cache,
                                                           cache_policy(settings)))
        elapsed = time.perf_counter() - started
        console.print(
            f"seeded {result.homestays} homestays, {result.businesses} businesses, "
            f"{result.comments} comments, {result.activities} activities, "
            f"{len(hosts) + len(guests)} users in {elapsed:.1f}s")
    finally:
        await close_platform(platform)
