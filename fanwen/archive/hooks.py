"""The writer's one extension point: hooks that keep derived data (search index, near-duplicates, ...)
in step with the articles, in the writer's own transactions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from fanwen.archive.writer import ArchiveWriter


class WriterHook:
    """A derived index kept by the archive writer. Every method is a no-op: override what you need.

    Called in this order over a writer's life: `opened` once; then, inside the open transaction of a
    document's writes, `article_added`, `text_changing`, `title_changing`, `kept_url_changed`,
    `article_removing` as they happen; `flushing` when the writer is told to flush (and on close), then
    `before_commit` at the end of every batch, still inside it; `closed` once.
    Writes go through `writer.write` / `writer.write_many` (they join the open batch); a hook that
    defers its work (a batch at a time) does it in `before_commit`.
    """

    def opened(self, writer: ArchiveWriter) -> None:
        """The writer opened the archive, outside any transaction: load state, catch up (the hook may
        write and call `writer.flush()` to commit)."""

    def article_added(self, article_id: int, article: Mapping[str, Any]) -> None:
        """A new `articles` row was inserted for `article` (the record given to `store_article`)."""

    def text_changing(self, article_id: int, article: Mapping[str, Any], previous_body: str) -> None:
        """Row `article_id` is about to take the title and text of `article`; it still holds
        `previous_body` (and its old title) when this is called."""

    def title_changing(self, article_id: int, title: str | None) -> None:
        """Row `article_id` is about to take `title` (its kept URL got shorter); it still holds the old one."""

    def kept_url_changed(self, article_id: int) -> None:
        """Row `article_id` has a new kept URL (the smallest of its URLs)."""

    def article_removing(self, article_id: int, body: str) -> None:
        """Row `article_id` (text `body`) is about to be deleted: no URL shows it any more (its text is in
        `article_versions`). It still exists when this is called."""

    def flushing(self) -> None:
        """`writer.flush()` was called (by a caller, or on close): work deferred over several batches
        must be written now, through `writer.write` / `writer.write_many`, to commit with this flush."""

    def before_commit(self) -> None:
        """The batch is about to commit; writes made here commit with it."""

    def closed(self) -> None:
        """The writer committed its last batch and is closing (no more writes)."""
