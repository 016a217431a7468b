from django.urls import path

from recommendations.staff.storefront import item_names_view, storefront

urlpatterns = [
    path("", storefront, name="storefront"),
    path("item-names", item_names_view, name="storefront-item-names"),
]
