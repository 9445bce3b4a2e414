"""The dependency rule, read from the source: core imports no feature, no feature imports another
feature's views, and layers only ever import downwards.

`make lint` also runs import-linter (the contracts in pyproject.toml, which follow indirect
imports too); these checks read each file's own imports with `ast`, so they are fast, need no
subprocess, and also cover imports *between* features, which the layers contract does not.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from config.settings import ROOT

# Nothing here touches the database.
pytestmark = pytest.mark.no_db

PORTAL = ROOT / "portal"
FEATURES = frozenset(
    path.name
    for path in PORTAL.iterdir()
    if path.is_dir() and (path / "__init__.py").exists() and path.name != "core"
)

# views -> forms -> services -> queries | policies -> models -> core (GUIDE.md, section 1).
# A module may import its own layer or a lower one, in its own feature or another.
LAYER_RANK = {"models": 0, "queries": 1, "policies": 1, "services": 2, "forms": 3, "views": 4}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. portal.admin.views
    target: str  # what it imports, e.g. portal.auth.services
    line: int

    def __str__(self) -> str:
        return f"{self.module} (line {self.line}) imports {self.target}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports_in(path: Path) -> list[Import]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append(Import(module, base, node.lineno))
            # `from portal.x import views` imports the module portal.x.views.
            found += [Import(module, f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def _all_imports() -> list[Import]:
    return [imp for path in sorted(PORTAL.rglob("*.py")) for imp in _imports_in(path)]


def _feature_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "portal" and parts[1] in FEATURES:
        return parts[1]
    return None


def _layer_of(module: str) -> int | None:
    parts = module.split(".")
    if _feature_of(module) is None or len(parts) < 3:
        return None
    return LAYER_RANK.get(parts[2])


def _is_views(module: str) -> bool:
    parts = module.split(".")
    return _feature_of(module) is not None and len(parts) >= 3 and parts[2] == "views"


def test_the_features_are_found():
    assert {"auth", "admin", "home", "organisations"} <= FEATURES
    assert "core" not in FEATURES


def test_core_imports_no_feature():
    offenders = [
        str(imp)
        for imp in _all_imports()
        if imp.module.startswith("portal.core") and _feature_of(imp.target) is not None
    ]
    assert offenders == [], "core is the shared kernel and imports no feature:\n" + "\n".join(
        offenders
    )


def test_no_feature_imports_another_features_views():
    offenders = [
        str(imp)
        for imp in _all_imports()
        if _is_views(imp.target) and _feature_of(imp.target) != _feature_of(imp.module)
    ]
    assert offenders == [], (
        "call another feature's services or queries, never its views:\n" + "\n".join(offenders)
    )


def test_layers_import_only_their_own_layer_or_lower_ones():
    offenders = []
    for imp in _all_imports():
        source, target = _layer_of(imp.module), _layer_of(imp.target)
        if source is not None and target is not None and target > source:
            offenders.append(str(imp))
    assert offenders == [], (
        "views -> forms -> services -> queries | policies -> models -> core; these go up:\n"
        + "\n".join(offenders)
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from portal.admin import views", {"portal.admin", "portal.admin.views"}),
        ("import portal.auth.services as s", {"portal.auth.services"}),
        ("from . import views", {"portal.home", "portal.home.views"}),
        ("from ..auth.models import User", {"portal.auth.models", "portal.auth.models.User"}),
    ],
)
def test_imports_are_read_as_python_resolves_them(tmp_path, monkeypatch, source, expected):
    package = tmp_path / "portal" / "home"
    package.mkdir(parents=True)
    module = package / "queries.py"
    module.write_text(source + "\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert {imp.target for imp in _imports_in(module)} == expected
