from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from recommendations.models import Interaction, ModelVersion


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "item", "interaction_type", "interaction_value", "timestamp")
    list_filter = ("interaction_type",)
    list_select_related = ("user", "item")
    raw_id_fields = ("user", "item")
    date_hierarchy = "timestamp"
    search_fields = ("=user__id", "=item__id", "event_id")
    show_full_result_count = False


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """Trained versions and what the retrain guard said; buttons queue a retrain or a popularity run."""

    change_list_template = "admin/recommendations/modelversion/change_list.html"
    list_display = (
        "id", "algorithm", "status", "is_active", "n_users", "n_items", "n_interactions", "training_seconds",
        "ndcg_at_10", "created_at", "activated_at", "short_notes",
    )
    list_filter = ("status", "is_active", "algorithm")
    readonly_fields = (
        "algorithm", "params", "artifact_path", "status", "is_active", "n_users", "n_items", "n_interactions",
        "data_fingerprint", "training_seconds", "metrics", "created_at", "activated_at",
    )
    actions = ["activate_version"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # versions come from training, never from a form

    @admin.display(description="nDCG@10")
    def ndcg_at_10(self, version: ModelVersion):
        value = (version.metrics or {}).get("ndcg@10")
        return "-" if value is None else f"{value:.4f}"

    @admin.display(description="notes")
    def short_notes(self, version: ModelVersion) -> str:
        return Truncator(version.notes).chars(160)

    @admin.action(description="Activate this version (rollback)", permissions=["change"])
    def activate_version(self, request, queryset):
        from recommendations.training import model_version_activate

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
        extra_context = {**(extra_context or {}), "can_queue": self.has_change_permission(request)}
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
        from recommendations.tasks import retrain

        return self._queue(request, retrain, "A retrain is queued. It is skipped if no interaction arrived "
                           "since the last training; a new version appears here with the retrain guard's "
                           "verdict in its notes.")

    def queue_popularity_view(self, request):
        from catalog.tasks import update_popularity

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
