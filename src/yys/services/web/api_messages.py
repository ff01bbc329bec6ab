"""The API's error codes a guest can meet, in the page's language.

The API's `msg` is English and sometimes names fields (`liveStartTime`); for the codes below the
pages show their own words instead, and the API's message otherwise. Codes are the public
contract (API.md: first three digits = service), so no service module is imported.
"""

from __future__ import annotations

from yys.services.web.api_client import ApiError
from yys.services.web.i18n import Translate

CODE_KEYS: dict[int, str] = {
    100008: "api.rate_limited",
    100009: "api.unavailable",
    200001: "api.mobile_taken",
    200002: "api.wrong_credentials",
    200003: "api.user_disabled",
    200004: "api.too_many_logins",
    200008: "api.invalid_mobile",
    200009: "api.invalid_password",
    300006: "api.comment_exists",
    300007: "api.not_stayed",
    400003: "api.off_shelf",
    400004: "api.invalid_dates",
    400005: "api.people_range",
    400006: "api.remark_too_long",
    400008: "api.state_changed",
    500002: "api.not_payable",
}

MESSAGES: dict[str, dict[str, str]] = {
    "api.rate_limited": {"zh": "操作太频繁，请稍后再试",
                         "en": "Too many requests, please try again shortly"},
    "api.unavailable": {"zh": "服务暂时不可用，请稍后再试",
                        "en": "Service temporarily unavailable, please try again"},
    "api.mobile_taken": {"zh": "该手机号已注册", "en": "This mobile number is already registered"},
    "api.wrong_credentials": {"zh": "手机号或密码错误", "en": "Wrong mobile number or password"},
    "api.user_disabled": {"zh": "账号已停用", "en": "This account is disabled"},
    "api.too_many_logins": {"zh": "登录尝试过多，请稍后再试",
                            "en": "Too many login attempts, try again later"},
    "api.invalid_mobile": {"zh": "手机号须为以 1 开头的 11 位数字",
                           "en": "The mobile number must be 11 digits starting with 1"},
    "api.invalid_password": {"zh": "密码须为 8–64 个字符", "en": "The password must be 8–64 characters"},
    "api.comment_exists": {"zh": "这笔订单已经点评过了", "en": "This stay has already been reviewed"},
    "api.not_stayed": {"zh": "入住后才能点评", "en": "You can review a stay once it has taken place"},
    "api.off_shelf": {"zh": "该民宿暂不可预订", "en": "This homestay cannot be booked right now"},
    "api.invalid_dates": {"zh": "入住日期不能早于今天，离店日期须晚于入住日期",
                          "en": "Check-in cannot be in the past and check-out must be after check-in"},
    "api.people_range": {"zh": "入住人数超出范围", "en": "That number of guests is not possible here"},
    "api.remark_too_long": {"zh": "备注太长", "en": "The note is too long"},
    "api.state_changed": {"zh": "订单状态已变化，无法执行该操作",
                          "en": "The order's state does not allow this any more"},
    "api.not_payable": {"zh": "该订单当前无法支付", "en": "This order cannot be paid now"},
}


def explain(exc: ApiError, t: Translate) -> str:
    """What to tell the guest about a failed call."""
    key = CODE_KEYS.get(exc.code)
    return t(key) if key else exc.msg
