"""Paging and sorting of admin lists (`?page=&pageSize=&sort=`). Pure, domain-free.

Admin lists are offset-paged (an operator jumps to page 7); public lists keep the original's
keyset paging. Sort keys come from a per-list whitelist of API field names, so a request can
never name a column (or SQL) of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from yys.kit.errors import BadRequest

DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 100
# Deep offsets are a full scan on every database; nobody pages a million rows by hand.
MAX_PAGE: Final = 100_000
MAX_ID: Final = 2**63 - 1  # BIGINT: a larger id cannot exist, and MariaDB would overflow on it

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def page_request(page: int | None, size: int | None) -> PageRequest:
    """1-based page (absent = 1); size absent/0 = the default, above the cap = the cap."""
    number = 1 if page is None else page
    if not 1 <= number <= MAX_PAGE:
        raise BadRequest(f"page must be between 1 and {MAX_PAGE}")
    if size is None or size == 0:
        return PageRequest(number, DEFAULT_PAGE_SIZE)
    if size < 0:
        raise BadRequest("pageSize must not be negative")
    return PageRequest(number, min(size, MAX_PAGE_SIZE))


@dataclass(frozen=True, slots=True)
class Sort:
    """A whitelisted sort key (the repository's own name for it) and its direction."""

    key: str
    descending: bool


def parse_sort(raw: str | None, allowed: Mapping[str, str], default: Sort) -> Sort:
    """`field` ascending or `-field` descending, `field` one of `allowed` (API name → key)."""
    if raw is None or not raw.strip():
        return default
    text = raw.strip()
    descending = text.startswith("-")
    name = text[1:] if descending else text
    if name not in allowed:
        raise BadRequest(f"sort must be one of {', '.join(sorted(allowed))} (prefix - for descending)")
    return Sort(allowed[name], descending)


def resource_id(value: int, what: str = "id") -> int:
    """A positive BIGINT id from a path or filter (400 otherwise, never a driver overflow)."""
    if not 1 <= value <= MAX_ID:
        raise BadRequest(f"{what} must be a positive integer")
    return value


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    total: int
    items: list[T]
