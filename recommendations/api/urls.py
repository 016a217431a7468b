from django.urls import path
from rest_framework.routers import SimpleRouter

from recommendations.api.views import (
    InteractionViewSet,
    ItemListViewSet,
    RecommendationViewSet,
    recommendations_detail,
)

router = SimpleRouter(trailing_slash=False)
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("recommendations", RecommendationViewSet, basename="recommendation")
# /items/{item_id}/similar and /items/popular: the recommender's lists under the catalog's URLs.
router.register("items", ItemListViewSet, basename="item")

# The busiest request first, answered by a plain view that takes DRF's path only when it must.
urlpatterns = [path("recommendations/<str:user_id>", recommendations_detail), *router.urls]
