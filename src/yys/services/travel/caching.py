"""The travel caches: records by id, and list pages under one generation.

List pages (homestayList pages, guessList, the goodBusiness ranking) depend on many rows, so a
write cannot know every affected key. Their keys carry a generation token that is itself cached;
a write drops the token, which orphans every page at once (they expire by TTL).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import msgspec

from yys.kit.cache import CacheAside
from yys.kit.cache.ports import CacheBackend
from yys.services.travel.domain import Business, Homestay

_LISTS = "lists"


@dataclass
class Stale:
    """What a write made stale; dropped once its transaction has committed."""

    homestays: set[int] = field(default_factory=set)
    businesses: set[int] = field(default_factory=set)
    lists: bool = False

    def homestay(self, homestay_id: int) -> None:
        self.homestays.add(homestay_id)
        self.lists = True

    def business(self, business_id: int) -> None:
        self.businesses.add(business_id)
        self.lists = True


@dataclass(frozen=True)
class CachePolicy:
    ttl: float = 300.0
    negative_ttl: float = 30.0
    jitter: float = 0.1
    enabled: bool = True


def _aside(backend: CacheBackend, name: str, kind: object, policy: CachePolicy) -> CacheAside:  # type: ignore[type-arg]
    decoder = msgspec.json.Decoder(kind)
    return CacheAside(backend, name=name, encode=msgspec.json.encode, decode=decoder.decode,
                      ttl=policy.ttl, negative_ttl=policy.negative_ttl, jitter=policy.jitter,
                      enabled=policy.enabled)


class TravelCaches:
    def __init__(self, backend: CacheBackend, policy: CachePolicy) -> None:
        self.homestay: CacheAside[Homestay] = _aside(backend, "travel:homestay", Homestay, policy)
        self.business: CacheAside[Business] = _aside(backend, "travel:business", Business, policy)
        self.homestay_pages: CacheAside[list[Homestay]] = _aside(
            backend, "travel:homestays", list[Homestay], policy)
        self.business_pages: CacheAside[list[Business]] = _aside(
            backend, "travel:businesses", list[Business], policy)
        self._generation: CacheAside[str] = _aside(backend, "travel:gen", str, policy)

    async def generation(self) -> str:
        token = await self._generation.get(_LISTS, _new_token)
        return token or ""

    async def drop(self, stale: Stale) -> None:
        if stale.homestays:
            await self.homestay.invalidate(*(str(i) for i in stale.homestays))
        if stale.businesses:
            await self.business.invalidate(*(str(i) for i in stale.businesses))
        if stale.lists:
            await self._generation.invalidate(_LISTS)


async def _new_token() -> str:
    return secrets.token_hex(6)
