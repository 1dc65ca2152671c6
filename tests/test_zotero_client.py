"""The HTTP edge against the fake server: paging, 304, backoff, retries, write tokens, 403s, secrets."""

from __future__ import annotations

import random

import httpx
import pytest
from pytest_httpx import HTTPXMock
from zotero_fake import BASE_URL, GROUP_ID, READ_KEY, WRITE_KEY, FakeTime, FakeZotero, preprint

from bibsync.zotero.client import (
    AccessDenied,
    ApiKey,
    NotFound,
    PreconditionFailed,
    RetryPolicy,
    ServerUnavailable,
    ZoteroClient,
)


def client_for(
    time: FakeTime, key: str = WRITE_KEY, api_url: str = BASE_URL, policy: RetryPolicy | None = None
) -> ZoteroClient:
    return ZoteroClient(
        api_url, GROUP_ID, ApiKey(key), policy=policy, sleep=time.sleep, clock=time.clock, rng=random.Random(3)
    )


def test_a_full_read_takes_one_request_per_hundred_items(fake: FakeZotero, time: FakeTime) -> None:
    keys = {fake.add(preprint(f"P{n}")) for n in range(250)}
    read = client_for(time).read_items(None)
    assert read is not None and read.consistent
    assert {item.key for item in read.items} == keys
    assert read.version == 250
    assert len(fake.requests("GET")) == 3
    assert fake.requests()[0].params["limit"] == "100"


def test_a_read_since_an_unchanged_version_is_one_304(fake: FakeZotero, time: FakeTime) -> None:
    fake.add(preprint("P"))
    client = client_for(time)
    assert client.read_items(1) is None
    fake.add(preprint("Q"))
    read = client.read_items(1)
    assert read is not None and [item.title for item in read.items] == ["Q"]
    assert client.requests == 2


def test_trashed_items_and_deletions_are_read(fake: FakeZotero, time: FakeTime) -> None:
    binned, gone = fake.add(preprint("Binned")), fake.add(preprint("Gone"))
    fake.trash(binned)
    fake.delete(gone)
    client = client_for(time)
    read = client.read_items(None)
    assert read is not None and [item.key for item in read.items] == [binned]
    assert read.items[0].trashed
    assert client.read_deleted(0) == (frozenset({gone}), 4)


def test_a_read_notices_the_library_changing_between_pages(fake: FakeZotero, time: FakeTime) -> None:
    for n in range(150):
        fake.add(preprint(f"P{n}"))
    fake.inject(method="GET", skip=1, before=lambda server: server.add(preprint("Sneaked in")))
    read = client_for(time).read_items(None)
    assert read is not None and not read.consistent


def test_backoff_on_a_good_answer_delays_the_next_request(fake: FakeZotero, time: FakeTime) -> None:
    fake.inject(method="GET", backoff=3)
    client = client_for(time)
    client.read_items(None)
    assert time.sleeps == []
    client.read_items(None)
    assert time.sleeps == [3.0]


def test_429_waits_retry_after_and_503_waits_backoff(fake: FakeZotero, time: FakeTime) -> None:
    fake.inject(method="GET", status=429, headers={"Retry-After": "7"})
    fake.inject(method="GET", status=503, headers={"Backoff": "11"})
    read = client_for(time).read_items(None)
    assert read is not None
    assert time.sleeps == [7.0, 11.0]
    assert [entry.status for entry in fake.log] == [429, 503, 200]


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429},
        {"status": 500},
        {"status": 502},
        {"raise_before": httpx.ReadTimeout},
        {"raise_before": httpx.ConnectTimeout},
        {"raise_before": httpx.RemoteProtocolError},
        {"raise_before": httpx.ReadError},
    ],
)
def test_failures_are_retried_with_growing_jittered_delays(fake: FakeZotero, time: FakeTime, fault: dict) -> None:
    fake.inject(method="GET", times=3, **fault)
    read = client_for(time).read_items(None)
    assert read is not None
    assert len(time.sleeps) == 3
    for number, delay in enumerate(time.sleeps):
        assert 2**number / 2 <= delay <= 2**number  # base 1 s, doubling, "equal jitter"


def test_the_retries_are_bounded_and_end_in_one_plain_sentence(fake: FakeZotero, time: FakeTime) -> None:
    fake.inject(method="GET", status=500, times=100)
    policy = RetryPolicy(attempts=4, base_delay=10, max_delay=15)
    with pytest.raises(ServerUnavailable) as failure:
        client_for(time, policy=policy).read_items(None)
    assert str(failure.value) == "reading the library failed after 4 attempts (HTTP 500)"
    assert len(time.sleeps) == 3 and max(time.sleeps) <= 15
    assert len(fake.log) == 4


