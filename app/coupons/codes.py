"""Codes: the canonical form, validation, and bulk generation of unique codes in resumable chunks.

Generation: each chunk draws candidates with `secrets` (unbiased: bytes above the largest multiple of the
charset's length are dropped), inserts them skipping conflicts with any existing code of the installation
(PostgreSQL: COPY into a temporary table, then INSERT ... SELECT ... ON CONFLICT DO NOTHING; SQLite:
INSERT OR IGNORE), counts what landed and tops up. The batch's `generated` counter is written in the same
transaction as the chunk's rows, so a worker killed mid-way loses at most the chunk in flight and a re-run
resumes from what is stored; a batch never exceeds its count.
"""

from __future__ import annotations

import logging
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from app.core.errors import AppError
from app.coupons.models import DEFAULT_CHARSET, Code, CodeBatch
from app.engine import canonical_code

log = logging.getLogger("app.coupons")

MAX_CODE_LENGTH = 100
CHUNK_SIZE = 50_000
# The pattern's space must be this many times larger than the codes wanted: collisions stay rare, so
# generation stays fast and codes stay hard to guess.
SPACE_FACTOR = 10
_CODE_RE = re.compile(r"^[^\s,;]+$")


def canonical(code: str) -> str:
    """The stored form of a code: stripped, upper-case. Raises `AppError(invalid_code)` when unusable."""
    value = canonical_code(code or "")
    if not value:
        raise AppError("A code cannot be empty.", code="invalid_code")
    if len(value) > MAX_CODE_LENGTH:
        raise AppError(f"A code has at most {MAX_CODE_LENGTH} characters.", code="invalid_code", value=value)
    if not _CODE_RE.match(value):
        raise AppError(
            f"The code {value!r} contains a space, comma or semicolon: codes are one word.",
            code="invalid_code",
            value=value,
        )
    return value


@dataclass(frozen=True)
class Pattern:
    """`prefix` + pattern (each `#` drawn from `charset`, other characters kept) + `suffix`."""

    pattern: str
    prefix: str
    suffix: str
    charset: str

    @property
    def placeholders(self) -> int:
        return self.pattern.count("#")

    @property
    def space(self) -> int:
        return len(self.charset) ** self.placeholders

    def template(self) -> tuple[list[str], list[int]]:
        """Literal parts and run lengths: "AB-##-#" -> (["AB-", "-", ""], [2, 1])."""
        literals, runs, current, run = [], [], [], 0
        for char in self.pattern:
            if char == "#":
                run += 1
                continue
            if run:
                literals.append("".join(current))
                runs.append(run)
                current, run = [], 0
            current.append(char)
        if run:
            literals.append("".join(current))
            runs.append(run)
            current = []
        literals.append("".join(current))
        literals[0] = self.prefix + literals[0]
        literals[-1] = literals[-1] + self.suffix
        return literals, runs


def pattern_validate(*, pattern: str, prefix: str = "", suffix: str = "", charset: str = DEFAULT_CHARSET,
                     count: int) -> Pattern:
    """Check a batch's shape; every refusal says what to change."""
    charset = (charset or DEFAULT_CHARSET).strip().upper()
    prefix = (prefix or "").strip().upper()
    suffix = (suffix or "").strip().upper()
    pattern = (pattern or "").strip().upper()
    if count < 1:
        raise AppError("Generate at least one code.", code="invalid_count")
    if count > 10_000_000:
        raise AppError("At most 10,000,000 codes per batch.", code="invalid_count")
    if len(set(charset)) != len(charset):
        raise AppError("The charset repeats a character.", code="invalid_charset")
    if len(charset) < 2:
        raise AppError("The charset needs at least two characters.", code="invalid_charset")
    if "#" in charset or not _CODE_RE.match(charset):
        raise AppError("The charset may not contain '#', spaces, commas or semicolons.", code="invalid_charset")
    if "#" not in pattern:
        raise AppError('The pattern needs at least one "#" (a random character), e.g. "SUMMER-####-####".',
                       code="invalid_pattern")
    if "#" in prefix or "#" in suffix:
        raise AppError('Put "#" in the pattern, not in the prefix or suffix.', code="invalid_pattern")
    shape = Pattern(pattern=pattern, prefix=prefix, suffix=suffix, charset=charset)
    full = prefix + pattern + suffix
    if len(full) > MAX_CODE_LENGTH:
        raise AppError(f"Codes would be longer than {MAX_CODE_LENGTH} characters.", code="invalid_pattern")
    if not _CODE_RE.match(full):
        raise AppError("Codes may not contain spaces, commas or semicolons.", code="invalid_pattern")
    if shape.space < count * SPACE_FACTOR:
        needed = math.ceil(math.log(count * SPACE_FACTOR, len(charset)))
        raise AppError(
            f"The pattern {pattern!r} gives {shape.space:,} possible codes with this charset: too few for "
            f"{count:,} codes (it needs at least {SPACE_FACTOR}x more, so codes stay hard to guess and "
            f'generation fast). Use at least {needed} "#" characters.',
            code="pattern_too_small",
            possible=shape.space,
            placeholders_needed=needed,
        )
    return shape


