from django.urls import path

from app.saleor import views

urlpatterns = [
    path("api/manifest", views.manifest, name="saleor-manifest"),
    path("api/register", views.register, name="saleor-register"),
    path("api/webhooks/<str:name>", views.webhook, name="saleor-webhook"),
]
