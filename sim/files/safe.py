"""Writing and reading result files safely: never through a link, never half-written, never an
unbounded read.

Every file is written to a temporary name created exclusively (`tempfile.mkstemp`, which opens
with O_CREAT | O_EXCL) in the target folder and renamed over the target only when complete, so a
crash leaves no half-written file and a planted symbolic link redirects nothing. A target or a
folder that is a symbolic link is refused. Problems of the disk (full, read-only, no permission)
become one-line `ResultsError`s naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import ResultsError

# errors of the machine, not of the program: they name a file and say what the disk refused
DISK_ERRORS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EFBIG: "the file is too large for this file system or limit",
    errno.EIO: "input/output error",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder",
    errno.EMLINK: "too many links",
    errno.ELOOP: "too many symbolic links",
}


def disk_error(path: Path | str, exc: OSError, doing: str = "cannot write") -> ResultsError:
    reason = DISK_ERRORS.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return ResultsError(f"{path}: {doing} ({reason})")


def refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise ResultsError(f"{path}: is a symbolic link; tft writes nothing through links (remove it)")


def make_folder(path: Path) -> Path:
    """Create `path` (and its parents) as a folder; refuse a link or a file in its place."""
    refuse_link(path)
    if path.exists() and not path.is_dir():
        raise ResultsError(f"{path}: exists and is not a folder (move it away or choose another --results)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ResultsError(f"{path}: exists and is not a folder (move it away or choose another --results)") from None
    except OSError as exc:
        raise disk_error(path, exc, "cannot create the folder") from None
    refuse_link(path)  # created meanwhile as a link by someone else
    return path


_UMASK: int | None = None


def _file_mode() -> int:
    """The mode an ordinary `open` would give (mkstemp makes its files private)."""
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0)
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


@contextmanager
def replaced(path: Path, binary: bool = False) -> Iterator:
    """A handle on a new file that replaces `path` when the block ends without an error; on an
    error it is removed and `path` is left as it was."""
    path = Path(path)
    refuse_link(path.parent)
    refuse_link(path)
    if path.is_dir():
        raise ResultsError(f"{path}: is a folder; tft would write a file there (move it away)")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise disk_error(path, exc) from None
    try:
        os.fchmod(fd, _file_mode())
        if binary:
            handle = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", newline="", encoding="utf-8")
        with handle:
            yield handle
        os.replace(name, path)
    except OSError as exc:
        _remove(name)
        if exc.errno in DISK_ERRORS:
            raise disk_error(path, exc) from None
        raise
    except BaseException:
        _remove(name)
        raise


def _remove(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


def write_text(path: Path, text: str) -> None:
    with replaced(path) as handle:
        handle.write(text)


FIGURE_DPI = 110  # pixels per inch of every PNG figure


def save_figure(fig, path: Path, tight: bool = True) -> None:
    """A matplotlib figure as PNG, written like every other file: cropped to what is drawn
    (`tight`, which draws the figure twice), or at the figure's own size, laid out beforehand."""
    with replaced(path, binary=True) as handle:
        fig.savefig(handle, format="png", dpi=FIGURE_DPI, bbox_inches="tight" if tight else None)


def read_bounded(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes: a path read from a
    manifest may name a device, a pipe or something huge."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ResultsError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise disk_error(path, exc, "cannot read") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ResultsError(f"{path}: not a regular file (expected a {what})")
        if info.st_size > limit:
            raise ResultsError(f"{path}: {info.st_size} bytes, larger than a {what} can be (at most {limit})")
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise ResultsError(f"{path}: larger than a {what} can be (at most {limit} bytes)")
        return b"".join(chunks)
    except OSError as exc:
        raise disk_error(path, exc, "cannot read") from None
    finally:
        os.close(fd)


def regular_file(path: Path, limit: int, what: str = "file") -> Path:
    """`path` if it is a regular file (links followed) of at most `limit` bytes, else a ResultsError."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ResultsError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise disk_error(path, exc, "cannot read") from None
    if not stat.S_ISREG(info.st_mode):
        raise ResultsError(f"{path}: not a regular file (expected a {what})")
    if info.st_size > limit:
        raise ResultsError(f"{path}: {info.st_size} bytes, larger than a {what} can be (at most {limit})")
    return Path(path)
