from rest_framework.routers import SimpleRouter

from accounts.api.views import UserViewSet

router = SimpleRouter(trailing_slash=False)
router.register("users", UserViewSet, basename="user")

urlpatterns = router.urls
