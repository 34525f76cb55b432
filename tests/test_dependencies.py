"""Dependencies point one way: ops <- layers <- data / recipes, and nothing private crosses a package.

Read from the source (``ast``), so a new module is checked as soon as it exists.
"""

import ast
import pathlib

import pytest

import keras_aug

ROOT = pathlib.Path(keras_aug.__file__).parent
#: package -> packages it may import from (``keras_aug.validation`` and ``keras_aug.ops.xla`` are public)
ALLOWED = {
    "ops": {"ops", "validation"},
    "layers": {"ops", "layers", "validation"},
    "data": {"ops", "data", "validation"},
    "recipes": {"ops", "layers", "data", "validation"},
}
MODULES = sorted(p for p in ROOT.rglob("*.py") if p.relative_to(ROOT).parts[0].removesuffix(".py") in ALLOWED)


def _package(path: pathlib.Path) -> str:
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def _imports(tree: ast.Module):
    """``(module, name)`` for every ``from keras_aug.x import name`` / ``import keras_aug.x``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("keras_aug"):
            for alias in node.names:
                yield node.module, alias.name, alias.asname or alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("keras_aug"):
                    yield alias.name, None, alias.asname or alias.name


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_one_way_and_stay_public(path):
    package = _package(path)
    tree = ast.parse(path.read_text())
    foreign_modules = {}  # local alias -> imported module of another package
    for module, name, local in _imports(tree):
        parts = module.split(".")[1:] + ([name] if name else [])
        target = parts[0] if parts else "keras_aug"
        if target in ("__init__", "keras_aug"):
            continue
        assert target in ALLOWED[package] or target == package, f"{path.name} imports keras_aug.{target}"
        if target != package:
            private = [part for part in parts if part.startswith("_") and part != "__future__"]
            assert not private, f"{path.name} imports a private name from another package: {module}.{name}"
            foreign_modules[local] = module
    for node in ast.walk(tree):
        used = node.value.id if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) else None
        if used in foreign_modules and node.attr.startswith("_"):
            raise AssertionError(f"{path.name} uses {used}.{node.attr} from another package")
