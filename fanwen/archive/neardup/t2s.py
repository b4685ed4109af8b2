"""OpenCC's t2s as a code-point table where that is provably the same conversion (pure functions).

OpenCC converts by longest match over its dictionaries' keys. In a text where no key of two or more
characters occurs and no character of its normalisation step appears, every match is one character and
does not depend on its neighbours, so t2s is a per-character map: the map OpenCC itself gives each key
character alone. Such texts (nearly all) are converted by a numpy table lookup over a whole batch; the
others go through OpenCC. `t2s_keys.json` lists the keys of the pinned OpenCC's t2s dictionaries:

    .venv/bin/python -m fanwen.archive.neardup.t2s   # regenerate it (after an OpenCC upgrade)

tests/test_neardup_exact.py checks the table and the fold against OpenCC.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from functools import lru_cache
from importlib.metadata import version
from importlib.resources import files
from typing import Callable, Sequence
from pathlib import Path

import numpy as np
import opencc

# Read as package data: inside a zipped egg (scrapyd runs the project from one) there is no file path.
KEYS = files(__package__) / "t2s_keys.json"
_NORMALISATION = "CJK_Compatibility_Ideographs"
_CONVERSION = ("TSPhrases", "TSCharactersExt", "TSCharacters")
UNSAFE, FIRST, SECOND = 1, 2, 4


class T2STable:
    """The per-character t2s map, and which texts may use it."""

    def __init__(self, converter: opencc.OpenCC, keys: dict, also_unsafe: str = "") -> None:
        """`also_unsafe`: characters whose texts must take OpenCC anyway (nor may the map produce them)."""
        chars = sorted({c for key in keys["conversion"] for c in key})
        # Each key character alone, in one OpenCC call: no key contains "\n", so no match spans two.
        converted = converter.convert("\n".join(chars)).split("\n")
        if len(converted) != len(chars):
            raise ValueError("OpenCC did not convert the key characters one by one")
        self.table = np.arange(0x110000, dtype=np.uint32)
        # Per code point: UNSAFE (a text with it takes OpenCC), FIRST and SECOND (of a phrase key).
        self.flags = np.zeros(0x110000, dtype=np.uint8)
        for char in keys["normalisation"] + also_unsafe:
            self.flags[ord(char)] |= UNSAFE
        for char, out in zip(chars, converted):
            if len(out) != 1 or out in also_unsafe:
                self.flags[ord(char)] |= UNSAFE
            elif out != char:
                self.table[ord(char)] = ord(out)
        # Keys of two or more characters (phrases), by their first character; a text where none occurs
        # (none of its adjacent pairs can start one, or none does) is converted by `table`.
        self.phrases: dict[str, list[str]] = {}
        for key in keys["conversion"]:
            if len(key) > 1:
                self.phrases.setdefault(key[0], []).append(key)
                self.flags[ord(key[0])] |= FIRST
                self.flags[ord(key[1])] |= SECOND

    def needs_opencc(self, texts: Sequence[str] | Callable[[int], str], codes: np.ndarray, ends: np.ndarray,
                     flags: np.ndarray | None = None) -> set[int]:
        """Indexes of the `texts` that must go through OpenCC (`codes`: their code points one after the
        other, `ends`: where each text ends in them; `flags`: `self.flags[codes]` when already looked up).
        `texts` may be a function giving text i: it is called for the few texts where a phrase may start."""
        flags = self.flags[codes] if flags is None else flags
        text_of = texts if callable(texts) else texts.__getitem__
        out = set(np.searchsorted(ends, np.flatnonzero(flags & UNSAFE), "right").tolist())
        pairs = np.flatnonzero(flags[:-1] & (flags[1:] >> 1) & FIRST)  # SECOND shifted onto FIRST
        starts = np.concatenate(([0], ends[:-1]))
        for at, i in zip(pairs.tolist(), np.searchsorted(ends, pairs, "right").tolist()):
            if i in out:
                continue
            text, pos = text_of(i), at - int(starts[i])
            if any(text.startswith(p, pos) for p in self.phrases[text[pos]]):
                out.add(i)
        return out

@lru_cache(maxsize=4)
def t2s_table(also_unsafe: str = "") -> T2STable | None:
    """The table for the installed OpenCC, or None when the key list was made for another version."""
    keys = json.loads(KEYS.read_text(encoding="utf-8"))
    if keys["opencc"] != version("opencc"):
        return None
    return T2STable(opencc.OpenCC("t2s"), keys, also_unsafe)


def dump_keys() -> dict:
    """The keys of the installed OpenCC's t2s dictionaries, read with its own `opencc_dict` tool."""
    clib = Path(opencc.__file__).parent / "clib"
    out: dict = {"opencc": version("opencc")}
    with tempfile.TemporaryDirectory() as tmp:
        def keys_of(name: str) -> list[str]:
            text = Path(tmp) / f"{name}.txt"
            subprocess.run([str(clib / "bin" / "opencc_dict"), "-i", str(clib / "share" / "opencc" / f"{name}.ocd2"),
                            "-o", str(text), "-f", "ocd2", "-t", "text"], check=True, capture_output=True)
            return sorted({line.split("\t")[0] for line in text.read_text(encoding="utf-8").splitlines() if line})

        out["normalisation"] = "".join(keys_of(_NORMALISATION))
        out["conversion"] = sorted({key for name in _CONVERSION for key in keys_of(name)})
    return out


if __name__ == "__main__":
    keys_file = Path(__file__).with_name("t2s_keys.json")  # the source tree's copy
    keys_file.write_text(json.dumps(dump_keys(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(keys_file)
