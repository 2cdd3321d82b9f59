"""The customer lists' JSON API (Coupons section): thin views over `app.coupons.services` / `selectors`.

Lists are what coupon rules name in `conditions.customer_groups` (by their `key`). Every view is
`@dashboard_api(permission="MANAGE_DISCOUNTS")`, like the coupon endpoints: JWT + permission first, writes in
one transaction, refusals (`AppError`) answered as 4xx JSON.

GET    /api/dashboard/lists                       ?q=&page=  lists with member counts and the coupons using them
GET    /api/dashboard/lists/choices               every list (key, name, members_count), for the coupon form
POST   /api/dashboard/lists                       {name, description?, key?}
GET    /api/dashboard/lists/<id>                  one list, with the coupons using it
PUT    /api/dashboard/lists/<id>                  {name?, description?} (the key never changes)
DELETE /api/dashboard/lists/<id>                  409 list_in_use while a coupon uses it
GET    /api/dashboard/lists/<id>/members          ?q=&page=
POST   /api/dashboard/lists/<id>/members          {members: ["ann@example.com", "VXNlcjox"]} -> added/already/invalid
POST   /api/dashboard/lists/<id>/members/remove   {members?: [...], ids?: [member id]} -> removed / not_found
GET    /api/dashboard/lists/<id>/members.csv      CSV export (streaming)
POST   /api/dashboard/lists/<id>/members/import   CSV body (columns email, optional user_id), all or nothing
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.urls import path
from pydantic import BaseModel, ConfigDict, Field

from app.core.errors import AppError
from app.coupons import selectors, services
from app.coupons.models import CustomerList
from app.dashboard.auth import MANAGE_DISCOUNTS, dashboard_api, methods
from app.dashboard.views.coupons import MAX_CSV_BYTES, _actor, _csv_response, _page

CHOICES_LIMIT = 1000


class ListInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    key: str | None = None


class ListEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str | None = None


class MembersInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    members: list[str] = Field(max_length=services.MAX_MEMBERS_PER_CALL)


class MembersRemoveInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    members: list[str] = Field(default_factory=list, max_length=services.MAX_MEMBERS_PER_CALL)
    ids: list[int] = Field(default_factory=list, max_length=services.MAX_MEMBERS_PER_CALL)


def _list(request: HttpRequest, list_id: int) -> CustomerList:
    return selectors.customer_list_get(installation=request.installation, list_id=list_id)


def _detail(customer_list: CustomerList) -> dict:
    customer_list.members_count = customer_list.members.count()
    return selectors.customer_list_json(customer_list,
                                        coupons=selectors.customer_list_coupons(customer_list=customer_list))


@dashboard_api(permission=MANAGE_DISCOUNTS)
def list_index(request: HttpRequest) -> JsonResponse:
    usage = selectors.customer_list_usage(installation=request.installation)
    query = selectors.customer_list_list(installation=request.installation, search=request.GET.get("q") or None)
    return JsonResponse(_page(request, query, lambda c: selectors.customer_list_json(c, coupons=usage.get(c.key, []))))


@dashboard_api(permission=MANAGE_DISCOUNTS)
def list_choices(request: HttpRequest) -> JsonResponse:
    rows = selectors.customer_list_list(installation=request.installation)[:CHOICES_LIMIT]
    return JsonResponse({"results": [{"id": c.pk, "key": c.key, "name": c.name, "members_count": c.members_count}
                                     for c in rows]})


@dashboard_api(permission=MANAGE_DISCOUNTS, body=ListInput)
def list_create(request: HttpRequest, payload: ListInput) -> JsonResponse:
    created = services.customer_list_create(installation=request.installation, name=payload.name,
                                            description=payload.description, key=payload.key, actor=_actor(request))
    return JsonResponse(_detail(created), status=201)


@dashboard_api(permission=MANAGE_DISCOUNTS)
def list_detail(request: HttpRequest, list_id: int) -> JsonResponse:
    return JsonResponse(_detail(_list(request, list_id)))


@dashboard_api(permission=MANAGE_DISCOUNTS, body=ListEdit)
def list_update(request: HttpRequest, payload: ListEdit, list_id: int) -> JsonResponse:
    updated = services.customer_list_update(customer_list=_list(request, list_id), name=payload.name,
                                            description=payload.description, actor=_actor(request))
    return JsonResponse(_detail(updated))


@dashboard_api(permission=MANAGE_DISCOUNTS)
def list_delete(request: HttpRequest, list_id: int) -> JsonResponse:
    services.customer_list_delete(customer_list=_list(request, list_id), actor=_actor(request))
    return JsonResponse({"deleted": list_id})


@dashboard_api(permission=MANAGE_DISCOUNTS)
def member_list(request: HttpRequest, list_id: int) -> JsonResponse:
    query = selectors.customer_list_members(customer_list=_list(request, list_id), search=request.GET.get("q") or None)
    return JsonResponse(_page(request, query, selectors.customer_list_member_json))


@dashboard_api(permission=MANAGE_DISCOUNTS, body=MembersInput)
def member_add(request: HttpRequest, payload: MembersInput, list_id: int) -> JsonResponse:
    result = services.customer_list_members_add(customer_list=_list(request, list_id), members=payload.members,
                                                actor=_actor(request))
    return JsonResponse(result.to_json())


@dashboard_api(permission=MANAGE_DISCOUNTS, body=MembersRemoveInput)
def member_remove(request: HttpRequest, payload: MembersRemoveInput, list_id: int) -> JsonResponse:
    result = services.customer_list_members_remove(customer_list=_list(request, list_id), members=payload.members,
                                                   member_ids=payload.ids, actor=_actor(request))
    return JsonResponse(result.to_json())


@dashboard_api(permission=MANAGE_DISCOUNTS)
def member_export(request: HttpRequest, list_id: int) -> StreamingHttpResponse:
    customer_list = _list(request, list_id)
    return _csv_response(selectors.customer_list_export_csv(customer_list=customer_list),
                         f"customer-list-{customer_list.key}.csv")


@dashboard_api(permission=MANAGE_DISCOUNTS)
def member_import(request: HttpRequest, list_id: int) -> JsonResponse:
    customer_list = _list(request, list_id)
    raw = request.body
    if not raw.strip():
        raise AppError("The file is empty.", code="invalid_csv")
    if len(raw) > MAX_CSV_BYTES:
        raise AppError("The file is larger than 20 MB: split it.", code="body_too_large", status=413)
    result = services.customer_list_import_csv(customer_list=customer_list, file=raw, actor=_actor(request))
    return JsonResponse(result.to_json())


urlpatterns = [
    path("api/dashboard/lists", methods(get=list_index, post=list_create)),
    path("api/dashboard/lists/choices", methods(get=list_choices)),
    path("api/dashboard/lists/<int:list_id>", methods(get=list_detail, put=list_update, delete=list_delete)),
    path("api/dashboard/lists/<int:list_id>/members", methods(get=member_list, post=member_add)),
    path("api/dashboard/lists/<int:list_id>/members/remove", methods(post=member_remove)),
    path("api/dashboard/lists/<int:list_id>/members.csv", methods(get=member_export)),
    path("api/dashboard/lists/<int:list_id>/members/import", methods(post=member_import)),
]
