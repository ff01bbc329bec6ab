"""Chinese and English for the pages: one catalog, `t(key)` in templates.

The language comes from the `yys_lang` cookie (set by the one switch), else the browser's
Accept-Language, else Chinese. The console adds its keys in `console.MESSAGES` (merged here),
so each side edits only its own file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "yys_lang"

Translate = Callable[..., str]

# key → {language: text}. Texts may hold `{name}` placeholders filled by t(key, name=...).
STORE_MESSAGES: dict[str, dict[str, str]] = {
    "site.name": {"zh": "yys 民宿", "en": "yys homestays"},
    "nav.home": {"zh": "首页", "en": "Home"},
    "nav.orders": {"zh": "我的订单", "en": "My orders"},
    "nav.login": {"zh": "登录", "en": "Log in"},
    "nav.register": {"zh": "注册", "en": "Register"},
    "nav.logout": {"zh": "退出", "en": "Log out"},
    "nav.skip": {"zh": "跳到正文", "en": "Skip to content"},
    "lang.switch": {"zh": "English", "en": "中文"},
    "lang.switch.label": {"zh": "切换语言", "en": "Switch language"},
    "home.title": {"zh": "发现好民宿", "en": "Find a homestay"},
    "home.preferred": {"zh": "优选民宿", "en": "Preferred homestays"},
    "home.bosses": {"zh": "好房东", "en": "Good hosts"},
    "home.guess": {"zh": "猜你喜欢", "en": "You may like"},
    "home.empty": {"zh": "暂无内容", "en": "Nothing here yet"},
    "homestay.price": {"zh": "每晚", "en": "per night"},
    "homestay.per_person": {"zh": "每人每晚", "en": "per person per night"},
    "homestay.market": {"zh": "门市价", "en": "Usual price"},
    "homestay.people": {"zh": "可住 {n} 人", "en": "Sleeps {n}"},
    "homestay.food": {"zh": "餐食", "en": "Meals"},
    "homestay.food_price": {"zh": "每人每天 ¥{price}", "en": "¥{price} per guest per day"},
    "homestay.gallery": {"zh": "图片", "en": "Photos"},
    "homestay.photo": {"zh": "{title} 的第 {n} 张图片", "en": "{title}, photo {n}"},
    "homestay.comments": {"zh": "住客点评", "en": "Guest reviews"},
    "homestay.no_comments": {"zh": "还没有点评", "en": "No reviews yet"},
    "homestay.stars": {"zh": "{n} 星", "en": "{n} stars"},
    "book.title": {"zh": "预订", "en": "Book"},
    "book.start": {"zh": "入住日期", "en": "Check-in"},
    "book.end": {"zh": "离店日期", "en": "Check-out"},
    "book.people": {"zh": "入住人数", "en": "Guests"},
    "book.food": {"zh": "加餐食", "en": "Add meals"},
    "book.remark": {"zh": "备注", "en": "Note"},
    "book.submit": {"zh": "提交订单", "en": "Place order"},
    "book.bad_dates": {"zh": "请选择入住和离店日期", "en": "Pick the check-in and check-out dates"},
    "book.login_first": {"zh": "登录后即可预订", "en": "Log in to book"},
    "price.total": {"zh": "合计", "en": "Total"},
    "price.nights": {"zh": "{n} 晚", "en": "{n} night(s)"},
    "price.room": {"zh": "房费", "en": "Room"},
    "price.food": {"zh": "餐费", "en": "Meals"},
    "price.pick_dates": {"zh": "选择日期后显示价格", "en": "Pick dates to see the price"},
    "auth.mobile": {"zh": "手机号", "en": "Mobile number"},
    "auth.password": {"zh": "密码", "en": "Password"},
    "auth.password_hint": {"zh": "8–64 个字符", "en": "8–64 characters"},
    "auth.login": {"zh": "登录", "en": "Log in"},
    "auth.register": {"zh": "注册", "en": "Create account"},
    "auth.no_account": {"zh": "还没有账号？", "en": "No account yet?"},
    "auth.have_account": {"zh": "已有账号？", "en": "Already registered?"},
    "orders.title": {"zh": "我的订单", "en": "My orders"},
    "orders.empty": {"zh": "还没有订单", "en": "No orders yet"},
    "orders.filter": {"zh": "状态", "en": "State"},
    "orders.all": {"zh": "全部", "en": "All"},
    "orders.apply": {"zh": "筛选", "en": "Filter"},
    "order.title": {"zh": "订单 {sn}", "en": "Order {sn}"},
    "order.total": {"zh": "订单金额", "en": "Order total"},
    "order.dates": {"zh": "入住", "en": "Stay"},
    "order.people": {"zh": "人数", "en": "Guests"},
    "order.trade_code": {"zh": "入住码", "en": "Check-in code"},
    "order.pay": {"zh": "去支付", "en": "Pay now"},
    "order.paying": {"zh": "支付中…", "en": "Paying…"},
    "order.paid": {"zh": "已支付", "en": "Paid"},
    "order.refund": {"zh": "申请退款", "en": "Refund"},
    "order.refund_confirm": {"zh": "确定退款？", "en": "Refund this order?"},
    "order.comment": {"zh": "写点评", "en": "Write a review"},
    "order.comment_content": {"zh": "点评内容", "en": "Your review"},
    "order.comment_star": {"zh": "评分", "en": "Rating"},
    "order.comment_submit": {"zh": "发布点评", "en": "Post review"},
    "order.commented": {"zh": "感谢点评！", "en": "Thanks for your review!"},
    "order.view": {"zh": "查看", "en": "View"},
    "state.-1": {"zh": "已取消", "en": "Cancelled"},
    "state.0": {"zh": "待支付", "en": "Awaiting payment"},
    "state.1": {"zh": "待入住", "en": "Paid, awaiting stay"},
    "state.2": {"zh": "已入住", "en": "Stayed"},
    "state.3": {"zh": "已退款", "en": "Refunded"},
    "state.4": {"zh": "已过期", "en": "Expired"},
    "error.title": {"zh": "出错了", "en": "Something went wrong"},
    "error.not_found": {"zh": "页面不存在", "en": "Page not found"},
    "error.not_found.text": {"zh": "你要找的页面不存在或已下架。", "en":
                             "The page you are looking for does not exist or was taken down."},
    "error.server": {"zh": "服务器开小差了", "en": "Server error"},
    "error.server.text": {"zh": "请稍后再试。", "en": "Please try again in a moment."},
    "error.forbidden": {"zh": "请求被拒绝", "en": "Request refused"},
    "error.back_home": {"zh": "返回首页", "en": "Back to the home page"},
}


def _console_messages() -> Mapping[str, Mapping[str, str]]:
    from yys.services.web import console

    messages: Mapping[str, Mapping[str, str]] = getattr(console, "MESSAGES", {})
    return messages


@cache
def catalog() -> dict[str, dict[str, str]]:
    from yys.services.web.api_messages import MESSAGES as API_MESSAGES

    merged = {key: dict(texts) for key, texts in _console_messages().items()}
    merged.update(API_MESSAGES)
    merged.update(STORE_MESSAGES)
    return merged


@cache
def translator(lang: str) -> Translate:
    """`t(key, **values)` for one language; an unknown key shows as itself (tests catch those)."""
    messages = catalog()

    def t(key: str, **values: object) -> str:
        texts = messages.get(key)
        text = texts.get(lang) or texts.get(DEFAULT_LANGUAGE, key) if texts else key
        return text.format(**values) if values else text

    return t


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's language, else the best of Accept-Language we speak, else Chinese."""
    if cookie in LANGUAGES:
        return cookie
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        base = tag.strip().lower().split("-")[0]
        if base not in LANGUAGES:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q:
            best, best_q = base, q
    return best
