"""Operations the app uses, beyond the observed pricing rules."""

from __future__ import annotations

from decimal import Decimal

VOUCHER_UPDATE = """mutation M($id: ID!, $input: VoucherInput!) {
  voucherUpdate(id: $id, input: $input) { voucher { codes(first: 10) { edges { node { id code } } } }
    errors { field code voucherCodes } } }"""


def test_voucher_update_adds_codes_and_refuses_an_existing_one(saleor_standin):
    # given
    voucher_id = saleor_standin.staff.create_voucher(codes=["A"], value="10")
    saleor_standin.staff.create_voucher(codes=["TAKEN"], value="5")
    _app, token = saleor_standin.create_app()

    # when
    added = saleor_standin.graphql(VOUCHER_UPDATE, {"id": voucher_id, "input": {"addCodes": ["B"]}}, token=token)
    taken = saleor_standin.graphql(VOUCHER_UPDATE, {"id": voucher_id, "input": {"addCodes": ["TAKEN"]}},
                                   token=token)

    # then
    edges = added["data"]["voucherUpdate"]["voucher"]["codes"]["edges"]
    assert [e["node"]["code"] for e in edges] == ["A", "B"]
    assert taken["data"]["voucherUpdate"]["errors"] == [
        {"field": "codes", "code": "ALREADY_EXISTS", "voucherCodes": ["TAKEN"]}
    ]
    assert [c.code for c in saleor_standin.get_voucher(voucher_id).codes] == ["A", "B"]


def test_voucher_code_bulk_delete_removes_codes_and_the_checkout_drops_it_when_it_changes(saleor_standin):
    # given
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")
    voucher_id = saleor_standin.staff.create_voucher(codes=["GONE", "KEPT"], value="10")
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 1)])
    saleor_standin.storefront.add_promo_code(checkout["id"], "GONE")
    _app, token = saleor_standin.create_app()
    code_id = saleor_standin.get_voucher_code("GONE").global_id

    # when
    deleted = saleor_standin.graphql("mutation M($ids: [ID!]!) { voucherCodeBulkDelete(ids: $ids) { count "
                                     "errors { code } } }", {"ids": [code_id]}, token=token)
    cached = saleor_standin.storefront.checkout(checkout["id"])
    changed = saleor_standin.storefront.lines_add(checkout["id"], [(variant, 1)])

    # then
    assert deleted["data"]["voucherCodeBulkDelete"] == {"count": 1, "errors": []}
    assert [c.code for c in saleor_standin.get_voucher(voucher_id).codes] == ["KEPT"]
    assert cached["voucherCode"] == "GONE"
    assert changed["voucherCode"] is None
    assert Decimal(str(changed["totalPrice"]["gross"]["amount"])) == Decimal("20")


def test_checkout_complete_fails_when_the_voucher_vanished_in_the_meantime(saleor_standin):
    # given
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")
    voucher_id = saleor_standin.staff.create_voucher(codes=["SOON-GONE"], value="10")
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 1)])
    saleor_standin.storefront.add_promo_code(checkout["id"], "SOON-GONE")
    _app, token = saleor_standin.create_app()
    saleor_standin.graphql("mutation M($id: ID!) { voucherDelete(id: $id) { errors { code } } }",
                           {"id": voucher_id}, token=token)

    # when
    order, errors = saleor_standin.storefront.try_complete(checkout["id"])

    # then
    assert order is None
    assert [e["code"] for e in errors] == ["VOUCHER_NOT_APPLICABLE"]


def test_apply_once_per_order_discounts_only_the_cheapest_unit(saleor_standin):
    # given
    tee = saleor_standin.catalog.add_product(name="Tee", price="50.00")
    cap = saleor_standin.catalog.add_product(name="Cap", price="20.00")
    saleor_standin.staff.create_voucher(codes=["HALF"], value="50", applyOncePerOrder=True)
    checkout = saleor_standin.storefront.checkout_create(lines=[(tee, 1), (cap, 2)])

    # when
    checkout, _errors = saleor_standin.storefront.add_promo_code(checkout["id"], "HALF")

    # then
    assert checkout["discount"]["amount"] == 10.0
    assert checkout["totalPrice"]["gross"]["amount"] == 80.0


def test_customer_attach_needs_impersonate_user_for_an_app(saleor_standin):
    # given
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")
    customer = saleor_standin.catalog.add_customer("ann@example.com")
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 1)], email=None)
    _plain, plain_token = saleor_standin.create_app(name="Plain")
    _trusted, trusted_token = saleor_standin.create_app(name="Trusted", permissions=["IMPERSONATE_USER"])
    document = """mutation M($id: ID!, $customer: ID) { checkoutCustomerAttach(id: $id, customerId: $customer) {
      checkout { email } errors { code } } }"""
    variables = {"id": checkout["id"], "customer": customer.global_id}

    # when
    refused = saleor_standin.graphql(document, variables, token=plain_token)
    attached = saleor_standin.graphql(document, variables, token=trusted_token)

    # then
    assert refused["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert attached["data"]["checkoutCustomerAttach"] == {"checkout": {"email": "ann@example.com"}, "errors": []}
    assert saleor_standin.get_checkout(checkout["id"]).user is customer


def test_logged_in_customer_checkout_carries_the_user_into_the_order(saleor_standin):
    # given
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")
    customer = saleor_standin.catalog.add_customer("bob@example.com")
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 1)], email=None, user=customer)

    # when
    order = saleor_standin.storefront.complete(checkout["id"])

    # then
    details = saleor_standin.staff.order(order["id"])
    assert details["user"] == {"id": customer.global_id, "email": "bob@example.com"}
    assert details["userEmail"] == "bob@example.com"


