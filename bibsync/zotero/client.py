"""The HTTP edge: the Zotero Web API v3 requests a sync needs, made so that real servers can be trusted.

Every request goes through one ``httpx.Client`` and one retry loop that

- waits out ``Backoff`` (on any answer, 200 included) before the next request, and ``Retry-After``
  (or ``Backoff``) on 429 and 503;
- retries 429, 5xx, timeouts and dropped connections with bounded exponential backoff and jitter
  (``sleep``, ``clock`` and the random source are injectable, so tests never really sleep), then
  gives up with one plain sentence;
- re-sends the *same* request on a retry, so a write keeps its ``Zotero-Write-Token`` and its
  ``If-Unmodified-Since-Version``: if the first attempt was committed and only its answer was lost,
  the server refuses the repeat with 412 instead of creating the items twice.

pyzotero is not used here: its ``create_items`` sends a new write token on every call and returns a
429 body as if it were the result; ``update_items`` ignores per-object failures; it cannot make a
conditional read (a 304 raises); its reads retry 429 with a real ``time.sleep`` and never retry 5xx;
and its paging re-joins the ``Link`` path onto the endpoint, which breaks an API URL with a path
(a self-hosted data server). The sync needs a handful of requests, and owning them is smaller than
wrapping all of that.

The API key travels only in the ``Authorization`` header (which httpx masks in reprs), is held in an
:class:`ApiKey` whose repr hides it, and is scrubbed from every message this module raises.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from bibsync.zotero.items import RemoteItem

DEFAULT_API_URL = "https://api.zotero.org"
API_VERSION = "3"
READ_LIMIT = 100  # the server's page size limit
WRITE_LIMIT = 50  # the server's limit of objects per write

log = logging.getLogger(__name__)

# Failures after which the request may be sent again as it is.
_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class ApiKey:
    """A Zotero API key that does not show itself in reprs, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value or value != value.strip():
            raise ValueError("an API key must be a non-empty string without spaces around it")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "ApiKey(***)"

    __str__ = __repr__


class ZoteroError(Exception):
    """A request failed. The message is one plain sentence and never contains the API key."""


class AccessDenied(ZoteroError):
    """403: the key is not valid, or cannot read or write the group."""


class NotFound(ZoteroError):
    """404: no such group at this API URL."""


class PreconditionFailed(ZoteroError):
    """412: the library changed since the version the write was based on, or the write token was
    already used (the same write was committed before: its answer was lost)."""


