"""The house rules that import-linter cannot state: no import cycles, one HTTP client package,
the store's row codec private, and no API status word spelled outside the protocol.

Each test reads the source as text (the AST), so it also sees imports inside functions and
under `TYPE_CHECKING`, which are imports all the same for a reader of the code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

import pytest

from reviewdesk.protocol import statuses

PACKAGE = Path(__file__).resolve().parents[1] / "reviewdesk"


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """Every reviewdesk module `name` imports (a `from package import module` names the
    module; importing a package's name names the package)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield candidate if candidate in MODULES else base


def _graph() -> dict[str, set[str]]:
    return {
        name: {found for found in _imports(name, path) if found in MODULES and found != name}
        for name, path in MODULES.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _is_package_face(module: str, imported: str) -> bool:
    # A package's __init__ re-exports its modules, and its modules may import each other
    # through the package: that is a package and its parts, not two modules in a loop.
    return imported == module.rpartition(".")[0] or module == imported.rpartition(".")[0]


def test_no_two_modules_import_each_other() -> None:
    graph = {
        module: {target for target in targets if not _is_package_face(module, target)}
        for module, targets in _graph().items()
    }
    assert _cycles(graph) == []


def test_the_checker_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _calls(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if isinstance(target, ast.Name):
                yield f"{target.id}.{node.func.attr}"


def test_http_clients_are_made_only_in_the_client_package() -> None:
    makers = {"httpx.Client", "httpx.AsyncClient"}
    found = sorted(
        name
        for name, path in MODULES.items()
        if not name.startswith("reviewdesk.remote") and makers & set(_calls(path))
    )
    assert found == []


def test_the_row_codec_is_the_stores_own() -> None:
    found = sorted(
        name
        for name, path in MODULES.items()
        if not name.startswith("reviewdesk.store")
        and any("_codec" in imported or "codec" in imported for imported in _imports(name, path))
    )
    assert found == []


_WIRE_ENUMS: tuple[type[StrEnum], ...] = (
    statuses.ItemResultStatus,
    statuses.DecisionStatus,
    statuses.ChangeKind,
    statuses.LeaseMode,
    statuses.ItemPhase,
)
WIRE_WORDS = {member.value for enum in _WIRE_ENUMS for member in enum}


def _spelled(path: Path) -> Iterator[tuple[int, str]]:
    """String constants equal to a wire status word, used as a value. Left aside: an enum
    member's definition (another enum of the server's own may share a word: `ItemState.
    WITHDRAWN` is stored, not sent) and a field name (a dict key or a subscript: the count
    `"invalid"` of an import summary is a field, not a status)."""
    tree = ast.parse(path.read_text(), str(path))
    defined: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            isinstance(base, ast.Name) and base.id == "StrEnum" for base in node.bases
        ):
            defined.update(id(child) for child in ast.walk(node))
        elif isinstance(node, ast.Dict):
            defined.update(id(key) for key in node.keys if key is not None)
        elif isinstance(node, ast.Subscript):
            defined.add(id(node.slice))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in WIRE_WORDS
            and id(node) not in defined
        ):
            yield node.lineno, node.value


@pytest.mark.parametrize("word", sorted(WIRE_WORDS))
def test_the_checker_sees_a_status_spelled_by_hand(word: str, tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text(f"def f(status: str) -> bool:\n    return status == {word!r}\n")
    assert list(_spelled(source)) == [(2, word)]


def test_no_api_status_word_is_spelled_outside_the_protocol() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {word}"
        for name, path in MODULES.items()
        if not name.startswith("reviewdesk.protocol")
        for line, word in _spelled(path)
    ]
    assert found == []
