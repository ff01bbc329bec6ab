"""API errors in the page's language: known codes get the pages' words, others the API's."""

from __future__ import annotations

from yys.services.web.api_client import ApiError
from yys.services.web.api_messages import CODE_KEYS, MESSAGES, explain
from yys.services.web.i18n import translator


def test_every_known_code_has_both_languages() -> None:
    for key in CODE_KEYS.values():
        assert MESSAGES[key]["zh"] and MESSAGES[key]["en"], key


def test_known_codes_are_translated_and_others_pass_through() -> None:
    wrong = ApiError(401, 200002, "wrong mobile or password")
    assert explain(wrong, translator("zh")) == "手机号或密码错误"
    dates = ApiError(400, 400004, "liveStartTime must not be in the past")
    assert "liveStartTime" not in explain(dates, translator("en"))
    other = ApiError(400, 100002, "bad request parameter: star")
    assert explain(other, translator("zh")) == "bad request parameter: star"
