"""Paced sender of payment notifies, the way the provider delivers them: one signed, encrypted
WeChat Pay v3 notify per payment, POSTed to payment's callback at a fixed rate.

    python -m bench.notify_sender SPEC.json RESULT.json

Run by `bench/booking_pay.py` as its own process on the load-generator core. The spec names the
server's data dir (its `keys/` files hold the platform key and API v3 key the server trusts;
read through `WxPayKeyring`, as the server does), the callback URL, the rate and one item per
payment. Each notify is built and signed right before it is sent, so its timestamp is fresh;
slots are `i / rate` apart on the monotonic clock and a send never waits for an earlier answer
(open loop). The result has, per payment, the slot lateness, the wall-clock send and answer
times (`time.time()`, the clock the server stamps events with) and the answer.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from yys.kit.settings import Settings
from yys.kit.wechatpay import build_notify, rfc3339
from yys.kit.wechatpay.settings import WxPayKeyring, WxPaySettings


def resource(item: dict[str, Any]) -> dict[str, Any]:
    """The decrypted notify resource of a successful JSAPI payment (v3 field names)."""
    return {
        "appid": item["appid"], "mchid": item["mchid"], "out_trade_no": item["out_trade_no"],
        "transaction_id": item["transaction_id"], "trade_type": "JSAPI",
        "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
        "attach": "", "success_time": rfc3339(item["success_time"]),
        "payer": {"openid": item["openid"]},
        "amount": {"total": item["total"], "payer_total": item["total"], "currency": "CNY",
                   "payer_currency": "CNY"},
    }


async def send_all(spec: dict[str, Any]) -> dict[str, Any]:
    ring = WxPayKeyring(WxPaySettings(), Settings(data_dir=Path(spec["data_dir"])))
    key, serial, api_v3_key = ring.platform_private_key, ring.platform_serial, ring.api_v3_key
    url, rate, items = spec["url"], float(spec["rate"]), spec["items"]
    results: list[dict[str, Any]] = [{} for _ in items]

    async def send(session: aiohttp.ClientSession, i: int, lateness: float) -> None:
        item = items[i]
        headers, body = build_notify(key, serial=serial, api_v3_key=api_v3_key,
                                     notify_id=item["notify_id"], resource=resource(item))
        headers["Content-Type"] = "application/json"
        sent = time.time()
        try:
            async with session.post(url, data=body, headers=headers) as resp:
                answer = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            status, answer = 0, type(exc).__name__.encode()
        results[i] = {"sn": item["order_sn"], "lateness_ms": round(lateness * 1000, 3),
                      "sent": sent, "answered": time.time(), "status": status,
                      "answer": answer[:200].decode(errors="replace")}

    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout,
                                     connector=aiohttp.TCPConnector(limit=256)) as session:
        tasks = []
        start = time.monotonic() + 0.2
        for i in range(len(items)):
            slot = start + i / rate
            wait = slot - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(send(session, i, max(0.0, time.monotonic() - slot))))
        await asyncio.gather(*tasks)
    return {"rate": rate, "count": len(items), "results": results}


def main(argv: list[str]) -> int:
    spec_path, out_path = Path(argv[0]), Path(argv[1])
    spec = json.loads(spec_path.read_text())
    try:
        import uvloop  # the server's loop; fewer client-side stalls at a fixed rate
        uvloop.install()
    except ImportError:
        pass
    out = asyncio.run(send_all(spec))
    out_path.write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
