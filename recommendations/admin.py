import json
from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import Truncator

from recommendations.lifecycle.registry import model_version_activate
from recommendations.models import Interaction, ModelVersion
from recommendations.staff import admin_extensions, dashboard
from recommendations.tasks import retrain, update_popularity


# -- interactions: tens of millions of rows -------------------------------------------------------
class EstimatedCountPaginator(Paginator):
    """Counts exactly up to ``exact_up_to`` rows and estimates beyond, so no page counts the whole table.

    Unfiltered, the estimate is ``pg_class.reltuples`` (kept current by autovacuum's ANALYZE);
    filtered, a COUNT over at most ``exact_up_to + 1`` rows decides, then the planner's row
    estimate. An estimated list links only the pages around the current one (a far page is a far
    OFFSET), and its template says "about" (admin/recommendations/interaction/pagination.html).
    """

    exact_up_to = 10_000
    estimated = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.where:
            rows = _table_rows_estimate(queryset)
            if rows > self.exact_up_to:
                self.estimated = True
                return rows
        counted = queryset.order_by()[: self.exact_up_to + 1].count()
        if counted <= self.exact_up_to:
            return counted
        self.estimated = True
        return max(_plan_rows_estimate(queryset), counted)

    def get_elided_page_range(self, number=1, *, on_each_side=3, on_ends=2):
        if not self.estimated:
            yield from super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)
            return
        number = self.validate_number(number)
        first, last = max(number - on_each_side, 1), min(number + on_each_side, self.num_pages)
        if first > 1:
            yield 1
            if first > 2:
                yield self.ELLIPSIS
        yield from range(first, last + 1)
        if last < self.num_pages:
            yield self.ELLIPSIS


def _table_rows_estimate(queryset) -> int:
    """The planner's row count of the table; -1 when the table was never analysed."""
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                       [queryset.model._meta.db_table])
        row = cursor.fetchone()
    return int(row[0]) if row else -1


def _plan_rows_estimate(queryset) -> int:
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class InteractionTypeFilter(admin.SimpleListFilter):
    """The configured types: a field filter would read them with a DISTINCT over the whole table."""

    title = "type"
    parameter_name = "interaction_type"

    def lookups(self, request, model_admin):
        return [(name, name) for name in settings.INTERACTION_WEIGHTS]

    def queryset(self, request, queryset):
        return queryset.filter(interaction_type=self.value()) if self.value() else queryset