class ServerUnavailable(ZoteroError):
    """The server kept failing (5xx, 429, timeouts, dropped connections) past the retry bound."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6  # tries per request, the first included
    base_delay: float = 1.0  # seconds before the first retry; doubles on every retry
    max_delay: float = 60.0  # cap of one exponential wait
    max_server_delay: float = 900.0  # longest Backoff/Retry-After honoured before giving up
    timeout: float = 60.0  # per request: a 50-item write can take the server a while


@dataclass(frozen=True, slots=True)
class ItemsRead:
    """Items read from the server. ``consistent`` is false when the library changed while the pages
    were read (their ``Last-Modified-Version`` differ): a page may then have missed an item."""

    items: tuple[RemoteItem, ...]
    version: int
    consistent: bool


@dataclass(frozen=True, slots=True)
class ObjectFailure:
    index: int
    key: str
    code: int
    message: str


@dataclass(frozen=True, slots=True)
class WriteResult:
    """The answer to one write, by index of the object in the request. An index in none of the maps
    was not answered for; one in ``success`` but not ``successful`` was written, but the answer left
    out the object (older servers): both must be read back."""

    version: int | None  # the library version after the write (its Last-Modified-Version)
    success: Mapping[int, str]  # written: the item key
    successful: Mapping[int, RemoteItem]  # written: the item as now stored
    unchanged: Mapping[int, str]
    failed: Mapping[int, ObjectFailure]


class ZoteroClient:
    """Reads and writes one group library. Counts the HTTP requests it sends in :attr:`requests`."""

    def __init__(
        self,
        api_url: str,
        group_id: int,
        api_key: ApiKey | None,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.group_id = group_id
        self.policy = policy or RetryPolicy()
        self.requests = 0
        self._key = api_key
        # Looked up at call time, so a test can stand in for the real clock.
        self._sleep = sleep or (lambda seconds: time.sleep(seconds))
        self._clock = clock or (lambda: time.monotonic())
        self._rng = rng or random.Random()
        self._not_before = 0.0
        headers = {"Zotero-API-Version": API_VERSION, "User-Agent": _user_agent()}
        if api_key is not None:
            headers["Authorization"] = f"Bearer {api_key.reveal()}"
        self._http = httpx.Client(headers=headers, timeout=self.policy.timeout, transport=transport)

    def __repr__(self) -> str:
        return f"ZoteroClient({self.api_url!r}, group {self.group_id})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def _library(self) -> str:
        return f"{self.api_url}/groups/{self.group_id}"

    # --- reads -----------------------------------------------------------------------------------

    def read_items(self, since: int | None) -> ItemsRead | None:
        """Every top-level item (trashed ones too) changed after library version ``since``, or all of
        them when ``since`` is None; None when nothing changed (the server answered 304)."""
        params = {
            "format": "json",
            "includeTrashed": "1",
            "limit": str(READ_LIMIT),
            "sort": "dateAdded",  # new items land on the last page instead of shifting the others
            "direction": "asc",
        }
        headers = {}
        if since is not None:
            params["since"] = str(since)
            headers["If-Modified-Since-Version"] = str(since)
        request = self._http.build_request("GET", f"{self._library}/items/top", params=params, headers=headers)
        items: list[RemoteItem] = []
        versions: list[int] = []
        while True:
            response = self._send(request, "reading the library")
            if response.status_code == 304 and not versions:
                return None
            self._check(response, "reading the library")
            versions.append(self._version_of(response))
            items.extend(_remote_item(obj) for obj in _json_list(response))
            following = response.links.get("next", {}).get("url")
            if not following:
                break
            request = self._http.build_request("GET", response.url.join(following))
        return ItemsRead(tuple(items), versions[0], consistent=len(set(versions)) == 1)

    def read_deleted(self, since: int) -> tuple[frozenset[str], int]:
        """Keys of the items deleted after library version ``since``, and the current version."""
        request = self._http.build_request("GET", f"{self._library}/deleted", params={"since": str(since)})
        response = self._send(request, "reading deletions")
        self._check(response, "reading deletions")
        body = response.json()
        keys = body.get("items", []) if isinstance(body, dict) else None
        if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
            raise ZoteroError("the Zotero server sent a list of deletions bibsync cannot read")
        return frozenset(keys), self._version_of(response)

    # --- writes ----------------------------------------------------------------------------------

    def write_items(self, objects: Sequence[Mapping[str, Any]], library_version: int) -> WriteResult:
        """Create and update up to 50 items in one request, if the library is still at
        ``library_version``; raises :class:`PreconditionFailed` when it is not."""
        if not 0 < len(objects) <= WRITE_LIMIT:
            raise ValueError(f"a write takes 1 to {WRITE_LIMIT} objects, not {len(objects)}")
        headers = {
            "Content-Type": "application/json",
            # One token per batch, kept across retries: a repeat of a committed write is refused.
            "Zotero-Write-Token": secrets.token_hex(16),
            "If-Unmodified-Since-Version": str(library_version),
        }
        content = json.dumps(list(objects), ensure_ascii=False).encode("utf-8")
        request = self._http.build_request("POST", f"{self._library}/items", content=content, headers=headers)
        response = self._send(request, "writing items")
        self._check(response, "writing items")
        return _write_result(response)

    # --- the retry loop --------------------------------------------------------------------------

    def _send(self, request: httpx.Request, doing: str) -> httpx.Response:
        policy = self.policy
        problem = ""
        for attempt in range(1, policy.attempts + 1):
            self._wait_for_backoff()
            self.requests += 1
            try:
                response = self._http.send(request)
            except _RETRYABLE_ERRORS as error:
                problem = _describe(error)
                delay = self._exponential(attempt)
            except httpx.HTTPError as error:
                raise ZoteroError(self._scrub(f"{doing} failed: {_describe(error)}")) from None
            else:
                log.debug("%s %s -> %s", request.method, request.url, response.status_code)
                self._note_backoff(response)
                status = response.status_code
                if status != 429 and status < 500:
                    return response
                problem = f"HTTP {status}"
                asked = _seconds(response.headers.get("Retry-After")) or _seconds(response.headers.get("Backoff"))
                response.close()
                if asked is not None and asked > policy.max_server_delay:
                    raise ServerUnavailable(
                        f"the Zotero server asked bibsync to wait {asked:.0f} s ({problem}); try again later"
                    )
                delay = asked if asked is not None else self._exponential(attempt)
            if attempt < policy.attempts:
                log.info("%s: %s; retrying in %.1f s", doing, problem, delay)
                self._sleep(delay)
        raise ServerUnavailable(f"{doing} failed after {policy.attempts} attempts ({problem})")

    def _exponential(self, attempt: int) -> float:
        ceiling = min(self.policy.max_delay, self.policy.base_delay * 2.0 ** (attempt - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)  # "equal jitter"

    def _note_backoff(self, response: httpx.Response) -> None:
        asked = _seconds(response.headers.get("Backoff"))
        if asked is not None:
            log.info("the Zotero server asked for %.1f s of quiet", asked)
            self._not_before = max(self._not_before, self._clock() + min(asked, self.policy.max_server_delay))

    def _wait_for_backoff(self) -> None:
        remaining = self._not_before - self._clock()
        if remaining > 0:
            self._sleep(remaining)

    # --- answers ---------------------------------------------------------------------------------

    def _check(self, response: httpx.Response, doing: str) -> None:
        status = response.status_code
        if status < 300:
            return
        text = self._scrub(response.text.strip())[:300]
        if status == 403:
            if "write" in text.lower():
                reason = f"the API key has no write access to Zotero group {self.group_id}"
            elif "invalid key" in text.lower():
                reason = f"the API key is not valid (Zotero group {self.group_id})"
            else:
                reason = f"the API key has no access to Zotero group {self.group_id}"
            raise AccessDenied(f"Zotero refused {doing}: {reason}.")
        if status == 404:
            raise NotFound(f"Zotero group {self.group_id} does not exist at {self.api_url}.")
        if status == 412:
            raise PreconditionFailed(text or "the library changed")
        raise ZoteroError(f"{doing} failed: the Zotero server answered HTTP {status}: {text}")

    def _version_of(self, response: httpx.Response) -> int:
        value = response.headers.get("Last-Modified-Version")
        if value is None or not value.isdigit():
            raise ZoteroError("the Zotero server's answer has no Last-Modified-Version")
        return int(value)

    def _scrub(self, text: str) -> str:
        if self._key is not None:
            text = text.replace(self._key.reveal(), "***")
        return text


def _user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"bibsync/{version('bibsync')}"
    except PackageNotFoundError:
        return "bibsync"


def _describe(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "the server did not answer in time"
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "the connection dropped"
    if isinstance(error, httpx.ConnectError):
        return "cannot connect to the server"
    return type(error).__name__


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _json_list(response: httpx.Response) -> list[Any]:
    body = response.json()
    if not isinstance(body, list):
        raise ZoteroError("the Zotero server sent items bibsync cannot read")
    return body


def _remote_item(obj: Any) -> RemoteItem:
    if (
        not isinstance(obj, dict)
        or not isinstance(obj.get("key"), str)
        or not isinstance(obj.get("version"), int)
        or not isinstance(obj.get("data"), dict)
    ):
        raise ZoteroError("the Zotero server sent an item bibsync cannot read")
    return RemoteItem(obj["key"], obj["version"], obj["data"])


def _write_result(response: httpx.Response) -> WriteResult:
    body = response.json()
    if not isinstance(body, dict):
        raise ZoteroError("the Zotero server sent a write result bibsync cannot read")
    version_header = response.headers.get("Last-Modified-Version", "")
    successful = {int(i): _remote_item(obj) for i, obj in (body.get("successful") or {}).items()}
    success = {int(i): str(key) for i, key in (body.get("success") or {}).items()}
    success.update((index, item.key) for index, item in successful.items())
    unchanged = {int(i): str(key) for i, key in (body.get("unchanged") or {}).items()}
    failed = {
        int(i): ObjectFailure(int(i), str(info.get("key", "")), int(info.get("code", 0)), str(info.get("message", "")))
        for i, info in (body.get("failed") or {}).items()
    }
    return WriteResult(
        version=int(version_header) if version_header.isdigit() else None,
        success=success,
        successful=successful,
        unchanged=unchanged,
        failed=failed,
    )
