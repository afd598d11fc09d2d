"""Property tests of the sliding-log limiter: quotas hold in every window, Retry-After is exact."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.ratelimit import Limiter, Rule
from mock_server.state.clock import Clock
from mock_server.state.store import Store

rules_st = st.lists(
    st.builds(
        Rule,
        name=st.sampled_from(["a", "b", "c"]),
        limit=st.integers(1, 5),
        window=st.integers(1, 10).map(float),
    ),
    min_size=1,
    max_size=2,
    unique_by=lambda r: r.name,
)
# Request times in whole milliseconds, so the test's arithmetic is exact.
times_st = st.lists(st.integers(0, 30_000), min_size=1, max_size=60).map(sorted)
keys_st = st.sampled_from(["k1", "k2", "k3"])


def new_limiter() -> Limiter:
    store = Store()
    return Limiter(store, Clock(store))


def run(
    limiter: Limiter, requests: list[tuple[int, str]], rules: list[Rule]
) -> list[tuple[int, str, bool, int]]:
    out = []
    for ms, key in requests:
        d = limiter.hit(key, rules, now=ms / 1000)
        out.append((ms, key, d.allowed, d.retry_after))
    return out


@settings(max_examples=150, deadline=None)
@given(rules=rules_st, times=times_st, data=st.data())
def test_never_more_than_the_quota_in_any_window_and_never_a_needless_429(rules, times, data):
    keys = data.draw(st.lists(keys_st, min_size=len(times), max_size=len(times)))
    results = run(new_limiter(), list(zip(times, keys, strict=True)), rules)
    for ms, key, allowed, retry_after in results:
        accepted_before = [t for t, k, ok, _ in results if k == key and ok and t <= ms]
        if allowed:
            assert retry_after == 0
            for rule in rules:  # the window ending at this accepted request
                in_window = [t for t in accepted_before if t > ms - rule.window * 1000]
                assert len(in_window) <= rule.limit
        else:
            # Refused only when some rule's window before it is full.
            earlier = [t for t, k, ok, _ in results if k == key and ok and t <= ms]
            assert any(
                len([t for t in earlier if t > ms - r.window * 1000]) >= r.limit for r in rules
            )
            assert retry_after >= 1


@settings(max_examples=150, deadline=None)
@given(rules=rules_st, times=times_st)
def test_retry_after_is_exact(rules, times):
    limiter = new_limiter()
    for ms in times:
        d = limiter.hit("k", rules, now=ms / 1000)
        if not d.allowed:
            wait = d.retry_after
            assert not limiter.hit("k", rules, now=(ms + (wait - 1) * 1000) / 1000).allowed
            assert limiter.hit("k", rules, now=(ms + wait * 1000) / 1000).allowed
            return


@settings(max_examples=100, deadline=None)
@given(rules=rules_st, times=times_st, data=st.data())
def test_keys_never_affect_each_other(rules, times, data):
    keys = data.draw(st.lists(keys_st, min_size=len(times), max_size=len(times)))
    together = run(new_limiter(), list(zip(times, keys, strict=True)), rules)
    for key in set(keys):
        alone = run(
            new_limiter(), [(t, k) for t, k in zip(times, keys, strict=True) if k == key], rules
        )
        assert [r for r in together if r[1] == key] == alone


def test_aptoria_defaults_minute_hour_and_ai_quota():
    limiter = new_limiter()
    general = limiter.rules_for("aptoria", "key1", "get_ar_aging")
    ai = limiter.rules_for("aptoria", "key1", "ai_delinquency_prioritizer")
    assert [(r.limit, r.window) for r in general] == [(60, 60.0), (1000, 3600.0)]
    assert [(r.limit, r.window) for r in ai][-1] == (10, 3600.0)
    assert limiter.rules_for("keynest", "key1", "list_properties") is None  # off by default


def test_per_credential_override_and_run_time_change():
    limiter = new_limiter()
    limiter.set_config(
        {
            "credentials": {
                "vip": {"enabled": True, "rules": [{"name": "minute", "limit": 2, "window": 60}]}
            }
        }
    )
    assert [r.limit for r in limiter.rules_for("aptoria", "vip", "get_ar_aging")] == [2]
    assert [r.limit for r in limiter.rules_for("aptoria", "other", "get_ar_aging")] == [60, 1000]
    limiter.set_config({"aptoria": {"enabled": False}})
    assert limiter.rules_for("aptoria", "other", "get_ar_aging") is None
    limiter.reset(config=True)
    assert [r.limit for r in limiter.rules_for("aptoria", "other", "get_ar_aging")] == [60, 1000]
