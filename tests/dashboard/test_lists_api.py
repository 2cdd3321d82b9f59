"""The customer lists' JSON API, called like the page calls it (bearer JWT + saleor-api-url)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from app.coupons import services
from app.coupons.models import CustomerList, CustomerListMember
from app.saleor.models import Installation
from tests.dashboard.conftest import percent_coupon


def _vip(installation: Installation, members: list[str] | None = None) -> CustomerList:
    created = services.customer_list_create(installation=installation, name="VIP")
    if members:
        services.customer_list_members_add(customer_list=created, members=members)
    return created


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/lists", id="index"),
        pytest.param("POST", "/lists", id="create"),
        pytest.param("GET", "/lists/choices", id="choices"),
        pytest.param("GET", "/lists/{id}", id="detail"),
        pytest.param("PUT", "/lists/{id}", id="edit"),
        pytest.param("DELETE", "/lists/{id}", id="delete"),
        pytest.param("GET", "/lists/{id}/members", id="members"),
        pytest.param("POST", "/lists/{id}/members", id="add"),
        pytest.param("POST", "/lists/{id}/members/remove", id="remove"),
        pytest.param("GET", "/lists/{id}/members.csv", id="export"),
        pytest.param("POST", "/lists/{id}/members/import", id="import"),
    ],
)
def test_every_list_endpoint_needs_a_token_and_manage_discounts(
    method: str, path: str, dashboard_api: Any, saleor_standin: Any
) -> None:
    # given
    vip = _vip(dashboard_api.installation, members=["ann@example.com"])
    url = path.format(id=vip.pk)
    orders_only = saleor_standin.issue_dashboard_jwt(user_permissions=("MANAGE_ORDERS",))
    body = {"name": "Changed", "members": ["eve@example.com"]} if method in ("POST", "PUT") else None

    # when
    anonymous = dashboard_api.send(method, url, None, body)
    forbidden = dashboard_api.send(method, url, orders_only, body)

    # then: refused, and nothing changed
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "missing_token"
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "permission_denied"
    assert list(CustomerList.objects.values_list("name", flat=True)) == ["VIP"]
    assert list(CustomerListMember.objects.values_list("email", flat=True)) == ["ann@example.com"]


def test_create_read_rename_and_delete_a_list(dashboard_api: Any, token: str) -> None:
    # when
    created = dashboard_api.send("POST", "/lists", token, {"name": "VIP customers", "description": "Best ones"})
    list_id = created.json()["id"]
    renamed = dashboard_api.send("PUT", f"/lists/{list_id}", token, {"name": "Gold customers"})
    detail = dashboard_api.get(f"/lists/{list_id}", token)
    index = dashboard_api.get("/lists", token)
    deleted = dashboard_api.send("DELETE", f"/lists/{list_id}", token)
    gone = dashboard_api.get(f"/lists/{list_id}", token)

    # then
    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("key", "name", "description", "members_count", "coupons")} == {
        "key": "vip-customers", "name": "VIP customers", "description": "Best ones", "members_count": 0,
        "coupons": []}
    assert (renamed.status_code, renamed.json()["name"], renamed.json()["key"]) == (200, "Gold customers",
                                                                                    "vip-customers")
    assert detail.json()["description"] == "Best ones"
    assert [(r["name"], r["members_count"]) for r in index.json()["results"]] == [("Gold customers", 0)]
    assert deleted.json() == {"deleted": list_id}
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "customer_list_not_found")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        pytest.param({"name": ""}, 400, "invalid_customer_list", id="empty-name"),
        pytest.param({"name": "vip"}, 409, "name_taken", id="same-name-other-case"),
        pytest.param({"name": "Other", "key": "vip"}, 409, "key_taken", id="key-taken"),
        pytest.param({"name": "Other", "colour": "red"}, 400, "validation_error", id="unknown-field"),
        pytest.param({"description": "no name"}, 400, "validation_error", id="no-name"),
    ],
)
def test_a_list_that_cannot_be_created_is_refused(
    body: dict[str, Any], status: int, code: str, dashboard_api: Any, token: str
) -> None:
    # given
    _vip(dashboard_api.installation)

    # when
    response = dashboard_api.send("POST", "/lists", token, body)

    # then
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert CustomerList.objects.count() == 1


def test_a_list_a_coupon_uses_cannot_be_deleted(dashboard_api: Any, token: str) -> None:
    # given
    vip = _vip(dashboard_api.installation)
    coupon = percent_coupon("VIP night", "VIPNIGHT")
    coupon["rule"]["conditions"] = {"customer_groups": [vip.key]}
    created = dashboard_api.send("POST", "/coupons", token, coupon)

    # when
    refused = dashboard_api.send("DELETE", f"/lists/{vip.pk}", token)
    index = dashboard_api.get("/lists", token)

    # then
    assert created.status_code == 201
    assert created.json()["customer_lists"] == [{"id": vip.pk, "key": "vip", "name": "VIP"}]
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "list_in_use"
    assert error["coupons"] == [{"id": created.json()["id"], "name": "VIP night"}]
    assert "VIP night" in error["message"]
    assert [c["name"] for c in index.json()["results"][0]["coupons"]] == ["VIP night"]
    assert CustomerList.objects.filter(pk=vip.pk).exists()


def test_a_coupon_naming_an_unknown_list_is_refused_on_that_field(dashboard_api: Any, token: str) -> None:
    # given
    coupon = percent_coupon("VIP night", "VIPNIGHT")
    coupon["rule"]["conditions"] = {"customer_groups": ["nobody"]}

    # when
    response = dashboard_api.send("POST", "/coupons", token, coupon)

    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_coupon"
    assert [e["field"] for e in error["errors"]] == ["rule.conditions.customer_groups"]


def test_add_search_and_remove_members(dashboard_api: Any, token: str) -> None:
    # given
    vip = _vip(dashboard_api.installation, members=["bob@example.com"])

    # when
    added = dashboard_api.send("POST", f"/lists/{vip.pk}/members", token,
                               {"members": ["Ann@Example.com", "bob@example.com", "VXNlcjox", "nope"]})
    found = dashboard_api.client.get(f"/api/dashboard/lists/{vip.pk}/members", {"q": "ann"},
                                     headers=dashboard_api.headers(token)).json()
    ann_id = found["results"][0]["id"]
    removed = dashboard_api.send("POST", f"/lists/{vip.pk}/members/remove", token,
                                 {"ids": [ann_id], "members": ["VXNlcjox", "zed@example.com"]})
    left = dashboard_api.get(f"/lists/{vip.pk}/members", token).json()
    choices = dashboard_api.get("/lists/choices", token).json()

    # then
    assert added.status_code == 200
    assert {k: added.json()[k] for k in ("added", "already")} == {"added": 2, "already": 1}
    assert [(i["line"], i["value"]) for i in added.json()["invalid"]] == [(4, "nope")]
    assert [m["email"] for m in found["results"]] == ["ann@example.com"]
    assert removed.json() == {"removed": 2, "not_found": 1, "invalid": []}
    assert [(m["email"], m["user_id"]) for m in left["results"]] == [("bob@example.com", None)]
    assert choices == {"results": [{"id": vip.pk, "key": "vip", "name": "VIP", "members_count": 1}]}


def test_import_and_export_members_as_csv(dashboard_api: Any, token: str) -> None:
    # given
    vip = _vip(dashboard_api.installation, members=["ann@example.com"])
    headers = dashboard_api.headers(token)
    url = f"/api/dashboard/lists/{vip.pk}/members/import"

    # when
    bad = dashboard_api.client.post(url, "email\nbob@example.com\nnot an email\n", content_type="text/csv",
                                    headers=headers)
    good = dashboard_api.client.post(url, "\ufeffemail,user_id\nBob@example.com,\nann@example.com,\n,VXNlcjo3\n",
                                     content_type="text/csv", headers=headers)
    empty = dashboard_api.client.post(url, "", content_type="text/csv", headers=headers)
    exported = dashboard_api.get(f"/lists/{vip.pk}/members.csv", token)

    # then
    assert bad.status_code == 400
    assert [e["line"] for e in bad.json()["error"]["errors"]] == [3]
    assert good.json() == {"added": 2, "already": 1, "invalid": []}
    assert empty.status_code == 400
    assert exported["Content-Disposition"] == 'attachment; filename="customer-list-vip.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert [(r["email"], r["user_id"]) for r in rows] == [
        ("ann@example.com", ""), ("bob@example.com", ""), ("", "VXNlcjo3")]


def test_another_installation_s_lists_are_out_of_reach(dashboard_api: Any, token: str) -> None:
    # given
    other = Installation.objects.create(saleor_api_url="https://other.example.com/graphql/", app_id="QXBwOjk=")
    theirs = _vip(other, members=["eve@example.com"])

    # when
    detail = dashboard_api.get(f"/lists/{theirs.pk}", token)
    add = dashboard_api.send("POST", f"/lists/{theirs.pk}/members", token, {"members": ["x@example.com"]})
    delete = dashboard_api.send("DELETE", f"/lists/{theirs.pk}", token)
    index = dashboard_api.get("/lists", token)

    # then
    assert (detail.status_code, add.status_code, delete.status_code) == (404, 404, 404)
    assert index.json()["results"] == []
    assert list(theirs.members.values_list("email", flat=True)) == ["eve@example.com"]
