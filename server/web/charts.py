"""Charts for the agency console, drawn on the server as inline SVG from numbers.

No JavaScript and no chart library in the browser: the page works offline, prints, and the test
suite can read the numbers in it. Every text is escaped; the fonts named first carry Chinese.
"""
import math

from flask_babel import gettext as _
from markupsafe import Markup, escape

FONT = "'WenQuanYi Micro Hei','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif"
GREEN, AMBER, ORANGE, RED, BLUE, GREY = "#07c160", "#f5a623", "#fa9d3b", "#fa5151", "#576b95", "#c8c8c8"


def _percent(rate):
    return "—" if rate is None else f"{rate:.0%}"


def _text(x, y, content, size=12, anchor="middle", fill="#333", weight=None, halo=False):
    extra = f' font-weight="{weight}"' if weight else ""
    if halo:
        # A white outline keeps a label readable where it crosses a bar or a line.
        extra += ' stroke="#fff" stroke-width="3" paint-order="stroke"'
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{extra}>'
            f"{escape(content)}</text>")


def _svg(width, height, label, body):
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(label)}" font-family="{FONT}" class="chart">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>")


def rate_colour(rate, thresholds=(0.9, 0.8, 0.7)):
    """Green at or above the warning line, amber below it (warned), orange below the suspension
    line, red below the exit line. ``thresholds``: (warn, suspend, exit), the agency's rules."""
    warn, suspend, exit_line = thresholds
    if rate is None:
        return GREY
    if rate >= warn:
        return GREEN
    if rate >= suspend:
        return AMBER
    return ORANGE if rate >= exit_line else RED


def trend_chart(months, title):
    """Bars of ratings per month (left scale) with the month's 满意率 as a line (0–100 %, right).

    ``months``: ``[{"month": "2026-11", "ratings": n, "satisfaction_rate": r or None}, ...]``.
    Each bar is labelled with its count, each point with its percentage.
    """
    # ``top`` leaves a band under the legend for the label of a point at 100 %.
    width, height, left, right, top, bottom = 760, 290, 44, 48, 46, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(months), 1)
    slot = plot_w / count
    bar_w = max(min(slot * 0.6, 48), 2)
    peak = max([month["ratings"] for month in months] + [1])
    # At most 12 month labels under the axis ("2026-01" is ~45 units wide at 11 px; 12 slots are 56).
    every = max(1, math.ceil(count / 12))
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
        _text(left - 6, top + plot_h + 4, "0", 11, "end", "#888"),
        _text(left - 6, top + 4, str(peak), 11, "end", "#888"),
        _text(left + plot_w + 6, top + 4, "100%", 11, "start", "#888"),
        _text(left + plot_w + 6, top + plot_h + 4, "0%", 11, "start", "#888"),
        f'<rect x="{left}" y="6" width="12" height="12" fill="{BLUE}"/>',
        _text(left + 16, 16, _("评价数"), 12, "start"),
        f'<line x1="{left + 80}" y1="12" x2="{left + 104}" y2="12" stroke="{GREEN}" stroke-width="2"/>',
        _text(left + 108, 16, _("满意率"), 12, "start"),
        _text(width - right, 16, title, 12, "end", "#888"),
    ]
    points = []
    for index, month in enumerate(months):
        centre = left + slot * (index + 0.5)
        bar_h = plot_h * month["ratings"] / peak
        body.append(f'<rect class="bar" data-month="{escape(month["month"])}" data-value="{month["ratings"]}" '
                    f'x="{centre - bar_w / 2:.1f}" y="{top + plot_h - bar_h:.1f}" width="{bar_w:.1f}" '
                    f'height="{bar_h:.1f}" fill="{BLUE}" opacity="0.85"/>')
        count_y = None
        if month["ratings"] and bar_h >= 18 and bar_w >= 14:
            # The count sits at the foot of the bar, away from the rate line (rates are mostly high).
            count_y = top + plot_h - 6
            body.append(_text(centre, count_y, str(month["ratings"]), 11, fill="#fff", weight="600"))
        elif month["ratings"]:
            count_y = top + plot_h - bar_h - 4
            body.append(_text(centre, count_y, str(month["ratings"]), 11, fill=BLUE))
        if index % every == 0:
            body.append(_text(centre, top + plot_h + 16, month["month"], 11, fill="#666"))
        if month["satisfaction_rate"] is not None:
            y = top + plot_h * (1 - month["satisfaction_rate"])
            label_y = y - 8
            if count_y is not None and abs(label_y - count_y) < 13:
                # A low rate's label would sit on the count: it goes above the count instead.
                label_y = count_y - 14
            points.append((centre, y, month["satisfaction_rate"], label_y))
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _rate, _label_y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{GREEN}" stroke-width="2"/>')
    for x, y, rate, label_y in points:
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{rate_colour(rate)}"/>')
        body.append(_text(x, label_y, _percent(rate), 11, fill="#333", weight="600", halo=True))
    if not months or not any(month["ratings"] for month in months):
        body.append(_text(left + plot_w / 2, top + plot_h / 2, _("这段时间没有评价"), 14, fill="#999"))
    return _svg(width, height, title, body)


def ranking_chart(providers, title, thresholds=(0.9, 0.8, 0.7), limit=20):
    """Horizontal bars of 满意率 per provider, best first, each labelled "93%（15 条）".

    ``providers``: ``[{"name", "ratings", "satisfaction_rate"}, ...]`` already ranked. A dashed
    line marks the warning threshold (the first of ``thresholds``: warn, suspend, exit); bars are
    coloured by the band they fall in; providers without ratings are listed without a bar.
    """
    rows = providers[:limit]
    # The title has a line of its own above the warning line's label (in English they overlapped).
    width, row_h, top, name_w, label_w = 760, 30, 46, 250, 110
    plot_w = width - name_w - label_w - 10
    height = top + row_h * max(len(rows), 1) + 12
    threshold_x = name_w + plot_w * thresholds[0]
    body = [
        _text(width - 10, 16, title, 12, "end", "#888"),
        f'<line x1="{threshold_x:.1f}" y1="{top - 6}" x2="{threshold_x:.1f}" y2="{height - 8}" '
        f'stroke="{AMBER}" stroke-dasharray="4 3"/>',
        _text(threshold_x, top - 10, _("预警线 %(rate)s", rate=_percent(thresholds[0])), 11, fill="#8a5a00", halo=True),
    ]
    for index, row in enumerate(rows):
        y = top + index * row_h
        name = row["name"] if len(row["name"]) <= 18 else row["name"][:17] + "…"
        body.append(_text(name_w - 8, y + 19, name, 13, "end"))
        rate = row["satisfaction_rate"]
        bar_w = plot_w * (rate or 0)
        body.append(f'<rect class="bar" data-value="{"" if rate is None else round(rate, 4)}" x="{name_w}" '
                    f'y="{y + 5}" width="{bar_w:.1f}" height="{row_h - 10}" rx="3" '
                    f'fill="{rate_colour(rate, thresholds)}"/>')
        label = (_("%(rate)s（%(count)s 条）", rate=_percent(rate), count=row["ratings"]) if rate is not None
                 else _("暂无评价"))
        # The halo keeps the label readable where the dashed warning line crosses it.
        body.append(_text(name_w + bar_w + 6, y + 19, label, 12, "start", weight="600", halo=True))
    if not rows:
        body.append(_text(width / 2, top + 18, _("这段时间没有机构数据"), 14, fill="#999"))
    return _svg(width, height, title, body)
