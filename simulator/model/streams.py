"""Random streams keyed by purpose and entity id (SPEC.md §7).

Each stream is a numpy generator seeded from `SeedSequence(seed, spawn_key=(replication,
*words(key)))`, where `words` is a stable hash of a key such as `"failures:bate#0"`. Keying
by id, never by position, keeps common random numbers across variants: adding a plant,
disabling a stage or changing one parameter leaves every other stream's draws alone.
Every sample uses exactly one uniform.
"""

from __future__ import annotations

import hashlib

import numpy as np


def key_words(key: str) -> tuple[int, ...]:
    """Four 32-bit words from a stable hash of the stream key."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class Stream:
    """Uniform draws for one purpose and entity; `next()` gives the next one in [0, 1)."""

    __slots__ = ("key", "_gen", "_buffer", "_pos")

    def __init__(self, seed: int, replication: int, key: str) -> None:
        self.key = key
        ss = np.random.SeedSequence(int(seed), spawn_key=(int(replication), *key_words(key)))
        self._gen = np.random.Generator(np.random.PCG64(ss))
        self._buffer: list[float] = []
        self._pos = 0

    def next(self) -> float:
        """The next uniform of this stream (drawn in blocks for speed; values unchanged)."""
        if self._pos >= len(self._buffer):
            self._buffer = self._gen.random(16).tolist()
            self._pos = 0
        u = self._buffer[self._pos]
        self._pos += 1
        return u


class Streams:
    """The streams of one replication, created on first use."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self._streams: dict[str, Stream] = {}

    def __call__(self, key: str) -> Stream:
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = Stream(self.seed, self.replication, key)
        return stream
