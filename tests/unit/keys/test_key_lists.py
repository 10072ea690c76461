"""A user's key list kept in memory: never past its time, never across a change."""

from __future__ import annotations

from tests.fakes.keys import futures_key
from tradedesk.domain.keys.key_lists import KeyListCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_list_is_kept_for_its_time_and_no_longer():
    clock = Clock()
    cache = KeyListCache(2.0, clock=clock)
    cache.put("u1", [futures_key("k1")], cache.generation)

    clock.now += 1.9
    kept = cache.get("u1")
    clock.now += 0.1

    assert kept == [futures_key("k1")] and cache.get("u1") is None and cache.get("u2") is None


def test_a_change_forgets_the_users_list_and_refuses_one_read_before_it():
    cache = KeyListCache(60.0, clock=Clock())
    cache.put("u1", [futures_key("k1")], cache.generation)
    cache.put("u2", [futures_key("k2", "u2")], cache.generation)
    read_before = cache.generation

    cache.forget(["u1"])
    cache.put("u1", [futures_key("k1")], read_before)  # a read that began before the change

    assert cache.get("u1") is None and cache.get("u2") == [futures_key("k2", "u2")]
    cache.put("u1", [], cache.generation)
    assert cache.get("u1") == []


def test_what_a_caller_does_to_its_list_does_not_reach_the_cache():
    cache = KeyListCache(60.0, clock=Clock())
    cache.put("u1", [futures_key("k1")], cache.generation)

    cache.get("u1").append(futures_key("k9"))  # type: ignore[union-attr]

    assert cache.get("u1") == [futures_key("k1")]


def test_memory_is_bounded_and_a_zero_time_keeps_nothing():
    bounded = KeyListCache(60.0, max_users=2, clock=Clock())
    for user in ("u1", "u2", "u3"):
        bounded.put(user, [], bounded.generation)
    off = KeyListCache(0.0, clock=Clock())
    off.put("u1", [], off.generation)

    assert bounded.get("u1") is None and bounded.get("u3") == []
    assert off.get("u1") is None
