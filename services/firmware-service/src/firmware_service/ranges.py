"""HTTP range requests (RFC 9110 §14) for firmware downloads: one range per request.

A header we cannot use (other unit, bad syntax, several ranges) is ignored and the whole
file is sent, as the RFC allows; a well-formed range outside the file is unsatisfiable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPEC = re.compile(r"^(?:(?P<first>\d{1,19})-(?P<last>\d{1,19})?|-(?P<suffix>\d{1,19}))$")


class UnsatisfiableRangeError(Exception):
    """A well-formed range that selects no byte of the file (answer 416)."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single byte range asked for, or None to send the whole file."""
    if not header:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    spec = spec.strip()
    if "," in spec:
        return None
    match = _SPEC.match(spec)
    if match is None:
        return None
    if match["suffix"] is not None:
        suffix = int(match["suffix"])
        if suffix == 0 or size == 0:
            raise UnsatisfiableRangeError(header)
        return ByteRange(max(size - suffix, 0), size - 1)
    first = int(match["first"])
    last = int(match["last"]) if match["last"] is not None else None
    if last is not None and last < first:
        return None  # invalid range-spec: ignored
    if first >= size:
        raise UnsatisfiableRangeError(header)
    return ByteRange(first, size - 1 if last is None else min(last, size - 1))


def if_range_allows(header: str | None, etag: str) -> bool:
    """A Range is honoured without If-Range, or when If-Range is our (strong) ETag.
    A date or another tag means the client's partial copy may be of other bytes."""
    return header is None or header.strip() == etag


def none_match(header: str | None, etag: str) -> bool:
    """If-None-Match (weak comparison) names our ETag, or `*`."""
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return any(t == "*" or t.removeprefix("W/") == etag for t in tags)
