"""Docs are checked like code: every setting and every archive column is documented."""

from pathlib import Path

from fanwen.archive.schema import TABLES
from crawler import settings

DOCS = Path(__file__).parent.parent / "docs"


def test_every_fanwen_setting_is_documented():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    names = [name for name in dir(settings) if name.startswith("FANWEN_") or name == "ARCHIVE_DB"]
    assert names
    missing = [name for name in names if f"`{name}`" not in text]
    assert not missing


def test_every_archive_column_is_documented():
    text = (DOCS / "schema.md").read_text(encoding="utf-8")
    for table, columns in TABLES.items():
        assert f"`{table}`" in text
        for column, meaning in columns.items():
            assert f"| `{column}` | {meaning} |" in text, (table, column)


def test_every_table_in_the_ddl_is_documented(tmp_path):
    from fanwen.archive import connect

    db = connect(tmp_path / "a.db")
    fts_tables = {t for t in db.table_names() if db[t].virtual_table_using == "FTS5"}
    shadows = {f"{t}_{s}" for t in fts_tables for s in ("data", "idx", "content", "docsize", "config")}
    assert fts_tables
    for table in set(db.table_names()) - shadows:
        assert table in TABLES
        assert set(db[table].columns_dict) == set(TABLES[table])


def test_readme_names_the_two_setup_commands():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (DOCS.parent / ".ci" / "run").read_text()


def test_settings_defaults_live_only_in_the_settings_module():
    """A setting is read without a fallback value: its default is the one in crawler/settings.py, which
    holds every FANWEN_* setting the code reads."""
    import re

    root = DOCS.parent
    read = re.compile(r"""\.get(?:int|float|bool|dict|list)?\(\s*["']((?:FANWEN_|ARCHIVE_DB|REDIS_URL)\w*)["']\s*(,)?""")
    repeated, unknown = [], []
    for path in sorted([*root.glob("crawler/**/*.py"), *root.glob("pipelines/**/*.py"), *root.glob("fanwen/archive/**/*.py")]):
        for match in read.finditer(path.read_text(encoding="utf-8")):
            if match[2]:
                repeated.append(f"{path.relative_to(root)}: {match[1]}")
            if not hasattr(settings, match[1]):
                unknown.append(f"{path.relative_to(root)}: {match[1]}")
    assert not repeated and not unknown, (repeated, unknown)


def test_every_exit_status_is_in_the_table_of_docs_cli():
    from crawler.cli import exits

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for status in exits.TABLE:
        assert f"\n| {status} | " in text, status
    assert "(docs/cli.md)" in (DOCS.parent / "README.md").read_text(encoding="utf-8")
