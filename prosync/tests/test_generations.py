"""Cache generations within a request: read together once, and a change made during the request
is seen by the rest of it (and by every later request)."""

import pytest
from django.core.cache import cache

from prosync import generations

pytestmark = pytest.mark.django_db


def counting(monkeypatch):
    calls = {"get": 0, "get_many": 0}
    for name in calls:
        original = getattr(cache, name)

        def wrapper(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(cache, name, wrapper)
    return calls


def test_a_request_reads_its_generations_together_and_sees_its_own_changes(monkeypatch):
    for ns in ("access", "filter-choices"):
        generations.generation(ns)  # they exist, as they do once the site has served a page
    calls = counting(monkeypatch)
    seen = {}

    def view(request):
        seen["access"] = generations.generation("access")
        seen["choices"] = generations.generation("filter-choices")
        seen["again"] = generations.generation("access")
        generations.new_generation("filter-choices")  # a write during the request
        seen["after"] = generations.generation("filter-choices")
        return "response"

    assert generations.RequestGenerations(view)(object()) == "response"
    assert calls == {"get": 0, "get_many": 1}  # all of them together at the first read
    assert seen["again"] == seen["access"]
    assert seen["after"] != seen["choices"]
    assert generations.generation("filter-choices") == seen["after"]  # outside the request too


def test_outside_a_request_every_read_asks_the_cache(monkeypatch):
    generations.generation("access")
    calls = counting(monkeypatch)
    first = generations.generation("access")
    generations.new_generation("access")
    assert generations.generation("access") != first and calls["get"] == 2
