"""The streams give numpy's own draws: `Generator(PCG64(SeedSequence(seed, spawn_key=
(replication, *key_words(key))))).random()`, for any seed, replication and key."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.model.streams import Stream, Streams, key_words


def numpy_draws(seed: int, replication: int, key: str, n: int) -> list[float]:
    ss = np.random.SeedSequence(seed, spawn_key=(replication, *key_words(key)))
    return np.random.Generator(np.random.PCG64(ss)).random(n).tolist()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**70), st.integers(0, 2**40), st.text(max_size=30))
def test_stream_draws_are_numpys(seed, replication, key):
    stream = Stream(seed, replication, key)
    assert [stream.next() for _ in range(20)] == numpy_draws(seed, replication, key, 20)


def test_streams_of_a_replication_are_numpys_and_independent_of_creation_order():
    streams = Streams(20230718, 7)
    keys = ["failures:bate#0", "demand:scenario", "supplier:cn_cnc", "build:x", ""]
    for key in keys:
        first = streams(key).next()
        assert first == numpy_draws(20230718, 7, key, 1)[0]
    assert streams(keys[0]) is streams(keys[0])
    assert [streams(keys[0]).next() for _ in range(30)] == \
        numpy_draws(20230718, 7, keys[0], 31)[1:]


def test_long_runs_match():
    stream = Stream(0, 0, "k")
    assert [stream.next() for _ in range(5000)] == numpy_draws(0, 0, "k", 5000)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**70), st.integers(0, 2**40),
       st.lists(st.text(max_size=12), min_size=1, max_size=20))
def test_known_keys_seeded_together_give_the_same_draws(seed, replication, keys):
    from simulator.model.streams import KnownKeys

    streams = Streams(seed, replication, KnownKeys(keys))
    for key in dict.fromkeys([*keys, "a key not listed"]):
        stream = streams(key)
        assert [stream.next() for _ in range(3)] == numpy_draws(seed, replication, key, 3)


def test_plan_lists_the_keys_a_replication_uses():
    from simulator.model.build import build_world
    from simulator.model.world import Plan
    from simulator.scenario import load_scenario

    plan = Plan.from_scenario(load_scenario("benchmarks/baseline_frozen.yaml"))
    world = build_world(plan, 0)
    world.env.run(until=plan.n_days)
    assert plan.known_keys is not None
    assert set(world.streams._streams) <= set(plan.known_keys.index)
