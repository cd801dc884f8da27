"""Follow a growing log file like `tail -F` and hand out its complete lines in batches.

Built for Asterisk's queue_log, usable for any line-oriented log:

- Only complete lines (ending in `\\n`) are handed out; a line still being written waits for
  its end. `\\r\\n` ends are accepted; bytes that are not UTF-8 are replaced.
- Rotation by renaming (Asterisk's `logger rotate`, logrotate's default `create` mode): the old
  file is read to its end first, then the new file from its start. Until a new file appears
  the old one stays open.
- Truncation in place (logrotate `copytruncate`): noticed when the file is shorter than the
  position or no longer starts with the bytes it started with, and read again from the start.
  Lines written between logrotate's copy and its truncation are lost (a limit of copytruncate
  itself); prefer rotation by renaming.
- The position (device, inode, byte offset, line number and a fingerprint of the file's first
  bytes) is kept in a small JSON state file, written atomically when the consumer `commit`s a
  batch it has delivered. After a restart reading resumes there; if the file was rotated in
  the meantime, the rotated file is found among its siblings by inode and read to its end
  first. Delivery is at least once: a batch handed out but not committed comes again after a
  restart (event ids are deterministic, so the server drops the repeats).

Waits are bounded: every idle wait lasts at most `poll_interval` and ends early on `stop()`;
each step reads at most `max_batch_bytes`, so the event loop is never held for long. Use it as

    async with FileFollower(path, default_state_path(path)) as follower:
        while (batch := await follower.next_batch()) is not None:
            ...  # parse batch.lines (first line is batch.first_line_no), post them, then:
            follower.commit(batch)

with `stop()` from a signal handler; `batches()` is the same as an async iterator.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO, Final

from app.core.logging import get_logger

log = get_logger(__name__)

STATE_VERSION: Final = 1
HEAD_BYTES: Final = 256


@dataclass(frozen=True, slots=True)
class TailPosition:
    """Where reading resumes: just after the last line handed out."""

    device: int
    inode: int
    offset: int
    line_no: int
    head: str  # fingerprint() of the file when the position was taken


@dataclass(frozen=True, slots=True)
class LineBatch:
    """Complete lines of one file (line ends removed) and the position after them."""

    path: Path
    lines: list[str]
    first_line_no: int
    position: TailPosition


class TailStateError(ValueError):
    """The state file holds something other than a position this module wrote."""


def default_state_path(path: Path) -> Path:
    """A per-file state path under $XDG_STATE_HOME (the log's own directory is rarely ours)."""
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    digest = hashlib.blake2b(str(path.resolve()).encode(), digest_size=8).hexdigest()
    return base / "floorwatch" / f"tail-{path.name}-{digest}.json"


def load_position(state_file: Path, path: Path) -> TailPosition | None:
    """The saved position for `path`, or None when there is none. Raises `TailStateError`."""
    try:
        raw = state_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
        if data.get("version") != STATE_VERSION:
            raise TailStateError(f"{state_file}: expected version {STATE_VERSION}")
        if data.get("path") != str(path):
            return None
        position = TailPosition(
            device=int(data["device"]),
            inode=int(data["inode"]),
            offset=int(data["offset"]),
            line_no=int(data["line_no"]),
            head=str(data["head"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, TailStateError):
            raise
        raise TailStateError(
            f"{state_file}: expected a JSON object with device, inode, offset, line_no and "
            "head; delete the file to start over"
        ) from exc
    if position.offset < 0 or position.line_no < 0:
        raise TailStateError(f"{state_file}: offset and line_no must not be negative")
    return position


def save_position(state_file: Path, path: Path, position: TailPosition) -> None:
    """Write the position atomically (a reader sees the old or the new file, never half)."""
    state_file.parent.mkdir(parents=True, exist_ok=True)
    payload = {"version": STATE_VERSION, "path": str(path), **asdict(position)}
    temporary = state_file.with_name(f".{state_file.name}.tmp")
    temporary.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(temporary, state_file)


def fingerprint(handle: BinaryIO, length: int | None = None) -> str:
    """`n:digest` of the file's first n bytes (n = `length`, or up to HEAD_BYTES).

    Tells a file that was truncated and written again, or a new file that reuses an inode,
    from the file a position was taken in: their first lines differ.
    """
    where = handle.tell()
    handle.seek(0)
    first = handle.read(HEAD_BYTES if length is None else length)
    handle.seek(where)
    return f"{len(first)}:{hashlib.blake2b(first, digest_size=8).hexdigest()}"


def _same_start(handle: BinaryIO, head: str) -> bool:
    """Whether the file still starts with the bytes `head` was taken from."""
    length, _, _ = head.partition(":")
    if not length.isdigit():
        return False
    return fingerprint(handle, int(length)) == head


def _size(handle: BinaryIO) -> int:
    return os.fstat(handle.fileno()).st_size


def _end_of_last_line(handle: BinaryIO) -> tuple[int, int]:
    """(offset just after the last complete line, number of complete lines)."""
    handle.seek(0)
    count = offset = read = 0
    while chunk := handle.read(1 << 20):
        newlines = chunk.count(b"\n")
        if newlines:
            count += newlines
            offset = read + chunk.rindex(b"\n") + 1
        read += len(chunk)
    return offset, count


class FileFollower:
    """Follows `path`; iterate `batches()` and `commit()` each batch once it is delivered.

    `from_start` applies only when there is no saved position: read the whole existing file
    (True) or only what is appended from now on (False, like `tail -F -n 0`; that starting
    point is saved at once, so a restart before the first batch loses nothing).
    """

    def __init__(
        self,
        path: Path,
        state_file: Path | None = None,
        *,
        from_start: bool = False,
        poll_interval: float = 0.5,
        max_batch_lines: int = 500,
        max_batch_bytes: int = 1 << 20,
        max_line_bytes: int = 1 << 16,
    ) -> None:
        if poll_interval <= 0 or max_batch_lines < 1 or max_line_bytes < 2:
            raise ValueError(
                "expected poll_interval > 0, max_batch_lines >= 1 and max_line_bytes >= 2"
            )
        self.path = path
        self.state_file = state_file
        self.from_start = from_start
        self.poll_interval = poll_interval
        self.max_batch_lines = max_batch_lines
        self.max_batch_bytes = max_batch_bytes
        self.max_line_bytes = max_line_bytes
        self._stopping = asyncio.Event()
        self._handle: BinaryIO | None = None
        self._reading: Path = path
        self._draining = False
        self._line_no = 0
        self._head = ""

    async def __aenter__(self) -> FileFollower:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def stop(self) -> None:
        """Make a waiting `next_batch()` return None and `batches()` finish."""
        self._stopping.set()

    def close(self) -> None:
        """Release the file. Following again later starts from the saved position."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._draining = False

    def commit(self, batch: LineBatch) -> None:
        """Remember that `batch` was delivered (no-op without a state file)."""
        if self.state_file is not None:
            save_position(self.state_file, self.path, batch.position)

    async def batches(self) -> AsyncIterator[LineBatch]:
        """Batches of complete lines until `stop()`; the file is released at the end."""
        try:
            while (batch := await self.next_batch()) is not None:
                yield batch
        finally:
            self.close()

    async def next_batch(self) -> LineBatch | None:
        """The next batch of complete lines; None once `stop()` is called.

        Safe to cancel, so bound the wait with `asyncio.timeout()`: it only ever waits between
        reads, and the position moves only when a batch is returned. (Cancelling an `anext()`
        of `batches()` ends that generator instead.)
        """
        while not self._stopping.is_set():
            if self._handle is None and not self._open_at_start():
                await self._idle()
                continue
            if not self._draining:
                self._restart_if_rewritten()
            batch = self._read_batch()
            if batch is not None:
                return batch
            if self._draining:
                moved = self._switch_to(self.path, reason="rotated file read to its end")
            else:
                moved = self._rotated()
            if not moved:
                await self._idle()
        return None

    async def _idle(self) -> None:
        """Wait one poll interval, less if `stop()` is called meanwhile."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.poll_interval):
                await self._stopping.wait()

    def _open_at_start(self) -> bool:
        """Open the file at the saved position (or per `from_start`); False while it is absent."""
        saved = None if self.state_file is None else load_position(self.state_file, self.path)
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return False
        stat = os.fstat(handle.fileno())
        if saved is not None:
            if (stat.st_dev, stat.st_ino) == (saved.device, saved.inode):
                if saved.offset <= stat.st_size and _same_start(handle, saved.head):
                    self._adopt(handle, self.path, saved.offset, saved.line_no)
                    return True
                log.warning("tail_file_replaced", path=str(self.path))
                self._adopt(handle, self.path, 0, 0)
                return True
            rotated = self._find_rotated(saved)
            if rotated is not None:
                handle.close()
                self._draining = True
                return True
            log.info("tail_rotated_file_not_found", path=str(self.path))
            self._adopt(handle, self.path, 0, 0)
            return True
        if self.from_start:
            self._adopt(handle, self.path, 0, 0)
        else:
            self._adopt(handle, self.path, *_end_of_last_line(handle))
        if self.state_file is not None:
            save_position(self.state_file, self.path, self._position())
        return True

    def _find_rotated(self, saved: TailPosition) -> BinaryIO | None:
        """Open the sibling that is the file we were reading before a rotation, at `saved`."""
        for sibling in sorted(self.path.parent.glob(f"{self.path.name}?*")):
            try:
                stat = sibling.stat()
            except OSError:
                continue
            if (stat.st_dev, stat.st_ino) != (saved.device, saved.inode):
                continue
            handle = sibling.open("rb")
            if saved.offset <= stat.st_size and _same_start(handle, saved.head):
                log.info("tail_resume_rotated", path=str(sibling), offset=saved.offset)
                self._adopt(handle, sibling, saved.offset, saved.line_no)
                return handle
            handle.close()
        return None

    def _adopt(self, handle: BinaryIO, path: Path, offset: int, line_no: int) -> None:
        if self._handle is not None and self._handle is not handle:
            self._handle.close()
        handle.seek(offset)
        self._handle, self._reading, self._line_no = handle, path, line_no
        self._head = fingerprint(handle)

    def _switch_to(self, path: Path, *, reason: str) -> bool:
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return False
        log.info("tail_switch", path=str(path), reason=reason)
        self._draining = False
        self._adopt(handle, path, 0, 0)
        return True

    def _read_batch(self) -> LineBatch | None:
        """Read up to one batch of complete lines from the current position."""
        handle = self._handle
        assert handle is not None, "the file is opened before reading"
        first_line_no = self._line_no + 1
        lines: list[str] = []
        consumed = 0
        while len(lines) < self.max_batch_lines and consumed < self.max_batch_bytes:
            start = handle.tell()
            raw = handle.readline(self.max_line_bytes)
            if not raw:
                break
            if not raw.endswith(b"\n") and len(raw) < self.max_line_bytes and not self._draining:
                handle.seek(start)
                break
            consumed += len(raw)
            lines.append(raw.rstrip(b"\r\n").decode("utf-8", errors="replace"))
            self._line_no += 1
        if not lines:
            return None
        self._head = fingerprint(handle)
        return LineBatch(self._reading, lines, first_line_no, self._position())

    def _position(self) -> TailPosition:
        handle = self._handle
        assert handle is not None, "the file is opened before its position is taken"
        stat = os.fstat(handle.fileno())
        return TailPosition(stat.st_dev, stat.st_ino, handle.tell(), self._line_no, self._head)

    def _restart_if_rewritten(self) -> None:
        """Read from the start again if the file was truncated in place (and maybe regrew)."""
        handle = self._handle
        assert handle is not None, "the file is opened before reading"
        if _size(handle) < handle.tell() or not _same_start(handle, self._head):
            log.warning("tail_truncated", path=str(self._reading))
            self._adopt(handle, self._reading, 0, 0)

    def _rotated(self) -> bool:
        """At the end of the current file: whether the path now names another file."""
        handle = self._handle
        assert handle is not None, "the file is opened before reading"
        try:
            current = self.path.stat()
        except FileNotFoundError:
            return False
        opened = os.fstat(handle.fileno())
        if (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino):
            return False
        self._draining = True
        return True
