from django.urls import path

from recommendations.staff.storefront import storefront

urlpatterns = [path("", storefront, name="storefront")]
