"""The fetcher's politeness and resilience, against a scripted service: spacing, Retry-After, backoff,
giving a failing service up while others carry on, and no network. Nothing really sleeps."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable

import httpx
import pytest
from pytest_httpx import HTTPXMock
from zotero_fake import FakeTime

from bibsync.enrich.candidate import Candidate, Politeness, Query, Service, ServiceError
from bibsync.enrich.fetch import DOWN_AFTER, MAX_WAIT, RETRIES, Fetcher, Lookup, parse_retry_after
from bibsync.model import Person

POLITE = Politeness(user_agent="bibsync/test (mailto:lab@example.org)", contact="lab@example.org")


def json_service(name: str, interval: float = 3.0, concurrency: int = 1) -> Service:
    """A minimal service: GET https://<name>.test/search?title=..., answering {"titles": [...]}."""

    def search(query: Query, politeness: Politeness) -> httpx.Request:
        return httpx.Request("GET", f"https://{name}.test/search", params={"title": query.title},
                             headers={"User-Agent": politeness.user_agent})

    def parse(response: httpx.Response) -> list[Candidate]:
        try:
            titles = response.json()["titles"]
        except (ValueError, KeyError) as error:
            raise ServiceError(f"{name}: malformed answer ({error})") from None
        return [Candidate(name, t, (Person("Doe", "Jane"),), 2022) for t in titles]

    return Service(name=name, label=name.title(), min_interval=interval, concurrency=concurrency,
                   search=search, parse=parse, empty_statuses=frozenset({404}))


def lookups(count: int) -> list[Lookup]:
    return [Lookup(Query(f"key{i:02d}", f"Paper {i}", (Person("Doe", "Jane"),), 2022)) for i in range(count)]


class Script:
    """A service's answers in order; each request is logged with the fake clock's time."""

    def __init__(self, time: FakeTime, answers: list[httpx.Response | Exception] | None = None) -> None:
        self.time = time
        self.answers = list(answers or [])
        self.log: list[tuple[float, httpx.Request]] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.log.append((self.time.now, request))
            answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, Exception):
            raise answer
        if answer is not None:
            return answer
        return httpx.Response(200, json={"titles": [request.url.params["title"]]})


def fetcher(time: FakeTime) -> Callable[[], Fetcher]:
    def make() -> Fetcher:
        return Fetcher(httpx.Client(), POLITE, clock=time.clock, sleep=time.sleep)
    return make


def test_requests_are_spaced_by_the_documented_interval(httpx_mock: HTTPXMock, time: FakeTime) -> None:
    script = Script(time)
    httpx_mock.add_callback(script, url=re.compile(r"https://arxiv\.test/.*"), is_reusable=True)
    result = fetcher(time)().run(lookups(5), [json_service("arxiv", interval=3.0)])
    starts = [t for t, _ in script.log]
    assert [round(b - a, 6) for a, b in itertools.pairwise(starts)] == [3.0] * 4
    assert [a.key for a in result.answers] == [f"key{i:02d}" for i in range(5)]
    assert all(a.candidates and not a.failure for a in result.answers)
    assert all(r.headers["User-Agent"] == POLITE.user_agent for _, r in script.log)


def test_retry_after_is_honoured(httpx_mock: HTTPXMock, time: FakeTime) -> None:
    script = Script(time, [httpx.Response(429, headers={"Retry-After": "17"}),
                           httpx.Response(503, headers={"Retry-After": "5"})])
    httpx_mock.add_callback(script, is_reusable=True)
    result = fetcher(time)().run(lookups(2), [json_service("crossref", interval=0.2)])
    starts = [t for t, _ in script.log]
    assert starts[1] - starts[0] >= 17 and starts[2] - starts[1] >= 5
    assert len(script.log) == 4  # two retries, then both lookups answered
    assert all(a.candidates for a in result.answers)
    assert result.services[0].requests == 4 and result.services[0].down == ""


def test_backoff_without_retry_after_doubles(httpx_mock: HTTPXMock, time: FakeTime) -> None:
    script = Script(time, [httpx.Response(502), httpx.Response(502), httpx.Response(502)])
    httpx_mock.add_callback(script, is_reusable=True)
    fetcher(time)().run(lookups(1), [json_service("dblp", interval=0.0)])
    assert time.sleeps == [2.0, 4.0, 8.0]


