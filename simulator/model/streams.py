"""Random streams keyed by purpose and entity id (SPEC.md §7).

Each stream gives exactly the uniforms of numpy's
`Generator(PCG64(SeedSequence(seed, spawn_key=(replication, *words(key))))).random()`,
where `words` is a stable hash of a key such as `"failures:bate#0"`. Keying by id, never by
position, keeps common random numbers across variants: adding a plant, disabling a stage
or changing one parameter leaves every other stream's draws alone. Every sample uses
exactly one uniform.

A replication creates about 170 streams (one per line, supplier, project, …), and numpy's
seeding costs ~50 µs a stream, most of it call overhead on four 32-bit words. So the same
arithmetic is done here in Python integers, sharing the work the streams of one seed and
one replication have in common: `SeedSequence`'s entropy mixing absorbs the seed's words,
then the replication's, then the key's, so only the key's four words and the state
generation are left per stream; PCG64 (XSL-RR, 128-bit LCG) then runs on Python integers.
`tests/model/test_streams.py` checks every draw against numpy itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

# numpy's SeedSequence (numpy/random/bit_generator.pyx) and PCG64 (pcg64.h) constants
_MASK32 = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1
_MASK128 = (1 << 128) - 1
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645
_TO_DOUBLE = 1.0 / 9007199254740992.0  # 2**-53: numpy's next_double from 53 bits

Pool = tuple[tuple[int, int, int, int], int]  # SeedSequence's mixer and hash constant


def _hash_constants_b() -> tuple[tuple[int, int], ...]:
    """generate_state's hash constant before and after each of 8 words (fixed)."""
    out, h = [], _INIT_B
    for _ in range(8):
        nxt = (h * _MULT_B) & _MASK32
        out.append((h, nxt))
        h = nxt
    return tuple(out)


_HASH_B = _hash_constants_b()


def key_words(key: str) -> tuple[int, ...]:
    """Four 32-bit words from a stable hash of the stream key."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


_key_words = lru_cache(maxsize=8192)(key_words)


def _uint32_words(n: int) -> list[int]:
    """An integer as numpy coerces it for a SeedSequence: 32-bit words, low first."""
    if n < 0:
        raise ValueError(f"seeds and replications must be >= 0, got {n}")
    out = []
    while n > 0:
        out.append(n & _MASK32)
        n >>= 32
    return out or [0]


def _absorb(pool: Pool, words: list[int] | tuple[int, ...]) -> Pool:
    """`mix_entropy` past the pool's size: each word hashed into every mixer word."""
    (m0, m1, m2, m3), h = pool
    for w in words:
        v = ((w ^ h) * (h := (h * _MULT_A) & _MASK32)) & _MASK32
        r = (_MIX_L * m0 - _MIX_R * (v ^ (v >> 16))) & _MASK32
        m0 = r ^ (r >> 16)
        v = ((w ^ h) * (h := (h * _MULT_A) & _MASK32)) & _MASK32
        r = (_MIX_L * m1 - _MIX_R * (v ^ (v >> 16))) & _MASK32
        m1 = r ^ (r >> 16)
        v = ((w ^ h) * (h := (h * _MULT_A) & _MASK32)) & _MASK32
        r = (_MIX_L * m2 - _MIX_R * (v ^ (v >> 16))) & _MASK32
        m2 = r ^ (r >> 16)
        v = ((w ^ h) * (h := (h * _MULT_A) & _MASK32)) & _MASK32
        r = (_MIX_L * m3 - _MIX_R * (v ^ (v >> 16))) & _MASK32
        m3 = r ^ (r >> 16)
    return (m0, m1, m2, m3), h


@lru_cache(maxsize=64)
def _seed_pool(seed: int) -> Pool:
    """The pool after the seed's words (padded to four with zeros, as numpy does when a
    spawn key follows)."""
    entropy = _uint32_words(seed)
    entropy += [0] * (4 - len(entropy))
    h = _INIT_A
    mixer = [0, 0, 0, 0]

    def hashmix(value: int) -> int:
        nonlocal h
        value = ((value ^ h) * (h := (h * _MULT_A) & _MASK32)) & _MASK32
        return value ^ (value >> 16)

    for i in range(4):
        mixer[i] = hashmix(entropy[i])
    for src in range(4):
        for dst in range(4):
            if src != dst:
                r = (_MIX_L * mixer[dst] - _MIX_R * hashmix(mixer[src])) & _MASK32
                mixer[dst] = r ^ (r >> 16)
    return _absorb(((mixer[0], mixer[1], mixer[2], mixer[3]), h), entropy[4:])


