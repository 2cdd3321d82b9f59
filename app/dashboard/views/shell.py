"""The page the Dashboard frames (the manifest's `appUrl`) and the session endpoint of its API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from app.core.errors import NotFound
from app.dashboard.auth import dashboard_api, request_language
from app.dashboard.framing import allowed_origins, content_security_policy
from app.dashboard.sections import sections_config
from app.saleor.selectors import installation_get

THEMES = ("light", "dark")


def _refused(request: HttpRequest, status: int, reason: str) -> HttpResponse:
    """A plain page that nobody may frame: unknown Saleor, or opened outside the Dashboard."""
    response = render(
        request,
        "dashboard/refused.html",
        {"reason": reason, "language": request_language(request)},
        status=status,
    )
    response["Content-Security-Policy"] = content_security_policy([])
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@xframe_options_exempt
def shell(request: HttpRequest) -> HttpResponse:
    """`/dashboard?saleorApiUrl=...&id=...&theme=...`: the HTML shell; no data, no secret.

    Everything shown comes from the JSON API, called with the JWT the Dashboard hands over in the
    AppBridge handshake. Only the installation's Dashboard origins may frame it (CSP frame-ancestors).
    """
    api_url = request.GET.get("saleorApiUrl", "").strip()
    if not api_url:
        return _refused(request, 400, "missing")
    try:
        installation = installation_get(api_url)
    except NotFound:
        return _refused(request, 404, "unknown")
    app_id = request.GET.get("id", "").strip()
    if app_id and app_id != installation.app_id:
        return _refused(request, 404, "unknown")
    origins = allowed_origins(installation)
    theme = request.GET.get("theme", "light")
    config = {
        "saleorApiUrl": installation.saleor_api_url,
        "apiBase": "/api/dashboard",
        "allowedOrigins": origins,
        "theme": theme if theme in THEMES else "light",
        "sections": sections_config(),
    }
    response = render(
        request,
        "dashboard/shell.html",
        {"config": config, "theme": config["theme"], "entry": static("dashboard/app.js")},
    )
    response["Content-Security-Policy"] = content_security_policy(origins)
    response["Cache-Control"] = "no-store"
    return response


@dashboard_api(permission=None)
def session(request: HttpRequest) -> JsonResponse:
    """Who is signed in and what they may do: the page hides nothing on its own, the API refuses."""
    user = request.dashboard_user
    return JsonResponse(
        {
            "user": {
                "id": user.user_id,
                "email": user.email,
                "is_staff": user.is_staff,
                "permissions": sorted(user.user_permissions),
            },
            "installation": {"saleor_api_url": request.installation.saleor_api_url},
            "language": request.language,
        }
    )