def test_a_service_asking_to_wait_too_long_is_given_up(httpx_mock: HTTPXMock, time: FakeTime) -> None:
    script = Script(time, [httpx.Response(429, headers={"Retry-After": str(int(MAX_WAIT) + 1)})])
    httpx_mock.add_callback(script, is_reusable=True)
    result = fetcher(time)().run(lookups(3), [json_service("semanticscholar")])
    assert len(script.log) == 1  # given up at once: the other lookups send nothing
    assert "asks to wait" in result.services[0].down
    assert all(a.failure for a in result.answers)


def test_a_service_down_is_given_up_and_the_others_still_used(httpx_mock: HTTPXMock, time: FakeTime) -> None:
    down = Script(time, [httpx.Response(500)] * 100)
    up = Script(time)
    httpx_mock.add_callback(down, url=re.compile(r"https://arxiv\.test/.*"), is_reusable=True)
    httpx_mock.add_callback(up, url=re.compile(r"https://crossref\.test/.*"), is_reusable=True)
    result = fetcher(time)().run(lookups(6), [json_service("arxiv"), json_service("crossref", interval=0.1)])
    arxiv, crossref = result.services
    assert arxiv.down and arxiv.answered == 0
    assert len(down.log) == DOWN_AFTER * (RETRIES + 1)  # then nothing more is sent to it
    assert crossref.answered == 6 and not crossref.down and not result.unreachable
    by_service = {(a.key, a.service): a for a in result.answers}
    assert all(by_service[(f"key{i:02d}", "crossref")].candidates for i in range(6))
    assert all(by_service[(f"key{i:02d}", "arxiv")].failure for i in range(6))
    assert [a.service for a in result.answers[:2]] == ["arxiv", "crossref"]  # fixed order


def test_no_network_is_unreachable_after_two_attempts_per_service(httpx_mock: HTTPXMock, time: FakeTime) -> None:
    httpx_mock.add_exception(httpx.ConnectError("[Errno -3] Temporary failure in name resolution"), is_reusable=True)
    result = fetcher(time)().run(lookups(4), [json_service("arxiv"), json_service("crossref")])
    assert result.unreachable
    assert len(httpx_mock.get_requests()) == 4  # two attempts each, then given up
    assert all("cannot reach" in s.down for s in result.services)


def test_a_malformed_answer_fails_that_lookup_only(httpx_mock: HTTPXMock, time: FakeTime) -> None:
    script = Script(time, [httpx.Response(200, text="<html>maintenance</html>")])
    httpx_mock.add_callback(script, is_reusable=True)
    result = fetcher(time)().run(lookups(2), [json_service("crossref", interval=0.0)])
    first, second = result.answers
    assert "malformed answer" in first.failure and second.candidates and not result.services[0].down


def test_not_found_statuses_are_empty_answers_and_other_4xx_fail(httpx_mock: HTTPXMock, time: FakeTime) -> None:
    script = Script(time, [httpx.Response(404, json={"error": "Title match not found"}), httpx.Response(400)])
    httpx_mock.add_callback(script, is_reusable=True)
    result = fetcher(time)().run(lookups(2), [json_service("semanticscholar", interval=0.0)])
    assert result.answers[0].candidates == () and result.answers[0].failure == ""
    assert "answered 400" in result.answers[1].failure
    assert len(script.log) == 2  # a 400 is not retried


def test_concurrency_never_exceeds_the_service_limit(httpx_mock: HTTPXMock, time: FakeTime) -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()
    release = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        release.wait(0.05)
        with lock:
            in_flight -= 1
        return httpx.Response(200, json={"titles": []})

    httpx_mock.add_callback(slow, is_reusable=True)
    fetcher(time)().run(lookups(8), [json_service("crossref", interval=0.0, concurrency=2)])
    assert peak == 2


@pytest.mark.parametrize(("header", "seconds"), [("120", 120.0), (" 7 ", 7.0), ("soon", None), ("", None),
                                                  ("Thu, 26 Nov 2026 10:00:30 GMT", 30.0)])
def test_retry_after_forms(header: str, seconds: float | None) -> None:
    now = 1795687200.0  # 2026-11-26 10:00:00 UTC
    assert parse_retry_after(header, now=now) == seconds
