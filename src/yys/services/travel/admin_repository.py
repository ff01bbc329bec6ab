"""SQL of the back office's catalogue lists: every filter a bound parameter, every sort key a
column looked up in a whitelist, `LIKE` patterns escaped (a `%` in a title filter is a percent
sign, not a wildcard). Off-shelf rows are listed too; soft-deleted ones are not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

from yys.kit.listing import Sort
from yys.services.travel import tables as t
from yys.services.travel.domain import (
    Activity,
    ActivityFilter,
    Business,
    BusinessFilter,
    Comment,
    CommentFilter,
    Homestay,
    HomestayFilter,
)
from yys.services.travel.repository import (
    ACTIVITY_COLS,
    BUSINESS_COLS,
    COMMENT_COLS,
    HOMESTAY_COLS,
    SqlTravelRepository,
    activity_from_row,
    business_from_row,
    comment_from_row,
    homestay_from_row,
)

T = TypeVar("T")

_H, _B, _A, _C = t.homestay.c, t.homestay_business.c, t.homestay_activity.c, t.homestay_comment.c

# Sort keys each list accepts (the API maps its field names onto these).
HOMESTAY_SORTS = frozenset({"id", "create_time", "update_time", "title", "people_num",
                            "homestay_price", "row_state"})
BUSINESS_SORTS = frozenset({"id", "create_time", "update_time", "title", "star",
                            "comment_count", "sell_month"})
ACTIVITY_SORTS = frozenset({"id", "create_time", "update_time", "data_id"})
COMMENT_SORTS = frozenset({"id", "create_time", "update_time", "star"})


def _conditions(*pairs: tuple[Any, Any]) -> list[Any]:
    """Equality conditions for the filters that were given (None = not filtered)."""
    return [column == value for column, value in pairs if value is not None]


def _order(table: sa.Table, sort: Sort, allowed: frozenset[str]) -> list[Any]:
    if sort.key not in allowed:  # the API already refused it; never let a name reach SQL
        raise ValueError(f"unsupported sort key {sort.key!r}")
    column = table.c[sort.key]
    ordered = column.desc() if sort.descending else column.asc()
    # id breaks ties, so pages of an equal-valued sort neither repeat nor skip rows.
    tie = table.c.id.desc() if sort.descending else table.c.id.asc()
    return [ordered] if sort.key == "id" else [ordered, tie]


class SqlAdminQueries(SqlTravelRepository):
    """The lists, plus the record lookups of the repository on the same connection."""

    async def _page(self, table: sa.Table, columns: list[Any], where: list[Any], sort: Sort, *,
                    allowed: frozenset[str], offset: int, limit: int,
                    convert: Callable[[Any], T]) -> tuple[int, list[T]]:
        where = [table.c.del_state == 0, *where]
        total = (await self._conn.execute(
            sa.select(sa.func.count()).select_from(table).where(*where))).scalar_one()
        if not total or offset >= total:
            return int(total), []
        rows = await self._conn.execute(
            sa.select(*columns).where(*where).order_by(*_order(table, sort, allowed))
            .offset(offset).limit(limit))
        return int(total), [convert(r) for r in rows]

    async def list_homestays(self, f: HomestayFilter, sort: Sort, *, offset: int,
                        limit: int) -> tuple[int, list[Homestay]]:
        where = _conditions((_H.homestay_business_id, f.homestay_business_id),
                            (_H.row_state, f.row_state), (_H.row_type, f.row_type))
        if f.title:
            where.append(_H.title.contains(f.title, autoescape=True))
        return await self._page(t.homestay, HOMESTAY_COLS, where, sort,
                                allowed=HOMESTAY_SORTS,
                                offset=offset, limit=limit, convert=homestay_from_row)

    async def list_businesses(self, f: BusinessFilter, sort: Sort, *, offset: int,
                         limit: int) -> tuple[int, list[Business]]:
        where = _conditions((_B.user_id, f.user_id), (_B.row_state, f.row_state))
        if f.title:
            where.append(_B.title.contains(f.title, autoescape=True))
        return await self._page(t.homestay_business, BUSINESS_COLS, where, sort,
                                allowed=BUSINESS_SORTS,
                                offset=offset, limit=limit, convert=business_from_row)

    async def list_activities(self, f: ActivityFilter, sort: Sort, *, offset: int,
                         limit: int) -> tuple[int, list[Activity]]:
        where = _conditions((_A.row_type, f.row_type), (_A.row_status, f.row_status),
                            (_A.data_id, f.data_id))
        return await self._page(t.homestay_activity, ACTIVITY_COLS, where, sort,
                                allowed=ACTIVITY_SORTS,
                                offset=offset, limit=limit, convert=activity_from_row)

    async def list_comments(self, f: CommentFilter, sort: Sort, *, offset: int,
                       limit: int) -> tuple[int, list[Comment]]:
        where = _conditions((_C.homestay_id, f.homestay_id), (_C.user_id, f.user_id),
                            (_C.order_sn, f.order_sn), (_C.star, f.star))
        return await self._page(t.homestay_comment, COMMENT_COLS, where, sort,
                                allowed=COMMENT_SORTS,
                                offset=offset, limit=limit, convert=comment_from_row)
