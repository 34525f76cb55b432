"""A 3x5 pixel font, so the demo can label its grid with NumPy alone (no Pillow or matplotlib)."""

from __future__ import annotations

import numpy as np

# Each glyph is five rows of three pixels, "#" on.
_GLYPHS = {
    "A": ".#. #.# ### #.# #.#", "B": "##. #.# ##. #.# ##.", "C": ".## #.. #.. #.. .##",
    "D": "##. #.# #.# #.# ##.", "E": "### #.. ##. #.. ###", "F": "### #.. ##. #.. #..",
    "G": ".## #.. #.# #.# .##", "H": "#.# #.# ### #.# #.#", "I": "### .#. .#. .#. ###",
    "J": "..# ..# ..# #.# .#.", "K": "#.# #.# ##. #.# #.#", "L": "#.. #.. #.. #.. ###",
    "M": "#.# ### ### #.# #.#", "N": "##. #.# #.# #.# #.#", "O": ".#. #.# #.# #.# .#.",
    "P": "##. #.# ##. #.. #..", "Q": ".#. #.# #.# ##. .##", "R": "##. #.# ##. #.# #.#",
    "S": ".## #.. .#. ..# ##.", "T": "### .#. .#. .#. .#.", "U": "#.# #.# #.# #.# ###",
    "V": "#.# #.# #.# #.# .#.", "W": "#.# #.# ### ### #.#", "X": "#.# #.# .#. #.# #.#",
    "Y": "#.# #.# .#. .#. .#.", "Z": "### ..# .#. #.. ###",
    "0": "### #.# #.# #.# ###", "1": ".#. ##. .#. .#. ###", "2": "##. ..# .#. #.. ###",
    "3": "##. ..# .#. ..# ##.", "4": "#.# #.# ### ..# ..#", "5": "### #.. ##. ..# ##.",
    "6": ".## #.. ### #.# ###", "7": "### ..# .#. .#. .#.", "8": "### #.# ### #.# ###",
    "9": "### #.# ### ..# ##.",
    "-": "... ... ### ... ...", "+": "... .#. ### .#. ...", "/": "..# ..# .#. #.. #..",
    "(": ".#. #.. #.. #.. .#.", ")": ".#. ..# ..# ..# .#.", ".": "... ... ... ... .#.",
    ",": "... ... ... .#. #..", ":": "... .#. ... .#. ...", "_": "... ... ... ... ###",
    " ": "... ... ... ... ...",
}  # fmt: skip


def _glyph(char: str) -> np.ndarray:
    rows = _GLYPHS.get(char.upper(), _GLYPHS[" "]).split()
    return np.array([[c == "#" for c in row] for row in rows], bool)


def render_text(text: str, scale: int = 2) -> np.ndarray:
    """Render ``text`` (upper-cased) as a boolean mask of height ``5 * scale``.

    Example:
    >>> render_text("OK", scale=1).shape
    (5, 7)
    """
    if not text:
        return np.zeros((5 * scale, 0), bool)
    pieces = []
    for char in text:
        pieces += [_glyph(char), np.zeros((5, 1), bool)]
    mask = np.concatenate(pieces[:-1], axis=1)
    return mask.repeat(scale, axis=0).repeat(scale, axis=1)
