"""[tool.bibsync.enrich]: identifiers as users write them, defaults, and clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bibsync.config import ConfigError, parse_config
from bibsync.enrich.candidate import Identifier
from bibsync.enrich.settings import DEFAULT_SERVICES, enrich_settings, parse_identifier


@pytest.mark.parametrize(("text", "expected"), [
    ("arxiv:2203.15556", Identifier("arxiv", "2203.15556")),
    ("arXiv:2203.15556v3", Identifier("arxiv", "2203.15556")),  # the version is dropped
    ("arxiv:hep-th/9901001", Identifier("arxiv", "hep-th/9901001")),
    ("arxiv:math.GT/0309136", Identifier("arxiv", "math.GT/0309136")),
    ("doi:10.1145/3292500.3330701", Identifier("doi", "10.1145/3292500.3330701")),
    ("DOI:10.1038/NATURE14539", Identifier("doi", "10.1038/nature14539")),  # DOIs are case-insensitive
    ("https://doi.org/10.1038/nature14539", Identifier("doi", "10.1038/nature14539")),
    ("doi:10.48550/arXiv.2309.16797", Identifier("arxiv", "2309.16797")),  # arXiv's DOI is the arXiv id
    ("arxiv:not-an-id", None), ("doi:nonsense", None), ("isbn:9780262035613", None), ("2203.15556", None),
])
def test_identifiers(text: str, expected: Identifier | None) -> None:
    assert parse_identifier(text) == expected


def settings(tmp_path: Path, table: dict[str, Any]) -> Any:
    return enrich_settings(parse_config({"enrich": table}, root=tmp_path, source=tmp_path / "bibsync.toml"))


def test_defaults_put_the_file_next_to_the_lock(tmp_path: Path) -> None:
    result = settings(tmp_path, {})
    assert result.file == tmp_path / "bibsync.enrich.json"
    assert result.services == DEFAULT_SERVICES and result.contact == "" and not result.pins
    custom = enrich_settings(parse_config({"lock": "locks/b.lock"}, root=tmp_path))
    assert custom.file == tmp_path / "locks" / "bibsync.enrich.json"


@pytest.mark.parametrize(("table", "message"), [
    ({"contact": "not an address"}, "'contact' must be an e-mail address"),
    ({"services": ["arxiv", "google"]}, "not google"),
    ({"services": []}, "'services' must name some of"),
    ({"accept": ["a"], "reject": ["a"]}, "a both accepted and rejected"),
    ({"pin": {"k": "isbn:1"}}, "pin.k must be \"arxiv:<arXiv id>\" or \"doi:<DOI>\", not 'isbn:1'"),
    ({"pin": "k"}, "'pin' must be a table"),
    ({"api-key": "secret"}, "unknown setting(s): api-key"),
    ({"accept": "k"}, "'accept' must be a list of strings"),
])
def test_bad_settings_name_the_file_and_the_setting(tmp_path: Path, table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        settings(tmp_path, table)
    assert str(error.value).startswith(f"{tmp_path / 'bibsync.toml'}: [enrich]: ")
    assert message in str(error.value)
    assert "secret" not in str(error.value)
