"""Coupons, codes, batches, redemptions, the attempts log and the per-checkout write-back state.

Everything is scoped per `Installation` (several Saleors share one deployment). Codes are stored in their
canonical form (stripped, upper-case) and are unique per installation. Usage is counted from `Redemption`
rows (never from a mutable counter); caps are enforced under a row lock on the Code / Coupon row.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from app.saleor.models import Installation

# The default charset of generated codes: no look-alikes (no I, O, 0, 1).
DEFAULT_CHARSET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class Coupon(models.Model):
    """A merchant's coupon: merchant fields + the engine rule (JSON) + caps + the Saleor mirror state."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        DISABLED = "disabled"

    class Mirror(models.TextChoices):
        # Saleor cannot express this rule as a voucher: the app alone enforces it (app codes only).
        NOT_EXPRESSIBLE = "not_expressible"
        # A write to Saleor is queued in the outbox (creating / updating the voucher, pushing codes).
        PENDING = "pending"
        # Saleor's voucher matches the coupon's current version.
        SYNCED = "synced"
        # Saleor refused the write (mutation errors): see mirror_error.
        FAILED = "failed"

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="coupons")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    # The engine rule as JSON (`app.engine.Rule.model_dump(mode="json")`); its `id` is replaced by the pk.
    rule = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Copied from rule.requires_code: automatic coupons apply without a code (loaded on every checkout).
    is_automatic = models.BooleanField(default=False)
    # Caps over all codes of the coupon (None = unlimited).
    usage_limit = models.PositiveIntegerField(null=True, blank=True)
    usage_limit_per_customer = models.PositiveIntegerField(null=True, blank=True)
    # Copied from the rule's date window, for filtering by validity.
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    # Optimistic concurrency for merchant edits: incremented on every change.
    version = models.PositiveIntegerField(default=1)

    mirror_state = models.CharField(max_length=20, choices=Mirror.choices, default=Mirror.PENDING)
    mirror_error = models.TextField(blank=True, default="")
    saleor_voucher_id = models.CharField(max_length=255, blank=True, default="")
    # The coupon version Saleor's voucher reflects.
    mirrored_version = models.PositiveIntegerField(default=0)
    # A code push (voucherUpdate addCodes) is queued: pushes run one at a time per coupon.
    push_in_flight = models.BooleanField(default=False)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["installation", "status"], name="coupon_inst_status_idx"),
            models.Index(fields=["installation", "name"], name="coupon_inst_name_idx"),
            models.Index(fields=["installation", "is_automatic", "status"], name="coupon_inst_auto_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class CouponRevision(models.Model):
    """History of edits: who (Dashboard user e-mail), when, and the before / after of what changed."""

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    actor = models.CharField(max_length=255, blank=True, default="")
    action = models.CharField(max_length=20)  # created, updated, disabled, enabled, usage_cancelled
    # {field: {"before": ..., "after": ...}} for the fields that changed.
    changes = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


class CodeBatch(models.Model):
    """A bulk generation of unique codes, run as a resumable job in chunks."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="batches")
    count = models.PositiveIntegerField()
    pattern = models.CharField(max_length=100)
    prefix = models.CharField(max_length=50, blank=True, default="")
    suffix = models.CharField(max_length=50, blank=True, default="")
    charset = models.CharField(max_length=100, default=DEFAULT_CHARSET)
    # How many times each generated code may be used (unique codes: once).
    uses_per_code = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Codes of this batch stored so far; persisted after each chunk (the progress, and the resume point).
    generated = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    @property
    def progress(self) -> float:
        return 1.0 if self.count == 0 else min(self.generated / self.count, 1.0)


class Code(models.Model):
    """A code shoppers type. `code` is canonical (stripped, upper-case) and unique per installation."""

    class Kind(models.TextChoices):
        STATIC = "static"  # shared by anyone it is given to ("SUMMER20")
        UNIQUE = "unique"  # generated, usually single-use, optionally assigned to one customer

    # No separate FK indexes: the unique (installation, code) and (coupon, saleor_sync) indexes lead with them,
    # and every index costs time when a million codes are generated.
    installation = models.ForeignKey(
        Installation, on_delete=models.CASCADE, related_name="codes", db_index=False
    )
    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="codes", db_index=False)
    code = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STATIC)
    batch = models.ForeignKey(CodeBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="codes")
    # A Saleor user id or an e-mail (lower-case): only that customer may use the code.
    assigned_customer = models.CharField(max_length=255, blank=True, default="")
    # Uses of this code over all customers (None = only the coupon's caps apply).
    usage_limit = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Whether the code exists in the mirrored Saleor voucher: "" not yet, "pushed", or "conflict" (Saleor
    # already holds this code in another voucher: it only works through the app's storefront API).
    saleor_sync = models.CharField(max_length=10, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["installation", "code"], name="code_unique_per_installation"),
        ]
        indexes = [
            models.Index(fields=["coupon", "saleor_sync"], name="code_coupon_push_idx"),
            models.Index(fields=["installation", "assigned_customer"], name="code_inst_assigned_idx"),
        ]

    def __str__(self) -> str:
        return self.code


class Redemption(models.Model):
    """One use of a coupon by an order. Active until the order is cancelled / refunded (or the merchant
    cancels the usage). Counted for the caps while active."""

    class State(models.TextChoices):
        ACTIVE = "active"
        RELEASED = "released"

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="redemptions")
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    code = models.ForeignKey(Code, on_delete=models.PROTECT, null=True, blank=True, related_name="redemptions")
    # The code as Saleor carried it on the order (a merchant code, or the APP- code that combined it).
    order_code = models.CharField(max_length=100, blank=True, default="")
    customer_id = models.CharField(max_length=255, blank=True, default="")
    customer_email = models.CharField(max_length=255, blank=True, default="")
    order_id = models.CharField(max_length=255)
    order_number = models.CharField(max_length=50, blank=True, default="")
    checkout_id = models.CharField(max_length=255, blank=True, default="")
    amount = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    # cancelled, refunded, merchant (cancel one usage)
    release_reason = models.CharField(max_length=20, blank=True, default="")
    released_by = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["installation", "order_id", "coupon"], name="redemption_once_per_order"),
        ]
        indexes = [
            models.Index(fields=["coupon", "state"], name="redemption_coupon_state_idx"),
            models.Index(fields=["code", "state"], name="redemption_code_state_idx"),
            models.Index(fields=["installation", "customer_email"], name="redemption_inst_email_idx"),
            models.Index(fields=["installation", "created_at"], name="redemption_inst_created_idx"),
        ]


class AttemptLog(models.Model):
    """Every code a shopper tried, with the result and reason: "my coupon doesn't work" answered with facts."""

    class Result(models.TextChoices):
        APPLIED = "applied"
        REJECTED = "rejected"
        UNKNOWN = "unknown"  # no such code in the app

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="attempts")
    code_typed = models.CharField(max_length=255)
    code = models.CharField(max_length=255)  # canonical
    checkout_id = models.CharField(max_length=255, blank=True, default="")
    customer_id = models.CharField(max_length=255, blank=True, default="")
    customer_email = models.CharField(max_length=255, blank=True, default="")
    channel = models.CharField(max_length=100, blank=True, default="")
    source = models.CharField(max_length=20, blank=True, default="")  # saleor (voucherCode) or storefront
    result = models.CharField(max_length=10, choices=Result.choices)
    reason = models.CharField(max_length=64, blank=True, default="")
    message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["installation", "created_at"], name="attempt_inst_created_idx"),
            models.Index(fields=["installation", "code"], name="attempt_inst_code_idx"),
            models.Index(fields=["installation", "checkout_id"], name="attempt_inst_checkout_idx"),
            models.Index(fields=["installation", "customer_email"], name="attempt_inst_email_idx"),
            models.Index(fields=["created_at"], name="attempt_created_idx"),
        ]


class CheckoutState(models.Model):
    """What the app knows about one Saleor checkout: codes entered through the storefront API, the last
    outcome it wrote back (hash, so an unchanged checkout causes no write) and the last result per code."""

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="checkout_states")
    checkout_id = models.CharField(max_length=255)
    # [{"code": canonical, "typed": as typed}] entered through the app's storefront API.
    entered_codes = models.JSONField(default=list)
    # {canonical code: {"result": ..., "reason": ...}}: the attempts log is written only on change.
    last_results = models.JSONField(default=dict)
    outcome_hash = models.CharField(max_length=64, blank=True, default="")
    # The last verdicts (for the storefront API GET): [{"code", "applied", "reason", "amount"}].
    verdicts = models.JSONField(default=list)
    # The code the app last put on the checkout (an APP- code, or a merchant code applied for the shopper),
    # and when: a later event without it means the shopper removed it.
    applied_code = models.CharField(max_length=100, blank=True, default="")
    applied_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=100, blank=True, default="")
    currency = models.CharField(max_length=3, blank=True, default="")
    customer_id = models.CharField(max_length=255, blank=True, default="")
    customer_email = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["installation", "checkout_id"], name="checkout_state_unique"),
        ]


class CheckoutVoucher(models.Model):
    """A single-use app voucher (`APP-...`) carrying the combined amount for one checkout."""

    class State(models.TextChoices):
        PENDING = "pending"  # voucherCreate queued
        ACTIVE = "active"  # exists in Saleor, applied (or being applied) to the checkout
        RETIRED = "retired"  # replaced / checkout gone or completed: deletion queued or done

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="checkout_vouchers")
    checkout_id = models.CharField(max_length=255)
    code = models.CharField(max_length=100)
    saleor_voucher_id = models.CharField(max_length=255, blank=True, default="")
    amount = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3)
    channel = models.CharField(max_length=100)
    # [{"code": canonical merchant code or "", "coupon_id": int, "amount": "12.50"}]
    sources = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    deleted_in_saleor = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["installation", "code"], name="checkout_voucher_code_unique"),
        ]
        indexes = [
            models.Index(fields=["installation", "checkout_id"], name="cv_inst_checkout_idx"),
            models.Index(fields=["state", "created_at"], name="cv_state_created_idx"),
        ]


class KnownOrder(models.Model):
    """Orders the app has seen (ORDER_CREATED), for "first order only". Orders placed before the app was
    installed are unknown to it."""

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="known_orders")
    order_id = models.CharField(max_length=255)
    number = models.CharField(max_length=50, blank=True, default="")
    checkout_id = models.CharField(max_length=255, blank=True, default="")
    customer_id = models.CharField(max_length=255, blank=True, default="")
    customer_email = models.CharField(max_length=255, blank=True, default="")
    voucher_code = models.CharField(max_length=100, blank=True, default="")
    is_cancelled = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["installation", "order_id"], name="known_order_unique"),
        ]
        indexes = [
            models.Index(fields=["installation", "customer_email"], name="ko_inst_email_idx"),
            models.Index(fields=["installation", "customer_id"], name="ko_inst_customer_idx"),
        ]


class KnownCustomer(models.Model):
    """Saleor customers the app has seen (CUSTOMER_CREATED / UPDATED): links a user id to its e-mail, so a
    code assigned to an e-mail is recognised on a logged-in checkout and the other way round."""

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="known_customers")
    user_id = models.CharField(max_length=255)
    email = models.CharField(max_length=255, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["installation", "user_id"], name="known_customer_unique"),
        ]
        indexes = [models.Index(fields=["installation", "email"], name="kc_inst_email_idx")]


class SaleorChannel(models.Model):
    """Saleor's channels (slug -> id, currency), read when a channel listing needs an id."""

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="coupon_channels")
    slug = models.CharField(max_length=255)
    channel_id = models.CharField(max_length=255)
    currency = models.CharField(max_length=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["installation", "slug"], name="saleor_channel_unique")]


