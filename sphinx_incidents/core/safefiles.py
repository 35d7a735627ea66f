"""Reading files that anyone with a pull request can plant: bounded, regular files only.

``Path.read_bytes`` reads whatever is there: a 2 GB sparse file (2 GB of memory before the
size limit is checked), ``/dev/zero`` (until ``MemoryError``), a FIFO (forever).  Here the
file's type and size are checked with ``stat`` first, it is opened without blocking (a FIFO
swapped in after the check cannot hang the open), checked again on the open descriptor,
and at most ``limit + 1`` bytes are read, so a file that grows meanwhile is still refused.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOCTTY = getattr(os, "O_NOCTTY", 0)
_CHUNK = 64 * 1024


class UnreadableFile(Exception):
    """The file was not read; ``reason`` says why in words fit for a diagnostic."""

    def __init__(self, reason: str, hint: str | None = None, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.hint, self.too_large = reason, hint, too_large


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _too_large(size: int | None, limit: int) -> UnreadableFile:
    amount = f"{size} bytes" if size is not None else f"more than {limit} bytes"
    return UnreadableFile(
        f"file is too large ({amount}; the limit is {limit})",
        "split the record or move long text to a linked document",
        too_large=True,
    )


def _not_regular(mode: int) -> UnreadableFile:
    return UnreadableFile(
        f"not a regular file: {file_kind(mode)}", "only regular files are read", too_large=False
    )


def read_limited(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file ``path`` if it holds at most ``limit`` of them.

    :class:`UnreadableFile` otherwise (missing, a folder, a device, a FIFO, too large,
    permission denied); never blocks and never reads more than ``limit + 1`` bytes.
    """
    try:
        before = os.stat(path)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(before.st_mode):
        raise _not_regular(before.st_mode)
    if before.st_size > limit:
        raise _too_large(before.st_size, limit)
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _NOCTTY)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):  # swapped after the first check
            raise _not_regular(opened.st_mode)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if total > limit:
        raise _too_large(None, limit)
    return b"".join(chunks)


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with every symlink resolved, lies in ``root`` (also resolved)."""
    try:
        target = Path(os.path.realpath(path))
        base = Path(os.path.realpath(root))
    except (OSError, ValueError):
        return False
    return target == base or base in target.parents
