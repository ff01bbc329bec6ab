"""Does a request want an HTML page rather than the API's JSON? (the `Accept` header, RFC 9110)

Only a clear preference counts: text/html with a higher weight than application/json. Browsers
send `text/html,…,*/*;q=0.8`, so they get pages; API clients send `application/json`, `*/*` or
nothing, so a tie or no header keeps JSON. `q=0` means "not acceptable" and is honoured.
"""

from __future__ import annotations

_HTML = ("text", "html")
_JSON = ("application", "json")


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    ranges = []
    for item in accept.split(","):
        media, *params = (p.strip() for p in item.split(";"))
        kind, _, sub = media.lower().partition("/")
        if not kind or not sub:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0  # a weight we cannot read does not make a preference
        ranges.append((kind, sub, q))
    return ranges


def _weight(ranges: list[tuple[str, str, float]], media: tuple[str, str]) -> float:
    # The most specific matching range decides: type/subtype, then type/*, then */*.
    best_specificity, weight = -1, 0.0
    for kind, sub, q in ranges:
        if (kind, sub) == media:
            specificity = 2
        elif kind == media[0] and sub == "*":
            specificity = 1
        elif (kind, sub) == ("*", "*"):
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_specificity, weight = specificity, q
    return weight


def prefers_html(accept: str | None) -> bool:
    if not accept:
        return False
    ranges = _ranges(accept)
    html = _weight(ranges, _HTML)
    return html > 0 and html > _weight(ranges, _JSON)
