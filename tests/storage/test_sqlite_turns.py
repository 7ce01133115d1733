"""SQLite writers take turns (survey.storage.sqlite): across processes and threads,
one holds the turn at a time, and a waiting one goes as soon as it is released."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from survey.storage.sqlite import WriterTurns


def _hold_turn(database: str, started: multiprocessing.synchronize.Event, seconds: float) -> None:
    turns = WriterTurns(database)
    turns.acquire()
    started.set()
    time.sleep(seconds)
    turns.release()


def test_another_process_waits_for_the_turn_then_gets_it(tmp_path: Path) -> None:
    database = str(tmp_path / "survey.db")
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    holder = context.Process(target=_hold_turn, args=(database, started, 0.5))
    holder.start()
    try:
        assert started.wait(30)
        turns = WriterTurns(database)
        before = time.monotonic()
        turns.acquire()
        waited = time.monotonic() - before
        turns.release()
    finally:
        holder.join(30)
    assert holder.exitcode == 0
    assert waited > 0.2  # it did wait for the other process (which held the turn 0.5 s)
    assert Path(f"{database}-writer").exists()


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    turns = WriterTurns(str(tmp_path / "survey.db"))
    inside = 0
    most_inside = 0
    guard = threading.Lock()

    def write() -> None:
        nonlocal inside, most_inside
        for _ in range(50):
            turns.acquire()
            with guard:
                inside += 1
                most_inside = max(most_inside, inside)
            time.sleep(0.0005)
            with guard:
                inside -= 1
            turns.release()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most_inside == 1


def test_an_in_memory_database_needs_no_file(tmp_path: Path) -> None:
    turns = WriterTurns(None)
    turns.acquire()
    turns.release()
    assert turns.lock_path is None


def test_a_write_intent_holds_the_turn_from_its_first_write_to_its_end(tmp_path: Path) -> None:
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from survey.storage.engines import make_engine, write_intent, writer_turns

    engine = make_engine(f"sqlite:///{tmp_path / 'survey.db'}")
    turns = writer_turns(engine)
    assert turns is not None
    with Session(engine) as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
        session.commit()
        assert not turns.taken  # a transaction outside write_intent does not queue
        with write_intent():
            assert not turns.taken  # nothing begun yet
            session.execute(text("INSERT INTO t VALUES (1)"))
            assert turns.taken
            session.commit()
            with write_intent():  # nested: the outer block keeps the turn
                session.execute(text("INSERT INTO t VALUES (2)"))
                session.commit()
            assert turns.taken
        assert not turns.taken
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 2
    engine.dispose()


def test_the_log_is_checkpointed_after_every_so_many_turns_once_the_turn_is_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from survey.storage import engines
    from survey.storage.engines import make_engine, write_intent, writer_turns

    database = tmp_path / "survey.db"
    engine = make_engine(f"sqlite:///{database}")
    turns = writer_turns(engine)
    assert turns is not None
    turns.checkpoint_every = 3
    held_during_checkpoint: list[bool] = []
    real_checkpoint = engines.checkpoint_wal

    def watched(engine_: Any) -> None:
        held_during_checkpoint.append(turns.taken)
        real_checkpoint(engine_)

    monkeypatch.setattr(engines, "checkpoint_wal", watched)
    with Session(engine) as session:
        session.execute(text("CREATE TABLE t (x BLOB)"))
        session.commit()
        real_checkpoint(engine)  # the table itself in the file
        size_before = database.stat().st_size
        for number in range(1, 4):
            with write_intent():
                session.execute(text("INSERT INTO t VALUES (zeroblob(200000))"))
                session.commit()
            if number < 3:
                # Until the third turn the rows are in the log only, not in the file.
                assert database.stat().st_size == size_before
                assert held_during_checkpoint == []
        assert database.stat().st_size > size_before + 3 * 200000
        assert held_during_checkpoint == [False]
    engine.dispose()


def test_a_failed_checkpoint_does_not_fail_the_write_it_follows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from survey.storage.engines import make_engine, write_intent, writer_turns

    engine = make_engine(f"sqlite:///{tmp_path / 'survey.db'}")
    turns = writer_turns(engine)
    assert turns is not None
    turns.checkpoint_every = 1

    def broken_connection() -> Any:
        raise OSError("disk gone")

    with Session(engine) as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
        session.commit()
        with write_intent():
            session.execute(text("INSERT INTO t VALUES (1)"))
            session.commit()
            # The write is done; the checkpoint, as the block ends, cannot open a connection.
            monkeypatch.setattr(engine, "raw_connection", broken_connection)
        monkeypatch.undo()
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 1
    assert "checkpoint of the SQLite write-ahead log failed" in caplog.text
    engine.dispose()


def test_a_turn_taken_for_one_write_is_held_until_it_ends_then_checkpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from survey.storage import engines
    from survey.storage.engines import end_turn, make_engine, take_turn, write_intent

    engine = make_engine(f"sqlite:///{tmp_path / 'survey.db'}")
    turns = take_turn(engine)
    assert turns is not None
    assert turns.taken
    turns.checkpoint_every = 1
    held_during_checkpoint: list[bool] = []
    monkeypatch.setattr(engines, "checkpoint_wal", lambda _engine: held_during_checkpoint.append(turns.taken))
    end_turn(turns, engine)
    assert not turns.taken
    assert held_during_checkpoint == [False]
    with write_intent(), pytest.raises(RuntimeError, match="wait for itself"):
        take_turn(engine)
    assert not turns.taken
    engine.dispose()


def test_the_database_file_and_its_log_are_the_owners_only(tmp_path: Path) -> None:
    from sqlalchemy import text

    from survey.storage.engines import make_engine

    path = tmp_path / "survey.db"
    path.touch(mode=0o644)
    path.chmod(0o644)  # as an older version, or a copy, left it
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        for name in ("survey.db", "survey.db-wal"):
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
    engine.dispose()
