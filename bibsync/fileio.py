"""File I/O at the edges: read a text file leniently, write one atomically (and only when it changes).

`bibsync check` reads through this module on every commit, so what only writing needs (tempfile,
hashlib) is imported when a write happens.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

BLOCK = 1 << 20


def read_text(path: Path) -> str:
    """A UTF-8 text file with any BOM dropped and line endings normalised to ``\\n``."""
    data = path.read_bytes()
    text = data.decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def display_path(path: Path) -> str:
    """A path as the user would write it: relative to the current folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def write_atomic(path: Path, data: str | bytes | Iterable[str]) -> None:
    """Write ``data`` (text, bytes, or text in pieces) to ``path`` so that readers see the old file or the
    new one, never half of it."""
    _write(path, [data] if isinstance(data, str | bytes) else data, only_if_changed=False)


def write_if_changed(path: Path, pieces: Iterable[str]) -> bool:
    """Like :func:`write_atomic`, but leave ``path`` untouched (timestamp included) when it already holds
    exactly this content. True when the file was written."""
    return _write(path, pieces, only_if_changed=True)


def write_all_if_changed(
    files: Sequence[tuple[Path, Callable[[], Iterable[str]]]], *, fork: bool = False
) -> list[Path]:
    """:func:`write_if_changed` for each (path, content) pair; returns the paths written.

    With ``fork`` (and where the platform forks: Linux), a child process renders and writes the last file
    while this one does the others, so two costly renderings share two cores. The child reports back
    through a pipe; its errors are raised here, as the parent's own would be.
    """
    if not fork or len(files) < 2 or sys.platform != "linux":
        return [path for path, pieces in files if write_if_changed(path, pieces())]
    *own, (child_path, child_pieces) = files
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: one file, one report, and out without running the parent's exit handlers
        os.close(read_end)
        report = "interrupted"
        try:
            report = "written" if write_if_changed(child_path, child_pieces()) else "unchanged"
        except OSError as error:
            report = f"error\t{error.errno or 0}\t{error.strerror or error}"
        finally:
            os.write(write_end, report.encode("utf-8"))
            os._exit(0)
    os.close(write_end)
    try:
        written = [path for path, pieces in own if write_if_changed(path, pieces())]
    finally:
        os.waitpid(pid, 0)
        with os.fdopen(read_end, "rb") as pipe:
            report = pipe.read().decode("utf-8")
    if report == "written":
        written.append(child_path)
    elif report.startswith("error\t"):
        _, number, message = report.split("\t", 2)
        raise OSError(int(number), message, str(child_path))
    elif report != "unchanged":
        raise KeyboardInterrupt  # the child was interrupted before it could report
    return written


def same_content(path: Path, pieces: Iterable[str]) -> bool:
    """Does ``path`` hold exactly this text (UTF-8)? Compared by digest, piece by piece."""
    import hashlib

    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece.encode("utf-8"))
    return _file_digest(path) == digest.digest()


def _write(path: Path, pieces: Iterable[str | bytes], *, only_if_changed: bool) -> bool:
    """The bytes go to a temporary file in the same folder, are flushed to disk, and replace ``path`` in
    one rename; the file keeps the mode of the one it replaces."""
    import hashlib
    import tempfile

    try:
        if path.parent.exists() and not path.parent.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path.parent))
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:  # name the file the user asked for, not a temporary one
        raise OSError(error.errno, error.strerror, str(path)) from None
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as stream:
            for piece in pieces:
                payload = piece.encode("utf-8") if isinstance(piece, str) else piece
                digest.update(payload)
                stream.write(payload)
            stream.flush()
            if only_if_changed and _file_digest(path) == digest.digest():
                os.unlink(temporary)
                return False
            os.fsync(stream.fileno())
        try:
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
        return True
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _file_digest(path: Path) -> bytes | None:
    import hashlib

    try:
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").digest()
    except (FileNotFoundError, IsADirectoryError):
        return None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
