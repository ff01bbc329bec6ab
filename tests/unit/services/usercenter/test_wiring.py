from __future__ import annotations

import pytest
from pydantic import SecretStr

from yys.kit.settings import Settings
from yys.services.usercenter.wiring import wx_provider
from yys.services.usercenter.wx import SandboxWxMiniProvider
from yys.services.usercenter.wx_wechat import WechatWxMiniProvider


def test_sandbox_is_the_default() -> None:
    provider = wx_provider(Settings(wx_appid="wx-a"))
    assert isinstance(provider, SandboxWxMiniProvider)
    assert provider.appid == "wx-a"


def test_wechat_needs_a_secret() -> None:
    with pytest.raises(RuntimeError):
        wx_provider(Settings(wx_provider="wechat"))
    provider = wx_provider(Settings(wx_provider="wechat", wx_secret=SecretStr("s")))
    assert isinstance(provider, WechatWxMiniProvider)


def test_unknown_provider() -> None:
    with pytest.raises(RuntimeError):
        wx_provider(Settings(wx_provider="carrier-pigeon"))
