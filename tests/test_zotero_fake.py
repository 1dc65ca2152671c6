"""The fake Zotero server behaves like the real one (``/work/shared/notes/zotero-api.md``).

Every sync test trusts the fake, so the fake is tested here with raw HTTP, and its paging is read
with pyzotero, a client known to work against api.zotero.org.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from zotero_fake import BASE_URL, GROUP_ID, READ_KEY, WRITE_KEY, FakeZotero, note, preprint

LIBRARY = f"{BASE_URL}/groups/{GROUP_ID}"


@pytest.fixture
def http() -> httpx.Client:
    return httpx.Client(headers={"Zotero-API-Version": "3", "Zotero-API-Key": WRITE_KEY})


def post(http: httpx.Client, objects: Any, **headers: str) -> httpx.Response:
    return http.post(f"{LIBRARY}/items", content=json.dumps(objects), headers=headers)


def test_a_write_creates_items_and_bumps_the_library_version_per_object(fake: FakeZotero, http: httpx.Client) -> None:
    answer = post(http, [preprint("One"), preprint("Two")])

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"successful", "success", "unchanged", "failed"}
    assert body["success"] == {"0": body["successful"]["0"]["key"], "1": body["successful"]["1"]["key"]}
    assert [body["successful"][i]["version"] for i in ("0", "1")] == [1, 2]
    assert answer.headers["Last-Modified-Version"] == "2"
    created = body["successful"]["0"]
    assert created["data"]["title"] == "One" and created["data"]["version"] == 1
    assert created["data"]["collections"] == [] and created["data"]["relations"] == {}


def test_more_than_50_objects_is_413(fake: FakeZotero, http: httpx.Client) -> None:
    assert post(http, [preprint(f"T{i}") for i in range(51)]).status_code == 413
    assert post(http, [preprint(f"T{i}") for i in range(50)]).status_code == 200


def test_a_write_token_is_remembered_only_after_a_successful_write(fake: FakeZotero, http: httpx.Client) -> None:
    fake.add(preprint("Moves the library"))
    stale = post(http, [preprint("A")], **{"Zotero-Write-Token": "token-1", "If-Unmodified-Since-Version": "0"})
    assert stale.status_code == 412 and "Library has been modified" in stale.text

    first = post(http, [preprint("A")], **{"Zotero-Write-Token": "token-1"})
    again = post(http, [preprint("A")], **{"Zotero-Write-Token": "token-1"})

    assert first.status_code == 200
    assert again.status_code == 412 and again.text == "Write token already used"
    assert len(fake.regular()) == 2
    assert post(http, [preprint("B")], **{"Zotero-Write-Token": "abc"}).status_code == 400  # 5-32 chars


def test_keyed_objects_need_a_version_and_a_stale_one_fails_alone(fake: FakeZotero, http: httpx.Client) -> None:
    key = fake.add(preprint("Old"))
    other = fake.add(preprint("Other"))
    assert post(http, [{"key": key, "title": "New"}]).status_code == 428

    fake.edit(other, title="Other, edited")  # other is now at version 3
    answer = post(http, [{"key": key, "version": 1, "title": "New"}, {"key": other, "version": 2, "title": "X"}])

    body = answer.json()
    assert answer.status_code == 200
    assert body["success"] == {"0": key}
    assert body["failed"]["1"]["code"] == 412
    assert "modified since specified version" in body["failed"]["1"]["message"]
    assert fake.data(other)["title"] == "Other, edited"


def test_keyed_writes_patch_only_the_given_fields(fake: FakeZotero, http: httpx.Client) -> None:
    key = fake.add(preprint("Title", abstractNote="Abstract", tags=[{"tag": "mine"}], collections=["COLL2345"]))
    answer = post(http, [{"key": key, "version": 1, "title": "New title", "tags": [{"tag": "x"}, {"tag": "mine"}]}])

    data = fake.data(key)
    assert answer.json()["success"] == {"0": key}
    assert data["title"] == "New title" and data["abstractNote"] == "Abstract"
    assert data["collections"] == ["COLL2345"]
    assert data["tags"] == [{"tag": "mine"}, {"tag": "x"}]

    same = post(http, [{"key": key, "version": 2, "tags": [{"tag": "x"}, {"tag": "mine"}]}])
    assert same.json()["unchanged"] == {"0": key}
    assert same.headers["Last-Modified-Version"] == "2"


def test_schema_invalid_objects_fail_one_by_one(fake: FakeZotero, http: httpx.Client) -> None:
    bad_field = preprint("A", publicationTitle="Journal")  # not a field of preprint
    bad_creator = preprint("B", creators=[{"creatorType": "composer", "lastName": "Bach"}])
    answer = post(http, [bad_field, preprint("Good"), bad_creator])

    body = answer.json()
    assert answer.status_code == 200
    assert body["failed"]["0"] == {
        "key": "",
        "code": 400,
        "message": "'publicationTitle' is not a valid field for type 'preprint'",
    }
    assert "'composer' is not a valid creator type for item type 'preprint'" in body["failed"]["2"]["message"]
    assert list(body["success"]) == ["1"]


def test_a_type_change_converts_the_item_like_the_data_server(fake: FakeZotero, http: httpx.Client) -> None:
    # Zotero_Items::updateFromJSON sets itemType first; Zotero_Item::setType drops the fields the new
    # type lacks and moves base-mapped values (preprint repository -> publisher); then each written
    # field must be valid for the new type.
    key = fake.add(
        preprint(
            "Title",
            archiveID="arXiv:2203.15556",
            repository="arXiv",
            genre="Working paper",
            language="en",
            creators=[{"creatorType": "reviewedAuthor", "lastName": "Roe"}],
        )
    )
    refused = post(http, [{"key": key, "version": 1, "itemType": "conferencePaper", "archiveID": "arXiv:1"}])
    assert refused.json()["failed"]["0"]["message"] == "'archiveID' is not a valid field for type 'conferencePaper'"
    assert fake.data(key)["itemType"] == "preprint"

    answer = post(http, [{"key": key, "version": 1, "itemType": "conferencePaper", "proceedingsTitle": "Proc."}])

    assert answer.json()["success"] == {"0": key}
    data = fake.data(key)
    assert data["itemType"] == "conferencePaper" and data["proceedingsTitle"] == "Proc."
    assert data["publisher"] == "arXiv"  # moved from repository: both are "publisher" at base
    assert (data["language"], data["title"]) == ("en", "Title")
    assert not {"archiveID", "repository", "genre"} & set(data)
    assert data["creators"] == [{"creatorType": "contributor", "lastName": "Roe"}]


def test_pages_have_links_totals_and_clamped_limits(fake: FakeZotero, http: httpx.Client) -> None:
    for number in range(130):
        fake.add(preprint(f"Paper {number}"))
    default = http.get(f"{LIBRARY}/items")
    assert len(default.json()) == 25
    assert default.headers["Total-Results"] == "130"

    first = http.get(f"{LIBRARY}/items", params={"limit": 500})
    assert len(first.json()) == 100
    assert first.links["next"]["url"].startswith(LIBRARY)
    second = http.get(first.links["next"]["url"])
    assert len(second.json()) == 30
    assert "next" not in second.links
    assert {i["key"] for i in first.json()} | {i["key"] for i in second.json()} == set(fake.items)


def test_pyzotero_reads_every_page_of_the_fake(fake: FakeZotero) -> None:
    from pyzotero import zotero

    for number in range(230):
        fake.add(preprint(f"Paper {number}"))
    client = httpx.Client(headers={"Zotero-API-Version": "3", "Authorization": f"Bearer {WRITE_KEY}"})
    library = zotero.Zotero(GROUP_ID, "group", WRITE_KEY, client=client)
    library.endpoint = BASE_URL

    items = library.everything(library.top(limit=100))

    assert sorted(item["key"] for item in items) == sorted(fake.items)


def test_since_versions_and_keys(fake: FakeZotero, http: httpx.Client) -> None:
    keys = [fake.add(preprint(f"P{n}")) for n in range(30)]
    fake.edit(keys[3], title="changed")

    versions = http.get(f"{LIBRARY}/items", params={"format": "versions"}).json()
    changed = http.get(f"{LIBRARY}/items", params={"format": "versions", "since": 30}).json()
    listed = http.get(f"{LIBRARY}/items", params={"format": "keys"}).text.split()

    assert len(versions) == 30  # no default limit for versions
    assert changed == {keys[3]: 31}
    assert sorted(listed) == sorted(keys)


def test_if_modified_since_version_answers_304_until_something_changes(fake: FakeZotero, http: httpx.Client) -> None:
    fake.add(preprint("P"))
    unchanged = http.get(f"{LIBRARY}/items/top", params={"since": 1}, headers={"If-Modified-Since-Version": "1"})
    fake.add(preprint("Q"))
    changed = http.get(f"{LIBRARY}/items/top", params={"since": 1}, headers={"If-Modified-Since-Version": "1"})

    assert unchanged.status_code == 304
    assert changed.status_code == 200 and [i["data"]["title"] for i in changed.json()] == ["Q"]


def test_top_and_trash_and_deleted(fake: FakeZotero, http: httpx.Client) -> None:
    parent = fake.add(preprint("Parent"))
    fake.add(note(parent, "<p>a note</p>"))
    gone = fake.add(preprint("Gone"))
    binned = fake.add(preprint("Binned"))
    fake.trash(binned)
    fake.delete(gone)

    top = http.get(f"{LIBRARY}/items/top").json()
    everything = http.get(f"{LIBRARY}/items", params={"includeTrashed": 1}).json()
    deleted = http.get(f"{LIBRARY}/deleted", params={"since": 3}).json()

    assert [i["key"] for i in top] == [parent]
    assert len(everything) == 3
    assert deleted["items"] == [gone]
    assert http.get(f"{LIBRARY}/deleted").status_code == 400


def test_delete_needs_the_library_version(fake: FakeZotero, http: httpx.Client) -> None:
    key = fake.add(preprint("P"))
    url = f"{LIBRARY}/items?itemKey={key}"
    assert http.delete(url).status_code == 428
    assert http.delete(url, headers={"If-Unmodified-Since-Version": "0"}).status_code == 412
    assert http.delete(url, headers={"If-Unmodified-Since-Version": "1"}).status_code == 204
    assert key not in fake.items and fake.deleted == {key: 2}


def test_keys_and_permissions(fake: FakeZotero) -> None:
    anonymous = httpx.Client(headers={"Zotero-API-Version": "3"})
    wrong = httpx.Client(headers={"Zotero-API-Version": "3", "Zotero-API-Key": "nope"})
    reader = httpx.Client(headers={"Zotero-API-Version": "3", "Authorization": f"Bearer {READ_KEY}"})

    assert anonymous.get(f"{LIBRARY}/items").status_code == 403
    assert wrong.get(f"{LIBRARY}/items").text == "Invalid key"
    assert reader.get(f"{LIBRARY}/items").status_code == 200
    refused = reader.post(f"{LIBRARY}/items", content="[]")
    assert (refused.status_code, refused.text) == (403, "Write access denied")
    assert reader.get(f"{BASE_URL}/groups/1/items").status_code == 403


def test_injected_faults(fake: FakeZotero, http: httpx.Client) -> None:
    fake.inject(method="GET", status=429, headers={"Retry-After": "7"})
    fake.inject(method="GET", backoff=3)
    limited = http.get(f"{LIBRARY}/items")
    slowed = http.get(f"{LIBRARY}/items")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert (slowed.status_code, slowed.headers["Backoff"]) == (200, "3")

    fake.inject(method="POST", raise_before=httpx.ReadTimeout)
    with pytest.raises(httpx.ReadTimeout):
        post(http, [preprint("Not committed")])
    assert fake.regular() == []

    fake.inject(method="POST", raise_after=httpx.RemoteProtocolError)
    with pytest.raises(httpx.RemoteProtocolError):
        post(http, [preprint("Committed, answer lost")])
    assert [d["title"] for d in fake.regular()] == ["Committed, answer lost"]

    fake.inject(method="POST", skip=1, raise_before=KeyboardInterrupt)
    assert post(http, [preprint("Passes")]).status_code == 200
    with pytest.raises(KeyboardInterrupt):
        post(http, [preprint("Interrupted")])
    assert [entry.status for entry in fake.log[-3:]] == [None, 200, None]


def test_pyzotero_create_items_duplicates_when_a_lost_answer_is_retried(fake: FakeZotero) -> None:
    """Why bibsync does not use pyzotero for writes: each call sends a new write token."""
    from pyzotero import zotero

    client = httpx.Client(headers={"Zotero-API-Version": "3", "Authorization": f"Bearer {WRITE_KEY}"})
    library = zotero.Zotero(GROUP_ID, "group", WRITE_KEY, client=client)
    library.endpoint = BASE_URL
    fake.inject(method="POST", raise_after=httpx.ReadTimeout)
    with pytest.raises(httpx.ReadTimeout):
        library.create_items([preprint("Twice")])
    library.create_items([preprint("Twice")])

    assert [d["title"] for d in fake.regular()] == ["Twice", "Twice"]
    tokens = [entry.headers["zotero-write-token"] for entry in fake.requests("POST")]
    assert len(set(tokens)) == 2
