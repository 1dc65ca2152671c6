"""Asking the services, politely: the one part of ``bibsync enrich`` that does I/O.

Each service is asked by its own worker threads (as many as its documented concurrency), all of them
sharing one limiter that spaces the starts of requests by the service's documented interval, so the
services are asked side by side and none faster than it allows. A 429 or 503 pauses that service
for its ``Retry-After`` (or an exponential backoff when it gives none) and the request is retried;
network errors and other 5xx are retried a few times. A service that keeps failing is given up for
the rest of the run and the others carry on; what it would have answered is marked incomplete, so the
caller keeps what an earlier run found rather than record "nothing found".

Results are collected per (entry, service) and returned in a fixed order: the outcome never depends
on which thread finished first.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from bibsync.enrich.candidate import Candidate, Identifier, Politeness, Query, Service, ServiceError

log = logging.getLogger(__name__)

RETRIES = 4  # further attempts of one request after a 429/503/5xx or a network error
BACKOFF = 2.0  # seconds before the first retry without Retry-After; doubles each time
MAX_WAIT = 300.0  # a Retry-After longer than this gives the service up for this run
DOWN_AFTER = 3  # consecutive failed lookups after which a service is given up
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True, slots=True)
class Lookup:
    """One entry to look up: by its title and authors, or by the identifier pinned for it."""

    query: Query
    pin: Identifier | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """What one service said about one entry."""

    key: str
    service: str
    candidates: tuple[Candidate, ...] = ()
    failure: str = ""  # why there is no answer; "" when the service answered (maybe with nothing)


@dataclass
class ServiceState:
    """A service's progress through a run (shared by its workers)."""

    service: Service
    requests: int = 0
    answered: int = 0
    consecutive_failures: int = 0
    down: str = ""  # why it was given up; "" while it is used
    next_start: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True, slots=True)
class ServiceSummary:
    name: str
    label: str
    requests: int
    answered: int  # lookups it answered (found something or not)
    down: str


@dataclass(frozen=True, slots=True)
class FetchResult:
    answers: tuple[Answer, ...]  # sorted by key, then by the order the services were given in
    services: tuple[ServiceSummary, ...]
    interrupted: bool = False  # Ctrl-C: some lookups have no answer from some services

    @property
    def unreachable(self) -> bool:
        """No service answered anything: no network, or every service down."""
        return all(s.answered == 0 for s in self.services) and any(s.down for s in self.services)


class _GiveUp(Exception):
    """The service is given up for this run; the message says why."""


