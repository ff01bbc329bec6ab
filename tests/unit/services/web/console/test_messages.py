"""Every console text exists in both languages, and every key the pages use is in the catalog."""

from __future__ import annotations

import re
from pathlib import Path

from yys.services.web.console import MESSAGES
from yys.services.web.console.resources import CATALOGUE
from yys.services.web.i18n import catalog

WEB = Path(__file__).resolve().parents[5] / "src" / "yys" / "services" / "web"
KEY = re.compile(r"""['"](console\.[A-Za-z0-9.\-]+[A-Za-z0-9])['"]""")


def test_every_console_text_is_in_chinese_and_english() -> None:
    for key, texts in MESSAGES.items():
        assert key.startswith("console."), key
        assert texts.get("zh") and texts.get("en"), key


def test_every_literal_key_in_the_console_code_and_templates_exists() -> None:
    known = catalog()
    sources = [*sorted((WEB / "templates" / "console").glob("*.html")),
               *sorted((WEB / "console").glob("*.py"))]
    assert len(sources) > 10
    used = {key for path in sources for key in KEY.findall(path.read_text(encoding="utf-8"))
            if not key.endswith((".role", ".users", ".pay", ".one", ".f", ".v"))}
    missing = sorted(k for k in used - set(known) if not k.endswith("."))
    assert not missing, missing


def test_the_keys_built_at_render_time_exist() -> None:
    known = catalog()
    built = [f"console.role.{r}" for r in ("superadmin", "operator", "viewer")]
    built += [f"console.pay.{s}" for s in (-1, 0, 1, 2)]
    built += [f"console.users.{c}" for c in ("disable", "enable")]
    built += [f"state.{s}" for s in (-1, 0, 1, 2, 3, 4)]
    for resource in CATALOGUE.values():
        built += [resource.title, resource.one]
        for field in (*resource.fields, *resource.filters):
            built.append(field.label)
            built += [label for _, label in field.choices]
    assert sorted(k for k in built if k not in known) == []
