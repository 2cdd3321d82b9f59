from django.urls import path

from app.coupons import views

urlpatterns = [
    path("api/storefront/checkouts/<str:checkout_id>/codes", views.checkout_codes, name="storefront-codes"),
    path("api/storefront/checkouts/<str:checkout_id>/codes/<str:code>", views.checkout_codes,
         name="storefront-code"),
]
