"""The engine is pure: stdlib + pydantic only, nothing from Django, HTTP or the rest of the app."""

import ast
import subprocess
import sys
from pathlib import Path

import app.engine

ENGINE = Path(app.engine.__file__).parent
FORBIDDEN_ROOTS = {"django", "requests", "urllib3", "httpx", "psycopg", "graphql", "jwt", "gunicorn"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.add("app.engine")  # relative imports stay inside the package
    return names


def test_engine_sources_import_only_stdlib_pydantic_and_itself():
    # given
    allowed_third_party = {"pydantic"}
    stdlib = set(sys.stdlib_module_names)

    # when
    offenders = {
        (path.name, name)
        for path in ENGINE.rglob("*.py")
        for name in _imports(path)
        if not (
            name.split(".")[0] in stdlib
            or name.split(".")[0] in allowed_third_party
            or name == "app.engine"
            or name.startswith("app.engine.")
        )
    }

    # then
    assert offenders == set()


def test_importing_the_engine_loads_no_django_http_or_app_module():
    # given: a fresh interpreter, so nothing else has been imported yet
    probe = (
        "import sys, app.engine, app.engine.messages\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )

    # when
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ENGINE.parent.parent
    )
    loaded = set(completed.stdout.split())

    # then
    assert {m for m in loaded if m.split(".")[0] in FORBIDDEN_ROOTS} == set()
    assert {m for m in loaded if m.startswith("app.") and not m.startswith("app.engine")} == set()
