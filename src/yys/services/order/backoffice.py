"""Read use cases of the back office: the order list, one order with its payments and refund,
and the statistics."""

from __future__ import annotations

from dataclasses import dataclass

from yys.clients import Clients
from yys.contracts.trade import PaymentView
from yys.kit.errors import AppError, Unavailable
from yys.services.order.backoffice_rules import (
    OrderFilter,
    PageRequest,
    RefundRequest,
)
from yys.services.order.domain import Order, OrderNotFound
from yys.services.order.ports import Clock, QueriesFactory, ReadsFactory
from yys.services.order.stats import OrderStats, aggregate, stats_range


@dataclass(frozen=True, slots=True)
class OrderPage:
    total: int
    orders: list[Order]


@dataclass(frozen=True, slots=True)
class OrderRecord:
    order: Order
    payments: list[PaymentView]
    refund: RefundRequest | None


class OrderBackoffice:
    def __init__(self, *, reads: ReadsFactory, queries: QueriesFactory, clients: Clients,
                 clock: Clock, tz: str) -> None:
        self._reads = reads
        self._queries = queries
        self._clients = clients
        self._clock = clock
        self._tz = tz

    async def list_orders(self, *, flt: OrderFilter, page: PageRequest) -> OrderPage:
        """One page of the orders matching `flt`, and how many match in all."""
        async with self._queries() as queries:
            total, orders = await queries.list_orders(flt, page)
        return OrderPage(total, orders)

    async def order_record(self, *, sn: str) -> OrderRecord:
        """Any order with every payment made for it and its refund, if one was asked for."""
        if not sn or len(sn) > 32:
            raise OrderNotFound()
        async with self._reads() as repo:
            order = await repo.get_by_sn(sn)
            refund = None if order is None else await repo.get_refund_request(sn)
        if order is None:
            raise OrderNotFound()
        try:
            payments = await self._clients.payment.list_payments(sn)
        except AppError:
            raise
        except Exception as exc:  # the payment service is down or broken
            raise Unavailable("payment service unavailable") from exc
        return OrderRecord(order, payments, refund)

    async def stats(self, *, start: str | None, end: str | None) -> OrderStats:
        """Orders created and revenue paid per day, and orders by state, over [start, end]."""
        window = stats_range(start, end, now=self._clock(), tz=self._tz)
        async with self._queries() as queries:
            created = await queries.created_counts(window)
            paid = await queries.paid_sums(window)
        return aggregate(window, created, paid)