class CustomerList(models.Model):
    """A merchant's list of customers (VIPs, newsletter subscribers, staff...). Rules name lists by `key` in
    `conditions.customer_groups`: a stable slug made from the first name, unique per installation, that
    never changes (renaming a list keeps every coupon that uses it working)."""

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="customer_lists")
    key = models.CharField(max_length=100)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["installation", "key"], name="customer_list_key_unique"),
            models.UniqueConstraint(F("installation"), Lower("name"), name="customer_list_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class CustomerListMember(models.Model):
    """One customer of a list: a lower-case e-mail and/or a Saleor user id (at least one), each unique per
    list. `installation` is copied from the list so that "which lists is this customer in?" is one indexed
    query on (installation, email) / (installation, user_id)."""

    customer_list = models.ForeignKey(CustomerList, on_delete=models.CASCADE, related_name="members",
                                      db_index=False)
    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="customer_list_members",
                                     db_index=False)
    email = models.CharField(max_length=254, blank=True, default="")
    user_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer_list", "email"], condition=~Q(email=""),
                                    name="customer_list_member_email_unique"),
            models.UniqueConstraint(fields=["customer_list", "user_id"], condition=~Q(user_id=""),
                                    name="customer_list_member_user_unique"),
            models.CheckConstraint(condition=~Q(email="") | ~Q(user_id=""), name="customer_list_member_who"),
        ]
        indexes = [
            models.Index(fields=["installation", "email"], name="clm_inst_email_idx"),
            models.Index(fields=["installation", "user_id"], name="clm_inst_user_idx"),
            models.Index(fields=["customer_list", "id"], name="clm_list_id_idx"),
        ]


ACTIVE_REDEMPTION = Q(state=Redemption.State.ACTIVE)
