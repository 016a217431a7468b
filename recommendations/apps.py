from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        """Connect to what the catalog and accounts announce; they never import this app."""
        # Here, not at the top: models can be imported only once the app registry is ready.
        from django.db.models.signals import post_delete

        from accounts.models import User
        from accounts.signals import interaction_summary_requested
        from catalog.signals import items_left_catalog
        from recommendations.events.selectors import user_interaction_summary
        from recommendations.serving import invalidation, item_rows  # noqa: F401  (item_rows connects its own)

        items_left_catalog.connect(invalidation.items_left_catalog, dispatch_uid="recommendations.items_left_catalog")
        post_delete.connect(invalidation.user_deleted, sender=User, dispatch_uid="recommendations.user_deleted")
        interaction_summary_requested.connect(
            lambda sender, user_id, **kwargs: user_interaction_summary(user_id=user_id),
            weak=False, dispatch_uid="recommendations.interaction_summary",
        )
