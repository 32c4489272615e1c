"""What a long batch shows on the terminal: a progress bar of replications done, with rate
and time left, and a spinner while the results folder is written."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType


def progress_bar(show: bool, total: int) -> AbstractContextManager[Callable[[int], object]]:
    if not show:
        return nullcontext(lambda k: None)
    return _RichProgress(total)


def finishing_status(show: bool) -> AbstractContextManager[object]:
    """A spinner while the results folder is written (for a large batch the tables, charts
    and report take a while after the last replication)."""
    if not show:
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(
        "writing the results folder (tables, charts, report)")


class _RichProgress:
    """A rich progress bar of replications done, with rate and time left."""

    def __init__(self, total: int) -> None:
        self.total = total

    def __enter__(self) -> Callable[[int], None]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        rate = TextColumn("{task.fields[rate]}")
        self.progress = Progress(TextColumn("replications"), BarColumn(), MofNCompleteColumn(),
                                 rate, TimeElapsedColumn(), TextColumn("left"),
                                 TimeRemainingColumn(), transient=True)
        self.progress.__enter__()
        self.task = self.progress.add_task("run", total=self.total, rate="")
        return self._advance

    def _advance(self, k: int) -> None:
        self.progress.advance(self.task, k)
        speed = self.progress.tasks[0].speed
        self.progress.update(self.task, rate=f"{speed:.1f}/s" if speed else "")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.progress.__exit__(exc_type, exc, tb)
