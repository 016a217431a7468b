"""The staff dashboard (/admin/dashboard/) and the charts it draws, as inline SVG with no JavaScript.

Figures: interactions per day by type and the most interacted items over the last 30 days (one
GROUP BY each on the timestamp index, cached for CACHE_SECONDS), the recommendation cache's hit
rate (recommendations/serving/stats.py) and the retrain guard's nDCG@10 and coverage per model version.
Days are UTC days. The charts are geometry computed here and drawn by
templates/admin/recommendations/chart.html.

Also here: the Recommendations panel of the user's admin page (``recommendations_panel``), the
live list and each source's list side by side.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.template.response import TemplateResponse
from django.utils import timezone

from catalog.models import Item
from recommendations.models import (
    Interaction,
    ModelVersion,
    metrics_coverage,
    metrics_ndcg,
)
from recommendations.serving.policy import Explanation, explain
from recommendations.serving.query import Query
from recommendations.serving.service import recommend
from recommendations.serving.similar import similar_items_for
from recommendations.serving.stats import DayStats, cache_stats_days
from recommendations.staff.reasons import (
    item_names,
    reason_codes,
    rows_with_reason_labels,
)

DAYS = 30
TOP_ITEMS = 10
METRIC_VERSIONS = 30
# The two GROUP BY queries read up to a month of a big table: staff reloading the page reuse them.
CACHE_SECONDS = 120

# -- charts ---------------------------------------------------------------------------------------
WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28
PALETTE = ("#417690", "#e2a03f", "#5b8c5a", "#ba2121", "#79aec8", "#9467bd", "#8c564b", "#7f7f7f")


@dataclass
class Chart:
    """Shapes in SVG user units (viewBox 0 0 WIDTH HEIGHT), ready for the template."""

    title: str
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, name)
    bars: list[dict] = field(default_factory=list)  # x, y, w, h, colour, tip
    lines: list[dict] = field(default_factory=list)  # points, colour
    dots: list[dict] = field(default_factory=list)  # x, y, colour, tip
    x_labels: list[dict] = field(default_factory=list)  # x, text
    grid: list[dict] = field(default_factory=list)  # y, text
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    bottom: int = HEIGHT - BOTTOM


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value`` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if value <= m * power + 1e-12)


def _grid(top: float) -> list[dict]:
    plot_h = HEIGHT - TOP - BOTTOM
    ticks = [top * i / 4 for i in range(5)]
    text = (lambda v: f"{v:,.0f}") if top >= 4 else (lambda v: f"{v:g}")
    return [{"y": round(TOP + plot_h - t / top * plot_h, 1), "text": text(t)} for t in ticks]


def _x_labels(labels: list[str], centres: list[float]) -> list[dict]:
    every = max(1, math.ceil(len(labels) / 8))
    return [{"x": round(x, 1), "text": label} for i, (label, x) in enumerate(zip(labels, centres)) if i % every == 0]


def stacked_bars(title: str, labels: list[str], series: dict[str, list[float]]) -> Chart:
    """One bar per label, the series stacked in order."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = nice_ceiling(max(totals, default=0))
    colours = dict(zip(series, PALETTE * 4))
    chart = Chart(title, legend=[(colours[name], name) for name in series], grid=_grid(top))
    for i, label in enumerate(labels):
        x, base = LEFT + i * slot + slot * 0.15, TOP + plot_h
        for name, values in series.items():
            h = values[i] / top * plot_h
            if h > 0:
                chart.bars.append({"x": round(x, 1), "y": round(base - h, 1), "w": round(slot * 0.7, 1),
                                   "h": round(h, 1), "colour": colours[name], "tip": f"{label} {name}: {values[i]:,}"})
            base -= h
    chart.x_labels = _x_labels(labels, [LEFT + (i + 0.5) * slot for i in range(len(labels))])
    return chart


