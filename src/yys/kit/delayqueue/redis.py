"""Delay queue and leader lease on Redis (redis-py asyncio), built on a few Lua scripts.

Chosen over taskiq: taskiq's brokers neither dedup by a caller's job id, nor cancel a delayed job,
nor keep exhausted jobs in a dead state with lease-fenced acknowledgements; these few scripts do,
and they share the `Worker` and the behaviour suite with the SQL adapter.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from redis.asyncio import Redis

from yys.kit.delayqueue import _redis_scripts as lua
from yys.kit.delayqueue.ports import DeadJob, Job, JobCounts
from yys.kit.observability import tracing


class _Body(msgspec.Struct, frozen=True):
    type: str
    payload: dict[str, Any]
    headers: dict[str, str]


def _ms(seconds: float) -> int:
    return math.ceil(seconds * 1000)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisDelayQueue:
    """`DelayQueue` in Redis under `prefix` (use a {hash tag} prefix on Redis Cluster)."""

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "{yys:delayq}",
        lease_seconds: float = 60.0,
        tombstone_retention: float = 7 * 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._r = client
        self._prefix = prefix
        self._lease_seconds = lease_seconds
        self._retention = tombstone_retention
        self._clock = clock
        names = ("body", "attempts", "runat", "token", "err", "dedup", "due", "lease", "dead")
        self._k = {name: f"{prefix}:{name}" for name in names}
        self._enqueue = client.register_script(lua.ENQUEUE)
        self._claim = client.register_script(lua.CLAIM)
        self._ack = client.register_script(lua.ACK)
        self._retry = client.register_script(lua.RETRY)
        self._bury = client.register_script(lua.BURY)
        self._extend = client.register_script(lua.EXTEND)
        self._cancel = client.register_script(lua.CANCEL)

    @property
    def lease_seconds(self) -> float:
        return self._lease_seconds

    def _keys(self, *names: str) -> list[str]:
        return [self._k[name] for name in names]

    def _done_key(self, job_id: str) -> str:
        return f"{self._prefix}:done:{job_id}"

    async def enqueue(
        self,
        job_type: str,
        payload: Mapping[str, Any],
        *,
        run_at: float | None = None,
        delay: float | None = None,
        job_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> str:
        if run_at is not None and delay is not None:
            raise ValueError("give run_at or delay, not both")
        due = run_at if run_at is not None else self._clock() + (delay or 0.0)
        jid = job_id or uuid.uuid4().hex
        # The scheduling request's trace context rides along: the worker continues its trace.
        body = msgspec.json.encode(_Body(job_type, dict(payload), tracing.with_trace_context(headers or {})))
        keys = [*self._keys("body", "attempts", "runat", "due", "dedup"), self._done_key(jid)]
        await self._enqueue(keys=keys, args=[jid, body, _ms(due), "1" if job_id is not None else "0"])
        return jid

    async def cancel(self, job_id: str) -> bool:
        keys = self._keys("body", "attempts", "runat", "token", "err", "dedup", "due", "lease", "dead")
        return bool(await self._cancel(keys=keys, args=[job_id]))

    async def get(self, job_id: str) -> Job | None:
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.zscore(self._k["dead"], job_id)
            for name in ("body", "attempts", "runat", "err", "token"):
                pipe.hget(self._k[name], job_id)
            dead, body, attempts, run_at, err, token = await pipe.execute()
        if dead is not None or body is None:
            return None
        return self._job(job_id, body, attempts, run_at, err, token=token, now_ms=None)

    async def claim(self, worker_id: str, limit: int) -> list[Job]:
        now_ms = _ms(self._clock())
        token = f"{worker_id}:{uuid.uuid4().hex}"
        keys = self._keys("due", "lease", "attempts", "runat", "token", "body", "err")
        flat = await self._claim(keys=keys, args=[now_ms, now_ms + _ms(self._lease_seconds), limit, token])
        jobs = []
        for i in range(0, len(flat), 5):
            job_id, body, attempts, run_at, err = flat[i : i + 5]
            jobs.append(self._job(_text(job_id), body, attempts, run_at, err, token=token, now_ms=now_ms))
        return jobs

    async def extend(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        pairs = [value for job in jobs for value in (job.id, job.lease_token)]
        until = _ms(self._clock() + self._lease_seconds)
        await self._extend(keys=self._keys("token", "lease"), args=[until, *pairs])

    async def ack(self, job: Job) -> bool:
        keys = [*self._keys("body", "attempts", "runat", "token", "err", "dedup", "due", "lease"),
                self._done_key(job.id)]
        return bool(await self._ack(keys=keys, args=[job.id, job.lease_token, _ms(self._retention)]))

    async def retry(self, job: Job, *, run_at: float, error: str) -> bool:
        keys = self._keys("token", "err", "runat", "due", "lease")
        return bool(await self._retry(keys=keys, args=[job.id, job.lease_token, _ms(run_at), error]))

    async def bury(self, job: Job, *, error: str) -> bool:
        keys = self._keys("token", "err", "due", "lease", "dead")
        now_ms = _ms(self._clock())
        return bool(await self._bury(keys=keys, args=[job.id, job.lease_token, now_ms, error]))

    async def purge_tombstones(self) -> int:
        """Tombstones carry a TTL in Redis, so there is nothing to purge."""
        return 0

    async def depth(self) -> int:
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.zcard(self._k["due"])
            pipe.zcard(self._k["lease"])
            waiting, leased = await pipe.execute()
        return int(waiting) + int(leased)

    async def dead_count(self) -> int:
        return int(await self._r.zcard(self._k["dead"]))

    async def counts(self) -> JobCounts:
        """See `CountsJobs`: four ZCOUNTs in one round trip."""
        now_ms = _ms(self._clock())
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.zcount(self._k["due"], "-inf", now_ms)
            pipe.zcount(self._k["due"], f"({now_ms}", "+inf")
            pipe.zcount(self._k["lease"], now_ms, "+inf")
            # A lease that ran out is moved back to `due` only by the next claim: due already.
            pipe.zcount(self._k["lease"], "-inf", f"({now_ms}")
            due, scheduled, running, expired = await pipe.execute()
        return JobCounts(due=int(due) + int(expired), scheduled=int(scheduled),
                         running=int(running))

    async def oldest_due_lateness(self) -> float:
        now_ms = _ms(self._clock())
        oldest: list[int] = []
        first = await self._r.zrange(self._k["due"], 0, 0, withscores=True)
        if first:
            oldest.append(int(first[0][1]))
        # Jobs whose lease expired wait too, but are only moved back to `due` by the next claim.
        expired: list[Any] = list(
            await self._r.zrangebyscore(self._k["lease"], "-inf", f"({now_ms}", start=0, num=50)
        )
        if expired:
            run_ats = await self._r.hmget(self._k["runat"], expired)
            oldest.extend(int(v) for v in run_ats if v is not None)
        due = [v for v in oldest if v <= now_ms]
        return (now_ms - min(due)) / 1000 if due else 0.0

    async def dead_jobs(self, limit: int = 100) -> list[DeadJob]:
        entries: list[Any] = list(await self._r.zrevrange(self._k["dead"], 0, limit - 1, withscores=True))
        if not entries:
            return []
        async with self._r.pipeline(transaction=True) as pipe:
            for raw_id, _ in entries:
                for name in ("body", "attempts", "runat", "err"):
                    pipe.hget(self._k[name], raw_id)
            values = await pipe.execute()
        dead = []
        for index, (raw_id, died_at) in enumerate(entries):
            body, attempts, run_at, err = values[index * 4 : index * 4 + 4]
            if body is None:
                continue
            job = self._job(_text(raw_id), body, attempts, run_at, err, token=None, now_ms=None)
            dead.append(DeadJob(job=job, error=job.last_error or "", died_at=float(died_at) / 1000))
        return dead

    @staticmethod
    def _job(job_id: str, body: Any, attempts: Any, run_at: Any, err: Any, *,
             token: Any, now_ms: int | None) -> Job:
        decoded = msgspec.json.decode(body, type=_Body)
        run_at_ms = int(run_at or 0)
        error = _text(err) if err else None
        return Job(
            id=job_id,
            type=decoded.type,
            payload=decoded.payload,
            headers=decoded.headers,
            run_at=run_at_ms / 1000,
            attempts=int(attempts or 0),
            lateness=0.0 if now_ms is None else max(0, now_ms - run_at_ms) / 1000,
            last_error=error,
            lease_token=_text(token) if token else "",
        )


class RedisLeaderLease:
    """`LeaderLease` as one Redis key holding the holder's name, with a TTL."""

    def __init__(self, client: Redis, key: str) -> None:
        self._key = key
        self._acquire = client.register_script(lua.LEASE_ACQUIRE)
        self._release = client.register_script(lua.LEASE_RELEASE)

    async def acquire(self, holder: str, ttl: float) -> bool:
        return bool(await self._acquire(keys=[self._key], args=[holder, _ms(ttl)]))

    async def release(self, holder: str) -> None:
        await self._release(keys=[self._key], args=[holder])
