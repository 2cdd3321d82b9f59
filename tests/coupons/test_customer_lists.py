"""Customer lists: services, selectors, evaluation in a checkout (handler and the whole flow), diagnostics."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from app.core import jobs
from app.core.errors import AppError, Conflict
from app.core.models import Job
from app.coupons import handlers, selectors, services
from app.coupons.checkout import customer_from_checkout
from app.coupons.models import AttemptLog, Code, Coupon, CustomerList, CustomerListMember

from .conftest import checkout_event, checkout_payload, percent_rule

ANN = {"id": "VXNlcjox", "email": "ann@example.com"}  # base64("User:1")
BOB = {"id": "VXNlcjoy", "email": "bob@example.com"}  # base64("User:2")


def _list(installation, name: str = "VIP customers", members: list[str] | None = None) -> CustomerList:
    created = services.customer_list_create(installation=installation, name=name)
    if members:
        services.customer_list_members_add(customer_list=created, members=members)
    return created


def _mirrored(coupon: Coupon) -> Coupon:
    Coupon.objects.filter(pk=coupon.pk).update(saleor_voucher_id="Vm91Y2hlcjox", mirror_state="synced",
                                               mirrored_version=coupon.version)
    Code.objects.filter(coupon=coupon).update(saleor_sync="pushed")
    Job.objects.all().delete()
    return Coupon.objects.get(pk=coupon.pk)


def _writes() -> list[tuple[str, dict]]:
    return [(j.payload["document"].rsplit("/", 1)[-1], j.payload["variables"])
            for j in Job.objects.filter(kind="saleor.write").order_by("pk")]


# --- create / edit / delete ----------------------------------------------------------------------------
def test_the_key_is_made_from_the_name_once_and_stays_unique(installation):
    # given
    first = _list(installation, "VIP customers")
    services.customer_list_update(customer_list=first, name="Gold customers")
    # when: a new list takes the first one's old name
    second = _list(installation, "VIP customers")
    accents = _list(installation, "Clients fidèles")
    symbols = _list(installation, "★★★")
    # then
    first.refresh_from_db()
    assert (first.name, first.key) == ("Gold customers", "vip-customers")
    assert second.key == "vip-customers-2"
    assert accents.key == "clients-fideles"
    assert symbols.key == "list"


def test_a_name_is_unique_per_installation_whatever_the_case(installation, other_installation):
    # given
    _list(installation, "Newsletter")
    # when
    with pytest.raises(Conflict) as refused:
        _list(installation, "NEWSLETTER")
    theirs = _list(other_installation, "Newsletter")
    # then
    assert refused.value.code == "name_taken"
    assert theirs.key == "newsletter"
    assert CustomerList.objects.filter(installation=installation).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"name": "  "}, "name"), ({"name": "x" * 101}, "name"),
     ({"name": "Ok", "description": "d" * 2001}, "description"), ({"name": "Ok", "key": "Not a slug"}, "key")],
    ids=["empty-name", "long-name", "long-description", "bad-key"],
)
def test_an_invalid_list_is_refused_field_by_field(installation, fields, field):
    # when
    with pytest.raises(AppError) as refused:
        services.customer_list_create(installation=installation, **fields)
    # then
    assert refused.value.code == "invalid_customer_list"
    assert [e["field"] for e in refused.value.details["errors"]] == [field]
    assert not CustomerList.objects.exists()


def test_a_list_used_by_a_coupon_cannot_be_deleted_and_the_refusal_names_the_coupons(installation, make_coupon):
    # given: a disabled coupon still names the list
    vip = _list(installation, "VIP", members=["ann@example.com"])
    coupon = make_coupon("VIP night", codes=["VIP"], rule=percent_rule("10", customer_groups=[vip.key]))
    services.coupon_disable(coupon=coupon)
    # when
    with pytest.raises(Conflict) as refused:
        services.customer_list_delete(customer_list=vip)
    # then
    assert refused.value.status == 409
    assert refused.value.code == "list_in_use"
    assert refused.value.details["coupons"] == [{"id": coupon.pk, "name": "VIP night"}]
    assert '"VIP night"' in refused.value.message
    assert CustomerList.objects.filter(pk=vip.pk).exists()

    # when: the coupon stops using it
    services.coupon_update(coupon=coupon, data={"name": "VIP night", "rule": percent_rule("10")})
    services.customer_list_delete(customer_list=vip)
    # then: the list and its members are gone
    assert not CustomerList.objects.exists()
    assert not CustomerListMember.objects.exists()


def test_a_coupon_naming_a_list_that_does_not_exist_is_refused(installation, other_installation, make_coupon):
    # given: the key exists, but in another installation
    _list(other_installation, "VIP")
    data = {"name": "VIP night", "rule": percent_rule("10", customer_groups=["vip", "gold"])}
    # when
    with pytest.raises(AppError) as refused:
        services.coupon_create(installation=installation, data=data)
    # then
    assert refused.value.code == "invalid_coupon"
    (error,) = refused.value.details["errors"]
    assert error["field"] == "rule.conditions.customer_groups"
    assert "gold, vip" in error["message"]
    assert not Coupon.objects.filter(installation=installation).exists()

    # and an edit that adds an unknown list is refused too, the coupon unchanged
    coupon = make_coupon("Plain", codes=["PLAIN"])
    with pytest.raises(AppError):
        services.coupon_update(coupon=coupon, data={"name": "Plain", "rule": percent_rule("10", customer_groups=["x"])})
    coupon.refresh_from_db()
    assert coupon.rule["conditions"]["customer_groups"] == []


# --- members ---------------------------------------------------------------------------------------------
def test_add_members_counts_added_already_and_invalid_lines(installation):
    # given
    vip = _list(installation, "VIP", members=["bob@example.com"])
    # when
    result = services.customer_list_members_add(customer_list=vip, members=[
        "Ann@Example.com", " ann@example.com ", "", "VXNlcjox", "not-an-email", "bob@", "BOB@example.com", "abc"])
    # then
    assert (result.added, result.already) == (2, 2)
    assert [(i["line"], i["value"]) for i in result.invalid] == [(5, "not-an-email"), (6, "bob@"), (8, "abc")]
    assert "not a valid e-mail address" in result.invalid[1]["message"]
    assert set(vip.members.values_list("email", "user_id")) == {
        ("bob@example.com", ""), ("ann@example.com", ""), ("", "VXNlcjox")}
    assert set(CustomerListMember.objects.values_list("installation_id", flat=True)) == {installation.pk}


def test_remove_members_by_e_mail_customer_id_or_row(installation):
    # given
    vip = _list(installation, "VIP", members=["ann@example.com", "bob@example.com", "VXNlcjoz", "eve@example.com"])
    eve = vip.members.get(email="eve@example.com")
    # when
    result = services.customer_list_members_remove(customer_list=vip, members="ANN@example.com\nVXNlcjoz\nzed@x.io\n?",
                                                   member_ids=[eve.pk])
    # then
    assert (result.removed, result.not_found) == (3, 1)
    assert [i["value"] for i in result.invalid] == ["?"]
    assert list(vip.members.values_list("email", flat=True)) == ["bob@example.com"]


def test_a_csv_import_is_all_or_nothing_with_every_bad_line(installation):
    # given
    vip = _list(installation, "VIP", members=["ann@example.com"])
    bad = "email,user_id\nbob@example.com,\nnot-an-email,\n,VXNlcjo0\ncarl@example.com,Carl\n,\n"
    # when
    with pytest.raises(AppError) as refused:
        services.customer_list_import_csv(customer_list=vip, file=bad)
    # then
    assert refused.value.code == "invalid_csv"
    assert [e["line"] for e in refused.value.details["errors"]] == [3, 5]
    assert vip.members.count() == 1

    # when: a corrected file (with a BOM, other columns, a repeated and a known customer)
    good = ("\ufeffFirst name,Email,User_ID\nBob,BOB@example.com,\nAnn,ann@example.com,\nBob,bob@example.com,\n"
            ",,VXNlcjo0\n")
    result = services.customer_list_import_csv(customer_list=vip, file=good.encode())
    # then
    assert (result.added, result.already) == (2, 2)
    assert set(vip.members.values_list("email", "user_id")) == {
        ("ann@example.com", ""), ("bob@example.com", ""), ("", "VXNlcjo0")}


def test_a_csv_without_an_email_column_is_refused(installation):
    # given
    vip = _list(installation, "VIP")
    # when
    with pytest.raises(AppError) as refused:
        services.customer_list_import_csv(customer_list=vip, file="mail\nann@example.com\n")
    # then
    assert (refused.value.code, vip.members.count()) == ("invalid_csv", 0)
    assert '"email" column' in refused.value.message


def test_the_export_streams_every_member_and_imports_back(installation):
    # given
    vip = _list(installation, "VIP", members=[f"c{i}@example.com" for i in range(7)] + ["VXNlcjo5"])
    copy = _list(installation, "Copy")
    # when
    lines = list(selectors.customer_list_export_csv(customer_list=vip, chunk=3))
    result = services.customer_list_import_csv(customer_list=copy, file="".join(lines))
    # then
    rows = list(csv.DictReader(io.StringIO("".join(lines))))
    assert len(lines) == 9
    assert [r["email"] for r in rows][:2] == ["c0@example.com", "c1@example.com"]
    assert rows[-1]["user_id"] == "VXNlcjo5"
    assert (result.added, result.already, result.invalid) == (8, 0, [])


def test_member_search_and_the_list_page_counts(installation, make_coupon):
    # given
    vip = _list(installation, "VIP", members=["ann@example.com", "anna@example.org", "bob@example.com", "VXNlcjox"])
    _list(installation, "Empty")
    make_coupon("VIP night", codes=["VIP"], rule=percent_rule("10", customer_groups=[vip.key]))
    # when
    found = [m.email for m in selectors.customer_list_members(customer_list=vip, search="ANN")]
    by_id = [m.user_id for m in selectors.customer_list_members(customer_list=vip, search="VXNlcjox")]
    lists = [(c.name, c.members_count) for c in selectors.customer_list_list(installation=installation)]
    usage = selectors.customer_list_usage(installation=installation)
    # then
    assert found == ["anna@example.org", "ann@example.com"]
    assert by_id == ["VXNlcjox"]
    assert lists == [("Empty", 0), ("VIP", 4)]
    assert [c["name"] for c in usage["vip"]] == ["VIP night"]


# --- evaluation ------------------------------------------------------------------------------------------
def test_the_customer_s_lists_come_from_one_query_by_e_mail_or_user_id(installation, other_installation):
    # given
    vip = _list(installation, "VIP", members=["ann@example.com"])
    staff = _list(installation, "Staff", members=["VXNlcjox"])
    _list(installation, "Others", members=["bob@example.com"])
    _list(other_installation, "Theirs", members=["ann@example.com"])
    # when
    with CaptureQueriesContext(connection) as queries:
        keys = selectors.customer_list_keys_for(installation=installation, email="ANN@example.com", user_id="VXNlcjox")
    narrowed = selectors.customer_list_keys_for(installation=installation, email="ann@example.com", keys=["others"])
    # then
    assert keys == {vip.key, staff.key}
    assert len(queries) == 1
    assert narrowed == frozenset()
    assert selectors.customer_list_keys_for(installation=installation) == frozenset()


def test_customer_from_checkout_fills_the_groups(installation):
    # given
    vip = _list(installation, "VIP", members=["ann@example.com"])
    # when
    member = customer_from_checkout(installation=installation, checkout=checkout_payload(user=ANN))
    guest = customer_from_checkout(installation=installation, checkout=checkout_payload(email="eve@example.com"))
    # then
    assert (member.groups, member.logged_in) == (frozenset({vip.key}), True)
    assert guest.groups == frozenset()


def test_a_coupon_for_a_list_applies_to_a_member_and_is_removed_for_anyone_else(installation, make_coupon):
    # given: a mirrored coupon for the VIP list; Ann is in it, Bob is not
    vip = _list(installation, "VIP", members=["ann@example.com"])
    _mirrored(make_coupon("VIP night", codes=["VIPNIGHT"], rule=percent_rule("10", customer_groups=[vip.key])))
    # when: Ann types it in Saleor
    handlers.on_checkout_changed(installation=installation, event=checkout_event(
        checkout_id="Q2hlY2tvdXQ6MQ==", user=ANN, voucher_code="VIPNIGHT"))
    # then: Saleor carries it, nothing to write
    assert _writes() == []
    assert AttemptLog.objects.get(customer_email="ann@example.com").result == "applied"

    # when: Bob types it
    handlers.on_checkout_changed(installation=installation, event=checkout_event(
        checkout_id="Q2hlY2tvdXQ6Mg==", user=BOB, voucher_code="VIPNIGHT"))
    # then: the app removes it and says why
    writes = dict(_writes())
    assert writes["checkout_remove_promo_code.graphql"] == {"id": "Q2hlY2tvdXQ6Mg==", "promoCode": "VIPNIGHT"}
    (rejected,) = json.loads(writes["update_metadata.graphql"]["input"][0]["value"])
    assert (rejected["code"], rejected["reason"]) == ("VIPNIGHT", "not_in_customer_lists")
    attempt = AttemptLog.objects.get(customer_email="bob@example.com")
    assert (attempt.result, attempt.reason) == ("rejected", "not_in_customer_lists")


def test_checkouts_look_lists_up_only_when_a_rule_names_one(installation, make_coupon):
    # given: a coupon without lists, and a list Ann is in
    _list(installation, "VIP", members=["ann@example.com"])
    _mirrored(make_coupon("Summer", codes=["SUMMER10"]))
    # when
    with CaptureQueriesContext(connection) as queries:
        handlers.on_checkout_changed(installation=installation, event=checkout_event(user=ANN, voucher_code="SUMMER10"))
    # then
    assert AttemptLog.objects.get().result == "applied"
    assert not [q for q in queries.captured_queries if "customerlistmember" in q["sql"].lower()]


def test_diagnostics_name_the_lists_and_the_fix(installation, make_coupon):
    # given
    vip = _list(installation, "VIP", members=["ann@example.com"])
    gold = _list(installation, "Gold")
    make_coupon("VIP night", codes=["VIPNIGHT"], rule=percent_rule("10", customer_groups=[vip.key]))
    make_coupon("Gold night", codes=["GOLD"], rule=percent_rule("10", customer_groups=[vip.key, gold.key]))
    # when
    bob = selectors.diagnose(installation=installation, code="vipnight", customer_email="bob@example.com")
    ann = selectors.diagnose(installation=installation, code="vipnight", customer_email="ann@example.com")
    bob_fr = selectors.diagnose(installation=installation, code="gold", customer_email="bob@example.com",
                                language="fr")
    # then
    finding = next(f for f in bob.findings if f.reason == "not_in_customer_lists")
    assert finding.message == "bob@example.com is in none of the coupon's customer lists: “VIP”."
    assert finding.fix == "Add bob@example.com to the list “VIP”."
    assert finding.details["lists"] == [{"id": vip.pk, "key": "vip", "name": "VIP"}]
    assert "not_in_customer_lists" not in [f.reason for f in ann.findings]
    french = next(f for f in bob_fr.findings if f.reason == "not_in_customer_lists")
    assert french.fix == "Ajoutez bob@example.com à l'une des listes « Gold » ou « VIP »."


# --- the whole flow against the Saleor stand-in --------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_flow_a_list_coupon_in_saleor_and_through_the_storefront_api(saleor_standin, installed_app, client):
    standin = saleor_standin
    tee = standin.catalog.add_product(name="Tee", price=Decimal("50.00"))
    ann = standin.catalog.add_customer("ann@example.com")
    bob = standin.catalog.add_customer("bob@example.com")
    # given: a list with Ann (added by her Saleor customer ID) and a coupon for it, mirrored to Saleor
    vip = services.customer_list_create(installation=installed_app, name="VIP")
    services.customer_list_members_add(customer_list=vip, members=[ann.global_id])
    services.coupon_create(installation=installed_app, data={
        "name": "VIP night", "codes": ["VIPNIGHT"],
        "rule": {"benefit": {"kind": "percentage", "percent": "10", "apply_to": "order"},
                 "conditions": {"customer_groups": [vip.key]}}})
    jobs.drain()

    # when: Ann applies the code in Saleor's checkout
    mine = standin.storefront.checkout_create(lines=[(tee, 1)], user=ann, email="ann@example.com")
    _, errors = standin.storefront.add_promo_code(mine["id"], "VIPNIGHT")
    jobs.drain()
    # then: it stays, with its discount
    mine = standin.storefront.checkout(mine["id"])
    assert errors == []
    assert (mine["voucherCode"], Decimal(str(mine["discount"]["amount"]))) == ("VIPNIGHT", Decimal("5"))

    # when: Bob does the same
    his = standin.storefront.checkout_create(lines=[(tee, 1)], user=bob, email="bob@example.com")
    standin.storefront.add_promo_code(his["id"], "VIPNIGHT")
    jobs.drain()
    # then: the app removed it and wrote the reason in the checkout's metadata
    his = standin.storefront.checkout(his["id"])
    assert his["voucherCode"] is None
    (rejected,) = json.loads({m["key"]: m["value"] for m in his["metadata"]}["coupons.rejected"])
    assert rejected["reason"] == "not_in_customer_lists"

    # when: Bob tries through the app's storefront API
    response = client.post(f"/api/storefront/checkouts/{his['id']}/codes", {"code": "vipnight"},
                           content_type="application/json", headers={"saleor-api-url": installed_app.saleor_api_url})
    # then
    assert response.status_code == 200
    assert (response.json()["result"]["applied"], response.json()["result"]["reason"]) == (
        False, "not_in_customer_lists")

    # when: the merchant adds Bob to the list and he tries again
    services.customer_list_members_add(customer_list=vip, members=["BOB@example.com"])
    response = client.post(f"/api/storefront/checkouts/{his['id']}/codes", {"code": "vipnight"},
                           content_type="application/json", headers={"saleor-api-url": installed_app.saleor_api_url})
    jobs.drain()
    # then
    assert response.json()["result"]["applied"] is True
    assert standin.storefront.checkout(his["id"])["voucherCode"] == "VIPNIGHT"
