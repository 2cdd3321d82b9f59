"""GraphQL documents live in `.graphql` files: `<django app>/graphql/*.graphql` and `webhooks/*.graphql`.

Shared fragments live in `graphql/fragments/` folders; a document pulls one in with a first-lines comment
`#import "app/saleor/graphql/fragments/checkout_fields.graphql"` (repo-relative), which `load` replaces by
the fragment's text (each fragment once), so what Saleor and the schema tests see is one whole document.
"""

from __future__ import annotations

import os
import re
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


_IMPORT = re.compile(r'^#import "([^"]+)"[ \t]*$', re.MULTILINE)
FRAGMENTS_DIR = "fragments"


@lru_cache(maxsize=256)
def load(path: str) -> str:
    """The text of a `.graphql` document, path relative to the repo root (e.g. "app/saleor/graphql/app_id.graphql"),
    with its `#import "..."` lines replaced by the imported fragments."""
    return _expand(path, seen=set())


def _expand(path: str, *, seen: set[str]) -> str:
    text = resolve(path).read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        imported = match.group(1)
        if imported in seen:
            return ""
        seen.add(imported)
        return _expand(imported, seen=seen).strip() + "\n"

    body = _IMPORT.sub("", text).strip() + "\n"
    fragments = "".join(inline(m) for m in _IMPORT.finditer(text))
    return body + ("\n" + fragments if fragments else "")


_SKIP_DIRS = frozenset({".venv", "venv", "node_modules", ".git", "var", "__pycache__"})


def _walk(*, fragments: bool) -> list[str]:
    root = Path(settings.BASE_DIR).resolve()
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in _SKIP_DIRS]
        if (Path(directory).name == FRAGMENTS_DIR) != fragments:
            continue
        found += [str((Path(directory) / f).relative_to(root)) for f in files if f.endswith(".graphql")]
    return sorted(found)


def all_paths() -> list[str]:
    """Every `.graphql` operation document of the project (repo-relative), for the schema validation test."""
    return _walk(fragments=False)


def fragment_paths() -> list[str]:
    """Every shared fragment file (`graphql/fragments/*.graphql`), checked through the documents importing it."""
    return _walk(fragments=True)
