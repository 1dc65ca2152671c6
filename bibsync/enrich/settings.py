"""``[tool.bibsync.enrich]``: what ``bibsync enrich`` (and every command that applies its results) reads.

    [tool.bibsync.enrich]
    contact = "lab@example.org"            # sent to the services (User-Agent, Crossref's mailto)
    services = ["arxiv", "crossref"]       # default; add "semanticscholar", "dblp"
    file = "bibsync.enrich.json"           # default: next to the lock file
    accept = ["rae2021scaling"]            # apply the candidate listed for review
    reject = ["smith2020deep"]             # never enrich these entries
    semanticscholar-key-env = "S2_API_KEY" # the variable holding a Semantic Scholar API key (optional)

    [tool.bibsync.enrich.pin]              # the paper is this one: look it up by identifier
    hoffmann2022training = "arxiv:2203.15556"
    fernando2023promptbreeder = "doi:10.48550/arXiv.2309.16797"   # arXiv's DOI: the same as arxiv:2309.16797
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bibsync.config import Config, ConfigError, command_table
from bibsync.enrich.candidate import Identifier
from bibsync.identifiers import arxiv_id_from_doi, normalise_arxiv_id, normalise_doi

KNOWN_SERVICES = ("arxiv", "crossref", "semanticscholar", "dblp")
DEFAULT_SERVICES = ("arxiv", "crossref")
_KEYS = {"contact", "services", "file", "accept", "reject", "pin", "semanticscholar-key-env"}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class EnrichSettings:
    file: Path
    contact: str = ""
    services: tuple[str, ...] = DEFAULT_SERVICES
    accept: frozenset[str] = frozenset()
    reject: frozenset[str] = frozenset()
    pins: Mapping[str, Identifier] = field(default_factory=dict)
    semanticscholar_key_env: str | None = None


def enrich_settings(config: Config, *, lock: Path | None = None) -> EnrichSettings:
    """The settings, validated; :class:`ConfigError` names the config file and the setting."""
    table, where = command_table(config, "enrich", _KEYS)

    def strings(name: str) -> tuple[str, ...]:
        value = table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"{where}: '{name}' must be a list of strings")
        return tuple(value)

    contact = table.get("contact", "")
    if not isinstance(contact, str) or (contact and not _EMAIL.fullmatch(contact)):
        raise ConfigError(f"{where}: 'contact' must be an e-mail address")
    services = strings("services") if "services" in table else DEFAULT_SERVICES
    unknown_services = [s for s in services if s not in KNOWN_SERVICES]
    if unknown_services or not services:
        raise ConfigError(f"{where}: 'services' must name some of {', '.join(KNOWN_SERVICES)}"
                          + (f", not {', '.join(unknown_services)}" if unknown_services else ""))
    accept, reject = frozenset(strings("accept")), frozenset(strings("reject"))
    both = sorted(accept & reject)
    if both:
        raise ConfigError(f"{where}: {', '.join(both)} both accepted and rejected")
    pins_table = table.get("pin", {})
    if not isinstance(pins_table, dict):
        raise ConfigError(f"{where}: 'pin' must be a table of citation key = \"arxiv:ID\" or \"doi:DOI\"")
    pins: dict[str, Identifier] = {}
    for key, value in pins_table.items():
        identifier = parse_identifier(value) if isinstance(value, str) else None
        if identifier is None:
            raise ConfigError(f"{where}: pin.{key} must be \"arxiv:<arXiv id>\" or \"doi:<DOI>\", not {value!r}")
        pins[key] = identifier
    key_env = table.get("semanticscholar-key-env")
    if key_env is not None and (not isinstance(key_env, str) or not key_env):
        raise ConfigError(f"{where}: 'semanticscholar-key-env' must name an environment variable")
    file_value = table.get("file")
    if file_value is not None and (not isinstance(file_value, str) or not file_value):
        raise ConfigError(f"{where}: 'file' must be a path")
    return EnrichSettings(
        file=config.enrich_path(lock),
        contact=contact,
        services=tuple(dict.fromkeys(services)),
        accept=accept,
        reject=reject,
        pins=pins,
        semanticscholar_key_env=key_env,
    )


def parse_identifier(text: str) -> Identifier | None:
    """``arxiv:2203.15556v2`` -> arxiv 2203.15556; ``doi:10.1/X``, ``https://doi.org/10.1/X`` -> doi 10.1/x;
    arXiv's own DOI (``doi:10.48550/arXiv.2203.15556``) -> arxiv 2203.15556, since arXiv is where it resolves."""
    scheme, _, value = text.strip().partition(":")
    if scheme.lower() == "arxiv":
        arxiv_id = normalise_arxiv_id(value)
        return Identifier("arxiv", arxiv_id) if arxiv_id else None
    doi = normalise_doi(value if scheme.lower() == "doi" else text)
    if not doi:
        return None
    arxiv_id = arxiv_id_from_doi(doi)
    return Identifier("arxiv", arxiv_id) if arxiv_id else Identifier("doi", doi)
