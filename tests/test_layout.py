"""The tree keeps its shape: it stands alone, service functions read at the call site,
only repositories query, and the package layers hold (pyproject.toml, [tool.importlinter])."""

import ast
import re
import subprocess
from pathlib import Path

import pytest

from service.core.settings import PROJECT_ROOT

SERVICE = PROJECT_ROOT / "service"
# The audit chain's writer locks, reads the last hash and inserts on one connection as the
# transaction commits: one mechanism, kept together (service/audit/service.py says why).
QUERIES_ALLOWED = {"service/audit/service.py"}
QUERY_METHODS = {"exec", "execute", "scalar", "scalars", "get", "query"}
SESSIONS = {"session", "connection", "db"}


def _tracked() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    return [PROJECT_ROOT / name for name in listed.stdout.split()]


def test_nothing_reads_outside_the_repository():
    # A clone with nothing beside it must pass: no path up to a sibling folder.
    escapes = re.compile(r"""\.\./shared|parents\[\d\]\s*\.parent|["']shared["']\s*/\s*["']data["']""")
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{n}"
        for path in _tracked()
        if path.suffix in {".py", ".sh", ".toml", ".ini", ".cfg", ".md"} or path.name in {"Makefile", "run"}
        if path.is_file()
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if escapes.search(line)
    ]
    assert offenders == []


def _modules(pattern: str) -> list[Path]:
    return [p for p in sorted(SERVICE.rglob(pattern)) if "migrations" not in p.parts]


def test_every_public_service_function_takes_keyword_arguments_only():
    positional = [
        f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {node.name}"
        for path in _modules("service.py")
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_")
        if node.args.args or node.args.posonlyargs
    ]
    assert positional == []


def test_only_repositories_query():
    found = []
    for path in _modules("*.py"):
        name = path.relative_to(PROJECT_ROOT).as_posix()
        if path.name == "repository.py" or name in QUERIES_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id == "select":
                found.append(f"{name}:{node.lineno} select(...)")
            elif (
                isinstance(func, ast.Attribute)
                and func.attr in QUERY_METHODS
                and isinstance(func.value, ast.Name)
                and func.value.id in SESSIONS
            ):
                found.append(f"{name}:{node.lineno} {func.value.id}.{func.attr}(...)")
    assert found == []


@pytest.mark.slow
def test_the_package_layers_hold_and_nothing_imports_in_a_cycle():
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "lint-imports"), "--no-cache"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout
