"""The dashboard: orders and revenue per day and orders per trade state, as inline SVG."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Response, get
from markupsafe import Markup

from yys.contracts.trade import TradeState
from yys.services.web.api_client import ApiError
from yys.services.web.console.backoffice import Stats
from yys.services.web.console.charts import Point, bar_chart, hbar_chart, line_chart
from yys.services.web.console.display import api_message, money
from yys.services.web.console.forms import Msg
from yys.services.web.console.session import AnyRequest, ConsoleDep, render
from yys.services.web.i18n import Translate, translator
from yys.services.web.views import language


@dataclass(frozen=True, slots=True)
class Charts:
    orders: Markup
    revenue: Markup
    states: Markup


def charts(stats: Stats, t: Translate) -> Charts:
    first = stats.days[0].date if stats.days else ""
    last = stats.days[-1].date if stats.days else ""
    orders = [Point(d.date[5:], d.orders, str(d.orders)) for d in stats.days]
    revenue = [Point(d.date[5:], d.revenue, money(d.revenue)) for d in stats.days]
    known = {int(s) for s in TradeState}
    states = [Point(t(f"state.{s.trade_state}") if s.trade_state in known else str(s.trade_state),
                    s.count, str(s.count)) for s in stats.by_trade_state]
    return Charts(
        orders=bar_chart(orders, title=t("console.dash.orders"), ident="chart-orders",
                         desc=t("console.dash.ordersDesc", from_=first, to=last, n=stats.total_orders)),
        revenue=line_chart(revenue, title=t("console.dash.revenue"), ident="chart-revenue",
                           desc=t("console.dash.revenueDesc", from_=first, to=last,
                                  total=f"{stats.total_revenue:,.2f}")),
        states=hbar_chart(states, title=t("console.dash.states"), ident="chart-states",
                          desc=t("console.dash.statesDesc")))


@get("/")
async def dashboard(request: AnyRequest, console: ConsoleDep) -> Response[str]:
    start = request.query_params.get("from") or None
    end = request.query_params.get("to") or None
    error: Msg | None = None
    try:
        stats = await console.office.stats(start=start, end=end)
    except ApiError as exc:
        if exc.status != 400:
            raise
        # A range the API refuses (reversed, too long): say so and show the default range.
        error = api_message(exc)
        stats = await console.office.stats(start=None, end=None)
    t = translator(language(request))
    return render(request, console.web, "console/dashboard.html",
                  {"stats": stats, "charts": charts(stats, t), "section": "dashboard",
                   "start": start or (stats.days[0].date if stats.days else ""),
                   "end": end or (stats.days[-1].date if stats.days else ""), "error": error},
                  me=console.me)


routes = [dashboard]
