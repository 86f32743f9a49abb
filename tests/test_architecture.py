"""The import rules of DESIGN.md §2, checked on the source: a violation fails the suite, not a review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package -> top-level modules it must never import
FORBIDDEN = {
    "app": {"PySide6", "shiboken6", "ui", "hq", "demo"},
    "ui": {"requests", "sqlalchemy", "alembic", "hq", "httpx", "urllib3"},
    "hq": {"ui", "PySide6", "shiboken6"},
    # the shared contract stands below both sides and depends on neither, nor on a web or GUI framework
    "contract": {"app", "hq", "ui", "demo", "PySide6", "shiboken6", "fastapi", "pydantic", "requests"},
}
# hq takes the shared contract from `contract`; from the client only the code formats, and from the demo
# only its word lists (for `guidedesk-hq demo`)
HQ_ALLOWED_FROM_APP = {"app.qr"}
HQ_ALLOWED_FROM_DEMO = {"demo.words"}
HTTP_MODULES = {"requests", "httpx", "urllib3", "http.client", "urllib.request"}
HTTP_ALLOWED_IN = {"app/sync/client.py"}


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            # `from app import qr` names the module in the alias
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names]
    return found


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py")) if (ROOT / package).is_dir() else []


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_downwards(package: str) -> None:
    """app never imports Qt/ui/hq; ui never touches the database or the network; hq never imports Qt."""
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _sources(package)
        for name, line in _imports(path)
        if name.split(".")[0] in FORBIDDEN[package]
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(("top", "allowed"), [("app", HQ_ALLOWED_FROM_APP), ("demo", HQ_ALLOWED_FROM_DEMO)])
def test_hq_takes_only_the_contract_and_code_formats_from_the_client(top: str, allowed: set[str]) -> None:
    """HQ and the workstation share a contract package, not internals."""
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _sources("hq")
        for name, line in _imports(path)
        if name.split(".")[0] == top
        and name != top
        and not any(name == ok or name.startswith(ok + ".") for ok in allowed)
        and not any(ok.startswith(name + ".") for ok in allowed)  # `from app import qr`
    ]
    assert not bad, "\n".join(bad)


def test_only_the_sync_client_speaks_http() -> None:
    """One HTTP module: timeouts, TLS and error mapping live in one place."""
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for package in ("app", "ui")
        for path in _sources(package)
        for name, line in _imports(path)
        if any(name == m or name.startswith(m + ".") for m in HTTP_MODULES)
        and str(path.relative_to(ROOT)) not in HTTP_ALLOWED_IN
    ]
    assert not bad, "\n".join(bad)


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """Guard against a checker that passes everything: it must flag a planted Qt import."""
    planted = tmp_path / "bad.py"
    planted.write_text("import os\nfrom PySide6.QtWidgets import QLabel\n", encoding="utf-8")
    assert ("PySide6.QtWidgets", 2) in _imports(planted)


# ---------------------------------------------------------------- where SQL may live

# On the client, queries live in app/services (reads and mutations), app/sync (the applier and the
# engine's bookkeeping) and app/db; besides them, the phone key's check value is read and written when
# the workstation opens, before any service runs (app/security/phone_key.py), and the demo generator
# bulk-loads a workstation with raw sqlite3 as the applier would (demo/workstation.py). At HQ, routes
# speak HTTP and call hq/services.
CLIENT_SQL_IN = ("app/services/", "app/sync/", "app/db/", "app/security/phone_key.py", "demo/workstation.py")
QUERY_METHODS = {"execute", "scalar", "scalars", "query", "exec_driver_sql", "executemany"}
MODEL_MODULES = {"app.db.models", "hq.db.models"}


def _sql_uses(path: Path, *, calls: bool, root: Path = ROOT) -> list[str]:
    """Imports of SQLAlchemy (a Session type excepted) or of the ORM models, and (with `calls`) calls of
    query methods: where a file touches the database itself."""
    where = path.relative_to(root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = {a.name for a in node.names}
            if node.module in MODEL_MODULES or (
                node.module.split(".")[0] == "sqlalchemy" and not names <= {"Session"}
            ):
                found.append(f"{where}:{node.lineno} imports {node.module}")
        elif isinstance(node, ast.Import):
            found += [
                f"{where}:{node.lineno} imports {a.name}"
                for a in node.names
                if a.name.split(".")[0] == "sqlalchemy" or a.name in MODEL_MODULES
            ]
        elif (
            calls
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in QUERY_METHODS
        ):
            found.append(f"{where}:{node.lineno} calls .{node.func.attr}()")
    return found


def test_no_sql_outside_the_services_on_the_client_nor_in_hq_routes() -> None:
    """A screen, the CLI or the launcher reads through a service; an HQ route calls hq/services."""
    client = [
        p
        for package in ("app", "demo")
        for p in _sources(package)
        if not str(p.relative_to(ROOT)).startswith(CLIENT_SQL_IN)
    ]
    routes = sorted((ROOT / "hq" / "api").glob("routes_*.py"))
    bad = [use for p in client for use in _sql_uses(p, calls=True)]
    bad += [use for p in _sources("ui") for use in _sql_uses(p, calls=False)]  # Qt has exec(), query()
    bad += [use for p in routes for use in _sql_uses(p, calls=True)]
    assert not bad, "\n".join(bad)


def test_the_sql_checker_sees_a_query(tmp_path: Path) -> None:
    """Guard against a checker that passes everything: a planted model import and query are flagged."""
    planted = tmp_path / "bad.py"
    planted.write_text("from app.db.models import Member\n\ndef f(s):\n    return s.scalars(1)\n")
    uses = [u.split(" ", 1)[1] for u in _sql_uses(planted, calls=True, root=tmp_path)]
    assert uses == ["imports app.db.models", "calls .scalars()"]
