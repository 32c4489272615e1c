"""What every execution backend is: keyed calls in, `(key, result)` pairs out as they finish.

The interface the batch engine runs chunks through, with the names backends share; the
backends themselves are `simulator.experiments.backends` (local) and
`simulator.experiments.dask_backend` (Dask), each importing only this module.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, Protocol

Call = tuple[Hashable, tuple[Any, ...]]
MAX_ATTEMPTS = 3


class WorkerCrashed(RuntimeError):
    """A chunk's worker died more often than `MAX_ATTEMPTS`."""


class Backend(Protocol):
    """Runs keyed calls and yields their results as they complete."""

    name: str
    workers: int

    def map_unordered(self, fn: Callable[..., Any],
                      calls: Sequence[Call]) -> Iterator[tuple[Hashable, Any]]: ...

    def close(self) -> None: ...
