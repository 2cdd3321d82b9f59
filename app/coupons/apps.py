from django.apps import AppConfig


class CouponsConfig(AppConfig):
    name = "app.coupons"
    label = "coupons"
