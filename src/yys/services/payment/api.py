"""HTTP routes of payment (`/payment/v1`): thin adapters around `PaymentService`.

The provider callback answers in the provider's format (`{"code": "SUCCESS"|"FAIL",
"message"}`), not the API's `{"code", "msg"}`, so it handles its own errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import msgspec
import structlog
from litestar import Request, Response, Router, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from yys.kit.auth.tokens import TokenService
from yys.kit.errors import AppError
from yys.kit.http.auth import ClaimsCheck, provide_user_id
from yys.kit.http.clientaddr import client_address
from yys.kit.http.errors import STATUS_BY_KIND
from yys.services.payment import metrics
from yys.services.payment.domain import NoticeOutcome
from yys.services.payment.service import PaymentService

log = structlog.get_logger("yys.payment")


class WxPayReq(msgspec.Struct, rename="camel"):
    order_sn: str
    service_type: str


class WxPayResp(msgspec.Struct, rename="camel"):
    appid: str
    nonce_str: str
    pay_sign: str
    package: str
    timestamp: str
    sign_type: str


@dataclass(frozen=True)
class PaymentApi:
    service: PaymentService
    tokens: TokenService
    # Wakes the outbox relay after a commit that wrote an event (low publish latency).
    kick_relay: Callable[[], None]


Api: TypeAlias = NamedDependency[PaymentApi]
UserId: TypeAlias = NamedDependency[int]
AnyRequest: TypeAlias = Request[Any, Any, Any]


@post("/thirdPayment/thirdPaymentWxPay", status_code=200, summary="WeChat JSAPI pay parameters")
async def third_payment_wx_pay(data: JSONBody[WxPayReq], user_id: UserId, pay: Api) -> WxPayResp:
    params = await pay.service.wx_pay(user_id=user_id, order_sn=data.order_sn,
                                      service_type=data.service_type)
    return WxPayResp(appid=params.appid, nonce_str=params.nonce_str, pay_sign=params.pay_sign,
                     package=params.package, timestamp=params.time_stamp,
                     sign_type=params.sign_type)


@post("/thirdPayment/thirdPaymentWxPayCallback", status_code=200,
      summary="Provider payment notify (signed, encrypted)")
async def third_payment_wx_pay_callback(request: AnyRequest, pay: Api) -> Response[dict[str, str]]:
    body = await request.body()
    try:
        outcome = await pay.service.handle_notify(headers=dict(request.headers), body=body)
    except AppError as exc:
        metrics.callback_rejected(exc)
        status = STATUS_BY_KIND[exc.kind]
        log.warning("payment notify rejected", reason=exc.msg, status=status,
                    client=client_address(request))
        return Response({"code": "FAIL", "message": exc.msg}, status_code=status)
    except Exception as exc:
        metrics.callback_rejected(exc)
        log.exception("payment notify failed")
        return Response({"code": "FAIL", "message": "server error"}, status_code=500)
    metrics.callback_applied(outcome)  # handle_notify returned: its transaction committed
    if outcome is NoticeOutcome.PAID:
        pay.kick_relay()
    log.info("payment notify accepted", outcome=outcome.value)
    return Response({"code": "SUCCESS"}, status_code=200)


def build_router(api: PaymentApi, *, user_check: ClaimsCheck | None = None) -> Router:
    def provide_api() -> PaymentApi:
        return api

    return Router(
        path="/payment/v1",
        route_handlers=[third_payment_wx_pay, third_payment_wx_pay_callback],
        dependencies={"pay": Provide(provide_api, sync_to_thread=False),
                      "user_id": provide_user_id(api.tokens, check=user_check)},
        tags=["payment"],
    )
