"""Which process owns which public path: nginx locations derived from the route tables.

Each service's route handlers are resolved by Litestar (so routers, nested paths and path
parameters come out exactly as the service serves them). The paths go into a segment trie
labelled with their owner; the shortest prefix under which only one service has routes becomes
one `^~` prefix location, so `/travel/...` is a single line while a shared prefix such as
`/admin/v1/` is split per resource (`/admin/v1/homestays` → travel, `/admin/v1/users` →
usercenter). Exact (`=`) and `^~` locations beat regexes in nginx, so path parameters, which
need a regex, never steal a static path another service owns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_PARAM = re.compile(r"^\{[^}]+\}$")


class RouteConflictError(ValueError):
    """Two services declare the same route: the edge could not tell where to send it."""


@dataclass(frozen=True, order=True)
class Location:
    """One nginx `location`: modifier `=` (exact), `^~` (prefix) or `~` (regex)."""

    modifier: str
    pattern: str
    owner: str


def route_paths(handlers: Sequence[Any]) -> list[str]:
    """The paths of a service's route handlers, as Litestar resolves them."""
    from litestar import Litestar

    if not handlers:
        return []
    app = Litestar(route_handlers=list(handlers), openapi_config=None)
    return sorted({route.path for route in app.routes})


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    wildcard: _Node | None = None
    terminal: set[str] = field(default_factory=set)  # services serving exactly this path
    owners: set[str] = field(default_factory=set)  # services with a route at or below it
    routes: list[tuple[tuple[str, ...], str]] = field(default_factory=list)  # (segments, owner)


def _segments(path: str) -> tuple[str, ...]:
    return tuple(s for s in path.split("/") if s)


def _is_param(segment: str) -> bool:
    return bool(_PARAM.match(segment))


def _build_trie(routes: Mapping[str, Iterable[str]]) -> _Node:
    root = _Node()
    for owner, paths in routes.items():
        for path in paths:
            segments = _segments(path)
            node = root
            node.owners.add(owner)
            node.routes.append((segments, owner))
            for seg in segments:
                if _is_param(seg):
                    node.wildcard = node.wildcard or _Node()
                    node = node.wildcard
                else:
                    node = node.children.setdefault(seg, _Node())
                node.owners.add(owner)
                node.routes.append((segments, owner))
            node.terminal.add(owner)
            if len(node.terminal) > 1:
                raise RouteConflictError(f"{path} is declared by {', '.join(sorted(node.terminal))}")
    return root


def _segment_regex(segment: str) -> str:
    if _is_param(segment):
        # A `{name:path}` parameter spans segments; every other kind is one segment.
        return ".*" if segment.rstrip("}").endswith(":path") else "[^/]+"
    return re.escape(segment)


def _route_regex(segments: tuple[str, ...]) -> str:
    return "^/" + "/".join(_segment_regex(s) for s in segments) + "$"


def _only(owners: set[str]) -> str:
    (owner,) = owners
    return owner


def _plan(node: _Node, prefix: str, out: list[Location], regexes: list[tuple[int, Location]]) -> None:
    for seg in sorted(node.children):
        child = node.children[seg]
        path = f"{prefix}/{seg}"
        if len(child.owners) == 1:
            owner = _only(child.owners)
            if child.terminal:
                out.append(Location("=", path, owner))
            if child.children or child.wildcard is not None:
                out.append(Location("^~", path + "/", owner))
            continue
        if child.terminal:
            out.append(Location("=", path, _only(child.terminal)))
        _plan(child, path, out, regexes)
    wild = node.wildcard
    if wild is None:
        return
    if len(wild.owners) == 1:
        # Everything under this parameter belongs to one service: one regex for the subtree.
        pattern = "^" + re.escape(prefix) + "/[^/]+(/.*)?$"
        regexes.append((-len(_segments(prefix)), Location("~", pattern, _only(wild.owners))))
        return
    for segments, owner in wild.routes:
        static = sum(not _is_param(s) for s in segments)
        regexes.append((-static, Location("~", _route_regex(segments), owner)))


def plan_locations(routes: Mapping[str, Iterable[str]]) -> list[Location]:
    """nginx locations for `{service: [path, ...]}`: exact and prefix ones sorted by path, then
    regexes, most static segments first (nginx tries regexes in order)."""
    root = _build_trie(routes)
    out: list[Location] = []
    if root.terminal:
        # The home page (web): an exact `= /`, so the edge's catch-all `location /` still
        # answers unknown paths with the contract's 404 body.
        out.append(Location("=", "/", _only(root.terminal)))
    regexes: list[tuple[int, Location]] = []
    _plan(root, "", out, regexes)
    ordered = dict.fromkeys(loc for _, loc in sorted(regexes, key=lambda r: (r[0], r[1].pattern)))
    return sorted(out, key=lambda loc: (loc.pattern, loc.modifier)) + list(ordered)