def test_a_server_asking_for_hours_of_quiet_is_not_waited_for(fake: FakeZotero, time: FakeTime) -> None:
    fake.inject(method="GET", status=429, headers={"Retry-After": "7200"})
    with pytest.raises(ServerUnavailable, match="asked bibsync to wait 7200 s"):
        client_for(time).read_items(None)
    assert time.sleeps == []


def test_a_retried_write_keeps_its_token_and_precondition(fake: FakeZotero, time: FakeTime) -> None:
    fake.inject(method="POST", raise_before=httpx.ReadTimeout)
    result = client_for(time).write_items([preprint("A")], 0)
    first, second = fake.requests("POST")
    assert first.headers["zotero-write-token"] == second.headers["zotero-write-token"]
    assert first.headers["if-unmodified-since-version"] == second.headers["if-unmodified-since-version"] == "0"
    assert list(result.successful) == [0] and result.version == 1


def test_a_write_whose_answer_was_lost_is_refused_when_repeated_not_duplicated(
    fake: FakeZotero, time: FakeTime
) -> None:
    fake.inject(method="POST", raise_after=httpx.RemoteProtocolError)
    with pytest.raises(PreconditionFailed):
        client_for(time).write_items([preprint("A"), preprint("B")], 0)
    assert sorted(d["title"] for d in fake.regular()) == ["A", "B"]


def test_per_object_results_are_all_reported(fake: FakeZotero, time: FakeTime) -> None:
    key = fake.add(preprint("Same"))
    objects = [
        preprint("New"),
        {"key": key, "version": 1, "title": "Same"},
        preprint("Bad", publicationTitle="J"),
        {"key": key, "version": 0, "title": "Stale"},
    ]
    result = client_for(time).write_items(objects, 1)
    assert list(result.successful) == [0]
    assert result.unchanged == {1: key}
    assert (result.failed[2].code, result.failed[2].message) == (
        400,
        "'publicationTitle' is not a valid field for type 'preprint'",
    )
    assert result.failed[3].code == 412
    assert result.success == {0: result.successful[0].key}


def test_more_than_fifty_objects_are_never_sent(fake: FakeZotero, time: FakeTime) -> None:
    with pytest.raises(ValueError):
        client_for(time).write_items([preprint(str(n)) for n in range(51)], 0)
    assert fake.log == []


def test_403_is_one_sentence_naming_the_group(fake: FakeZotero, time: FakeTime) -> None:
    with pytest.raises(AccessDenied) as read_only:
        client_for(time, key=READ_KEY).write_items([preprint("A")], 0)
    with pytest.raises(AccessDenied) as invalid:
        client_for(time, key="Wrong-Key-0000").read_items(None)
    for failure in (read_only, invalid):
        message = str(failure.value)
        assert str(GROUP_ID) in message and message.count(".") == 1 and message.endswith(".")
        assert "\n" not in message
    assert "write access" in str(read_only.value)
    assert "not valid" in str(invalid.value)


def test_an_unknown_group_is_reported_as_such(fake: FakeZotero, time: FakeTime) -> None:
    fake.inject(method="GET", status=404, body="Not found")
    with pytest.raises(NotFound, match=str(GROUP_ID)):
        client_for(time).read_items(None)


def test_the_key_is_in_the_authorization_header_only(fake: FakeZotero, time: FakeTime) -> None:
    client = client_for(time)
    client.read_items(None)
    (entry,) = fake.log
    assert entry.headers["authorization"] == f"Bearer {WRITE_KEY}"
    assert entry.headers["zotero-api-version"] == "3"
    assert WRITE_KEY not in repr(client) + repr(ApiKey(WRITE_KEY)) + str(ApiKey(WRITE_KEY))
    assert WRITE_KEY not in "".join(f"{k}={v}" for k, v in entry.params.items())
    assert WRITE_KEY not in repr(client._http.headers)


def test_a_self_hosted_server_under_a_path_is_paged_correctly(httpx_mock: HTTPXMock, time: FakeTime) -> None:
    server = FakeZotero(base_url="https://zotero.example.org/api").install(httpx_mock)
    for n in range(120):
        server.add(preprint(f"P{n}"))
    read = client_for(time, api_url="https://zotero.example.org/api/").read_items(None)
    assert read is not None and len(read.items) == 120
    assert [entry.path for entry in server.log] == [f"/groups/{GROUP_ID}/items/top"] * 2
