from rest_framework.routers import SimpleRouter

from recommendations.api.views import InteractionViewSet, RecommendationViewSet

router = SimpleRouter(trailing_slash=False)
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("recommendations", RecommendationViewSet, basename="recommendation")

urlpatterns = router.urls