def _pcg_state(pool: Pool) -> tuple[int, int]:
    """PCG64's (state, increment) as `PCG64(seed_sequence)` sets them: 4 uint64 words of
    `generate_state`, the first two the initial state, the last two the stream."""
    mixer = pool[0]
    w = []
    for i, (h, nxt) in enumerate(_HASH_B):
        v = ((mixer[i & 3] ^ h) * nxt) & _MASK32
        w.append(v ^ (v >> 16))
    initstate = ((w[0] | w[1] << 32) << 64) | (w[2] | w[3] << 32)
    initseq = ((w[4] | w[5] << 32) << 64) | (w[6] | w[7] << 32)
    inc = ((initseq << 1) | 1) & _MASK128
    return (((inc + initstate) & _MASK128) * _PCG_MULT + inc) & _MASK128, inc


def _states_of(pool: Pool, words: np.ndarray) -> list[tuple[int, int]]:
    """`_pcg_state(_absorb(pool, row))` for every row of `words` (n × 4 uint32) at once:
    the hash constant's sequence does not depend on the data, so each step is one numpy
    operation over all keys (uint32 arithmetic wraps as SeedSequence's does)."""
    u32 = np.uint32
    mixer, h = pool
    m = [np.full(len(words), value, dtype=u32) for value in mixer]
    for j in range(words.shape[1]):
        w = words[:, j]
        for d in range(4):
            nxt = (h * _MULT_A) & _MASK32
            v = (w ^ u32(h)) * u32(nxt)
            v ^= v >> u32(16)
            r = u32(_MIX_L) * m[d] - u32(_MIX_R) * v
            m[d] = r ^ (r >> u32(16))
            h = nxt
    out = []
    for i, (hb, nxt) in enumerate(_HASH_B):
        v = (m[i & 3] ^ u32(hb)) * u32(nxt)
        out.append((v ^ (v >> u32(16))).astype(np.uint64))
    lo = [(out[k] | (out[k + 1] << np.uint64(32))).tolist() for k in range(0, 8, 2)]
    states = []
    for a, b, c, d in zip(*lo, strict=True):
        inc = ((((c << 64) | d) << 1) | 1) & _MASK128
        states.append(((((inc + ((a << 64) | b)) & _MASK128) * _PCG_MULT + inc) & _MASK128,
                       inc))
    return states


class KnownKeys:
    """The stream keys a scenario will use, hashed once: `Streams` seeds them all at once
    per replication (keys not listed are still served, one at a time)."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.index: dict[str, int] = {}
        for key in keys:
            self.index.setdefault(key, len(self.index))
        self.words = np.array([key_words(k) for k in self.index], dtype=np.uint32
                              ).reshape(-1, 4)


class Stream:
    """Uniform draws for one purpose and entity; `next()` gives the next one in [0, 1)."""

    __slots__ = ("key", "_state", "_inc")

    def __init__(self, seed: int, replication: int, key: str, *,
                 _replication_pool: Pool | None = None) -> None:
        self.key = key
        pool = _replication_pool or _absorb(_seed_pool(int(seed)),
                                            _uint32_words(int(replication)))
        self._state, self._inc = _pcg_state(_absorb(pool, _key_words(key)))

    def next(self) -> float:
        """The next uniform of this stream (numpy's `Generator.random()` for PCG64)."""
        state = (self._state * _PCG_MULT + self._inc) & _MASK128
        self._state = state
        x = ((state >> 64) ^ state) & _MASK64
        rot = state >> 122
        x = ((x >> rot) | (x << (64 - rot))) & _MASK64
        return (x >> 11) * _TO_DOUBLE


    @classmethod
    def seeded(cls, key: str, state: tuple[int, int]) -> Stream:
        """A stream whose PCG64 (state, increment) is already computed."""
        stream = cls.__new__(cls)
        stream.key = key
        stream._state, stream._inc = state
        return stream


class Streams:
    """The streams of one replication, created on first use (the `known` keys seeded
    together at the first use of any of them)."""

    def __init__(self, seed: int, replication: int, known: KnownKeys | None = None) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self._pool = _absorb(_seed_pool(self.seed), _uint32_words(self.replication))
        self._streams: dict[str, Stream] = {}
        self._known = known
        self._states: list[tuple[int, int]] | None = None

    def __call__(self, key: str) -> Stream:
        stream = self._streams.get(key)
        if stream is None:
            known = self._known
            row = known.index.get(key) if known is not None else None
            if row is not None and known is not None:
                if self._states is None:
                    self._states = _states_of(self._pool, known.words)
                stream = Stream.seeded(key, self._states[row])
            else:
                stream = Stream(self.seed, self.replication, key,
                                _replication_pool=self._pool)
            self._streams[key] = stream
        return stream
