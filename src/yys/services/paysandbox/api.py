"""HTTP routes of the sandbox.

`/paysandbox/v3/...` imitates the provider's API: merchant-signed requests, responses signed
with the platform key, errors as `{"code": "<WECHAT_CODE>", "message"}`. `/paysandbox/v1/pay`
is the yys contract endpoint that plays the payer (standard `{"code", "msg"}` errors).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import msgspec
import structlog
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from yys.kit.db import Database
from yys.kit.errors import AppError
from yys.kit.http.errors import STATUS_BY_KIND
from yys.kit.wechatpay import rfc3339
from yys.services.paysandbox.domain import CURRENCY, InvalidRequest, NewTransaction, transaction_resource
from yys.services.paysandbox.identity import SandboxIdentity
from yys.services.paysandbox.ports import NotifyScheduler
from yys.services.paysandbox.repository import SqlSandboxRepository
from yys.services.paysandbox.service import SandboxService

log = structlog.get_logger("yys.paysandbox")


class Amount(msgspec.Struct):
    total: int
    currency: str = CURRENCY


class Payer(msgspec.Struct):
    openid: str


class JsapiReq(msgspec.Struct):
    appid: str
    mchid: str
    description: str
    out_trade_no: str
    notify_url: str
    amount: Amount
    payer: Payer


class RefundAmount(msgspec.Struct):
    refund: int
    total: int
    currency: str = CURRENCY


class RefundReq(msgspec.Struct):
    out_trade_no: str
    out_refund_no: str
    amount: RefundAmount
    reason: str = ""


class PayReq(msgspec.Struct, rename="camel"):
    prepay_id: str
    result: str = "SUCCESS"


@dataclass(frozen=True)
class SandboxApi:
    service: SandboxService
    db: Database
    identity: Callable[[], SandboxIdentity]
    notifier: NotifyScheduler


Api: TypeAlias = NamedDependency[SandboxApi]
AnyRequest: TypeAlias = Request[Any, Any, Any]
Work = Callable[[SandboxIdentity, str], Awaitable[dict[str, Any]]]


async def _v3(request: AnyRequest, sb: SandboxApi, work: Work) -> Response[bytes]:
    """Verify the merchant signature, run `work`, and sign whatever is answered."""
    identity = sb.identity()
    raw = await request.body()
    status = 200
    try:
        body = raw.decode()
        identity.verify_request(request.headers.get("authorization"), method=request.method,
                                url_path=_path_qs(request), body=body)
        payload = await work(identity, body)
    except UnicodeDecodeError:
        status, payload = 400, {"code": "PARAM_ERROR", "message": "body is not UTF-8"}
    except AppError as exc:
        status = STATUS_BY_KIND[exc.kind]
        default = "SYSTEM_ERROR" if status >= 500 else "PARAM_ERROR"
        payload = {"code": getattr(exc, "wx_code", default), "message": exc.msg}
        log.info("v3 request rejected", path=request.url.path, status=status, code=payload["code"])
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(text.encode(), status_code=status, media_type="application/json",
                    headers=identity.sign(text))


def _path_qs(request: AnyRequest) -> str:
    # The merchant signs the path exactly as sent, with the query string.
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope.get("query_string") or b""
    return (raw + (b"?" + query if query else b"")).decode("latin-1")


def _decode(body: str, kind: type[msgspec.Struct]) -> Any:
    try:
        return msgspec.json.decode(body.encode(), type=kind)
    except msgspec.DecodeError as exc:
        raise InvalidRequest(f"invalid request parameters: {exc}") from exc


@post("/v3/pay/transactions/jsapi", status_code=200, summary="JSAPI prepay (WeChat Pay v3 shape)")
async def jsapi(request: AnyRequest, sb: Api) -> Response[bytes]:
    async def work(identity: SandboxIdentity, body: str) -> dict[str, Any]:
        req: JsapiReq = _decode(body, JsapiReq)
        if req.mchid != identity.mchid:
            raise InvalidRequest("mchid does not match the signing merchant")
        new = NewTransaction(appid=req.appid, mchid=req.mchid, description=req.description,
                             out_trade_no=req.out_trade_no, notify_url=req.notify_url,
                             total=req.amount.total, currency=req.amount.currency,
                             payer_openid=req.payer.openid)
        async with sb.db.unit_of_work() as conn:
            prepay_id = await sb.service.create_jsapi(repo=SqlSandboxRepository(conn), new=new)
        return {"prepay_id": prepay_id}

    return await _v3(request, sb, work)


@get("/v3/pay/transactions/out-trade-no/{out_trade_no:str}", summary="Query by out_trade_no")
async def query(request: AnyRequest, sb: Api, out_trade_no: FromPath[str]) -> Response[bytes]:
    async def work(identity: SandboxIdentity, _body: str) -> dict[str, Any]:
        mchid = request.query_params.get("mchid", identity.mchid)
        async with sb.db.read() as conn:
            txn = await sb.service.query(repo=SqlSandboxRepository(conn), mchid=mchid,
                                         out_trade_no=out_trade_no)
        return transaction_resource(txn, rfc3339)

    return await _v3(request, sb, work)


@post("/v3/refund/domestic/refunds", status_code=200, summary="Refund (WeChat Pay v3 shape)")
async def refund(request: AnyRequest, sb: Api) -> Response[bytes]:
    async def work(identity: SandboxIdentity, body: str) -> dict[str, Any]:
        req: RefundReq = _decode(body, RefundReq)
        async with sb.db.unit_of_work() as conn:
            done = await sb.service.refund(
                repo=SqlSandboxRepository(conn), mchid=identity.mchid,
                out_trade_no=req.out_trade_no, out_refund_no=req.out_refund_no,
                amount=req.amount.refund, total=req.amount.total, currency=req.amount.currency,
                reason=req.reason)
        return {"refund_id": done.refund_id, "out_refund_no": done.out_refund_no,
                "transaction_id": done.transaction_id, "out_trade_no": done.out_trade_no,
                "channel": "ORIGINAL", "status": done.status,
                "create_time": rfc3339(done.create_time), "success_time": rfc3339(done.create_time),
                "amount": {"refund": done.amount, "total": done.total, "currency": done.currency,
                           "payer_refund": done.amount, "payer_total": done.total}}

    return await _v3(request, sb, work)


@post("/v1/pay", status_code=200, summary="Play the payer: settle a prepay id, then notify")
async def pay(data: JSONBody[PayReq], sb: Api) -> dict[str, Any]:
    async with sb.db.unit_of_work() as conn:
        txn = await sb.service.pay(repo=SqlSandboxRepository(conn), prepay_id=data.prepay_id,
                                   result=data.result.strip().upper() or "SUCCESS")
    if not txn.notified:
        # After the commit; a repeated call re-schedules if a previous enqueue was lost.
        await sb.notifier.schedule(txn.prepay_id)
    return {}


def build_router(api: SandboxApi) -> Router:
    def provide_api() -> SandboxApi:
        return api

    return Router(path="/paysandbox", route_handlers=[jsapi, query, refund, pay],
                  dependencies={"sb": Provide(provide_api, sync_to_thread=False)},
                  tags=["paysandbox"])
