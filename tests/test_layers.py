"""Data flows one way: every module imports only from the layers before its own.

input (audio, speech) → articulation → animation → head → encoders (formats) → pipeline → front
ends (farm, server, console, container) → cli. An import that runs back up, even one deferred
inside a function, would let a layer depend on a caller it should not know, so it fails here.
"""
from __future__ import annotations

import ast
from pathlib import Path

import fantasy_talking

PACKAGE = Path(fantasy_talking.__file__).parent
LAYERS: dict[str, int] = {
    "audio": 0, "speech": 1, "articulation": 2, "animation": 3, "head": 4, "formats": 5, "pipeline": 6,
    "farm": 7, "server": 7, "console": 7, "container": 7, "cli": 8, "__init__": 8,
}


def imported_packages(path: Path) -> set[str]:
    """The top-level `fantasy_talking` packages a module imports, deferred imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                 else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found |= {name.split(".")[1] for name in names if name.startswith("fantasy_talking.")}
    return found


def test_every_package_has_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()} | {"__init__"}
    assert packages == set(LAYERS), "a new package needs its place in the data flow (LAYERS)"


def test_no_import_runs_back_up_the_data_flow():
    backwards = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        own = parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")
        for target in imported_packages(path) - {own}:
            if LAYERS[target] >= LAYERS[own]:
                backwards.append(f"{path.relative_to(PACKAGE)} imports fantasy_talking.{target}")
    assert not backwards, "\n".join(backwards)
