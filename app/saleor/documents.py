"""GraphQL documents live in `.graphql` files: `<django app>/graphql/*.graphql` and `webhooks/*.graphql`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from django.conf import settings


def resolve(path: str) -> Path:
    """The file of a document path relative to the repository root (must stay inside it, end in .graphql)."""
    root = Path(settings.BASE_DIR).resolve()
    file = (root / path).resolve()
    if file.suffix != ".graphql" or not file.is_relative_to(root):
        raise ValueError(f"not a .graphql document inside the project: {path!r}")
    return file


@lru_cache(maxsize=256)
def load(path: str) -> str:
    """The text of a `.graphql` document, path relative to the repo root (e.g. "app/saleor/graphql/app_id.graphql")."""
    return resolve(path).read_text(encoding="utf-8")


_SKIP_DIRS = frozenset({".venv", "venv", "node_modules", ".git", "var", "__pycache__"})


def all_paths() -> list[str]:
    """Every `.graphql` document of the project (repo-relative), for the schema validation test."""
    root = Path(settings.BASE_DIR).resolve()
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in _SKIP_DIRS]
        found += [str((Path(directory) / f).relative_to(root)) for f in files if f.endswith(".graphql")]
    return sorted(found)