def line_chart(title: str, labels: list[str], series: dict[str, list[float | None]]) -> Chart:
    """One line per series; a missing value (None) breaks the line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    top = nice_ceiling(max((v for values in series.values() for v in values if v is not None), default=0))
    colours = dict(zip(series, PALETTE))
    chart = Chart(title, legend=[(colours[name], name) for name in series], grid=_grid(top))
    for name, values in series.items():
        run: list[str] = []
        for i, value in enumerate([*values, None]):
            if value is None:
                if len(run) > 1:
                    chart.lines.append({"points": " ".join(run), "colour": colours[name]})
                run = []
                continue
            x, y = round(LEFT + (i + 0.5) * slot, 1), round(TOP + plot_h - value / top * plot_h, 1)
            run.append(f"{x},{y}")
            chart.dots.append({"x": x, "y": y, "colour": colours[name], "tip": f"{labels[i]} {name}: {value:.4f}"})
    chart.x_labels = _x_labels(labels, [LEFT + (i + 0.5) * slot for i in range(len(labels))])
    return chart


# -- figures --------------------------------------------------------------------------------------
def last_days(n: int = DAYS) -> list[date]:
    today = timezone.now().astimezone(UTC).date()
    return [today - timedelta(days=back) for back in range(n - 1, -1, -1)]


def _window(days: list[date]) -> tuple[datetime, datetime]:
    return (datetime.combine(days[0], time.min, tzinfo=UTC),
            datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=UTC))


def interactions_per_day(days: list[date]) -> dict[date, dict[str, int]]:
    """{day: {interaction type: count}} for these consecutive days, in one GROUP BY."""
    start, end = _window(days)
    rows = (
        Interaction.objects.filter(timestamp__gte=start, timestamp__lt=end)
        .annotate(day=TruncDate("timestamp", tzinfo=UTC))
        .order_by()
        .values("day", "interaction_type")
        .annotate(n=Count("id"))
    )
    counts: dict[date, dict[str, int]] = {day: {} for day in days}
    for row in rows:
        counts[row["day"]][row["interaction_type"]] = row["n"]
    return counts


def top_items(days: list[date], limit: int = TOP_ITEMS) -> list[dict[str, Any]]:
    """The items with the most interactions in these days: item_id, item_code, name, interactions."""
    start, end = _window(days)
    rows = list(
        Interaction.objects.filter(timestamp__gte=start, timestamp__lt=end)
        .order_by()
        .values("item_id")
        .annotate(n=Count("id"))
        .order_by("-n", "item_id")[:limit]
    )
    items = Item.objects.in_bulk([row["item_id"] for row in rows])
    return [
        {"item_id": row["item_id"], "item_code": items[row["item_id"]].item_code,
         "name": items[row["item_id"]].name, "interactions": row["n"]}
        for row in rows if row["item_id"] in items
    ]


def model_metrics(limit: int = METRIC_VERSIONS) -> list[dict[str, Any]]:
    """The newest versions with guard figures, oldest first: id, algorithm, status, ndcg, coverage."""
    versions = list(
        ModelVersion.objects.filter(metrics__has_key="ndcg@10")
        .order_by("-pk")
        .values("pk", "algorithm", "status", "is_active", "created_at", "metrics")[:limit]
    )
    return [
        {"id": v["pk"], "algorithm": v["algorithm"], "status": v["status"], "is_active": v["is_active"],
         "created_at": v["created_at"], "ndcg": metrics_ndcg(v["metrics"]), "coverage": metrics_coverage(v["metrics"])}
        for v in reversed(versions)
    ]


def model_metrics_chart(versions: list[dict[str, Any]] | None = None) -> Chart | None:
    versions = model_metrics() if versions is None else versions
    if not versions:
        return None
    labels = [f"v{v['id']}" for v in versions]
    return line_chart("nDCG@10 and coverage per model version (retrain guard holdout)", labels, {
        "nDCG@10": [v["ndcg"] for v in versions], "coverage": [v["coverage"] for v in versions],
    })


def hit_rate(stats: list[DayStats]) -> float | None:
    hits, requests = sum(s.hits for s in stats), sum(s.requests for s in stats)
    return hits / requests if requests else None


def _cached(name: str, compute):
    """``compute()``, shared for CACHE_SECONDS; the key names the day so a new day starts afresh."""
    return cache.get_or_set(f"dashboard:{name}:{timezone.now():%Y%m%d}", compute, CACHE_SECONDS)


def dashboard_context() -> dict[str, Any]:
    days = last_days()
    labels = [f"{day:%m-%d}" for day in days]
    per_day = _cached("interactions_per_day", lambda: interactions_per_day(days))
    found = {name for counts in per_day.values() for name in counts}
    types = [*(name for name in settings.INTERACTION_WEIGHTS if name in found),
             *sorted(found - set(settings.INTERACTION_WEIGHTS))]
    stats = cache_stats_days(DAYS)
    versions = model_metrics()
    return {
        "days": days,
        "per_day": [(day, [(name, per_day[day].get(name, 0)) for name in types], sum(per_day[day].values()))
                    for day in days],
        "types": types,
        "interactions_total": sum(sum(counts.values()) for counts in per_day.values()),
        "interactions_chart": stacked_bars("Interactions per day by type", labels, {
            name: [per_day[day].get(name, 0) for day in days] for name in types
        }),
        "top_items": _top_items_with_share(_cached("top_items", lambda: top_items(days))),
        "cache_stats": stats,
        "hit_rate": _percent(hit_rate(stats)),
        "hit_rate_today": _percent(stats[-1].hit_rate),
        "cache_chart": stacked_bars("Recommendation requests per day: cache hits and misses", labels, {
            "hits": [s.hits for s in stats], "misses": [s.misses for s in stats],
        }),
        "versions": versions,
        "metrics_chart": model_metrics_chart(versions),
        "active_version": ModelVersion.objects.active().first(),
        "computed_at": timezone.now(),
        "cache_seconds": CACHE_SECONDS,
    }


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else 100 * fraction


def _top_items_with_share(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with ``width``, its bar's length in pixels (the first item's bar is 200)."""
    most = max((row["interactions"] for row in rows), default=0) or 1
    return [{**row, "width": round(200 * row["interactions"] / most, 1)} for row in rows]


