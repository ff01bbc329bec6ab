"""The guest storefront: browse, book, pay, follow orders, review."""

from __future__ import annotations

from typing import Any

from yys.services.web.store.account import (
    login,
    login_form,
    logout,
    register,
    register_form,
    switch_language,
)
from yys.services.web.store.orders import book, comment, order_page, order_status, orders, pay, refund
from yys.services.web.store.pages import home, homestay_page, live_price

store_routes: list[Any] = [
    home, homestay_page, live_price,
    login_form, login, register_form, register, logout, switch_language,
    book, orders, order_page, order_status, pay, refund, comment,
]
