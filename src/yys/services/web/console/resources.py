"""The catalogue resources the console edits, described as data: API path, table columns,
filters and form fields. One generic list page and one generic form serve all four.

Field names are the admin API's camelCase names; labels are i18n keys (`console.f.<name>`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    TEXT = "text"
    TEXTAREA = "textarea"
    INT = "int"  # a whole number
    MONEY = "money"  # yuan, at most two decimals
    NUMBER = "number"  # a decimal (a star rating)
    CHOICE = "choice"  # one of `choices` (values sent as int when they look like one)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    create_only: bool = False  # fixed once created: shown read-only when editing
    choices: tuple[tuple[str, str], ...] = ()  # (value, i18n key of the label)
    max_length: int | None = None

    @property
    def label(self) -> str:
        return f"console.f.{self.name}"


@dataclass(frozen=True, slots=True)
class Resource:
    slug: str  # the console URL segment and the admin API collection
    title: str  # i18n key of the plural title
    one: str  # i18n key of one record ("homestay")
    fields: tuple[Field, ...]
    columns: tuple[str, ...]  # field names shown in the table (after id)
    filters: tuple[Field, ...] = field(default=())
    sorts: tuple[str, ...] = ("id",)  # columns the admin API can sort this list by

    @property
    def api_path(self) -> str:
        return f"/admin/v1/{self.slug}"

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def sort_of(self, raw: str | None) -> str:
        """`field` or `-field` when the API sorts by that field, else "" (its default, newest)."""
        name = (raw or "").removeprefix("-")
        return raw if raw and name in self.sorts else ""

    def editable(self, *, creating: bool) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if creating or not f.create_only)


SHELF = (("1", "console.v.onShelf"), ("0", "console.v.offShelf"))
ROW_TYPE = (("0", "console.v.perRoom"), ("1", "console.v.perPerson"))
ACTIVE = (("1", "console.v.active"), ("0", "console.v.inactive"))
ACTIVITY_TYPES = (("preferredHomestay", "console.v.preferredHomestay"),
                  ("goodBusiness", "console.v.goodBusiness"))
STARS = tuple((str(n), f"console.v.star{n}") for n in range(1, 6))

HOMESTAYS = Resource(
    slug="homestays", title="console.nav.homestays", one="console.one.homestays",
    fields=(
        Field("title", required=True, max_length=64),
        Field("subTitle", max_length=128),
        Field("homestayBusinessId", Kind.INT, required=True),
        Field("homestayPrice", Kind.MONEY, required=True),
        Field("marketHomestayPrice", Kind.MONEY),
        Field("peopleNum", Kind.INT),
        Field("rowType", Kind.CHOICE, choices=ROW_TYPE),
        Field("rowState", Kind.CHOICE, choices=SHELF),
        Field("foodInfo", max_length=255),
        Field("foodPrice", Kind.MONEY),
        Field("banner", Kind.TEXTAREA, max_length=3000),
        Field("info", Kind.TEXTAREA, max_length=4000),
    ),
    columns=("title", "homestayBusinessId", "homestayPrice", "peopleNum", "rowState"),
    sorts=("id", "title", "homestayPrice", "peopleNum", "rowState"),
    filters=(Field("title"), Field("homestayBusinessId", Kind.INT),
             Field("rowState", Kind.CHOICE, choices=SHELF),
             Field("rowType", Kind.CHOICE, choices=ROW_TYPE)),
)

BUSINESSES = Resource(
    slug="homestay-businesses", title="console.nav.businesses", one="console.one.homestay-businesses",
    fields=(
        Field("title", required=True, max_length=64),
        Field("userId", Kind.INT, required=True, create_only=True),
        Field("star", Kind.NUMBER),
        Field("sellMonth", Kind.INT),
        Field("rowState", Kind.CHOICE, choices=SHELF),
        Field("tags", max_length=255),
        Field("cover", max_length=512),
        Field("headerImg", max_length=512),
        Field("licenseFron", max_length=512),
        Field("licenseBack", max_length=512),
        Field("info", Kind.TEXTAREA, max_length=4000),
        Field("bossInfo", Kind.TEXTAREA, max_length=4000),
    ),
    columns=("title", "userId", "star", "sellMonth", "rowState"),
    sorts=("id", "title", "star", "sellMonth"),
    filters=(Field("title"), Field("userId", Kind.INT),
             Field("rowState", Kind.CHOICE, choices=SHELF)),
)

ACTIVITIES = Resource(
    slug="homestay-activities", title="console.nav.activities", one="console.one.homestay-activities",
    fields=(
        Field("rowType", Kind.CHOICE, required=True, choices=ACTIVITY_TYPES),
        Field("dataId", Kind.INT, required=True),
        Field("rowStatus", Kind.CHOICE, choices=ACTIVE),
    ),
    columns=("rowType", "dataId", "rowStatus"),
    sorts=("id", "dataId"),
    filters=(Field("rowType", Kind.CHOICE, choices=ACTIVITY_TYPES),
             Field("rowStatus", Kind.CHOICE, choices=ACTIVE), Field("dataId", Kind.INT)),
)

COMMENTS = Resource(
    slug="homestay-comments", title="console.nav.comments", one="console.one.homestay-comments",
    fields=(
        Field("homestayId", Kind.INT, required=True, create_only=True),
        Field("userId", Kind.INT, required=True, create_only=True),
        Field("orderSn", create_only=True, max_length=64),
        Field("star", Kind.CHOICE, required=True, choices=STARS),
        Field("content", Kind.TEXTAREA, required=True, max_length=2000),
    ),
    columns=("homestayId", "userId", "star", "content"),
    sorts=("id", "star"),
    filters=(Field("homestayId", Kind.INT), Field("userId", Kind.INT), Field("orderSn"),
             Field("star", Kind.CHOICE, choices=STARS)),
)

CATALOGUE: dict[str, Resource] = {r.slug: r for r in (HOMESTAYS, BUSINESSES, ACTIVITIES, COMMENTS)}
