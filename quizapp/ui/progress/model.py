"""What the Progress page shows, computed from the store without Qt (the page only draws).

* :func:`load_data` reads everything the Overview shows for one learner in one go;
* :class:`HistoryQuery` pages through the answers in SQL: filtered (topic, text,
  wrong only) and sorted by any column in the database, a page of rows at a time, so a
  history of 200,000 answers costs what one screenful costs;
* :class:`StoreReader` runs those reads off the GUI thread. SQLite connections belong to
  the thread that opened them, so the reader keeps a connection of its own on its one
  worker thread (opened on first use, with the page's store's clock). A store without a
  file (``Store.memory()``, tests) is read at once on the calling thread instead.

Nothing here imports Qt or matplotlib.
"""
from __future__ import annotations

import concurrent.futures
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable

import numpy as np

WEEKS = 20  # the study calendar's width
FORECAST_DAYS = 14
WEAK_TOPICS = 5
WEAK_ITEMS = 6
HISTORY_PAGE = 200  # rows fetched per step while the history table scrolls


def wrap_name(text: str, width: int = 24) -> str:
    """A topic name on at most two lines of ``width`` characters: whole, not cut short."""
    import textwrap

    from quizapp.ui.shared.text import shorten

    lines = textwrap.wrap(" ".join(str(text).split()), width) or [""]
    if len(lines) > 2:
        lines = [lines[0], shorten(" ".join(lines[1:]), width)]
    return "\n".join(lines)


