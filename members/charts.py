"""The board's two charts, drawn on the server as SVG with pygal: members in good standing
on the first of each month, and money received per month.

The SVG is shown as an image, so nothing in it runs: pygal's scripts are turned off and
the one line of configuration it still writes is taken out.
"""

import datetime
import re

import pygal
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pygal.style import Style

from members.dashboard import MoneySeries
from members.money import format_money, places, to_decimal

# The site's colours (static/css/site.css), large enough to read when the chart is scaled down.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1f24",
    foreground_strong="#1b1f24",
    foreground_subtle="#55606b",
    guide_stroke_color="#d3d9df",
    major_guide_stroke_color="#d3d9df",
    colors=("#1f4e79", "#a3471b", "#1e6b35", "#7a4d00", "#55606b"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    tooltip_font_size=14,
    value_font_size=14,
    no_data_font_size=20,
)

# A wide chart for a desk, a narrow one for a phone: (width, height, a label every n months).
SIZES = {"wide": (960, 360, 3), "narrow": (420, 380, 6)}
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _month_label(day: datetime.date, size: str) -> str:
    return date_format(day, "M Y" if size == "wide" else "M y")


def _chart(kind, *, months: list[datetime.date], size: str, legend: bool, **config):
    width, height, every = SIZES[size]
    chart = kind(
        js=[],
        disable_xml_declaration=True,
        width=width,
        height=height,
        style=STYLE,
        margin=12,
        show_legend=legend,
        legend_at_bottom=True,
        show_minor_x_labels=False,
        x_labels_major_every=every,
        truncate_label=-1,
        include_x_axis=True,
        max_scale=6,
        no_data_text=_("Nothing yet"),
        **config,
    )
    chart.x_labels = [_month_label(day, size) for day in months]
    return chart


def _svg(chart) -> str:
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def standing_svg(series: list[tuple[datetime.date, int]], *, size: str = "wide") -> str:
    """A line of the members in good standing on the first of each month."""
    chart = _chart(
        pygal.Line, months=[day for day, _count in series], size=size, legend=False, show_dots=True, dots_size=3
    )
    chart.add(_("Members in good standing"), [count for _day, count in series])
    return _svg(chart)


def money_svg(series: MoneySeries, *, size: str = "wide") -> str:
    """Bars of the money received each month, one series per kind and currency."""
    currencies = {currency for _label, currency in series.lines}
    only = next(iter(currencies)) if len(currencies) == 1 else None

    def as_money(value):
        return format_money(round(value * 10 ** places(only)), only) if only else f"{value:,.2f}"

    chart = _chart(
        pygal.Bar,
        months=series.months,
        size=size,
        legend=len(series.lines) > 1,
        value_formatter=as_money,
    )
    for (label, currency), cents in series.lines.items():
        chart.add(f"{label} ({currency})", [float(to_decimal(amount, currency)) for amount in cents])
    return _svg(chart)
