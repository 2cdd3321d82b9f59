"""What the real Saleor 3.23.28 did (PROTOCOL.md "Observed"), reproduced by the stand-in."""

from __future__ import annotations

from decimal import Decimal

import pytest


def amount(money: dict) -> Decimal:
    return Decimal(str(money["amount"])).quantize(Decimal("0.01"))


def gross(taxed: dict) -> Decimal:
    return amount(taxed["gross"])


@pytest.fixture
def shop(saleor_standin):
    """Two products at 50.00 and 35.00 in the default channel."""
    catalog = saleor_standin.catalog
    tee = catalog.add_product(name="Tee", price="50.00", category="Shirts", collections=["Summer"])
    cap = catalog.add_product(name="Cap", price="35.00", category="Hats")
    return saleor_standin, tee, cap


def test_codes_are_case_sensitive(shop):
    # given
    standin, tee, cap = shop
    standin.staff.create_voucher(codes=["WELCOME10"], value="10")
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)])

    # when
    _checkout, errors = standin.storefront.add_promo_code(checkout["id"], "welcome10")

    # then
    assert [(e["field"], e["code"]) for e in errors] == [("promoCode", "INVALID")]


def test_lower_case_code_is_another_code_and_reuse_is_already_exists(shop):
    # given
    standin, _tee, _cap = shop
    standin.staff.create_voucher(codes=["WELCOME10"], value="10")
    _app, token = standin.create_app()
    document = """mutation M($input: VoucherInput!) {
      voucherCreate(input: $input) { voucher { id } errors { field code voucherCodes } } }"""

    # when
    lower = standin.graphql(document, {"input": {"name": "L", "addCodes": ["welcome10"]}}, token=token)
    again = standin.graphql(document, {"input": {"name": "A", "addCodes": ["WELCOME10"]}}, token=token)

    # then
    assert lower["data"]["voucherCreate"]["errors"] == []
    assert again["data"]["voucherCreate"] == {
        "voucher": None,
        "errors": [{"field": "codes", "code": "ALREADY_EXISTS", "voucherCodes": ["WELCOME10"]}],
    }


def test_entire_order_percentage_is_split_across_lines(shop):
    # given
    standin, tee, cap = shop
    standin.staff.create_voucher(codes=["TEN"], value="10")
    checkout = standin.storefront.checkout_create(lines=[(tee, 1), (cap, 1)])

    # when
    checkout, errors = standin.storefront.add_promo_code(checkout["id"], "TEN")

    # then
    assert errors == []
    assert [gross(line["totalPrice"]) for line in checkout["lines"]] == [Decimal("45.00"), Decimal("31.50")]
    assert amount(checkout["discount"]) == Decimal("8.50")
    assert gross(checkout["subtotalPrice"]) == Decimal("76.50")


def test_entire_order_fixed_is_spread_in_proportion(shop):
    # given
    standin, tee, cap = shop
    standin.staff.create_voucher(codes=["FIVE"], value="17.00", value_type="FIXED")
    checkout = standin.storefront.checkout_create(lines=[(tee, 1), (cap, 1)])

    # when
    checkout, _errors = standin.storefront.add_promo_code(checkout["id"], "FIVE")

    # then
    assert [gross(line["totalPrice"]) for line in checkout["lines"]] == [Decimal("40.00"), Decimal("28.00")]
    assert gross(checkout["totalPrice"]) == Decimal("68.00")


def test_specific_product_fixed_applies_per_unit(shop):
    # given
    standin, tee, cap = shop
    standin.staff.create_voucher(codes=["TEE735"], value="7.35", value_type="FIXED", type="SPECIFIC_PRODUCT",
                                 products=[standin.catalog.product_id(tee)])
    checkout = standin.storefront.checkout_create(lines=[(tee, 2), (cap, 1)])

    # when
    checkout, _errors = standin.storefront.add_promo_code(checkout["id"], "TEE735")

    # then
    assert amount(checkout["discount"]) == Decimal("14.70")
    assert [gross(line["totalPrice"]) for line in checkout["lines"]] == [Decimal("85.30"), Decimal("35.00")]


