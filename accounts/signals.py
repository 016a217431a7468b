"""What accounts asks of the apps built on it; accounts imports none of them.

``interaction_summary_requested`` is sent (sender=User, user_id=...) for the interaction summary of
``GET /users/{user_id}``. The app that stores interactions (recommendations, in its
``AppConfig.ready``) answers with ``{"total", "by_type", "last_interaction_at"}``.
"""
from django.dispatch import Signal

interaction_summary_requested = Signal()
