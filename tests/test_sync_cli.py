"""`bibsync sync` end to end: the fixture listing synced into the fake server through the command."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from pytest_httpx import HTTPXMock
from zotero_fake import (
    BASE_URL,
    GROUP_ID,
    LISTING,
    LISTING_AS_OF,
    READ_KEY,
    WRITE_KEY,
    FakeZotero,
    listing_keyed,
    preprint,
)

from bibsync.cli import cli

SENTINEL_KEY = "Sentinel-Key-7c1e9b2f44"


@pytest.fixture
def fake(httpx_mock: HTTPXMock) -> FakeZotero:
    return FakeZotero(keys={WRITE_KEY: "write", READ_KEY: "read", SENTINEL_KEY: "write"}).install(httpx_mock)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("ZOTERO_API_KEY", "ZOTERO_API_URL", "LAB_ZOTERO_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # retries in these tests never wait


def run(tmp_path: Path, *args: str, key: str | None = WRITE_KEY, group: bool = True, **env: str) -> Result:
    arguments = [
        "sync",
        str(LISTING),
        "--lock",
        str(tmp_path / "bibsync.lock"),
        "--as-of",
        LISTING_AS_OF.isoformat(),
        "--api-url",
        BASE_URL,
        "--cache-dir",
        str(tmp_path / "cache"),
        *(["--group", str(GROUP_ID)] if group else []),
        *args,
    ]
    environment = {**({"ZOTERO_API_KEY": key} if key is not None else {}), **env}
    return CliRunner().invoke(cli, arguments, env=environment, catch_exceptions=False)


def test_sync_records_keys_then_creates_and_reports(fake: FakeZotero, tmp_path: Path) -> None:
    lock = tmp_path / "bibsync.lock"
    seen_lock: list[bool] = []
    fake.inject(method="GET", before=lambda server: seen_lock.append(lock.exists()))

    result = run(tmp_path)

    assert result.exit_code == 0, result.output
    assert seen_lock == [True]  # the lock was written before anything was sent
    assert f"bibsync: Zotero group {GROUP_ID}: created 50, updated 0, unchanged 0, failed 0; in sync" in result.stdout
    assert "written 50/50" in result.stderr  # plain progress lines off a terminal
    assert len(fake.regular()) == 50

    again = run(tmp_path)
    assert again.exit_code == 0 and "created 0, updated 0, unchanged 50" in again.stdout
    assert "(1 request)" in again.stdout


def test_dry_run_prints_the_plan_and_writes_nothing(fake: FakeZotero, tmp_path: Path) -> None:
    fake.add(preprint("Somebody's paper", citationKey="somebody2020", tags=[{"tag": "bibsync:created"}]))

    result = run(tmp_path, "--dry-run", "--prune")

    assert result.exit_code == 0, result.output
    assert "bibsync sync --dry-run" in result.stdout
    assert result.stdout.count("create ") >= 50 and "trash" in result.stdout
    assert "would be created 50" in result.stdout and "would be trashed 1" in result.stdout
    assert fake.writes() == []
    assert not (tmp_path / "bibsync.lock").exists()
    assert not (tmp_path / "cache").exists()


def test_conflicts_exit_1_naming_both_items(fake: FakeZotero, tmp_path: Path) -> None:
    key = listing_keyed()[0].key
    twins = sorted(fake.add(preprint(f"Copy {n}", citationKey=key)) for n in range(2))

    result = run(tmp_path)

    assert result.exit_code == 1
    assert f"conflict: {key}: 2 items carry this citation key: {twins[0]}, {twins[1]}" in result.stdout
    assert "NOT in sync" in result.stdout and "conflicts 1" in result.stdout


def test_a_missing_key_or_group_is_bad_usage(fake: FakeZotero, tmp_path: Path) -> None:
    no_key = run(tmp_path, key=None)
    no_group = run(tmp_path, group=False)
    assert no_key.exit_code == 2 and "ZOTERO_API_KEY" in no_key.stderr
    assert no_group.exit_code == 2 and "--group" in no_group.stderr
    assert fake.log == []


def test_settings_come_from_the_config(fake: FakeZotero, tmp_path: Path) -> None:
    (tmp_path / "bibsync.toml").write_text(
        f'[sync]\ngroup = {GROUP_ID}\napi-key-env = "LAB_ZOTERO_KEY"\ntag-prefix = "lab:"\ncache-dir = "zcache"\n',
        encoding="utf-8",
    )
    result = run(tmp_path, "--cache-dir", str(tmp_path / "zcache"), key=None, group=False, LAB_ZOTERO_KEY=WRITE_KEY)
    assert result.exit_code == 0, result.output
    assert all(any(t["tag"] == "lab:created" for t in data["tags"]) for data in fake.regular())

    unknown = tmp_path / "bibsync.toml"
    unknown.write_text('[sync]\ngroup = 1\napi-key = "oops"\n', encoding="utf-8")
    refused = run(tmp_path, group=False)
    assert refused.exit_code == 2 and "must not be in the config" in refused.stderr


def test_the_key_can_come_from_a_keyring(fake: FakeZotero, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bibsync.toml").write_text('[sync]\nkeyring-service = "zotero"\nkeyring-username = "lab"\n')
    errors = types.SimpleNamespace(KeyringError=type("KeyringError", (Exception,), {}))
    vault = types.SimpleNamespace(
        get_password=lambda service, user: WRITE_KEY if (service, user) == ("zotero", "lab") else None,
        errors=errors,
    )
    monkeypatch.setitem(sys.modules, "keyring", vault)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)
    assert run(tmp_path, "--dry-run", key=None).exit_code == 0

    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed
    missing = run(tmp_path, key=None)
    assert missing.exit_code == 2 and "pip install 'bibsync[keyring]'" in missing.stderr


def test_403_is_one_sentence_and_exit_1(fake: FakeZotero, tmp_path: Path) -> None:
    result = run(tmp_path, key=READ_KEY)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line == (
        f"bibsync: Zotero refused writing items: the API key has no write access to Zotero group {GROUP_ID}."
    )


def test_an_interrupted_sync_says_so_and_the_next_run_finishes(fake: FakeZotero, tmp_path: Path) -> None:
    fake.inject(method="POST", raise_after=KeyboardInterrupt)
    interrupted = run(tmp_path)
    assert interrupted.exit_code == 1 and "interrupted" in interrupted.stderr

    finished = run(tmp_path)
    assert finished.exit_code == 0 and "created 0, updated 0, unchanged 50" in finished.stdout
    assert len(fake.regular()) == 50


@pytest.mark.parametrize("verbosity", [[], ["-v"], ["-vv"], ["-q"]])
@pytest.mark.parametrize("scenario", ["sync", "invalid key", "read-only key", "server down", "dry run"])
def test_the_api_key_never_appears_in_output_or_logs(
    fake: FakeZotero,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    verbosity: list[str],
    scenario: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    if scenario == "invalid key":
        del fake.keys[SENTINEL_KEY]
    elif scenario == "read-only key":
        fake.keys[SENTINEL_KEY] = "read"
    elif scenario == "server down":
        fake.inject(method="POST", status=500, times=100)
    extra = ["--dry-run"] if scenario == "dry run" else []

    result = run(tmp_path, *verbosity, *extra, key=SENTINEL_KEY)

    captured = capsys.readouterr()
    seen = "\n".join([result.stdout, result.stderr, caplog.text, captured.out, captured.err])
    assert fake.log, "the scenario must have talked to the server"
    assert result.exit_code == (0 if scenario in {"sync", "dry run"} else 1), seen
    assert SENTINEL_KEY not in seen
    assert SENTINEL_KEY[-10:] not in seen  # nor its secret part
    if verbosity == ["-vv"] and scenario == "sync":
        assert "HTTP Request: POST" in caplog.text  # the logs were really captured at DEBUG


class _LocalZotero(BaseHTTPRequestHandler):
    """A real socket, so httpx's and httpcore's own logging run too (pytest-httpx bypasses them)."""

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {SENTINEL_KEY}":
            self._answer(403, b"Invalid key", "text/plain")
        else:
            self._answer(200, b"[]", "application/json")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        self._answer(403, b"Write access denied", "text/plain")

    def _answer(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified-Version", "3")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LocalZotero)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_api_key_is_not_in_httpcore_logs_over_a_real_socket(
    tmp_path: Path, local_server: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    result = run(tmp_path, "-vv", "--api-url", local_server, key=SENTINEL_KEY)

    captured = capsys.readouterr()
    seen = "\n".join([result.stdout, result.stderr, caplog.text, captured.out, captured.err])
    assert result.exit_code == 1 and "no write access" in result.stderr
    assert "send_request_headers" in caplog.text  # httpcore's DEBUG trace was captured
    assert SENTINEL_KEY not in seen


def test_help_documents_every_option() -> None:
    result = CliRunner().invoke(cli, ["sync", "--help"], catch_exceptions=False)
    for option in (
        "--group",
        "--api-url",
        "--cache-dir",
        "--dry-run",
        "--prune",
        "--tag-prefix",
        "--lock",
        "--as-of",
        "--config",
        "ZOTERO_API_KEY",
        "ZOTERO_API_URL",
        "keyring",
        "Exit status",
    ):
        assert option in result.output, option


def test_the_command_module_imports_no_http_stack() -> None:
    probe = (
        "import json, sys, bibsync.cli.sync; "
        "print(json.dumps(sorted(m for m in ('httpx', 'rich', 'pyzotero') if m in sys.modules)))"
    )
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert json.loads(output) == []


def test_an_unreachable_server_is_one_plain_line(tmp_path: Path, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), is_reusable=True)
    result = run(tmp_path)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "bibsync: reading the library failed after 6 attempts (cannot connect to the server)"
    )


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from bibsync.cli.common import progress_bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar("writing to Zotero", "written", quiet=False) as progress:
        assert progress is not None
        progress(50, 120)
        progress(120, 120)
    drawn = terminal.getvalue()
    assert "writing to Zotero" in drawn and "bibsync: written" not in drawn  # a rich bar, not lines

    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    with progress_bar("writing to Zotero", "written", quiet=False) as progress:
        assert progress is not None
        progress(50, 120)
    assert pipe.getvalue() == "bibsync: written 50/120\n"

    with progress_bar("writing to Zotero", "written", quiet=True) as progress:
        assert progress is None


def test_an_unusable_cache_folder_is_bad_input(fake: FakeZotero, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file", encoding="utf-8")
    result = run(tmp_path, "--cache-dir", str(blocked / "cache"))
    assert result.exit_code == 2 and "cannot use the cache folder" in result.stderr
    assert fake.log == []


def test_a_type_change_not_made_is_told(capsys: pytest.CaptureFixture[str]) -> None:
    from bibsync.cli.sync import _report
    from bibsync.zotero.plan import Action, ActionKind, Plan
    from bibsync.zotero.sync import SyncResult

    kept = Action(ActionKind.UNCHANGED, "doe2023", "Paper", ("PPPP2222",), detail="kept as preprint: x",
                  warning="kept as preprint: a journalArticle has no place for its genre")
    quiet = Action(ActionKind.UNCHANGED, "roe2024", "Other", ("QQQQ3333",))
    _report(SyncResult(Plan((kept, quiet)), unchanged=2, converged=True, requests=1), 123, quiet=False)
    out = capsys.readouterr().out
    assert "note: doe2023: kept as preprint: a journalArticle has no place for its genre\n" in out
    assert "roe2024" not in out


def test_the_enrichment_file_next_to_the_lock_reaches_zotero(fake: FakeZotero, tmp_path: Path) -> None:
    from enrich_data import RECORDS

    from bibsync.enrich.store import format_store

    (tmp_path / "bibsync.enrich.json").write_text(format_store(RECORDS.values()), encoding="utf-8")
    result = run(tmp_path)
    assert result.exit_code == 0, result.output
    items = {item["citationKey"]: item for item in fake.regular()}
    chinchilla = items["hoffmann2022training"]
    assert chinchilla["itemType"] == "conferencePaper" and chinchilla["DOI"] == "10.5555/chinchilla.2022"
    assert chinchilla["proceedingsTitle"] == "Advances in Neural Information Processing Systems"
    assert len(chinchilla["creators"]) == 22 and "arXiv: 2203.15556" in chinchilla["extra"]
    promptbreeder = items["fernando2023promptbreeder"]
    assert promptbreeder["itemType"] == "preprint" and promptbreeder["archiveID"] == "arXiv:2309.16797"
    assert items["mirowski2022clip"].get("DOI", "") == ""  # in review: not applied
