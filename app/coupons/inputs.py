"""What the Dashboard posts to create or edit a coupon: `CouponInput`, validated from JSON with clear errors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.core.errors import AppError
from app.engine import Rule

# Rule fields the coupon owns: the engine rule's id, name and enabled flag come from the coupon row.
_COUPON_OWNED = ("id", "name", "enabled")


class CouponInput(BaseModel):
    """A coupon as the merchant describes it.

    `rule` is the engine rule (see `app.engine.rules.Rule`) without `id` / `name` / `enabled`, e.g.
    `{"benefit": {"kind": "percentage", "percent": "10", "apply_to": "order"},
      "conditions": {"channels": ["default-channel"], "first_order_only": true}}`.
    `codes` are shared ("static") codes; on edit they are the full list: new ones are added, missing ones
    deactivated (codes with redemptions are kept for the history). Unique codes come from batches.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=255)
    description: str = Field(default="", max_length=5000)
    rule: dict[str, Any]
    usage_limit: int | None = Field(default=None, ge=1)
    usage_limit_per_customer: int | None = Field(default=None, ge=1)
    # None on edit: leave the static codes as they are.
    codes: list[str] | None = None
    status: Literal["active", "disabled"] = "active"

    @field_validator("rule")
    @classmethod
    def _valid_rule(cls, value: dict[str, Any]) -> dict[str, Any]:
        data = {k: v for k, v in value.items() if k not in _COUPON_OWNED}
        rule = Rule.model_validate({**data, "id": "new"})
        dumped = rule.model_dump(mode="json")
        for key in _COUPON_OWNED:
            dumped.pop(key, None)
        return dumped

    @field_validator("codes")
    @classmethod
    def _codes(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        from app.coupons.codes import canonical

        seen: list[str] = []
        for raw in value:
            try:
                code = canonical(raw)
            except AppError as exc:
                raise ValueError(exc.message) from exc
            if code in seen:
                raise ValueError(f"the code {code} is listed twice (codes are case-insensitive)")
            seen.append(code)
        return seen

    @model_validator(mode="after")
    def _codes_need_code_rule(self) -> CouponInput:
        if self.codes and not self.rule.get("requires_code", True):
            raise ValueError("an automatic coupon (rule.requires_code false) has no codes")
        return self

    def engine_rule(self, rule_id: str) -> Rule:
        return Rule.model_validate({**self.rule, "id": rule_id, "name": self.name})


def _loc(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error.get("loc", ())) or "(body)"


def coupon_input_parse(data: CouponInput | dict[str, Any] | str | bytes) -> CouponInput:
    """Validate `data` (a dict or JSON text); raises `AppError("invalid_coupon")` listing every problem."""
    if isinstance(data, CouponInput):
        return data
    try:
        if isinstance(data, str | bytes):
            return CouponInput.model_validate_json(data)
        return CouponInput.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"field": _loc(e), "message": str(e.get("msg", "")).removeprefix("Value error, ")}
            for e in exc.errors(include_url=False)
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise AppError(f"The coupon is not valid: {summary}", code="invalid_coupon", errors=errors) from exc
