from django.apps import AppConfig


class CouponsConfig(AppConfig):
    name = "app.coupons"
    label = "coupons"

    def ready(self) -> None:
        from app.coupons import tasks  # noqa: F401 - registers the coupons job handlers
