"""The response value the app hands to the HTTP server."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator


@dataclass
class Response:
    """A status, headers and either a body or a lazily generated stream of chunks."""

    status: int
    content_type: str = "text/html; charset=utf-8"
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: Callable[[], Iterator[bytes]] | None = None
    length: int | None = None

    @property
    def content_length(self) -> int:
        """Length announced in Content-Length."""
        return self.length if self.stream is not None and self.length is not None else len(self.body)


def text(status: int, body: str, content_type: str = "text/html; charset=utf-8", **headers: str) -> Response:
    """A small UTF-8 response."""
    return Response(status, content_type, body.encode("utf-8"),
                    [(k.replace("_", "-"), v) for k, v in headers.items()])