def test_refund_fires_refunded_then_fully_refunded(saleor_standin, receiver):
    # given
    saleor_standin.create_app(webhooks=[{
        "name": "orders", "targetUrl": f"{receiver.url}/orders",
        "query": "subscription { event { __typename ... on OrderRefunded { order { totalRefunded { amount } } } "
                 "... on OrderFullyRefunded { order { id } } } }",
        "asyncEvents": ["ORDER_REFUNDED", "ORDER_FULLY_REFUNDED"],
    }])
    variant = saleor_standin.catalog.add_product(name="Tee", price="30.00")
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 1)])
    order = saleor_standin.storefront.complete(checkout["id"])
    saleor_standin.staff.mark_paid(order["id"])

    # when
    saleor_standin.staff.refund(order["id"], "10.00")
    saleor_standin.staff.refund(order["id"])

    # then
    bodies = [r.json for r in receiver.posts("/orders")]
    assert [b["__typename"] for b in bodies] == ["OrderRefunded", "OrderRefunded", "OrderFullyRefunded"]
    assert [b["order"]["totalRefunded"]["amount"] for b in bodies[:2]] == [10.0, 30.0]


def test_order_metadata_needs_manage_orders(saleor_standin):
    # given
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")
    order = saleor_standin.storefront.complete(
        saleor_standin.storefront.checkout_create(lines=[(variant, 1)])["id"]
    )
    _app, token = saleor_standin.create_app(permissions=["MANAGE_CHECKOUTS"])

    # when
    answer = saleor_standin.graphql(
        'mutation M($id: ID!) { updatePrivateMetadata(id: $id, input: [{key: "k", value: "v"}]) { errors { code } } }',
        {"id": order["id"]}, token=token,
    )

    # then
    assert answer["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert saleor_standin.get_order(order["id"]).meta.private == {}


def test_expired_price_cache_picks_up_a_new_voucher_value(saleor_standin):
    # given
    variant = saleor_standin.catalog.add_product(name="Tee", price="100.00")
    voucher_id = saleor_standin.staff.create_voucher(codes=["V"], value="10")
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 1)])
    saleor_standin.storefront.add_promo_code(checkout["id"], "V")
    saleor_standin.staff.set_voucher_listing(voucher_id, value="30")

    # when
    saleor_standin.expire_checkout_prices(checkout["id"])

    # then
    assert saleor_standin.storefront.checkout(checkout["id"])["totalPrice"]["gross"]["amount"] == 70.0


GIFT_CARD_CREATE = """mutation M($input: GiftCardCreateInput!) {
  giftCardCreate(input: $input) { giftCard { id } errors { field code } } }"""


def test_gift_card_assigned_to_a_customer_is_only_for_that_customer(saleor_standin):
    # given
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")
    ann = saleor_standin.catalog.add_customer("ann@example.com")
    _app, token = saleor_standin.create_app()
    saleor_standin.graphql(GIFT_CARD_CREATE, {"input": {
        "balance": {"amount": "5.00", "currency": "USD"}, "code": "ANN-CARD", "isActive": True,
        "assignedTo": ann.global_id}}, token=token)
    saleor_standin.graphql(GIFT_CARD_CREATE, {"input": {
        "balance": {"amount": "5.00", "currency": "USD"}, "code": "ANY-CARD", "isActive": True,
        "userEmail": "ann@example.com"}}, token=token)
    bobs = saleor_standin.storefront.checkout_create(lines=[(variant, 1)], email="bob@example.com")
    anns = saleor_standin.storefront.checkout_create(lines=[(variant, 1)], email="ann@example.com")

    # when
    _none, bob_errors = saleor_standin.storefront.add_promo_code(bobs["id"], "ANN-CARD")
    _checkout, bob_any_errors = saleor_standin.storefront.add_promo_code(bobs["id"], "ANY-CARD")
    ann_checkout, ann_errors = saleor_standin.storefront.add_promo_code(anns["id"], "ANN-CARD")

    # then
    assert [e["code"] for e in bob_errors] == ["INVALID"]
    assert bob_any_errors == []
    assert ann_errors == []
    assert ann_checkout["totalPrice"]["gross"]["amount"] == 5.0


def test_gift_card_code_reuse_is_already_exists(saleor_standin):
    # given
    _app, token = saleor_standin.create_app()
    card = {"balance": {"amount": "5.00", "currency": "USD"}, "code": "CARD-1", "isActive": True}
    saleor_standin.graphql(GIFT_CARD_CREATE, {"input": card}, token=token)

    # when
    again = saleor_standin.graphql(GIFT_CARD_CREATE, {"input": card}, token=token)

    # then
    assert again["data"]["giftCardCreate"] == {"giftCard": None, "errors": [{"field": "code",
                                                                              "code": "ALREADY_EXISTS"}]}
