"""The package's shape from its imports: modules, layers, import edges, the longest import chain,
cycles, imports that run up a layer, and functions and modules past the sizes a reader can hold.

    .venv/bin/python scripts/house.py            # the figures
    .venv/bin/python scripts/house.py --json     # the same as one JSON object

Read from the source (Python's `ast`), nothing is run. tests/test_layout.py holds the rules.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"brief_bot": ROOT / "src" / "brief_bot", "ui": ROOT / "ui"}

# Before the stages were subpackages (up to commit b2ae763), each flat module's stage, so that
# `--repo OLD_CHECKOUT` measures the old house by the same rules.
FLAT = {
    "corpus": "brief_bot.corpus", "loaders": "brief_bot.corpus", "sandbox": "brief_bot.corpus",
    **{m: "brief_bot.index" for m in ("index", "scan", "generations", "store", "embedding",
                                       "onnx_encoder", "keyword", "catalog", "reader",
                                       "progress", "glossary")},
    **{m: "brief_bot.search" for m in ("query", "search", "history")},
    **{m: "brief_bot.answer" for m in ("answer", "extract", "sets", "sentences", "llm")},
    **{m: "brief_bot.slack" for m in ("slack_relay", "slack_format", "slack_serve")},
}

# Lowest first: a module may import its own layer (within its own stage) and the ones below.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("brief_bot.types", "brief_bot.config", "brief_bot.offline",
              "brief_bot.dates", "brief_bot.headings", "brief_bot.terms",
              "brief_bot.records")),
    ("corpus", ("brief_bot.corpus",)),
    ("index", ("brief_bot.index",)),
    ("search", ("brief_bot.search",)),
    ("answer", ("brief_bot.answer",)),
    # The package itself re-exports the facade: `from brief_bot import BriefBot`.
    ("facade", ("brief_bot", "brief_bot.bot", "brief_bot.pack")),
    ("doors", ("brief_bot.cli", "brief_bot.cli_pack", "brief_bot.pool", "brief_bot.evaluate",
               "brief_bot.feedback", "brief_bot.slack", "ui")),
]
# Stages side by side that must not know each other: answer reads values, not the search.
APART = {("brief_bot.answer", "brief_bot.search"), ("brief_bot.search", "brief_bot.answer")}
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for name, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = [name, *path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text("utf-8"))


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports (at module level or inside a function)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(_tree(path)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            # `from . import x` names a module; `from .m import f` names m.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _placed(name: str) -> str:
    parts = name.split(".")
    if parts[0] == "brief_bot" and len(parts) == 2 and parts[1] in FLAT and not (
            PACKAGES["brief_bot"] / parts[1]).is_dir():
        return f"{FLAT[parts[1]]}.{parts[1]}"
    return name


def layer_of(name: str) -> int:
    name = _placed(name)
    best, depth = -1, -1
    for number, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".") and prefix != "brief_bot") \
                    and len(prefix) > depth:
                best, depth = number, len(prefix)
    return best


def stage_of(name: str) -> str:
    parts = _placed(name).split(".")
    return ".".join(parts[:2]) if parts[0] == "brief_bot" and len(parts) > 1 else parts[0]


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports(name, path, known) for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    groups: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


def longest_chain(edges: dict[str, set[str]]) -> list[str]:
    """The longest import chain (modules importing modules importing ...), in a graph without
    cycles; package `__init__` re-exports count as links."""

    @cache
    def chain(v: str) -> tuple[str, ...]:
        best: tuple[str, ...] = ()
        for w in sorted(edges.get(v, ())):
            c = chain(w)
            if len(c) > len(best):
                best = c
        return (v, *best)

    return list(max((chain(v) for v in edges), key=len, default=()))


def wrong_way(edges: dict[str, set[str]]) -> list[tuple[str, str, str]]:
    """Imports that run up a layer, or between stages kept apart."""
    found = []
    for a, targets in edges.items():
        for b in targets:
            if layer_of(b) > layer_of(a):
                found.append((a, b, f"{LAYERS[layer_of(a)][0]} imports {LAYERS[layer_of(b)][0]}"))
            elif (stage_of(a), stage_of(b)) in APART:
                found.append((a, b, "stages kept apart"))
    return sorted(found)


def long_functions(limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, str, int]]:
    found = []
    for name, path in modules().items():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > limit:
                    found.append((name, node.name, size))
    return sorted(found, key=lambda f: -f[2])


def whole_settings() -> list[tuple[str, str]]:
    """Functions with a parameter annotated as the whole `Settings` (not a stage's view)."""
    found = []
    for name, path in modules().items():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                if any(a.annotation is not None and "Settings" in {
                        n.id for n in ast.walk(a.annotation) if isinstance(n, ast.Name)}
                       for a in args):
                    found.append((name, node.name))
    return sorted(found)


def long_modules(limit: int = MAX_MODULE_LINES) -> list[tuple[str, int]]:
    sizes = [(name, len(path.read_text("utf-8").splitlines()))
             for name, path in modules().items()]
    return sorted([(n, s) for n, s in sizes if s > limit], key=lambda m: -m[1])


def report() -> dict[str, object]:
    edges = graph()
    return {
        "modules": len(edges),
        "layers": {name: sorted(m for m in edges if layer_of(m) == number)
                   for number, (name, _) in enumerate(LAYERS)},
        "import_edges": sum(len(t) for t in edges.values()),
        "longest_chain": longest_chain(edges) if not cycles(edges) else [],
        "cycles": cycles(edges),
        "wrong_way": [list(w) for w in wrong_way(edges)],
        "unplaced": sorted(m for m in edges if layer_of(m) < 0),
        "functions_over_60_lines": [list(f) for f in long_functions()],
        "modules_over_400_lines": [list(m) for m in long_modules()],
        "signatures_taking_whole_settings": [".".join(f) for f in whole_settings()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repo", type=Path, help="another checkout (an older commit)")
    args = parser.parse_args()
    if args.repo:
        PACKAGES.update({"brief_bot": args.repo / "src" / "brief_bot", "ui": args.repo / "ui"})
    data = report()
    if args.json:
        print(json.dumps(data, indent=1))
        return
    print(f"modules {data['modules']}, import edges {data['import_edges']}")
    for name, members in data["layers"].items():  # type: ignore[union-attr]
        print(f"  layer {name}: {len(members)}")
    chain = data["longest_chain"]
    print(f"longest import chain: {len(chain)} modules: {' -> '.join(chain)}")  # type: ignore[arg-type]
    for key in ("cycles", "wrong_way", "unplaced", "functions_over_60_lines",
                "modules_over_400_lines", "signatures_taking_whole_settings"):
        items = data[key]
        print(f"{key.replace('_', ' ')}: {len(items) or 'none'}")  # type: ignore[arg-type]
        for item in items:  # type: ignore[union-attr]
            print(f"  {item}")


if __name__ == "__main__":
    main()
