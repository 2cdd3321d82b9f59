"""The registry of the Dashboard page's sections (Coupons now; Loyalty, Recovery later).

A section is an ES module under some app's ``static/`` whose default export receives the frame and
registers its navigation entries and client-side routes; its JSON API lives under ``/api/dashboard/...``
and is protected with ``@dashboard_api(permission=...)``. To add one, call ``register_section`` from the
owning Django app's ``AppConfig.ready``::

    register_section(Section(key="loyalty", module="loyalty/dashboard/index.js", permission="MANAGE_USERS", order=20))
"""

from __future__ import annotations

from dataclasses import dataclass

from django.templatetags.static import static


@dataclass(frozen=True)
class Section:
    key: str
    # Path of the ES module under STATIC_URL.
    module: str
    # The Saleor permission the section's pages need (the page shows a plain refusal without it).
    permission: str | None = None
    order: int = 100


_SECTIONS: dict[str, Section] = {}


def register_section(section: Section) -> None:
    existing = _SECTIONS.get(section.key)
    if existing is not None and existing != section:
        raise RuntimeError(f"dashboard section {section.key!r} registered twice")
    _SECTIONS[section.key] = section


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def sections_config() -> list[dict[str, str | None]]:
    """What the shell renders into the page: each section's module URL and permission."""
    return [
        {"key": s.key, "module": static(s.module), "permission": s.permission} for s in sections()
    ]


register_section(
    Section(key="coupons", module="dashboard/sections/coupons/index.js", permission="MANAGE_DISCOUNTS", order=10)
)