def random_codes(shape: Pattern, n: int) -> set[str]:
    """`n` distinct random codes of `shape` (fewer only if the space is exhausted, which validation
    prevents)."""
    literals, runs = shape.template()
    width = shape.placeholders
    alphabet = shape.charset.encode()
    size = len(alphabet)
    limit = 256 - 256 % size  # bytes >= limit would bias the draw: dropped
    table = bytes(alphabet[b % size] for b in range(256))
    drop = bytes(range(limit, 256))
    out: set[str] = set()
    while len(out) < n:
        missing = n - len(out)
        raw = secrets.token_bytes(int(missing * width * 256 / limit) + width * 8)
        chars = raw.translate(table, drop).decode()
        usable = len(chars) // width
        if len(runs) == 1:
            head, tail = literals
            out.update(head + chars[i * width:(i + 1) * width] + tail for i in range(min(usable, missing)))
            continue
        for i in range(min(usable, missing)):
            chunk = chars[i * width:(i + 1) * width]
            parts, pos = [literals[0]], 0
            for run, literal in zip(runs, literals[1:], strict=True):
                parts.append(chunk[pos:pos + run])
                parts.append(literal)
                pos += run
            out.add("".join(parts))
    while len(out) > n:
        out.pop()
    return out


def _insert_postgresql(batch: CodeBatch, codes: set[str]) -> int:
    now = timezone.now()
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg 3 cursor: COPY is far faster than INSERT ... VALUES
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS coupons_codegen (code text) ON COMMIT DELETE ROWS")
        with cursor.copy("COPY coupons_codegen (code) FROM STDIN") as copy:
            copy.write("\n".join(codes) + "\n")
        cursor.execute(
            "INSERT INTO coupons_code (installation_id, coupon_id, code, kind, batch_id, assigned_customer,"
            " usage_limit, is_active, saleor_sync, created_at)"
            " SELECT %s, %s, code, %s, %s, '', %s, true, '', %s FROM coupons_codegen"
            " ON CONFLICT (installation_id, code) DO NOTHING",
            [batch.coupon.installation_id, batch.coupon_id, Code.Kind.UNIQUE, batch.pk, batch.uses_per_code, now],
        )
        inserted = cursor.rowcount
        cursor.execute("TRUNCATE coupons_codegen")
    return inserted


def _insert_generic(batch: CodeBatch, codes: set[str]) -> int:
    now = timezone.now()
    table = Code._meta.db_table
    params = [
        (batch.coupon.installation_id, batch.coupon_id, code, Code.Kind.UNIQUE, batch.pk, "",
         batch.uses_per_code, True, "", now)
        for code in codes
    ]
    with connection.cursor() as cursor:
        before = Code.objects.filter(batch=batch).count()
        cursor.executemany(
            f"INSERT OR IGNORE INTO {table} (installation_id, coupon_id, code, kind, batch_id, assigned_customer,"  # noqa: S608
            " usage_limit, is_active, saleor_sync, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            params,
        )
    return Code.objects.filter(batch=batch).count() - before


def insert_codes(batch: CodeBatch, codes: set[str]) -> int:
    """Insert candidate codes of `batch`, skipping any that exist; returns how many landed."""
    if not codes:
        return 0
    if connection.vendor == "postgresql":
        return _insert_postgresql(batch, codes)
    return _insert_generic(batch, codes)


def batch_generate(
    *,
    batch: CodeBatch,
    chunk_size: int = CHUNK_SIZE,
    max_chunks: int | None = None,
    on_progress: Callable[[CodeBatch], None] | None = None,
) -> CodeBatch:
    """Run (or resume) a batch until `count` codes are stored. `max_chunks` stops early (the batch stays
    `running`; calling again resumes). Each chunk commits its codes and the progress together."""
    shape = Pattern(pattern=batch.pattern, prefix=batch.prefix, suffix=batch.suffix, charset=batch.charset)
    with transaction.atomic():
        locked = CodeBatch.objects.select_for_update().select_related("coupon").get(pk=batch.pk)
        if locked.status == CodeBatch.Status.DONE:
            return locked
        # Resume from what is really stored (a killed chunk rolled back entirely).
        locked.generated = Code.objects.filter(batch=locked).count()
        locked.status = CodeBatch.Status.RUNNING
        locked.started_at = locked.started_at or timezone.now()
        locked.error = ""
        locked.save(update_fields=["generated", "status", "started_at", "error"])
    batch = locked
    chunks = 0
    stale_rounds = 0
    while batch.generated < batch.count:
        if max_chunks is not None and chunks >= max_chunks:
            return batch
        wanted = min(chunk_size, batch.count - batch.generated)
        with transaction.atomic():
            inserted = insert_codes(batch, random_codes(shape, wanted))
            batch.generated += inserted
            CodeBatch.objects.filter(pk=batch.pk).update(generated=batch.generated)
        chunks += 1
        stale_rounds = stale_rounds + 1 if inserted == 0 else 0
        if stale_rounds >= 20:
            # Only reachable when other codes of the installation fill the pattern's space.
            CodeBatch.objects.filter(pk=batch.pk).update(
                status=CodeBatch.Status.FAILED, finished_at=timezone.now(),
                error="No new code could be drawn: the pattern's space is exhausted; add '#' characters.",
            )
            batch.refresh_from_db()
            return batch
        if on_progress is not None:
            on_progress(batch)
        log.info("code batch chunk", extra={"batch": batch.pk, "generated": batch.generated, "count": batch.count})
    batch.status = CodeBatch.Status.DONE
    batch.finished_at = timezone.now()
    CodeBatch.objects.filter(pk=batch.pk).update(status=batch.status, finished_at=batch.finished_at)
    return batch
