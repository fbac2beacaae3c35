"""No import cycles in ``hub``, ``community_node`` or ``shared`` (function-local imports count)."""

from __future__ import annotations

import grimp
import pytest

PACKAGES = ("hub", "community_node", "shared")


def _cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """Return every strongly connected component of two or more modules inside ``package``.

    Tarjan's algorithm, iterative, over the graph's module-to-module imports.
    """
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & set(modules)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if child < len(edges[node]):
                work.append((node, child + 1))
                target = edges[node][child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            for target in edges[node]:
                if target in on_stack:
                    low[node] = min(low[node], low[target])
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
    return components


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES)


def _explain(graph: grimp.ImportGraph, component: list[str]) -> str:
    members = set(component)
    arrows = [
        f"  {m} -> {t}"
        for m in component
        for t in sorted(graph.find_modules_directly_imported_by(m) & members)
    ]
    return "\n".join(arrows)


@pytest.mark.parametrize(
    "package",
    [
        "hub",
        "community_node",
        "shared",
    ],
)
def test_no_import_cycles(graph: grimp.ImportGraph, package: str) -> None:
    cycles = _cycles(graph, package)
    assert not cycles, "import cycles:\n" + "\n\n".join(_explain(graph, c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("p", "p.a", "p.b", "p.c", "p.d"):
        graph.add_module(module)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")
    graph.add_import(importer="p.c", imported="p.d")
    assert _cycles(graph, "p") == [["p.a", "p.b", "p.c"]]
