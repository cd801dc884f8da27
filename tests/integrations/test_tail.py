from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from app.integrations.tail import (
    FileFollower,
    LineBatch,
    TailStateError,
    default_state_path,
    load_position,
)

FAST = 0.01


def follower(path: Path, state: Path | None = None, **options: object) -> FileFollower:
    return FileFollower(path, state, poll_interval=FAST, **options)  # type: ignore[arg-type]


async def take(tail: FileFollower, seconds: float = 2.0) -> LineBatch:
    async with asyncio.timeout(seconds):
        batch = await tail.next_batch()
    assert batch is not None
    return batch


async def nothing_within(tail: FileFollower, seconds: float = 0.1) -> bool:
    try:
        async with asyncio.timeout(seconds):
            await tail.next_batch()
    except TimeoutError:
        return True
    return False


def append(path: Path, text: str) -> None:
    with path.open("ab") as handle:
        handle.write(text.encode())


def write(path: Path, content: str | bytes) -> None:
    """Create or replace the file (a new inode only if it did not exist)."""
    path.write_bytes(content.encode() if isinstance(content, str) else content)


def rotate(path: Path, to: str) -> Path:
    rotated = path.with_name(to)
    path.rename(rotated)
    return rotated


def truncate(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.truncate(0)


def overwrite_start(path: Path, content: str) -> None:
    with path.open("r+b") as handle:
        handle.write(content.encode())


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "queue_log"


async def test_hands_out_complete_lines_and_waits_for_the_rest(log: Path) -> None:
    write(log, b"1|a\n2|b\r\n3|c\n4|partial")

    async with follower(log, from_start=True) as tail:
        first = await take(tail)
        assert (first.lines, first.first_line_no) == (["1|a", "2|b", "3|c"], 1)
        assert await nothing_within(tail)

        append(log, " line\n5|e\n")
        second = await take(tail)

    assert (second.lines, second.first_line_no) == (["4|partial line", "5|e"], 4)
    assert second.position.offset == len(b"1|a\n2|b\r\n3|c\n4|partial line\n5|e\n")
    assert second.position.line_no == 5


async def test_batches_are_bounded(log: Path) -> None:
    write(log, "".join(f"{n}|x\n" for n in range(1, 8)))

    async with follower(log, from_start=True, max_batch_lines=3) as tail:
        sizes = [len((await take(tail)).lines) for _ in range(3)]

    assert sizes == [3, 3, 1]


async def test_starts_at_the_end_without_a_saved_position(log: Path) -> None:
    write(log, "old 1\nold 2\nstill being writ")

    async with follower(log) as tail:
        assert await nothing_within(tail)
        append(log, "ten\nnew\n")
        batch = await take(tail)

    assert (batch.lines, batch.first_line_no) == (["still being written", "new"], 3)


async def test_waits_for_a_file_that_does_not_exist_yet(log: Path) -> None:
    async with follower(log, from_start=True) as tail:
        assert await nothing_within(tail)
        write(log, "1|first\n")
        batch = await take(tail)

    assert batch.lines == ["1|first"]


async def test_follows_rotation_by_rename_after_reading_the_old_file(log: Path) -> None:
    write(log, "a1\na2\n")
    rotated = log.with_name("queue_log.1")

    async with follower(log, from_start=True) as tail:
        assert (await take(tail)).lines == ["a1", "a2"]
        rotate(log, rotated.name)
        append(rotated, "a3 written before asterisk reopened\n")
        write(log, "b1\nb2\n")
        old_tail = await take(tail)
        new = await take(tail)

    assert (old_tail.path, old_tail.lines, old_tail.first_line_no) == (
        rotated.with_name("queue_log"),
        ["a3 written before asterisk reopened"],
        3,
    )
    assert (new.path, new.lines, new.first_line_no) == (log, ["b1", "b2"], 1)


async def test_keeps_the_old_file_while_the_new_one_is_missing(log: Path) -> None:
    write(log, "a1\n")
    rotated = log.with_name("queue_log.0")

    async with follower(log, from_start=True) as tail:
        await take(tail)
        rotate(log, rotated.name)
        append(rotated, "a2\n")
        assert (await take(tail)).lines == ["a2"]
        write(log, "b1\n")
        assert (await take(tail)).lines == ["b1"]


async def test_rereads_a_file_truncated_in_place(log: Path) -> None:
    write(log, "a1\na2\na3\n")

    async with follower(log, from_start=True) as tail:
        await take(tail)
        truncate(log)
        append(log, "b1\n")
        batch = await take(tail)

    assert (batch.lines, batch.first_line_no) == (["b1"], 1)


async def test_notices_truncation_even_when_the_file_regrew_past_the_position(
    log: Path,
) -> None:
    write(log, "1700000000|a\n")

    async with follower(log, from_start=True) as tail:
        await take(tail)
        truncate(log)
        append(log, "1700000999|b\n1700001000|c\n")
        batch = await take(tail)

    assert batch.lines == ["1700000999|b", "1700001000|c"]


async def test_resumes_after_the_last_committed_batch(log: Path, tmp_path: Path) -> None:
    state = tmp_path / "state" / "tail.json"
    write(log, "1\n2\n")

    first = follower(log, state, from_start=True, max_batch_lines=1)
    async with first:
        first.commit(await take(first))
        await take(first)  # handed out, never committed

    append(log, "3\n")
    async with follower(log, state) as tail:
        again = await take(tail)

    assert (again.lines, again.first_line_no) == (["2", "3"], 2)


async def test_reads_the_rotated_file_to_its_end_after_a_restart(log: Path, tmp_path: Path) -> None:
    state = tmp_path / "tail.json"
    write(log, "a1\n")
    first = follower(log, state, from_start=True)
    async with first:
        first.commit(await take(first))

    append(rotate(log, "queue_log.1"), "a2\n")
    write(log, "b1\n")
    async with follower(log, state) as tail:
        old_tail = await take(tail)
        new = await take(tail)

    assert (old_tail.lines, old_tail.first_line_no) == (["a2"], 2)
    assert (new.lines, new.first_line_no) == (["b1"], 1)


async def test_a_new_file_on_a_reused_inode_is_read_from_its_start(
    log: Path, tmp_path: Path
) -> None:
    state = tmp_path / "tail.json"
    write(log, "a1\na2\n")
    first = follower(log, state, from_start=True)
    async with first:
        first.commit(await take(first))

    overwrite_start(log, "b1\nb2\nb3\n")  # same inode, other content: a reused inode
    async with follower(log, state) as tail:
        batch = await take(tail)

    assert (batch.lines, batch.first_line_no) == (["b1", "b2", "b3"], 1)


async def test_the_starting_point_at_the_end_is_saved_at_once(log: Path, tmp_path: Path) -> None:
    state = tmp_path / "tail.json"
    write(log, "old\n")
    async with follower(log, state) as tail:
        assert await nothing_within(tail)

    append(log, "written while the follower was down\n")
    async with follower(log, state) as tail:
        batch = await take(tail)

    assert (batch.lines, batch.first_line_no) == (["written while the follower was down"], 2)


async def test_stop_ends_the_iteration_without_waiting_for_lines(log: Path) -> None:
    write(log, "")
    tail = FileFollower(log, poll_interval=30)

    async def consume() -> list[LineBatch]:
        return [batch async for batch in tail.batches()]

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    tail.stop()
    async with asyncio.timeout(1):
        assert await task == []
    assert tail._handle is None


async def test_a_cancelled_wait_loses_no_line(log: Path) -> None:
    write(log, "1\n")

    async with follower(log, from_start=True) as tail:
        await take(tail)
        assert await nothing_within(tail)
        assert await nothing_within(tail)
        append(log, "2\n")
        batch = await take(tail)

    assert (batch.lines, batch.first_line_no) == (["2"], 2)


async def test_odd_bytes_and_overlong_lines_do_not_stop_the_follower(log: Path) -> None:
    write(log, b"caf\xe9|x\n" + b"y" * 25 + b"\n")

    async with follower(log, from_start=True, max_line_bytes=10) as tail:
        batch = await take(tail)

    assert batch.lines[0] == "caf\ufffd|x"
    assert "".join(batch.lines[1:]) == "y" * 25


def test_a_corrupt_state_file_is_refused_with_a_hint(log: Path, tmp_path: Path) -> None:
    state = tmp_path / "tail.json"
    state.write_text(json.dumps({"version": 1, "path": str(log), "offset": "x"}))

    with pytest.raises(TailStateError, match="delete the file to start over"):
        load_position(state, log)


def test_a_state_file_for_another_path_is_ignored(log: Path, tmp_path: Path) -> None:
    state = tmp_path / "tail.json"
    state.write_text(
        json.dumps(
            {
                "version": 1,
                "path": "/elsewhere",
                "device": 1,
                "inode": 2,
                "offset": 3,
                "line_no": 1,
                "head": "",
            }
        )
    )

    assert load_position(state, log) is None


def test_default_state_path_is_per_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))

    one = default_state_path(Path("/var/log/asterisk/queue_log"))
    other = default_state_path(Path("/srv/pbx2/queue_log"))

    assert one.parent == tmp_path / "floorwatch"
    assert one != other
    assert one.name.startswith("tail-queue_log-")


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="poll_interval > 0"):
        FileFollower(Path(os.devnull), poll_interval=0)
