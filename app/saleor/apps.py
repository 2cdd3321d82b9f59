from django.apps import AppConfig


class SaleorConfig(AppConfig):
    name = "app.saleor"
    label = "saleor"

    def ready(self) -> None:
        from app.saleor import tasks  # noqa: F401 - registers the outbox job handlers
