from django.urls import include, path

from app.core import views as core_views

urlpatterns = [
    path("health", core_views.health, name="health"),
    path("", include("app.saleor.urls")),
    path("", include("app.coupons.urls")),
    path("", include("app.dashboard.urls")),
]
