"""Every ```python block of docs/python.md runs, in order, against a generated archive at data/archive.db."""

from __future__ import annotations

import re
from pathlib import Path

from research_archive import make_research_archive

DOC = Path(__file__).resolve().parent.parent / "docs" / "python.md"


def test_python_md_examples_run(tmp_path, monkeypatch, capsys):
    (tmp_path / "data").mkdir()
    make_research_archive(tmp_path / "data" / "archive.db")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 7
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - the documentation's own code
    out = capsys.readouterr().out
    assert "双减" in out and "quote" in out  # the KWIC lines and the BadQuery sentence were printed
