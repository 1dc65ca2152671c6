"""A stateful fake of the Zotero Web API v3 for one group library, played through pytest-httpx.

It behaves like the real server as described in ``/work/shared/notes/zotero-api.md`` (checked against
the server's source), and is itself tested in ``test_zotero_fake.py``:

- library and item versions: every changed object bumps the library version by one; answers carry
  ``Last-Modified-Version``; ``since``; ``If-Modified-Since-Version`` -> 304; ``/deleted?since=``;
- reads: ``/items`` and ``/items/top``, ``format=json|versions|keys``, ``limit`` (default 25, clamped
  to 100) and ``start`` with ``Link: rel="next"`` while more remain and ``Total-Results``,
  ``itemKey``, ``includeTrashed``, ``sort``/``direction``;
- writes: a JSON array of at most 50 objects (51 -> 413); PATCH semantics for keyed objects, which
  need ``version`` or ``If-Unmodified-Since-Version`` (else 428); a stale object version fails that
  object (412 in ``failed``); ``If-Unmodified-Since-Version`` behind the library -> 412 for the whole
  request; write tokens remembered after a successful write (a repeat -> 412 ``Write token already
  used``); per-object ``failed`` (400) for fields not valid for the item type and bad creator types,
  validated against the vendored schema independently of bibsync's own validation;
  a write that changes an item's ``itemType`` first converts the stored item as the data server's
  ``Zotero_Item::setType`` does (fields the new type lacks are dropped, a value of a base-mapped field
  moves to the new type's field for that base unless that field has one, creator types the new type
  lacks become ``contributor``), then applies the written fields, each of which must be valid for the
  new type;
  ``DELETE ?itemKey=`` with the library version;
- 403 ``Invalid key`` for an unknown key, ``Write access denied`` for a read-only key on a write;
- faults: any status with headers (429 + ``Retry-After``, 503, 500), ``Backoff`` on a good answer,
  an exception instead of an answer (a timeout, a dropped connection, ``KeyboardInterrupt``), before
  the request is processed or *after* it was committed (a lost answer), and a hook that changes the
  library just before a request is processed (someone else editing in Zotero);
- a request log, to count requests.

People's edits in Zotero are played with :meth:`FakeZotero.add`, :meth:`edit`, :meth:`trash`, which
change the library as the server would (new versions) without going through HTTP.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import random
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from pytest_httpx import HTTPXMock

from bibsync.config import Config
from bibsync.export import build_project
from bibsync.mappings import zotero_schema
from bibsync.model import Keyed

LISTING = Path(__file__).resolve().parent.parent / "fixtures" / "listing.txt"
LISTING_AS_OF = dt.date(2026, 11, 26)  # the listing's dates without a year resolve against this
BASE_URL = "https://zotero.test"
GROUP_ID = 4242
WRITE_KEY = "Fake-Write-Key-5e1f0a7c"
READ_KEY = "Fake-Read-Key-93b2d4e6"
KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
_KEY_PATTERN = re.compile(f"[{KEY_ALPHABET}]{{8}}")
_ROUTE = re.compile(r"^/groups/(\d+)/(items|items/top|deleted)$")
# Properties valid on every item besides its type's fields.
_STRUCTURAL = {
    "key",
    "version",
    "itemType",
    "creators",
    "tags",
    "collections",
    "relations",
    "deleted",
    "dateAdded",
    "dateModified",
    "parentItem",
    "inPublications",
}
_NOTE_PROPERTIES = {"note", "parentItem"}


@dataclass
class Fault:
    """Something to do instead of (or around) answering the next matching request."""

    method: str | None = None  # match: HTTP method
    path: str | None = None  # match: a regex searched in the path
    status: int | None = None  # answer with this status (and headers/body) without processing
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    raise_before: BaseException | type[BaseException] | None = None  # raise; nothing is processed
    raise_after: BaseException | type[BaseException] | None = None  # process (commit), then raise
    before: Callable[[FakeZotero], None] | None = None  # change the library first, then process
    backoff: float | None = None  # add a Backoff header to the normal answer
    skip: int = 0  # let this many matching requests through first
    times: int = 1  # how many matching requests it applies to
    used: int = 0

    def matches(self, request: httpx.Request, path: str) -> bool:
        if self.method is not None and request.method != self.method:
            return False
        return self.path is None or re.search(self.path, path) is not None


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    params: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    status: int | None  # None: no answer (an exception was raised instead)
    note: str = ""

    @property
    def is_write(self) -> bool:
        return self.method in {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class _Item:
    key: str
    version: int
    data: dict[str, Any]


class FakeZotero:
    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        group_id: int = GROUP_ID,
        keys: Mapping[str, str] | None = None,
        seed: int = 7,
        full_objects: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.group_id = group_id
        self.keys = dict(keys if keys is not None else {WRITE_KEY: "write", READ_KEY: "read"})
        self.full_objects = full_objects  # False: answer writes with "success" keys only, like older servers
        self.library_version = 0
        self.items: dict[str, _Item] = {}
        self.deleted: dict[str, int] = {}  # key -> library version of its deletion
        self.tokens: set[str] = set()
        self.faults: list[Fault] = []
        self.log: list[Logged] = []
        self._rng = random.Random(seed)
        self._tick = 0
        self._prefix = httpx.URL(self.base_url).path.rstrip("/")
        types = zotero_schema()["itemTypes"]
        self._fields = {row["itemType"]: {f["field"] for f in row.get("fields", [])} for row in types}
        self._creator_types = {
            row["itemType"]: {c["creatorType"] for c in row.get("creatorTypes", [])} for row in types
        }
        self._base_fields = {
            row["itemType"]: {f["field"]: f["baseField"] for f in row.get("fields", []) if "baseField" in f}
            for row in types
        }

    # --- wiring ----------------------------------------------------------------------------------

    def install(self, httpx_mock: HTTPXMock) -> FakeZotero:
        pattern = re.compile(re.escape(self.base_url) + r"(/.*)?(\?.*)?$")
        httpx_mock.add_callback(self.handle, url=pattern, is_reusable=True, is_optional=True)
        return self

    def inject(self, **fault: Any) -> Fault:
        added = Fault(**fault)
        self.faults.append(added)
        return added

    # --- what tests look at ----------------------------------------------------------------------

    def requests(self, method: str | None = None) -> list[Logged]:
        return [entry for entry in self.log if method is None or entry.method == method]

    def writes(self) -> list[Logged]:
        return [entry for entry in self.log if entry.is_write]

    def data(self, key: str) -> dict[str, Any]:
        return copy.deepcopy(self.items[key].data)

    def regular(self, *, trashed: bool = False) -> list[dict[str, Any]]:
        """The data of every regular item (not notes), sorted by key; trashed ones only if asked."""
        return [
            copy.deepcopy(item.data)
            for key, item in sorted(self.items.items())
            if item.data["itemType"] not in {"note", "attachment", "annotation"}
            and (trashed or not item.data.get("deleted"))
        ]

    def with_citation_key(self, citation_key: str) -> list[dict[str, Any]]:
        return [data for data in self.regular(trashed=True) if data.get("citationKey") == citation_key]

    # --- people editing in Zotero (no HTTP) ------------------------------------------------------

    def add(self, data: Mapping[str, Any], *, key: str | None = None) -> str:
        """Add an item as a Zotero client would; returns its key."""
        problems = self._problems(dict(data))
        assert not problems, problems
        key = key or self._new_key()
        return self._store(key, None, {k: v for k, v in data.items() if k not in {"key", "version"}})

    def edit(self, key: str, **fields: Any) -> None:
        item = self.items[key]
        merged = {**item.data, **fields}
        assert not self._problems(merged), self._problems(merged)
        self._store(key, item, {k: v for k, v in merged.items() if k not in {"key", "version"}})

    def trash(self, key: str) -> None:
        self.edit(key, deleted=1)

    def delete(self, key: str) -> None:
        self.library_version += 1
        del self.items[key]
        self.deleted[key] = self.library_version

    # --- the server ------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self._prefix and path.startswith(self._prefix):
            path = path[len(self._prefix) :]
        fault = self._take_fault(request, path)
        body = _json_or_none(request.content)
        params = dict(request.url.params)
        headers = {name.lower(): value for name, value in request.headers.items()}

        def record(status: int | None, note: str = "") -> None:
            self.log.append(Logged(request.method, path, params, headers, body, status, note))

        if fault is not None and fault.before is not None:
            fault.before(self)
        if fault is not None and fault.raise_before is not None:
            record(None, "raised before processing")
            raise _exception(fault.raise_before, request)
        if fault is not None and fault.status is not None:
            record(fault.status, "injected")
            return httpx.Response(fault.status, headers=dict(fault.headers), text=fault.body)

        response = self._route(request, path)
        if fault is not None and fault.backoff is not None:
            response.headers["Backoff"] = str(fault.backoff)
        if fault is not None and fault.raise_after is not None:
            record(None, f"committed ({response.status_code}), answer lost")
            raise _exception(fault.raise_after, request)
        record(response.status_code)
        return response

    def _take_fault(self, request: httpx.Request, path: str) -> Fault | None:
        for fault in self.faults:
            if not fault.matches(request, path):
                continue
            if fault.skip > 0:
                fault.skip -= 1
                return None
            fault.used += 1
            if fault.used >= fault.times:
                self.faults.remove(fault)
            return fault
        return None

    def _route(self, request: httpx.Request, path: str) -> httpx.Response:
        key = request.headers.get("Zotero-API-Key")
        authorization = request.headers.get("Authorization", "")
        if key is None and authorization.startswith("Bearer "):
            key = authorization.removeprefix("Bearer ")
        if key is None:
            return self._text(403, "Forbidden")
        if key not in self.keys:
            return self._text(403, "Invalid key")
        if request.headers.get("Zotero-API-Version") != "3":
            return self._text(400, "this fake speaks API version 3 only: send Zotero-API-Version: 3")
        route = _ROUTE.match(path)
        if route is None:
            return self._text(404, "Not found")
        if int(route.group(1)) != self.group_id:
            return self._text(403, "Forbidden")
        resource = route.group(2)
        if request.method == "GET" and resource == "deleted":
            return self._get_deleted(request)
        if request.method == "GET":
            return self._get_items(request, top=resource == "items/top")
        if resource != "items":
            return self._text(405, "Method not allowed")
        if self.keys[key] != "write":
            return self._text(403, "Write access denied")
        if request.method == "POST":
            return self._post_items(request)
        if request.method == "DELETE":
            return self._delete_items(request)
        return self._text(405, "Method not allowed")

    # --- reads -----------------------------------------------------------------------------------

    def _get_items(self, request: httpx.Request, *, top: bool) -> httpx.Response:
        params = request.url.params
        if_modified = request.headers.get("If-Modified-Since-Version")
        if if_modified is not None and self.library_version <= int(if_modified):
            return httpx.Response(304, headers=self._version_header())
        selected = [item for _, item in sorted(self.items.items())]
        if top:
            selected = [item for item in selected if "parentItem" not in item.data]
        if params.get("includeTrashed") != "1":
            selected = [item for item in selected if not item.data.get("deleted")]
        if "since" in params:
            since = int(params["since"])
            selected = [item for item in selected if item.version > since]
        if "itemKey" in params:
            wanted = set(params["itemKey"].split(","))
            selected = [item for item in selected if item.key in wanted]
        selected = self._sorted(selected, params.get("sort", "dateModified"), params.get("direction"))

        form = params.get("format", "json")
        start = int(params.get("start", "0"))
        if "limit" in params:
            limit = max(1, min(100, int(params["limit"])))
        else:
            limit = None if form in {"versions", "keys"} else 25
        total = len(selected)
        page = selected[start : start + limit] if limit is not None else selected[start:]
        headers = {**self._version_header(), "Total-Results": str(total)}
        if limit is not None and start + limit < total:
            following = dict(params.multi_items())
            following["start"] = str(start + limit)
            url = f"{request.url.copy_with(query=None)}?{urlencode(following)}"
            last = dict(following, start=str(((total - 1) // limit) * limit))
            last_url = f"{request.url.copy_with(query=None)}?{urlencode(last)}"
            headers["Link"] = f'<{url}>; rel="next", <{last_url}>; rel="last"'
        if form == "versions":
            return httpx.Response(200, json={item.key: item.version for item in page}, headers=headers)
        if form == "keys":
            return httpx.Response(200, text="".join(item.key + "\n" for item in page), headers=headers)
        return httpx.Response(200, json=[self._json(item) for item in page], headers=headers)

    @staticmethod
    def _sorted(items: list[_Item], sort: str, direction: str | None) -> list[_Item]:
        # Dates sort newest first unless told otherwise; everything else A to Z.
        descending = direction != "asc" if sort in {"dateAdded", "dateModified"} else direction == "desc"
        return sorted(items, key=lambda item: (str(item.data.get(sort, "")), item.key), reverse=descending)

    def _get_deleted(self, request: httpx.Request) -> httpx.Response:
        if "since" not in request.url.params:
            return self._text(400, "'since' parameter must be provided")
        since = int(request.url.params["since"])
        keys = sorted(key for key, version in self.deleted.items() if version > since)
        body = {"collections": [], "searches": [], "items": keys, "tags": [], "settings": []}
        return httpx.Response(200, json=body, headers=self._version_header())

    # --- writes ----------------------------------------------------------------------------------

    def _post_items(self, request: httpx.Request) -> httpx.Response:
        try:
            objects = json.loads(request.content)
        except ValueError:
            return self._text(400, "Invalid JSON")
        if not isinstance(objects, list):
            return self._text(400, "Uploaded data must be a JSON array")
        if len(objects) > 50:
            return self._text(413, "Cannot add more than 50 items at a time")
        token = request.headers.get("Zotero-Write-Token")
        if token is not None:
            if not 5 <= len(token) <= 32:
                return self._text(400, "Invalid write token")
            if token in self.tokens:
                return self._text(412, "Write token already used")
        expected = request.headers.get("If-Unmodified-Since-Version")
        if expected is not None and self.library_version > int(expected):
            return self._text(
                412,
                f"Library has been modified since specified version "
                f"(expected {expected}, found {self.library_version})",
            )
        for obj in objects:
            keyed = isinstance(obj, dict) and obj.get("key") in self.items
            if keyed and "version" not in obj and expected is None:
                return self._text(428, "If-Unmodified-Since-Version not provided")

        result: dict[str, dict[str, Any]] = {"successful": {}, "success": {}, "unchanged": {}, "failed": {}}
        for index, obj in enumerate(objects):
            outcome, value = self._write_one(obj)
            result[outcome][str(index)] = value
            if outcome == "successful":
                result["success"][str(index)] = value["key"]
        if token is not None:
            self.tokens.add(token)
        if not self.full_objects:
            del result["successful"]
        return httpx.Response(200, json=result, headers=self._version_header())

    def _write_one(self, obj: Any) -> tuple[str, Any]:
        if not isinstance(obj, dict):
            return "failed", {"key": "", "code": 400, "message": "Invalid value: expected an item object"}
        key = obj.get("key")
        if key is not None and (not isinstance(key, str) or not _KEY_PATTERN.fullmatch(key)):
            return "failed", {"key": str(key), "code": 400, "message": f"Invalid key '{key}'"}
        existing = self.items.get(key) if key else None
        fields = {k: v for k, v in obj.items() if k not in {"key", "version"}}
        if existing is not None:
            if "version" in obj and obj["version"] != existing.version:
                message = (
                    f"Item has been modified since specified version "
                    f"(expected {obj['version']}, found {existing.version})"
                )
                return "failed", {"key": key, "code": 412, "message": message}
            stored = existing.data
            new_type = fields.get("itemType", stored["itemType"])
            if new_type != stored["itemType"] and new_type in self._fields and stored["itemType"] in self._fields:
                stored = self._retyped(stored, new_type)
            merged = {**stored, **fields}
        else:
            if "version" in obj and obj["version"] != 0:
                return "failed", {"key": key or "", "code": 404, "message": f"Item {key} doesn't exist"}
            merged = fields
        problems = self._problems(merged)
        if problems:
            return "failed", {"key": key or "", "code": 400, "message": problems[0]}
        merged = self._normal(merged)
        if existing is not None and _content(merged) == _content(existing.data):
            return "unchanged", key
        key = self._store(key or self._new_key(), existing, merged)
        return "successful", self._json(self.items[key])

    def _delete_items(self, request: httpx.Request) -> httpx.Response:
        expected = request.headers.get("If-Unmodified-Since-Version")
        if expected is None:
            return self._text(428, "If-Unmodified-Since-Version not provided")
        if self.library_version > int(expected):
            return self._text(412, "Library has been modified since specified version")
        keys = [key for key in request.url.params.get("itemKey", "").split(",") if key]
        if len(keys) > 50:
            return self._text(413, "Cannot delete more than 50 items at a time")
        for key in keys:
            for child in [k for k, item in self.items.items() if item.data.get("parentItem") == key]:
                self.delete(child)
            if key in self.items:
                self.delete(key)
        return httpx.Response(204, headers=self._version_header())

    # --- the schema, as the server applies it ----------------------------------------------------

    def _problems(self, data: Mapping[str, Any]) -> list[str]:
        kind = data.get("itemType")
        if kind is None:
            return ["'itemType' property not provided"]
        if kind not in self._fields:
            return [f"Unknown item type '{kind}'"]
        allowed = _STRUCTURAL | (_NOTE_PROPERTIES if kind == "note" else set())
        problems = []
        for name, value in data.items():
            if name in allowed:
                continue
            if name not in self._fields[kind]:
                problems.append(f"'{name}' is not a valid field for type '{kind}'")
            elif not isinstance(value, str):
                problems.append(f"'{name}' value must be a string")
        for person in data.get("creators", []):
            creator_type = person.get("creatorType")
            if creator_type not in self._creator_types[kind]:
                problems.append(f"'{creator_type}' is not a valid creator type for item type '{kind}'")
            if "name" in person and ("firstName" in person or "lastName" in person):
                problems.append("Creator 'name' cannot be used with 'firstName' or 'lastName'")
            if "name" not in person and "lastName" not in person:
                problems.append("Creator must have 'name' or 'lastName'")
        for tag in data.get("tags", []):
            if not isinstance(tag, dict) or not str(tag.get("tag", "")).strip():
                problems.append("Tag must be an object with a non-empty 'tag'")
        return problems

    def _retyped(self, data: Mapping[str, Any], new_type: str) -> dict[str, Any]:
        """The item once its type is ``new_type``, before the written fields are applied (setType)."""
        old_type = data["itemType"]
        new_fields = self._fields[new_type]
        result = {name: value for name, value in data.items() if name in _STRUCTURAL or name in new_fields}
        for name, value in data.items():
            if name in result or not value:
                continue
            base = self._base_fields[old_type].get(name, name)
            if base in new_fields:
                target: str | None = base
            else:
                target = next((f for f, b in self._base_fields[new_type].items() if b == base), None)
            if target is not None and not result.get(target):
                result[target] = value
        result["itemType"] = new_type
        result["creators"] = [
            dict(person)
            if person.get("creatorType") in self._creator_types[new_type]
            else {**person, "creatorType": "contributor"}
            for person in data.get("creators", [])
        ]
        return result

    @staticmethod
    def _normal(data: dict[str, Any]) -> dict[str, Any]:
        """How the server stores an item: tags as a set (sorted, manual type omitted), no deleted: 0."""
        data = dict(data)
        tags = {(tag["tag"], int(tag.get("type", 0) or 0)) for tag in data.get("tags", [])}
        data["tags"] = [{"tag": name, **({"type": kind} if kind else {})} for name, kind in sorted(tags)]
        data.setdefault("collections", [])
        data.setdefault("relations", {})
        if not data.get("deleted"):
            data.pop("deleted", None)
        else:
            data["deleted"] = 1
        return data

    def _store(self, key: str, existing: _Item | None, data: dict[str, Any]) -> str:
        self.library_version += 1
        stamp = self._now()
        data = self._normal(data)
        data["key"] = key
        data["version"] = self.library_version
        data["dateAdded"] = existing.data["dateAdded"] if existing is not None else stamp
        data["dateModified"] = stamp
        self.items[key] = _Item(key, self.library_version, data)
        self.deleted.pop(key, None)
        return key

    def _new_key(self) -> str:
        while True:
            key = "".join(self._rng.choice(KEY_ALPHABET) for _ in range(8))
            if key not in self.items and key not in self.deleted:
                return key

    def _now(self) -> str:
        self._tick += 1
        moment = dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=self._tick)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _json(self, item: _Item) -> dict[str, Any]:
        children = sum(1 for other in self.items.values() if other.data.get("parentItem") == item.key)
        return {
            "key": item.key,
            "version": item.version,
            "library": {"type": "group", "id": self.group_id, "name": "Fake group", "links": {}},
            "links": {"self": {"href": f"{self.base_url}/groups/{self.group_id}/items/{item.key}"}},
            "meta": {"numChildren": children},
            "data": copy.deepcopy(item.data),
        }

    def _version_header(self) -> dict[str, str]:
        return {"Last-Modified-Version": str(self.library_version)}

    def _text(self, status: int, text: str) -> httpx.Response:
        return httpx.Response(status, text=text, headers=self._version_header())


def _content(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in {"version", "dateModified"}}


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return None


def _exception(raised: BaseException | type[BaseException], request: httpx.Request) -> BaseException:
    if isinstance(raised, BaseException):
        return raised
    if issubclass(raised, httpx.RequestError):
        return raised("fake: no answer", request=request)
    return raised()


def preprint(
    title: str, *, family: str = "Doe", given: str = "Jane", year: int = 2023, **fields: Any
) -> dict[str, Any]:
    """A hand-made preprint as a person would add it in Zotero."""
    return {
        "itemType": "preprint",
        "title": title,
        "creators": [{"creatorType": "author", "firstName": given, "lastName": family}],
        "date": f"{year}",
        "tags": [],
        **fields,
    }


def note(parent: str, text: str) -> dict[str, Any]:
    return {"itemType": "note", "note": text, "parentItem": parent, "tags": []}


def keys_of(items: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted(str(item["key"]) for item in items)


class FakeTime:
    """A clock and a sleep for the client: sleeping advances the clock and is recorded, never real."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@functools.cache
def listing_keyed() -> tuple[Keyed, ...]:
    """The 50 entries of fixtures/listing.txt with their keys, as `bibsync export` issues them."""
    with tempfile.TemporaryDirectory() as folder:
        project = build_project(
            Config(root=Path(folder)), listing=LISTING, lock=Path(folder) / "bibsync.lock", as_of=LISTING_AS_OF
        )
    return project.keyed
