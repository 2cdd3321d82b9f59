from django.urls import path

from app.dashboard.auth import methods
from app.dashboard.views import coupons, lists, shell

urlpatterns = [
    path("dashboard", shell.shell, name="dashboard"),
    path("api/dashboard/session", methods(get=shell.session), name="dashboard-session"),
    *coupons.urlpatterns,
    *lists.urlpatterns,
]
