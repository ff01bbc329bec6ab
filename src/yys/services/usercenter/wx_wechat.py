"""The real WeChat adapter: `code2Session` over aiohttp. Selected with `YYS_WX_PROVIDER=wechat`;
nothing in the embedded default or the tests needs it."""

from __future__ import annotations

from typing import Any

import aiohttp

from yys.kit.errors import Unavailable
from yys.services.usercenter.domain import WxAuthFailed, WxPhone, WxSession
from yys.services.usercenter.wx import decrypt_phone

CODE2SESSION_URL = "https://api.weixin.qq.com/sns/jscode2session"


class WechatWxMiniProvider:
    def __init__(self, *, appid: str, secret: str, url: str = CODE2SESSION_URL,
                 timeout: float = 5.0) -> None:
        self.appid = appid
        self._secret = secret
        self._url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running loop (never at import or build time).
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def code_to_session(self, code: str) -> WxSession:
        params = {"appid": self.appid, "secret": self._secret, "js_code": code,
                  "grant_type": "authorization_code"}
        try:
            async with self._http().get(self._url, params=params) as resp:
                # WeChat answers JSON labelled text/plain.
                body: Any = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise Unavailable("wechat unavailable") from exc
        if not isinstance(body, dict) or body.get("errcode") or not body.get("openid"):
            raise WxAuthFailed("invalid wechat code")
        return WxSession(openid=str(body["openid"]), session_key=str(body.get("session_key", "")),
                         unionid=body.get("unionid"))

    def decrypt_phone(self, session: WxSession, *, iv: str, encrypted_data: str) -> WxPhone:
        return decrypt_phone(session, appid=self.appid, iv=iv, encrypted_data=encrypted_data)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
