"""Reading files that anyone with a pull request can plant: bounded, regular files only.

``Path.read_bytes`` reads whatever is there: a 2 GB sparse file (2 GB of memory before the
size limit is checked), ``/dev/zero`` (until ``MemoryError``), a FIFO (forever).  Here the
file's type and size are checked with ``stat`` first, it is opened without blocking (a FIFO
swapped in after the check cannot hang the open), checked again on the open descriptor,
and at most ``limit + 1`` bytes are read, so a file that grows meanwhile is still refused.

Writing generated files (stubs, output files) goes through :func:`replace_if_changed`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
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


def new_file_mode() -> int:
    """The mode ``open()`` would give a new file (0666 less the umask); ``mkstemp`` gives
    0600, which would hide a renamed-into-place file from other users."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def replace_if_changed(path: Path, data: bytes, limit: int) -> bool:
    """Put ``data`` in ``path`` unless it holds exactly that; ``True`` when written.

    For files a build regenerates: atomic (a temporary file renamed into place, so a
    watcher or a web server never sees half a file) but not synced to disk, which would
    cost a full build thousands of ``fsync`` calls for files it can write again.  An
    unchanged file keeps its modification time (sphinx-autobuild does not loop); a changed
    one keeps its mode; what is in the way (a FIFO, more than ``limit`` bytes) is replaced
    without being read.
    """
    try:
        if read_limited(path, limit) == data:
            return False
    except UnreadableFile:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = new_file_mode()
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return True
