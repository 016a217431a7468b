"""GET /, the landing page (recommendations/staff/landing.py); recengine/urls.py includes it at the root."""
from django.urls import path

from recommendations.staff.landing import LandingView

urlpatterns = [path("", LandingView.as_view(), name="landing")]
