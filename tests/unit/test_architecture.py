"""The layout holds: outside ``providers/`` no code names a provider, and orderdesk's top-level
packages import each other without a cycle."""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator
from pathlib import Path

from orderdesk.providers.registry import PROVIDERS

SOURCE = Path(__file__).parents[2] / "src" / "orderdesk"


def _modules(outside: str | None = None) -> Iterator[Path]:
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE)
        if outside is None or relative.parts[0] != outside:
            yield path


def _docstrings(tree: ast.Module) -> set[tuple[int, int]]:
    """Where each docstring starts (line, column): they may name a provider."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found |= (
                    {(first.lineno, first.col_offset)}
                    if isinstance(first.value.value, str)
                    else set()
                )
    return found


def _names_in(path: Path, words: set[str]) -> list[str]:
    """Every identifier and string literal of ``path`` (docstrings and comments aside) that
    contains one of ``words``."""
    text = path.read_text(encoding="utf-8")
    docstrings = _docstrings(ast.parse(text))
    found = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in (tokenize.NAME, tokenize.STRING):
            continue
        if token.type == tokenize.STRING and token.start in docstrings:
            continue
        if any(word in token.string.lower() for word in words):
            found.append(f"{path.relative_to(SOURCE)}:{token.start[0]}: {token.string[:60]}")
    return found


def test_no_code_outside_the_providers_names_a_provider() -> None:
    words = {name.lower() for name in PROVIDERS} | {p.title.lower() for p in PROVIDERS.values()}
    assert words  # the registry lists the providers this looks for
    named = [found for path in _modules(outside="providers") for found in _names_in(path, words)]
    assert named == []


def _package_of(module: str) -> str | None:
    """``orderdesk.store.orders`` → ``store``: the top-level package (or module) it is in."""
    parts = module.split(".")
    return parts[1] if parts[0] == "orderdesk" and len(parts) > 1 else None


def _imports(path: Path) -> set[str]:
    """The top-level packages of orderdesk that ``path`` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "orderdesk":  # from orderdesk import config
                found |= {alias.name for alias in node.names}
            elif (package := _package_of(node.module)) is not None:
                found.add(package)
        elif isinstance(node, ast.Import):
            found |= {p for alias in node.names if (p := _package_of(alias.name))}
    return found


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in _modules():
        relative = path.relative_to(SOURCE)
        if relative.parts[-1] == "__main__.py" and len(relative.parts) == 1:
            continue
        package = relative.parts[0].removesuffix(".py")
        graph.setdefault(package, set()).update(_imports(path) - {package})
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (its packages in order), or None."""
    done: set[str] = set()

    def visit(package: str, path: list[str]) -> list[str] | None:
        if package in path:
            return [*path[path.index(package) :], package]
        if package in done:
            return None
        for imported in sorted(graph.get(package, ())):
            cycle = visit(imported, [*path, package])
            if cycle is not None:
                return cycle
        done.add(package)
        return None

    for package in sorted(graph):
        cycle = visit(package, [])
        if cycle is not None:
            return cycle
    return None


def test_no_cycle_between_the_top_level_packages() -> None:
    graph = _package_graph()
    assert {"domain", "store", "service", "web", "providers", "backoffice"} <= set(graph)
    assert "providers" in graph["app"] and "providers" not in graph["service"]
    assert _cycle(graph) is None


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
