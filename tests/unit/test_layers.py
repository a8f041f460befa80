"""The shape of the code: no import circle anywhere, and a web process that never loads the
media pipeline. (The layer rule itself: `lint-imports`, run by `make test`, with the
contracts in pyproject.toml.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected groups of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph("careers_tv", "transcoding")
    assert circles(graph) == []


def test_the_checker_sees_a_circle():
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.z")
    graph.add_import(importer="a.z", imported="a.x")
    assert circles(graph) == [["a.x", "a.y", "a.z"]]


def _modules_after(code: str) -> list[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    return json.loads(result.stdout.splitlines()[-1])


def test_a_web_process_never_loads_the_media_pipeline():
    loaded = _modules_after("from careers_tv import create_app\ncreate_app()")
    assert "careers_tv.public" in loaded and "careers_tv.portal" in loaded
    assert [m for m in loaded if m.split(".")[0] == "transcoding"] == []
    assert [m for m in loaded if m.startswith("careers_tv.handlers")] == []


def test_a_worker_has_every_job_handler():
    loaded = _modules_after(
        "from careers_tv.worker import flask_app\n"
        "print(sorted(flask_app.extensions['job_handlers']))")
    assert "transcoding.pipeline" in loaded and "careers_tv.handlers.transcode" in loaded
