"""The catalog covers every key the templates use, in both languages; language negotiation."""

from __future__ import annotations

import re

import pytest

from yys.services.web.i18n import STORE_MESSAGES, catalog, negotiate, translator
from yys.services.web.views import TEMPLATES

_KEY = re.compile(r"""\bt\(\s*['"]([\w.\-]+)['"]""")


def test_every_template_key_is_in_the_catalog_in_both_languages() -> None:
    messages = catalog()
    used = {key for path in TEMPLATES.rglob("*.html") for key in _KEY.findall(path.read_text())}
    assert used, "no t('...') calls found"
    # A key ending in "." is a prefix completed at render time (`t("state." ~ n)`).
    missing = sorted(key for key in used if key not in messages and not key.endswith("."))
    assert not missing
    for key, texts in STORE_MESSAGES.items():
        assert texts.get("zh") and texts.get("en"), key


def test_every_trade_state_has_a_label() -> None:
    for state in (-1, 0, 1, 2, 3, 4):
        assert f"state.{state}" in STORE_MESSAGES


@pytest.mark.parametrize(("cookie", "header", "expected"), [
    ("en", "zh-CN", "en"),
    (None, "en-US,en;q=0.9", "en"),
    (None, "fr-FR, en;q=0.4, zh;q=0.8", "zh"),
    (None, "fr-FR", "zh"),
    (None, None, "zh"),
    ("xx", "en", "en"),
    (None, "en;q=bogus, zh;q=0.1", "zh"),
])
def test_language_negotiation(cookie: str | None, header: str | None, expected: str) -> None:
    assert negotiate(cookie, header) == expected


def test_placeholders_are_filled_and_unknown_keys_show_as_themselves() -> None:
    t = translator("en")
    assert t("homestay.people", n=3) == "Sleeps 3"
    assert t("no.such.key") == "no.such.key"
