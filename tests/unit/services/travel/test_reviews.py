"""addComment rules on fakes: own order of this homestay, after the stay, once per order."""

from __future__ import annotations

import pytest

from tests.unit.services.travel.fakes import FakeRepo, business, homestay
from yys.kit.cache import MemoryCache
from yys.kit.errors import BadRequest
from yys.services.travel.caching import CachePolicy, TravelCaches
from yys.services.travel.catalogue import CatalogueService
from yys.services.travel.domain import (
    CommentExists,
    InvalidField,
    OrderNotFound,
    OrderNotUsed,
    OrderRef,
)
from yys.services.travel.reviews import ReviewService


class Orders:
    def __init__(self, *orders: OrderRef) -> None:
        self.by_sn = {o.sn: o for o in orders}

    async def order(self, sn: str) -> OrderRef | None:
        return self.by_sn.get(sn)


@pytest.fixture
def repo() -> FakeRepo:
    fake = FakeRepo()
    fake.business_rows[1] = business(1)
    fake.homestays[1] = homestay(1)
    fake.homestays[2] = homestay(2)
    return fake


@pytest.fixture
def reviews(repo: FakeRepo) -> ReviewService:
    orders = Orders(OrderRef("S1", 10, 1, used=True), OrderRef("S2", 10, 1, used=False),
                    OrderRef("S3", 11, 1, used=True))
    catalogue = CatalogueService(writes=repo.writes,
                                 caches=TravelCaches(MemoryCache(), CachePolicy()))
    return ReviewService(catalogue=catalogue, orders=orders)


async def test_once_per_own_used_order(reviews: ReviewService, repo: FakeRepo) -> None:
    new_id = await reviews.add_comment(user_id=10, homestay_id=1, order_sn=" S1 ",
                                       content=" 很好 ", star=5)
    comment = repo.comment_rows[new_id]
    assert (comment.order_sn, comment.content, comment.user_id) == ("S1", "很好", 10)
    assert repo.calls["refresh_comment_stats"] == 1
    with pytest.raises(CommentExists):
        await reviews.add_comment(user_id=10, homestay_id=1, order_sn="S1", content="again",
                                  star=1)


@pytest.mark.parametrize(("user", "homestay_id", "sn", "error"), [
    (11, 1, "S1", OrderNotFound), (10, 2, "S1", OrderNotFound), (10, 1, "nope", OrderNotFound),
    (10, 1, "S2", OrderNotUsed)])
async def test_refusals(reviews: ReviewService, user: int, homestay_id: int, sn: str,
                        error: type[Exception]) -> None:
    with pytest.raises(error):
        await reviews.add_comment(user_id=user, homestay_id=homestay_id, order_sn=sn,
                                  content="x", star=3)


@pytest.mark.parametrize(("content", "star", "sn"), [("", 3, "S1"), ("  ", 3, "S1"),
                                                     ("x" * 501, 3, "S1"), ("x", 6, "S1"),
                                                     ("x", 0, "S1"), ("x", 3, "")])
async def test_bad_input(reviews: ReviewService, content: str, star: int, sn: str) -> None:
    with pytest.raises((InvalidField, BadRequest)):
        await reviews.add_comment(user_id=10, homestay_id=1, order_sn=sn, content=content,
                                  star=star)