class Fetcher:
    """Sends the lookups. ``clock`` and ``sleep`` are injectable so tests never wait."""

    def __init__(self, client: httpx.Client, politeness: Politeness, *,
                 clock: Callable[[], float] | None = None, sleep: Callable[[float], None] | None = None) -> None:
        self._client = client
        self._politeness = politeness
        self._stop = threading.Event()  # set on Ctrl-C: workers stop waiting and send nothing more
        self._clock = clock or time.monotonic
        self._sleep = sleep or (lambda seconds: wait(self._stop, seconds))

    def run(self, lookups: Sequence[Lookup], services: Sequence[Service],
            on_answer: Callable[[Answer], None] | None = None) -> FetchResult:
        states = [ServiceState(s) for s in services]
        answers: dict[tuple[str, str], Answer] = {}
        answers_lock = threading.Lock()

        def work(state: ServiceState, lookup: Lookup) -> None:
            try:
                answer = self._answer(state, lookup)
            except BaseException:
                self._stop.set()  # a bug or an interruption in one worker stops them all
                raise
            if answer is None:
                return  # interrupted before it was answered
            with answers_lock:
                answers[(lookup.query.key, state.service.name)] = answer
            if on_answer is not None:
                on_answer(answer)

        # One pool per service, as wide as its concurrency: the services are asked side by side, and
        # each service's limiter spaces its own requests.
        pools = [ThreadPoolExecutor(max_workers=state.service.concurrency) for state in states]
        interrupted = False
        try:
            futures = [pool.submit(work, state, lookup) for pool, state in zip(pools, states, strict=True)
                       for lookup in lookups]
            for future in futures:
                future.result()
        except KeyboardInterrupt:
            # Keep what was answered: the workers stop waiting, requests in flight finish (bounded by
            # TIMEOUT), and the caller records the complete lookups.
            interrupted = True
            self._stop.set()
        finally:
            for pool in pools:
                pool.shutdown(cancel_futures=True)
        order = {s.name: i for i, s in enumerate(services)}
        ordered = sorted(answers.values(), key=lambda a: (a.key, order[a.service]))
        summaries = tuple(ServiceSummary(s.service.name, s.service.label, s.requests, s.answered, s.down)
                          for s in states)
        return FetchResult(tuple(ordered), summaries, interrupted)

    def _answer(self, state: ServiceState, lookup: Lookup) -> Answer | None:
        service, key = state.service, lookup.query.key
        if lookup.pin is not None and service.lookup is not None and lookup.pin.scheme in service.lookup_schemes:
            request = service.lookup(lookup.pin, self._politeness)
        else:  # a pinned entry is searched for too: the published version is found that way
            request = service.search(lookup.query, self._politeness)
        if state.down:
            return Answer(key, service.name, failure=f"{service.label} was given up: {state.down}")
        if self._stop.is_set():
            return None
        try:
            response = self._send(state, request)
            # an "empty" status (Semantic Scholar's 404 for no title match) is an answer: nothing found
            candidates = () if response.status_code in service.empty_statuses else tuple(service.parse(response))
        except _Interrupted:
            return None
        except _GiveUp as error:
            with state.lock:
                state.down = state.down or str(error)
            return Answer(key, service.name, failure=f"{service.label}: {error}")
        except (_Failed, ServiceError) as error:
            with state.lock:
                state.consecutive_failures += 1
                if state.consecutive_failures >= DOWN_AFTER and not state.down:
                    state.down = f"{DOWN_AFTER} lookups in a row failed, the last: {error}"
            return Answer(key, service.name, failure=str(error))
        with state.lock:
            state.consecutive_failures = 0
            state.answered += 1
        return Answer(key, service.name, candidates)

    def _send(self, state: ServiceState, request: httpx.Request) -> httpx.Response:
        service = state.service
        delay = BACKOFF
        for attempt in range(RETRIES + 1):
            if state.down:
                raise _GiveUp(state.down)
            self._wait_turn(state)
            if self._stop.is_set():
                raise _Interrupted
            log.debug("%s: GET %s", service.label, request.url.copy_with(query=None))
            try:
                response = self._client.send(request)
            except httpx.TransportError as error:
                problem = f"cannot reach {service.label} ({type(error).__name__})"
                if isinstance(error, httpx.ConnectError) and attempt >= 1:
                    raise _GiveUp(problem) from None  # no route, no DNS: retrying longer will not help
                wait = delay
            else:
                status = response.status_code
                if status < 300 or status in service.empty_statuses:
                    return response
                problem = f"{service.label} answered {status} {response.reason_phrase}".rstrip()
                if status not in (429, 500, 502, 503, 504):
                    raise _Failed(problem)
                retry_after = parse_retry_after(response.headers.get("Retry-After"), now=time.time())
                if retry_after is not None and retry_after > MAX_WAIT:
                    raise _GiveUp(f"{problem} and asks to wait {retry_after:.0f} s")
                wait = retry_after if retry_after is not None else delay
            if attempt == RETRIES:
                raise _Failed(f"{problem}, {RETRIES + 1} attempts")
            log.info("%s; retrying in %.0f s", problem, wait)
            self._pause(state, wait)
            delay *= 2
        raise AssertionError("unreachable")

    def _wait_turn(self, state: ServiceState) -> None:
        """Block until this service may start another request, and book the next start."""
        with state.lock:
            now = self._clock()
            start = max(now, state.next_start)
            state.next_start = start + state.service.min_interval
            state.requests += 1
        if start > now:
            self._sleep(start - now)

    def _pause(self, state: ServiceState, seconds: float) -> None:
        """No request to this service before ``seconds`` from now (every worker of it waits)."""
        with state.lock:
            state.next_start = max(state.next_start, self._clock() + seconds)


class _Failed(Exception):
    """One lookup failed; the service may still answer others."""


class _Interrupted(Exception):
    """The run was interrupted while this lookup waited for its turn."""


def wait(stop: threading.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less if the run is interrupted meanwhile (``stop`` set)."""
    stop.wait(seconds)


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """``Retry-After`` in seconds from now: delta-seconds or an HTTP date (RFC 9110); None if absent or
    unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)
