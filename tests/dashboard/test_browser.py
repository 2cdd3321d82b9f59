"""The page in a real browser (Debian's Chromium through Playwright), framed by a host page on another origin
that performs the Dashboard's AppBridge handshake with a JWT issued by the Saleor stand-in.

Each page is saved as a screenshot in test-artifacts/screenshots/."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from app.core import jobs
from app.coupons import services
from app.coupons.models import AttemptLog, Code, CodeBatch, Coupon, CustomerList, Redemption

pytestmark = pytest.mark.browser


def _percent(percent: str = "10", **conditions: Any) -> dict[str, Any]:
    return {"benefit": {"kind": "percentage", "percent": percent, "apply_to": "order"}, "conditions": conditions}


def test_create_a_coupon(open_dashboard: Any) -> None:
    # given
    dashboard = open_dashboard(theme="light", locale="en")
    frame = dashboard.frame
    frame.get_by_role("heading", name="No coupons yet").wait_for()
    dashboard.screenshot("coupons-empty")

    # when: the merchant fills the form, first with a percentage the engine refuses
    frame.get_by_role("button", name="Create coupon").first.click()
    frame.locator('[data-field="name"] input').fill("Welcome")
    frame.locator('[data-field="codes"] textarea').fill("welcome10\nBIENVENUE10")
    percent = frame.locator('[data-kind="percentage"] [data-field="rule.benefit.percent"]')
    percent.locator("input").fill("150")
    frame.locator('[data-kind="percentage"] [data-field="rule.benefit.apply_to"] select').select_option("order")
    frame.locator('[data-field="usage_limit_per_customer"] input').fill("1")
    frame.locator('[data-field="rule.conditions.currency"] input').fill("usd")
    frame.locator('[data-field="rule.conditions.min_subtotal"] input').fill("50")
    frame.get_by_text("Customers", exact=True).click()
    frame.locator('[data-field="rule.conditions.first_order_only"] input').check()
    frame.get_by_role("button", name="Create coupon").click()

    # then: the error is shown beside the field, nothing is saved
    percent.locator(".error").wait_for()
    assert "less than or equal to 100" in percent.locator(".error").inner_text()
    assert not Coupon.objects.exists()
    dashboard.screenshot("coupon-form-errors")

    # when: corrected
    percent.locator("input").fill("10")
    frame.get_by_role("button", name="Create coupon").click()

    # then: the coupon page opens with what the engine will apply
    frame.get_by_role("heading", name="Welcome").wait_for()
    assert "10 % off the order" in frame.locator(".page-header .subtitle").inner_text()
    assert frame.locator("code.code").all_inner_texts() == ["BIENVENUE10", "WELCOME10"]
    coupon = Coupon.objects.get()
    assert coupon.rule["benefit"] == {"kind": "percentage", "percent": "10", "apply_to": "order", "max_discount": None}
    assert coupon.rule["conditions"]["min_subtotal"] == "50"
    assert coupon.rule["conditions"]["currency"] == "USD"
    assert coupon.rule["conditions"]["first_order_only"] is True
    assert coupon.usage_limit_per_customer == 1
    assert coupon.revisions.get().actor == "merchant@example.com"
    dashboard.screenshot("coupon-overview")

    # when: back on the list, searching by one of its codes (any case)
    frame.get_by_role("link", name="Coupons", exact=True).first.click()
    frame.locator('[data-field="q"] input').fill("bienvenue")
    frame.locator('[data-field="q"] input').press("Enter")

    # then
    frame.get_by_role("link", name="Welcome", exact=True).wait_for()
    assert frame.locator("table.data tbody tr").count() == 1
    dashboard.screenshot("coupons-list")
    frame.get_by_role("link", name="Welcome", exact=True).click()
    frame.get_by_role("link", name="Edit").click()
    frame.get_by_role("heading", name="Edit Welcome").wait_for()
    dashboard.screenshot("coupon-form")


def test_generate_codes_and_watch_the_progress_then_export_and_import(open_dashboard: Any, tmp_path: Any) -> None:
    # given
    dashboard = open_dashboard(theme="dark", locale="en")
    coupon = services.coupon_create(
        installation=dashboard.installation, data={"name": "Christmas", "rule": _percent("15"), "codes": []}, actor="x"
    )
    dashboard.go(f"#/coupons/{coupon.pk}/codes")
    frame = dashboard.frame
    frame.get_by_role("heading", name="Generate unique codes").wait_for()

    # when
    frame.locator('[data-field="count"] input').fill("120")
    frame.locator('[data-field="prefix"] input').fill("XMAS-")
    frame.get_by_role("button", name="Generate", exact=True).click()

    # then: the batch waits for the worker
    bar = frame.locator("table.batches [role=progressbar]").first
    bar.wait_for()
    assert bar.get_attribute("aria-valuenow") == "0"
    batch = CodeBatch.objects.get(coupon=coupon)

    # when: the worker stores a first chunk, then finishes
    services.code_batch_run(batch=batch, chunk_size=50, max_chunks=1)

    # then: the page shows the progress without reload
    frame.locator('table.batches [role=progressbar][aria-valuenow="42"]').wait_for()
    assert "50 of 120 codes" in frame.locator(".batch-label").first.inner_text()
    dashboard.screenshot("coupon-codes-progress")
    jobs.drain()
    frame.locator('table.batches [role=progressbar][aria-valuenow="100"]').wait_for()
    frame.locator('table.batches tr[data-status="done"]').wait_for()
    assert Code.objects.filter(coupon=coupon, code__startswith="XMAS-").count() == 120
    frame.locator("table.data code", has_text="XMAS-").first.wait_for()
    dashboard.screenshot("coupon-codes")

    # when: exporting (a download that needs the bearer header)
    with dashboard.page.expect_download() as download_info:
        frame.get_by_role("button", name="Export CSV").click()
    exported = download_info.value
    rows = list(csv.DictReader(io.StringIO(open(exported.path(), encoding="utf-8").read())))

    # then
    assert exported.suggested_filename == f"coupon-{coupon.pk}-codes.csv"
    assert len(rows) == 120
    assert all(row["code"].startswith("XMAS-") for row in rows)

    # when: importing a file with a bad line, then a good one
    bad = tmp_path / "bad.csv"
    bad.write_text("code,usage_limit\nVIP-ONE,1\nVIP TWO,1\n", encoding="utf-8")
    frame.locator('[data-field="file"] input').set_input_files(str(bad))
    frame.get_by_role("button", name="Import", exact=True).click()

    # then: nothing is imported and the line is named
    frame.get_by_text("The file was not imported.").wait_for()
    assert "Line 3" in frame.locator(".import-form .banner").inner_text()
    assert not Code.objects.filter(code__startswith="VIP").exists()

    # when
    good = tmp_path / "good.csv"
    good.write_text("code,assigned_customer,usage_limit\nVIP-ONE,alice@example.com,1\nVIP-TWO,,2\n", encoding="utf-8")
    frame.locator('[data-field="file"] input').set_input_files(str(good))
    frame.get_by_role("button", name="Import", exact=True).click()

    # then
    frame.get_by_text("2 codes imported.").wait_for()
    assert set(Code.objects.filter(code__startswith="VIP").values_list("code", "assigned_customer")) == {
        ("VIP-ONE", "alice@example.com"), ("VIP-TWO", "")}


def test_find_a_usage_and_cancel_it_in_french(open_dashboard: Any) -> None:
    # given: two customers used the coupon
    dashboard = open_dashboard(theme="light", locale="fr")
    coupon = services.coupon_create(
        installation=dashboard.installation,
        data={"name": "Bienvenue", "rule": _percent("10"), "codes": ["BIENVENUE10"], "usage_limit_per_customer": 1},
        actor="owner@example.com",
    )
    code = Code.objects.get(code="BIENVENUE10")
    for order, number, email, amount in [("T3JkZXI6MQ==", "1042", "alice@example.com", "12.50"),
                                         ("T3JkZXI6Mg==", "1043", "bob@example.com", "8.00")]:
        services.redemption_record(
            installation=dashboard.installation, coupon=coupon, code=code, order_id=order, order_number=number,
            customer_email=email, amount=Decimal(amount), currency="USD",
        )
    dashboard.go(f"#/coupons/{coupon.pk}/usage")
    frame = dashboard.frame
    frame.get_by_role("link", name="Utilisations").wait_for()

    # when: the merchant looks for Alice's usage
    frame.locator('[data-field="customer"] input').fill("alice@example.com")
    frame.locator('[data-field="customer"] input').press("Enter")

    # then
    row = frame.locator("table.data tbody tr")
    frame.locator("table.data tbody tr", has_text="alice@example.com").wait_for()
    assert row.count() == 1
    assert "12,50" in row.inner_text()
    dashboard.screenshot("coupon-usage")

    # when: opening the order asks the Dashboard to navigate there
    frame.get_by_role("link", name="Ouvrir la commande 1042 dans le Dashboard").click()

    # then
    dashboard.page.wait_for_function("() => window.hostActions.some((a) => a.type === 'redirect')")
    redirect = next(a for a in dashboard.actions() if a["type"] == "redirect")
    assert redirect["payload"]["to"] == "/orders/T3JkZXI6MQ%3D%3D"

    # when: the merchant opens the confirmation, then changes their mind with Escape
    frame.get_by_role("button", name="Annuler cette utilisation").click()
    frame.get_by_role("dialog").wait_for()
    dashboard.page.keyboard.press("Escape")

    # then: nothing changed and the focus is back on the button
    frame.get_by_role("dialog").wait_for(state="detached")
    assert Redemption.objects.get(order_id="T3JkZXI6MQ==").state == "active"
    assert frame.evaluate("() => document.activeElement.textContent") == "Annuler cette utilisation"

    # when: cancelling the usage for real (confirm dialog)
    frame.get_by_role("button", name="Annuler cette utilisation").click()
    dialog = frame.get_by_role("dialog")
    assert "alice@example.com pourra réutiliser le coupon" in dialog.inner_text()
    dashboard.screenshot("coupon-usage-cancel-dialog")
    dialog.get_by_role("button", name="Annuler cette utilisation").click()

    # then
    frame.get_by_text("Annulée le").wait_for()
    cancelled = Redemption.objects.get(order_id="T3JkZXI6MQ==")
    assert (cancelled.state, cancelled.release_reason, cancelled.released_by) == (
        "released", "merchant", "merchant@example.com")
    assert Redemption.objects.get(order_id="T3JkZXI6Mg==").state == "active"

    # and the history of edits records it
    frame.get_by_role("link", name="Historique").click()
    entry = frame.locator("table.data tbody tr", has_text="Utilisation annulée")
    entry.wait_for()
    assert "par merchant@example.com" in entry.inner_text()
    dashboard.screenshot("coupon-history")


def test_run_a_diagnosis_from_the_attempts_log(open_dashboard: Any) -> None:
    # given: an expired coupon a customer tried
    dashboard = open_dashboard(theme="dark", locale="en")
    ended = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    services.coupon_create(
        installation=dashboard.installation,
        data={"name": "Summer sale", "codes": ["SUMMER20"], "rule": _percent(
            "20", starts_at=(ended - timedelta(days=30)).isoformat(), ends_at=ended.isoformat())},
        actor="owner@example.com",
    )
    AttemptLog.objects.create(
        installation=dashboard.installation, code_typed="summer20", code="SUMMER20", checkout_id="Q2hlY2tvdXQ6OQ==",
        customer_email="carol@example.com", channel="default-channel", source="saleor",
        result=AttemptLog.Result.REJECTED, reason="expired", message="This code expired.",
    )
    dashboard.go("#/attempts")
    frame = dashboard.frame
    frame.locator("table.data tbody tr", has_text="carol@example.com").wait_for()
    dashboard.screenshot("attempts")

    # when
    frame.get_by_role("link", name="Diagnose summer20 for carol@example.com").click()

    # then: the diagnosis runs, prefilled, and answers in plain words with the fix
    verdict = frame.locator(".diagnosis .verdict")
    verdict.wait_for()
    assert frame.locator('[data-field="code"] input').input_value() == "summer20"
    assert frame.locator('[data-field="customer_email"] input').input_value() == "carol@example.com"
    assert verdict.inner_text() == "This code does not work for this customer, for one reason:"
    expired = frame.locator('.findings li[data-reason="expired"]').inner_text()
    assert "Summer sale" in expired and "extend its end date" in expired
    assert "Fix: Extend the end date" in expired
    dashboard.screenshot("diagnose")

    # when: a misspelt code
    frame.locator('[data-field="code"] input').fill("SUMER20")
    frame.locator('[data-field="customer_email"] input').fill("")
    frame.locator('[data-field="checkout_id"] input').fill("")
    frame.get_by_role("button", name="Diagnose").click()

    # then
    frame.locator('.findings li[data-reason="unknown_code"]', has_text="did the customer mean SUMMER20?").wait_for()


def test_analytics_and_disable_instead_of_delete(open_dashboard: Any) -> None:
    # given: a used coupon
    dashboard = open_dashboard(theme="light", locale="en")
    coupon = services.coupon_create(
        installation=dashboard.installation, data={"name": "Loyal", "rule": _percent("5"), "codes": ["LOYAL5"]},
        actor="owner@example.com",
    )
    code = Code.objects.get(code="LOYAL5")
    for i in range(3):
        services.redemption_record(
            installation=dashboard.installation, coupon=coupon, code=code, order_id=f"order-{i}",
            order_number=str(100 + i), customer_email=f"c{i}@example.com", amount=Decimal("4.00"), currency="USD",
        )
    frame = dashboard.frame

    # when
    dashboard.go("#/analytics")

    # then
    frame.get_by_role("heading", name="Redemptions per day").wait_for()
    assert frame.locator("svg.chart rect.bar:not(.alt)").count() == 30
    assert "$12.00" in frame.locator("svg.chart rect.bar.alt title").text_content()
    dashboard.screenshot("analytics")

    # when: deleting a used coupon
    dashboard.go(f"#/coupons/{coupon.pk}")
    frame.get_by_role("button", name="Delete").click()
    frame.get_by_role("dialog").get_by_role("button", name="Delete").click()

    # then: refused with the reason, and disabling is offered instead
    refused = frame.get_by_role("dialog")
    refused.get_by_text("This coupon cannot be deleted").wait_for()
    assert "used in 3 order(s)" in refused.inner_text()
    dashboard.screenshot("coupon-delete-refused")
    refused.get_by_role("button", name="Disable instead").click()
    frame.get_by_text("This coupon is disabled").wait_for()
    assert Coupon.objects.get().status == "disabled"


def test_create_a_customer_list_add_a_member_and_reserve_a_coupon_to_it(open_dashboard: Any) -> None:
    # given
    dashboard = open_dashboard(theme="light", locale="en")
    frame = dashboard.frame
    frame.get_by_role("heading", name="No coupons yet").wait_for()

    # when: the merchant opens Customer lists (empty) and creates one
    frame.get_by_role("link", name="Customer lists").click()
    frame.get_by_role("heading", name="No customer lists yet").wait_for()
    dashboard.screenshot("lists-empty")
    frame.get_by_role("button", name="Create list").first.click()
    frame.locator('[data-field="name"] input').fill("VIP customers")
    frame.locator('[data-field="description"] textarea').fill("Invited to the private sales")
    frame.locator('[data-field="name"] input').press("Enter")

    # then: the list's page opens, with its key
    frame.get_by_role("heading", name="VIP customers", exact=True).wait_for()
    assert "Key: vip-customers" in frame.locator(".page-header .subtitle").inner_text()
    vip = CustomerList.objects.get()
    assert (vip.key, vip.description) == ("vip-customers", "Invited to the private sales")

    # when: adding customers, one of them mistyped, with the keyboard only
    frame.locator('[data-field="members"] textarea').fill("Ann@Example.com\nbob@")
    frame.locator('[data-field="members"] textarea').focus()
    dashboard.page.keyboard.press("Tab")
    assert frame.evaluate("() => document.activeElement.textContent") == "Add to the list"
    dashboard.page.keyboard.press("Enter")

    # then: Ann is in, the bad line is named and left to correct
    frame.locator(".add-members .banner", has_text="1 added, 0 already in the list.").wait_for()
    assert "bob@ is not a valid e-mail address" in frame.locator(".add-members .banner").inner_text()
    assert frame.locator('[data-field="members"] textarea').input_value() == "bob@"
    frame.locator("table.data tbody tr", has_text="ann@example.com").wait_for()
    assert list(vip.members.values_list("email", flat=True)) == ["ann@example.com"]
    assert "1 member" in frame.locator(".page-header .subtitle").inner_text()
    dashboard.screenshot("list-members")

    # when: a coupon is reserved to the list in the coupon form (a choice, not free text)
    dashboard.go("#/coupons/new")
    frame.get_by_role("heading", name="Create coupon").wait_for()
    frame.locator('[data-field="name"] input').fill("Private sale")
    frame.locator('[data-field="codes"] textarea').fill("PRIVATE")
    frame.locator('[data-kind="percentage"] [data-field="rule.benefit.percent"] input').fill("20")
    frame.get_by_text("Customers", exact=True).click()
    frame.get_by_role("checkbox", name="VIP customers").check()
    dashboard.screenshot("coupon-form-customer-lists")
    frame.get_by_role("button", name="Create coupon").click()

    # then: the rule stores the list's key; the coupon page names the list
    frame.get_by_role("heading", name="Private sale").wait_for()
    assert Coupon.objects.get().rule["conditions"]["customer_groups"] == ["vip-customers"]
    assert "Lists: VIP customers" in frame.locator(".coupon-lists").inner_text()

    # and the list cannot be deleted while the coupon uses it
    frame.locator(".coupon-lists a").click()
    frame.get_by_role("button", name="Delete list").click()
    frame.get_by_role("dialog").get_by_role("button", name="Delete list").click()
    refused = frame.get_by_role("dialog")
    refused.get_by_text("This list cannot be deleted").wait_for()
    assert "Private sale" in refused.inner_text()
    dashboard.screenshot("list-delete-refused")
    dashboard.page.keyboard.press("Escape")
    assert CustomerList.objects.filter(pk=vip.pk).exists()


def test_an_expired_handshake_waits_for_the_token_refresh(open_dashboard: Any, saleor_standin: Any) -> None:
    # given: the Dashboard hands over a token that already expired (its refresh comes late)
    dashboard = open_dashboard(token=saleor_standin.issue_dashboard_jwt(expires_in=-10), theme="light")
    frame = dashboard.frame

    # then: the page says so plainly and loads nothing
    frame.get_by_text("Your Dashboard session expired").wait_for()
    assert frame.locator("table.data, .empty").count() == 0

    # when: tokenRefresh arrives, then the Dashboard switches to dark
    dashboard.send({"type": "tokenRefresh", "payload": {"token": saleor_standin.issue_dashboard_jwt()}})
    dashboard.send({"type": "theme", "payload": {"theme": "dark"}})

    # then: the held call is retried
    frame.get_by_role("heading", name="No coupons yet").wait_for()
    assert frame.locator("#session-notice").is_hidden()
    assert frame.evaluate("() => document.documentElement.dataset.theme") == "dark"


def test_a_user_without_the_permission_sees_a_plain_refusal(open_dashboard: Any, saleor_standin: Any) -> None:
    # given
    token = saleor_standin.issue_dashboard_jwt(user_permissions=("MANAGE_ORDERS",))

    # when
    dashboard = open_dashboard(token=token)

    # then
    dashboard.frame.get_by_text("lacks the MANAGE_DISCOUNTS permission").wait_for()
    dashboard.screenshot("no-permission")


def test_a_host_that_is_not_an_allowed_dashboard_cannot_frame_the_page(open_dashboard: Any) -> None:
    # given: the installation only allows its own Dashboard origin
    dashboard = open_dashboard()
    dashboard.installation.dashboard_origins = ["https://dashboard.example.com"]
    dashboard.installation.save(update_fields=["dashboard_origins"])

    # when
    dashboard.page.reload()
    dashboard.page.wait_for_function("() => window.appFrameLoaded === true")

    # then: Chromium refuses to render the app in the frame (CSP frame-ancestors)
    (host, child) = dashboard.page.frames
    assert child.url == "chrome-error://chromewebdata/"
    assert dashboard.actions() == []
    assert any("frame-ancestors https://dashboard.example.com" in line for line in dashboard.console)
    dashboard.console.clear()  # the refusal is the point of this test, not a page error
