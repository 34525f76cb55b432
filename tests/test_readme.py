"""The README's layer table lists every exported layer with what it replaces (issue 13)."""

import re
from pathlib import Path

import keras_aug

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
#: Exported names that are not augmentation layers a user picks from the table.
NOT_IN_TABLE = {
    "BaseAugmentation": "base class (CONTRIBUTING.md)",
    "BaseGeometric": "base class (CONTRIBUTING.md)",
    "OneOf": "composition: README 'Composition'",
    "Pipeline": "composition: README 'Composition'",
    "RandomApply": "composition: README 'Composition'",
    "SomeOf": "composition: README 'Composition'",
}


def _layer_table() -> list[str]:
    section = README.split("\n## Layers\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| `")]


def test_every_layer_has_a_row_naming_what_it_replaces():
    rows = _layer_table()
    for name in sorted(set(keras_aug.layers.__all__) - set(NOT_IN_TABLE)):
        row = [r for r in rows if re.search(rf"`{name}[(`]", r.split(" | ")[0])]
        assert row, f"README's layer table has no row for {name}"
        replaces = row[0].rstrip(" |").split(" | ")[-1]
        assert replaces.strip() and replaces.strip() != "—", f"{name}: the row names nothing it replaces"


def test_compositions_are_documented():
    composition = README.split("\n## Composition\n", 1)[1].split("\n## ", 1)[0]
    for name in ("OneOf", "Pipeline", "RandomApply", "SomeOf"):
        assert name in composition