def test_shipping_voucher_is_not_applicable_until_a_delivery_method_is_set(shop):
    # given
    standin, tee, _cap = shop
    standin.staff.create_voucher(codes=["FREESHIP"], value="100", type="SHIPPING")
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)])

    # when
    _none, before = standin.storefront.add_promo_code(checkout["id"], "FREESHIP")
    standin.storefront.set_delivery_method(checkout["id"])
    after_checkout, after = standin.storefront.add_promo_code(checkout["id"], "FREESHIP")

    # then
    assert [e["code"] for e in before] == ["VOUCHER_NOT_APPLICABLE"]
    assert after == []
    assert gross(after_checkout["shippingPrice"]) == Decimal("0.00")
    assert gross(after_checkout["totalPrice"]) == Decimal("50.00")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"min_spent": "100.00"}, "VOUCHER_NOT_APPLICABLE", id="min-spent-not-met"),
        pytest.param({"startDate": "2999-01-01T00:00:00+00:00"}, "INVALID", id="starts-in-the-future"),
        pytest.param({"startDate": "2000-01-01T00:00:00+00:00", "endDate": "2001-01-01T00:00:00+00:00"},
                     "INVALID", id="ended"),
        pytest.param({"channel": "channel-eur"}, "INVALID", id="not-listed-in-the-channel"),
    ],
)
def test_voucher_refusals(shop, fields, expected):
    # given
    standin, tee, _cap = shop
    standin.staff.create_voucher(codes=["CODE"], value="10", **fields)
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)])

    # when
    result, errors = standin.storefront.add_promo_code(checkout["id"], "CODE")

    # then
    assert result is None
    assert [e["code"] for e in errors] == [expected]


def test_second_code_silently_replaces_the_first(shop):
    # given
    standin, tee, _cap = shop
    standin.staff.create_voucher(codes=["FIRST"], value="10")
    standin.staff.create_voucher(codes=["SECOND"], value="20")
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)])
    standin.storefront.add_promo_code(checkout["id"], "FIRST")

    # when
    checkout, errors = standin.storefront.add_promo_code(checkout["id"], "SECOND")

    # then
    assert errors == []
    assert checkout["voucherCode"] == "SECOND"
    assert gross(checkout["totalPrice"]) == Decimal("40.00")


def test_prices_are_cached_until_the_checkout_changes(shop):
    # given
    standin, tee, cap = shop
    voucher_id = standin.staff.create_voucher(codes=["TEN"], value="10")
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)])
    standin.storefront.add_promo_code(checkout["id"], "TEN")

    # when
    standin.staff.set_voucher_listing(voucher_id, value="50")
    cached = standin.storefront.checkout(checkout["id"])
    changed = standin.storefront.lines_add(checkout["id"], [(cap, 1)])

    # then
    assert gross(cached["totalPrice"]) == Decimal("45.00")
    assert gross(changed["totalPrice"]) == Decimal("42.50")


def test_checkout_complete_uses_the_cached_discount(shop):
    # given
    standin, tee, _cap = shop
    voucher_id = standin.staff.create_voucher(codes=["TEN"], value="10")
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)])
    standin.storefront.add_promo_code(checkout["id"], "TEN")
    standin.staff.set_voucher_listing(voucher_id, value="50")

    # when
    order = standin.storefront.complete(checkout["id"])

    # then
    assert gross(order["total"]) == Decimal("45.00")
    assert order["checkoutId"] == checkout["id"]
    assert standin.storefront.checkout(checkout["id"]) is None


def test_usage_counts_and_single_use_code_is_spent_and_not_given_back_on_cancel(shop):
    # given
    standin, tee, _cap = shop
    standin.staff.create_voucher(codes=["ONCE"], value="10", singleUse=True)
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)])
    standin.storefront.add_promo_code(checkout["id"], "ONCE")
    order = standin.storefront.complete(checkout["id"])

    # when
    standin.staff.cancel(order["id"])
    another = standin.storefront.checkout_create(lines=[(tee, 1)])
    _none, errors = standin.storefront.add_promo_code(another["id"], "ONCE")

    # then
    code = standin.state.voucher_code("ONCE")
    assert (code.used, code.is_active, code.voucher.used) == (1, False, 1)
    assert [e["code"] for e in errors] == ["INVALID"]


