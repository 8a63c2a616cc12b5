"""Folders tft writes: a run's result folder, created atomically under a unique name, and the
leftovers of killed runs; the lock of a folder being written.

A run's folder is written as `.<run-id>.tmp-<pid>-<random>` beside its final place, locked with
`flock` while it is written, and renamed into place when complete. A later run removes such a
folder when its process is gone and nobody holds its lock.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from sim.errors import ResultsError
from sim.files.safe import disk_error, make_folder

RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # used with fullmatch: no final newline
# a run's folder while it is written: `.<run-id>.tmp-<pid>-<random>`
TEMPORARY = re.compile(r"\..+\.tmp-(\d+)(-[A-Za-z0-9_]+)?")


def write_result(root: Path, scenario_name: str, run_id: str, fill: Callable[[Path], None]) -> Path:
    """Create `root/<scenario_name>/<run_id>/` atomically: `fill` writes into a temporary folder
    that is renamed into place only if it returns. Nothing is left behind if it raises; what a
    killed run left behind is removed by the next one. If `<run_id>` is taken (also by a run that
    finishes at the same moment), the folder is `<run_id>-2`, `-3`, ..."""
    if not RUN_ID.fullmatch(run_id):
        raise ResultsError(
            f"--run-id: {run_id!r} cannot name a folder (allowed: letters, digits, '_', '-', '.', "
            "not starting with '.' and no '/', at most 64 characters)"
        )
    root = Path(root)
    clean_leftovers(root)
    parent = root / scenario_name
    created = not parent.exists()
    make_folder(parent)
    try:
        temporary = Path(tempfile.mkdtemp(prefix=f".{run_id}.tmp-{os.getpid()}-", dir=parent))
        os.chmod(temporary, 0o777 & ~_umask())
    except OSError as exc:
        if created:
            _remove_if_empty(parent)
        raise disk_error(parent, exc, "cannot create a folder in it") from None
    held = _hold(temporary)
    try:
        fill(temporary)
        return _rename_to_free_name(temporary, parent, run_id)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        _remove_if_empty(parent)
        raise
    finally:
        if held is not None:
            os.close(held)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _rename_to_free_name(temporary: Path, parent: Path, run_id: str) -> Path:
    suffix = 1
    while True:
        final = parent / (run_id if suffix == 1 else f"{run_id}-{suffix}")
        suffix += 1
        if os.path.lexists(final):
            continue
        try:
            os.rename(temporary, final)  # an empty folder of that name is replaced, a full one refuses
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                continue
            raise disk_error(final, exc) from None
        return final


def _hold(folder: Path) -> int | None:
    """Lock the folder being written (released when its process ends, however it ends)."""
    try:
        import fcntl
    except ImportError:  # no flock: leftovers are recognised by their process id alone
        return None
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def _abandoned(path: str, pid: int) -> bool:
    """A temporary folder whose process is gone and whose lock nobody holds."""
    try:
        os.kill(pid, 0)
        return False
    except ProcessLookupError:
        pass
    except (PermissionError, OverflowError):
        return False
    try:
        import fcntl
    except ImportError:
        return True
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def clean_leftovers(root: Path) -> list[Path]:
    """Remove the temporary folders of runs that were killed (`.<run-id>.tmp-<pid>...` whose
    process is gone), and the result folders they leave empty. Returns what was removed."""
    removed: list[Path] = []
    try:
        children = [e for e in os.scandir(root) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return removed
    for child in children:
        found = False
        try:
            entries = list(os.scandir(child.path))
        except OSError:
            continue
        for entry in entries:
            match = TEMPORARY.fullmatch(entry.name)
            if match and entry.is_dir(follow_symlinks=False) and _abandoned(entry.path, int(match.group(1))):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(Path(entry.path))
                found = True
        if found and _remove_if_empty(Path(child.path)):
            removed.append(Path(child.path))
    return removed


def _remove_if_empty(folder: Path) -> bool:
    try:
        folder.rmdir()
        return True
    except OSError:
        return False


LOCK = ".lock"


def lock_folder(folder: Path, shared: bool = False) -> int | None:
    """Lock `folder` for writing (or, `shared`, for reading while nobody writes) through its
    `.lock` file; returns the descriptor that holds the lock (close it to release) or None where
    there is no flock. A folder another tft command holds is a one-line ResultsError."""
    try:
        import fcntl
    except ImportError:
        return None
    path = folder / LOCK
    flags = (os.O_RDONLY if shared else os.O_RDWR | os.O_CREAT) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except FileNotFoundError:
        return None  # never written by a sweep: nothing to wait for
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ResultsError(f"{path}: is a symbolic link; tft writes nothing through links (remove it)") from None
        raise disk_error(path, exc, "cannot lock") from None
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ResultsError(
            f"{folder}: busy: another tft command is writing this folder; wait until it has finished"
            + ("" if shared else " or choose another --id")
        ) from None
    return fd