class RecentFilter(admin.SimpleListFilter):
    """Fixed time ranges on the timestamp index (date_hierarchy would run a DISTINCT over dates)."""

    title = "time"
    parameter_name = "since"
    DAYS = {"7d": 7, "30d": 30}

    def lookups(self, request, model_admin):
        return [("today", "today"), ("7d", "past 7 days"), ("30d", "past 30 days")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "today":
            return queryset.filter(timestamp__gte=timezone.localtime(now).replace(hour=0, minute=0, second=0,
                                                                                  microsecond=0))
        if self.value() in self.DAYS:
            return queryset.filter(timestamp__gte=now - timedelta(days=self.DAYS[self.value()]))
        return queryset


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    """Built for a huge table: no full count, no DISTINCT filters, index-friendly search and sorting."""

    list_display = ("id", "user", "item", "interaction_type", "interaction_value", "timestamp")
    list_filter = (InteractionTypeFilter, RecentFilter)
    list_select_related = ("user", "item")
    raw_id_fields = ("user", "item")
    search_fields = ("event_id",)
    search_help_text = "A user id or an item id, or an exact event id."
    sortable_by = ("id", "timestamp")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_search_results(self, request, queryset, search_term):
        # Equality on indexed columns only: the admin's own search would compare ids as text.
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit() and len(term) < 19:
            return queryset.filter(Q(user_id=int(term)) | Q(item_id=int(term))), False
        return queryset.filter(event_id=term), False


# -- model versions -------------------------------------------------------------------------------
def compact_number(n: int) -> str:
    """1204331 -> "1.2M", 48210 -> "48.2k", 950 -> "950": a list column's worth of a count."""
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + suffix
    return str(n)


def duration(seconds: float | None) -> str:
    """A training's length in the unit a person reads it in: "42.0 s", "14.2 min", "1.5 h"."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """Trained versions and what the retrain guard said; buttons queue a retrain or a popularity run."""

    change_list_template = "admin/recommendations/modelversion/change_list.html"
    # Five columns that fit beside the menu and the filters at 1280 px: the algorithm and its state
    # (active, ready, rejected...) share a column, so do the guard's two figures, and the training's
    # time, data and duration; the notes wrap. Exact figures are on the version's own page.
    list_display = ("id", "algorithm_state", "guard", "trained", "short_notes")
    list_filter = ("status", "is_active", "algorithm")
    readonly_fields = (
        "algorithm", "params", "artifact_path", "status", "is_active", "n_users", "n_items", "n_interactions",
        "data_fingerprint", "training_seconds", "metrics", "created_at", "activated_at",
    )
    actions = ["activate_version"]
    show_full_result_count = False

    class Media:
        css = {"all": ("recommendations/admin.css",)}

    def has_add_permission(self, request):
        return False  # versions come from training, never from a form

    @admin.display(description="retrain guard")
    def guard(self, version: ModelVersion):
        ndcg, coverage = version.ndcg, version.coverage
        if ndcg is None and coverage is None:
            return "-"
        return format_html('<span class="nowrap">nDCG@10 {}</span><br><span class="nowrap">coverage {}</span>',
                           "-" if ndcg is None else f"{ndcg:.4f}", "-" if coverage is None else f"{coverage:.3f}")

    @admin.display(description="model", ordering="algorithm")
    def algorithm_state(self, version: ModelVersion):
        if version.is_active:
            return format_html("{}<br><strong>{}</strong>", version.algorithm, "active")
        return format_html("{}<br>{}", version.algorithm, version.get_status_display().lower())

    @admin.display(description="trained", ordering="created_at")
    def trained(self, version: ModelVersion):
        exact = (f"{version.n_interactions:,} interactions of {version.n_users:,} users on {version.n_items:,} items, "
                 f"{version.training_seconds or 0:,.1f} s")
        return format_html(
            '<span class="nowrap">{}</span><br><span class="nowrap" title="{}">{} interactions</span><br>'
            '<span class="nowrap">{} users,</span> <span class="nowrap">{} items</span><br><span class="nowrap">in {}</span>',
            f"{timezone.localtime(version.created_at):%Y-%m-%d %H:%M}", exact, compact_number(version.n_interactions),
            compact_number(version.n_users), compact_number(version.n_items), duration(version.training_seconds),
        )

    @admin.display(description="notes")
    def short_notes(self, version: ModelVersion) -> str:
        return Truncator(version.notes).chars(160)

    @admin.action(description="Activate this version (rollback)", permissions=["change"])
    def activate_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.WARNING)
            return
        version = queryset.get()
        try:
            model_version_activate(version_id=version.pk)
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"Model version {version.pk} ({version.algorithm}) is now active.")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_queue": self.has_change_permission(request),
            "metrics_chart": dashboard.model_metrics_chart(),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        own = [
            path("queue-retrain/", self.admin_site.admin_view(self.queue_retrain_view),
                 name="recommendations_modelversion_queue_retrain"),
            path("queue-popularity/", self.admin_site.admin_view(self.queue_popularity_view),
                 name="recommendations_modelversion_queue_popularity"),
        ]
        return own + super().get_urls()

    def queue_retrain_view(self, request):
        return self._queue(request, retrain, "A retrain is queued. It is skipped if no interaction arrived "
                           "since the last training; a new version appears here with the retrain guard's "
                           "verdict in its notes.")

    def queue_popularity_view(self, request):
        return self._queue(request, update_popularity, "A popularity recompute is queued.")

    def _queue(self, request, task, text: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        task.delay_on_commit()
        results = reverse("admin:django_celery_results_taskresult_changelist")
        self.message_user(request, format_html('{} Outcomes: <a href="{}">task results</a>.', text, results))
        return redirect("admin:recommendations_modelversion_changelist")


# -- the staff dashboard at /admin/dashboard/ -----------------------------------------------------
def _with_dashboard(site_urls):
    def get_urls():
        return [path("dashboard/", admin.site.admin_view(dashboard.dashboard_view), name="dashboard"), *site_urls()]

    return get_urls


# The default admin site has no hook for a page of its own short of replacing the site (a settings
# change); adding the URL to its list keeps the dashboard behind the admin's login and staff check.
admin.site.get_urls = _with_dashboard(admin.site.get_urls)


# The user and item pages of the accounts and catalog admins, with what the recommender knows of them.
admin_extensions.register(admin.site)