def test_once_per_customer_is_keyed_on_email(shop):
    # given
    standin, tee, _cap = shop
    standin.staff.create_voucher(codes=["HELLO"], value="10", applyOncePerCustomer=True)
    first = standin.storefront.checkout_create(lines=[(tee, 1)], email="ann@example.com")
    standin.storefront.add_promo_code(first["id"], "HELLO")
    standin.storefront.complete(first["id"])

    # when
    same = standin.storefront.checkout_create(lines=[(tee, 1)], email="ann@example.com")
    other = standin.storefront.checkout_create(lines=[(tee, 1)], email="bob@example.com")
    _none, same_errors = standin.storefront.add_promo_code(same["id"], "HELLO")
    _checkout, other_errors = standin.storefront.add_promo_code(other["id"], "HELLO")

    # then
    assert [e["code"] for e in same_errors] == ["VOUCHER_NOT_APPLICABLE"]
    assert other_errors == []


def test_any_voucher_switches_order_promotions_off(saleor_standin):
    # given
    standin = saleor_standin
    variant = standin.catalog.add_product(name="Bundle", price="85.00")
    standin.staff.create_order_promotion(name="Five percent", percentage="5", min_subtotal="50")
    standin.staff.create_voucher(codes=["ONE"], value="1.00", value_type="FIXED")
    checkout = standin.storefront.checkout_create(lines=[(variant, 1)])

    # when
    with_promotion = standin.storefront.checkout(checkout["id"])
    with_voucher, _errors = standin.storefront.add_promo_code(checkout["id"], "ONE")

    # then
    assert gross(with_promotion["totalPrice"]) == Decimal("80.75")
    assert gross(with_voucher["totalPrice"]) == Decimal("84.00")


def test_catalogue_promotion_stacks_with_a_voucher(shop):
    # given
    standin, tee, _cap = shop
    standin.staff.create_catalogue_promotion(name="Tee sale", percentage="20", variant_ids=[tee])
    standin.staff.create_voucher(codes=["TEN"], value="10")
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)])

    # when
    checkout, _errors = standin.storefront.add_promo_code(checkout["id"], "TEN")

    # then
    line = checkout["lines"][0]
    assert amount(line["undiscountedUnitPrice"]) == Decimal("50.00")
    assert gross(checkout["totalPrice"]) == Decimal("36.00")


def test_gift_card_lowers_the_total_not_the_subtotal_and_sits_beside_a_voucher(shop):
    # given
    standin, tee, _cap = shop
    _app, token = standin.create_app()
    created = standin.graphql(
        """mutation { giftCardCreate(input: {balance: {amount: "20.00", currency: "USD"}, code: "GIFT-0001",
        isActive: true, userEmail: "ann@example.com"}) { giftCard { id code } errors { code } } }""",
        token=token,
    )
    standin.staff.create_voucher(codes=["TEN"], value="10")
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)])
    standin.storefront.add_promo_code(checkout["id"], "TEN")

    # when
    checkout, errors = standin.storefront.add_promo_code(checkout["id"], "GIFT-0001")
    order = standin.storefront.complete(checkout["id"])

    # then
    assert created["data"]["giftCardCreate"]["errors"] == []
    assert errors == []
    assert checkout["voucherCode"] == "TEN"
    assert gross(checkout["subtotalPrice"]) == Decimal("45.00")
    assert gross(checkout["totalPrice"]) == Decimal("25.00")
    assert gross(order["total"]) == Decimal("25.00")
    assert standin.state.gift_card_by_code("GIFT-0001").current_balance == Decimal("0.00")


def test_removed_voucher_code_is_dropped_at_the_next_change(shop):
    # given
    standin, tee, cap = shop
    standin.staff.create_voucher(codes=["TEN"], value="10", min_spent="60.00")
    checkout = standin.storefront.checkout_create(lines=[(tee, 1), (cap, 1)])
    standin.storefront.add_promo_code(checkout["id"], "TEN")

    # when
    tee_line = checkout["lines"][0]["id"]
    changed = standin.storefront.lines_update(checkout["id"], [{"lineId": tee_line, "quantity": 0}])

    # then
    assert changed["voucherCode"] is None
    assert gross(changed["totalPrice"]) == Decimal("35.00")
