"""The real Saleor schema, built once per process, and the helpers shared by the stand-in's parts."""

from __future__ import annotations

import base64
import json
import os
import threading
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from graphql import GraphQLSchema, build_schema


def _shared_saleor_dir() -> Path:
    """The steering repo's `shared/saleor`: $SHARED_DIR/saleor, else beside the checkout (`<repo>/../shared`, as
    CI lays it), else the workplace's /work/shared."""
    candidates = [Path(os.environ["SHARED_DIR"]) / "saleor"] if os.environ.get("SHARED_DIR") else []
    candidates += [Path(__file__).resolve().parents[3] / "shared" / "saleor", Path("/work/shared/saleor")]
    for candidate in candidates:
        if (candidate / "schema.graphql").exists():
            return candidate
    raise RuntimeError(f"shared/saleor/schema.graphql not found in {[str(c) for c in candidates]}")


SHARED_SALEOR_DIR = _shared_saleor_dir()
SCHEMA_PATH = SHARED_SALEOR_DIR / "schema.graphql"

SALEOR_VERSION = "3.23.28"
SCHEMA_VERSION = "3.23"

_schema: GraphQLSchema | None = None
_schema_lock = threading.Lock()


def get_schema() -> GraphQLSchema:
    """Saleor's schema, built on first use and cached for the process (building it takes ~1 s)."""
    global _schema
    with _schema_lock:
        if _schema is None:
            _schema = build_schema(SCHEMA_PATH.read_text())
        return _schema


# --- global ids -------------------------------------------------------------------------------------


def to_global_id(type_name: str, pk: Any) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def from_global_id(global_id: str) -> tuple[str, str]:
    """("Type", "pk"), or ("", "") when the id is not a Saleor global id."""
    try:
        raw = base64.b64decode(global_id.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return "", ""
    type_name, sep, pk = raw.partition(":")
    if not sep or not type_name or not pk:
        return "", ""
    return type_name, pk


# --- money, time, JSON ------------------------------------------------------------------------------

CENT = Decimal("0.01")


def quantize(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: Any) -> Decimal:
    """A PositiveDecimal/Decimal input (string, int or float on the wire) as a Decimal."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    amount = quantize(amount)
    return {
        "amount": amount,
        "currency": currency,
        "fractionalAmount": int(amount * 100),
        "fractionDigits": 2,
    }


def taxed_money(amount: Decimal, currency: str) -> dict[str, Any]:
    """Prices carry no tax in the stand-in: net = gross."""
    return {
        "currency": currency,
        "gross": money(amount, currency),
        "net": money(amount, currency),
        "tax": money(Decimal("0"), currency),
    }


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def parse_datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


class SaleorJSONEncoder(json.JSONEncoder):
    """Decimals as numbers, like Saleor's payloads (amounts are floats there)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return float(o)
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def dumps(data: Any) -> str:
    """JSON like Saleor's webhook bodies: ", " and ": " separators, Decimal → float."""
    return json.dumps(data, cls=SaleorJSONEncoder, separators=(", ", ": "))