def dashboard_view(request):
    """Staff with the view permission on interactions; the admin site checks login and staff first."""
    if not request.user.has_perm("recommendations.view_interaction"):
        raise PermissionDenied
    context = {**admin.site.each_context(request), "title": "Dashboard", **dashboard_context()}
    return TemplateResponse(request, "admin/recommendations/dashboard.html", context)


# -- the user page's recommendations panel --------------------------------------------------------
@dataclass
class SourceList:
    """One source's list for the user, shaped like the API's rows."""

    title: str
    note: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RecommendationsPanel:
    live: Any  # services.Recommendations: what GET /recommendations/{id} answers
    live_rows: list[dict[str, Any]]  # its rows, each with a ``reason_label`` (staff/reasons.py)
    history_size: int
    history_capped: bool
    chosen_by: str
    sources: list[SourceList]


def recommendations_panel(*, user_id: int, limit: int = 10) -> RecommendationsPanel:
    """The user's live list and, side by side, what each source would put in it, and which one answers.

    The live list comes from the same function as the API's plain request (so a miss computes and
    caches it), without counting in the cache statistics: staff looking is not user traffic.
    Every row carries a ``reason_label`` that names the item of a ``similar_to:`` reason.
    """
    live = recommend(Query(user_id, limit), record_stats=False)
    explained = explain(Query(user_id, limit))
    history = explained.history
    sources = [*_model_sources(explained), _similar_source(history, limit),
               SourceList("Popularity", f"Popular active items not seen, x{settings.CATEGORY_BOOST:g} in the user's "
                          "categories (the score shown is the boosted one the list is ordered by): the list "
                          "of a user with few interactions, and the fill of a short one.",
                          explained.popular)]
    every_row = [*live.recommendations, *(row for source in sources for row in source.rows)]
    names = item_names(reason_codes(row["reason"] for row in every_row))
    for source in sources:
        source.rows = rows_with_reason_labels(source.rows, names)
    return RecommendationsPanel(live, rows_with_reason_labels(live.recommendations, names), len(history),
                                len(history) >= settings.HISTORY_LIMIT, _chosen_by(explained.model, len(history)),
                                sources)


def _chosen_by(model, history_size: int) -> str:
    needed = settings.MIN_INTERACTIONS_FOR_PERSONALIZED
    if model is None:
        return "Popularity: no model is active (or its artifact cannot be loaded)."
    if history_size < needed:
        return (f"Popularity biased to the user's categories: {history_size} interaction(s), fewer than "
                f"MIN_INTERACTIONS_FOR_PERSONALIZED ({needed}).")
    return (f"The active model v{model.version_id} ({model.algorithm}), then a place for a new item and popular "
            f"items for any places left: at least {needed} interactions.")


def _model_sources(explained: Explanation) -> list[SourceList]:
    model = explained.model
    if model is None:
        return [SourceList("Personalized model", "No active model.")]
    title = f"Personalized model v{model.version_id} ({model.algorithm})"
    if explained.personalized is None:
        return [SourceList(title, "No interactions to score.")]
    out = [SourceList(title, "The model's ranking of the history, before new items and the popularity fill.",
                      explained.personalized)]
    for name, weight, rows in explained.components:
        if rows is None:
            out.append(SourceList(f"Component {name}", "The model knows none of the history's items."))
        else:
            out.append(SourceList(f"Component {name}",
                                  f"Component of the blend, weight {weight:g}; scores on its own scale.", rows))
    return out


def _similar_source(history, limit: int) -> SourceList:
    if not len(history):
        return SourceList("Item similarity", "No interactions: nothing to be similar to.")
    newest = int(history.item_ids[0])
    return SourceList(f"Item similarity: items like {history.codes.get(newest, newest)}",
                      "What GET /items/{id}/similar answers for the newest item of the history.",
                      similar_items_for(item_id=newest, limit=limit).similar)