def short(text: str, width: int = 28) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def local_time(stamp: str | None) -> str:
    """A stored UTC time stamp as local ``YYYY-MM-DD HH:MM``."""
    if not stamp:
        return ""
    from quizapp.progress import clock

    try:
        return clock.parse_iso(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(stamp)[:16]


# ---------------------------------------------------------------------- the overview


@dataclass
class ProgressData:
    """Everything the Overview shows for one learner, read from the store in one go."""

    learner: Any
    today: date
    titles: dict[str, str]
    mastery: dict[str, dict]
    accuracy: list[tuple[str, int, int]]
    days: dict[str, int]  # local day -> answers
    forecast: list[tuple[str, int]]
    weakest_items: list[tuple[str, int, int]]
    streak: dict
    attempts: int = 0
    correct: int = 0
    weak_topics: list[tuple[str, dict]] = field(default_factory=list)
    learners: list = field(default_factory=list)  # every learner (the switcher)
    bucket: str = "day"
    #: the weakest items' questions as one line of text (read with the data, off the GUI
    #: thread, by :func:`question_texts`); None: not read
    item_texts: dict[str, str] | None = None

    @property
    def mastered(self) -> int:
        return sum(1 for m in self.mastery.values() if m.get("mastered"))


def question_texts(item_ids: list[str], bank_paths: list[str] | None = None) -> dict[str, str]:
    """Each item's question as one line of plain text, read from the bank files of those
    items' topics (items the bank no longer has are left out; {} if the bank is unreadable)."""
    from quizapp.bank.loader import item_prompts
    from quizapp.textmath import plain_text

    try:
        prompts = item_prompts(item_ids, bank_paths or None)
    except Exception:  # the ids are shown instead
        return {}
    return {i: plain_text(p, one_line=True) for i, p in prompts.items()}


def load_data(store, learner_id: int, bucket: str = "day") -> ProgressData:
    from quizapp.progress import clock

    learner = store.get_learner(learner_id)
    titles = store.topics(learner_id)
    mastery = store.mastery_by_topic(learner_id)
    by_day = store.accuracy_over_time(learner_id, "day")
    accuracy = by_day if bucket == "day" else store.accuracy_over_time(learner_id, bucket)
    data = ProgressData(
        learner=learner, today=clock.local_date(store.clock()), titles=titles, mastery=mastery,
        accuracy=accuracy, days={d: n for d, n, _c in by_day},
        forecast=store.review_forecast(learner_id, FORECAST_DAYS),
        weakest_items=store.weakest_items(learner_id, WEAK_ITEMS),
        streak=store.study_streak(learner_id),
        attempts=sum(n for _d, n, _c in by_day), correct=sum(c for _d, _n, c in by_day),
        learners=store.learners(), bucket=bucket)
    data.weak_topics = weakest_topics(mastery)
    return data


def resolve_learner(store, wanted: int | None) -> int:
    """``wanted`` if it still exists, else the store's default learner (deleted elsewhere)."""
    if wanted is not None:
        try:
            return store.get_learner(wanted).id
        except ValueError:
            pass
    return store.default_learner().id


def summary_parts(data: ProgressData) -> list[str]:
    """The one-line summary above the tabs, as its parts."""
    accuracy = (f"{100 * data.correct / data.attempts:.0f} % right" if data.attempts
                else "no answers yet")
    due = data.forecast[0][1] if data.forecast else 0
    parts = [f"{data.attempts} answer{'s' if data.attempts != 1 else ''}", accuracy,
             f"{due} due today", f"{data.mastered}/{len(data.mastery)} topics mastered",
             f"{len(data.days)} study day{'s' if len(data.days) != 1 else ''}"]
    streak = data.streak or {}
    if streak.get("enabled"):
        weeks = streak.get("weeks", 0)
        parts.append(f"streak {weeks} week{'s' if weeks != 1 else ''}")
    return parts


def weakest_topics(mastery: dict[str, dict], limit: int = WEAK_TOPICS) -> list[tuple[str, dict]]:
    """Answered, not yet mastered topics, lowest share right among the recent answers
    first (then fewer recent answers right, then more answers)."""
    rows = [(t, m) for t, m in mastery.items() if m.get("attempts") and not m.get("mastered")]
    rows.sort(key=lambda tm: (tm[1]["recent_correct"] / max(1, tm[1]["recent"]),
                              tm[1]["recent_correct"], -tm[1]["attempts"], tm[0]))
    return rows[:limit]


def calendar_grid(days: dict[str, int], today: date, weeks: int = WEEKS) -> tuple[np.ndarray, date]:
    """(7 x weeks) answers per day, Monday on row 0, this week in the last column; days
    after today are -1. Returns the grid and the Monday of its first column."""
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    grid = np.zeros((7, weeks), dtype=int)
    for col in range(weeks):
        for row in range(7):
            d = first + timedelta(weeks=col, days=row)
            grid[row, col] = -1 if d > today else days.get(d.isoformat(), 0)
    return grid, first


def accuracy_bars(rows: list[tuple[str, int, int]], bucket: str) -> tuple[list[date], np.ndarray, float]:
    """(first day of each period, bar heights scaled to 0..30, bar width in days) of the
    answers-per-period bars drawn under the accuracy line."""
    if bucket == "month":
        xs = [date.fromisoformat(p + "-01") for p, _n, _c in rows]
        width = 20.0
    else:
        xs = [date.fromisoformat(p) for p, _n, _c in rows]
        width = 0.8 if bucket == "day" else 5.0
    counts = np.array([n for _p, n, _c in rows], dtype=float)
    most = counts.max() if counts.size else 1.0
    return xs, 30.0 * counts / max(most, 1.0), width


# ---------------------------------------------------------------------- the history


COLUMNS = ("When", "Item", "Topic", "Answer given", "Expected", "Result", "Seconds")
CSV_COLUMNS = ("answered_at", "item_id", "topic", "given", "expected", "correct", "seconds")
# the SQL each column sorts by (ties: the newest answer first)
_ORDER = ("a.id", "a.item_id COLLATE NOCASE", "COALESCE(tp.title, a.topic, '') COLLATE NOCASE",
          "a.given COLLATE NOCASE", "a.expected COLLATE NOCASE", "a.correct",
          "COALESCE(a.seconds, -1)")


@dataclass(frozen=True)
class HistoryQuery:
    """Which answers the history shows and in which order (all of it done in SQL)."""

    learner_id: int
    topic: str | None = None
    text: str = ""
    wrong_only: bool = False
    column: int = 0  # index into COLUMNS
    descending: bool = True

    def _where(self) -> tuple[str, list[Any]]:
        sql = " WHERE a.learner_id = ?"
        args: list[Any] = [self.learner_id]
        if self.topic:
            sql += " AND a.topic = ?"
            args.append(self.topic)
        if self.wrong_only:
            sql += " AND a.correct = 0"
        text = " ".join(self.text.split())
        if text:
            like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            sql += (" AND (a.item_id LIKE ? ESCAPE '\\' OR a.topic LIKE ? ESCAPE '\\' OR "
                    "tp.title LIKE ? ESCAPE '\\' OR a.given LIKE ? ESCAPE '\\' OR "
                    "a.expected LIKE ? ESCAPE '\\')")
            args += [like] * 5
        return sql, args

    _FROM = " FROM attempts a LEFT JOIN topics tp ON tp.id = a.topic"

    def total(self, db) -> int:
        """Every answer of the learner (the filter aside)."""
        return db.execute("SELECT COUNT(*) FROM attempts WHERE learner_id = ?",
                          [self.learner_id]).fetchone()[0]

    def ids(self, db) -> list[int]:
        """The ids of the matching answers in this order: one sort in SQL, after which any
        page of the table is a cheap lookup by id (:meth:`rows_for`)."""
        where, args = self._where()
        direction = "DESC" if self.descending else "ASC"
        order = _ORDER[self.column if 0 <= self.column < len(_ORDER) else 0]
        sql = ("SELECT a.id" + self._FROM + where + f" ORDER BY {order} {direction}, a.id DESC")
        return [r[0] for r in db.execute(sql, args)]

    def rows(self, db, offset: int = 0, limit: int | None = HISTORY_PAGE) -> list[dict]:
        """The matching answers from ``offset`` (all of them with ``limit=None``)."""
        ids = self.ids(db)
        return rows_for(db, ids[offset:] if limit is None else ids[offset:offset + limit])


_KEYS = ("id", "item_id", "topic", "given", "expected", "correct", "seconds", "answered_at", "title")


def rows_for(db, ids: list[int], chunk: int = 500) -> list[dict]:
    """The answers with these ids, in this order (dicts with the topic's ``title``)."""
    found: dict[int, dict] = {}
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        sql = ("SELECT a.id, a.item_id, a.topic, a.given, a.expected, a.correct, a.seconds, "
               "a.answered_at, COALESCE(tp.title, a.topic, '') FROM attempts a LEFT JOIN topics "
               f"tp ON tp.id = a.topic WHERE a.id IN ({', '.join('?' * len(part))})")
        for row in db.execute(sql, part):
            entry = dict(zip(_KEYS, row))
            entry["correct"] = bool(entry["correct"])
            found[entry["id"]] = entry
    return [found[i] for i in ids if i in found]


def history_cells(row: dict) -> tuple:
    """One answer as the table shows it."""
    seconds = row.get("seconds")
    return (local_time(row.get("answered_at")), row.get("item_id") or "",
            row.get("title") or row.get("topic") or "", str(row.get("given") or ""),
            str(row.get("expected") or ""), "✓ right" if row.get("correct") else "✗ wrong",
            "" if seconds is None else f"{seconds:.0f}")


def csv_row(row: dict) -> list:
    seconds = row.get("seconds")
    return [row.get("answered_at") or "", row.get("item_id") or "", row.get("topic") or "",
            row.get("given") or "", row.get("expected") or "", "yes" if row.get("correct") else "no",
            "" if seconds is None else f"{seconds:.3f}".rstrip("0").rstrip(".")]


def write_history_csv(path, rows) -> int:
    import csv

    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for r in rows:
            w.writerow(csv_row(r))
            n += 1
    return n


# ---------------------------------------------------------------------- reading off the GUI thread


@dataclass(frozen=True)
class ReaderTarget:
    """A progress file not opened on the GUI thread yet: the reader opens it itself
    (``path`` None: the default file, as ``Store.open`` chooses it)."""

    path: Any = None


class StoreReader:
    """Runs ``fn(store)`` on one worker thread with a connection of its own.

    :meth:`submit` returns a ``concurrent.futures.Future``. Jobs run in order; a job
    submitted with a ``key`` replaces a queued, not yet started job with the same key
    (a burst of reloads costs one). A store without a file is read on the calling thread."""

    def __init__(self, store_getter: Callable[[], Any]):
        self._get = store_getter
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._queued: dict[str, concurrent.futures.Future] = {}
        self._lock = threading.RLock()
        self.closed = False

    def _reader(self, path, clock):
        reader = getattr(self._local, "store", None)
        if reader is None or getattr(self._local, "path", None) != path:
            from quizapp.progress import Store

            if reader is not None:
                reader.close()
            reader = Store.open(path)
            self._local.store, self._local.path = reader, path
        if clock is not None:
            reader.clock = clock
        return reader

    def submit(self, fn: Callable[[Any], Any], key: str | None = None) -> concurrent.futures.Future:
        store = self._get()
        if store is None:
            raise RuntimeError("the progress file is not open")
        if isinstance(store, ReaderTarget):  # not open on the GUI thread: open it here only
            path, clock = store.path, None
        else:
            path, clock = getattr(store, "path", None), store.clock
        if path is None and not isinstance(store, ReaderTarget) or self.closed:
            # a store in memory: nothing to open a second connection to
            future: concurrent.futures.Future = concurrent.futures.Future()
            try:
                future.set_result(fn(store))
            except BaseException as exc:  # handed to the caller through the future
                future.set_exception(exc)
            return future
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="progress-read")
        with self._lock:
            older = self._queued.pop(key, None) if key is not None else None
        if older is not None:
            older.cancel()  # not started yet: it never runs (a running one finishes, unused)
        future = self._pool.submit(lambda: fn(self._reader(path, clock)))
        if key is not None:
            with self._lock:
                self._queued[key] = future
            future.add_done_callback(lambda f, k=key: self._forget(k, f))
        return future

    def _forget(self, key: str, future) -> None:
        with self._lock:
            if self._queued.get(key) is future:
                del self._queued[key]

    def _close_local(self) -> None:
        reader = getattr(self._local, "store", None)
        self._local.store = None
        if reader is not None:
            reader.close()

    def close(self) -> None:
        """Stop the worker (a running job finishes) and close its connection there."""
        self.closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                pool.submit(self._close_local)
            except RuntimeError:  # the interpreter is exiting: its threads are gone already
                pass
            pool.shutdown(wait=True)
