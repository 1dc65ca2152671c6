"""Listing items + remote items -> what to create, update, leave alone, or refuse to touch. Pure.

Matching an entry to a remote item, first rule that finds anything wins:

1. By citation key: the native ``citationKey`` field, or a ``Citation Key: <key>`` / ``bibtex: <key>``
   line in ``extra`` (Better BibTeX's conventions), compared case-insensitively. Items in the trash
   count: an entry whose item was trashed gets it back rather than a duplicate.
2. By identifier, for an entry ``bibsync enrich`` completed, among items not in the trash: its DOI
   (case-insensitive, without ``https://doi.org/`` or ``doi:``) in the item's ``DOI`` field or a ``DOI:``
   line of ``extra``; its arXiv id (without version) in ``archiveID`` ("arXiv:2203.15556"), in an
   ``arxiv.org/abs/`` or ``/pdf/`` url, in an ``arXiv: <id>`` line of ``extra``, or in an arXiv DOI
   (``10.48550/arXiv.<id>``). This finds an item a person added from the arXiv page with its title
   typed or capitalised differently.
3. By normalised title + year (the listing's, or the venue's) + first author's family name, among items
   not in the trash.

An item found by identifier or title is *adopted*: bibsync sets its citation key. An item that already
carries another citation key is not renamed: that is a conflict for a person to settle; so is an item
carrying another listing entry's key, which belongs to that entry and is not a candidate at all.

Two remote items for one entry (by key, by identifier or by title), or one remote item claimed by two
entries, is a conflict: both are reported and neither is changed.

An update is a patch of the fields bibsync owns for that entry (title, creators, abstract, date,
citation key, and for an enriched entry the identifiers and venue fields it writes, see
:mod:`bibsync.zotero.items`), its own lines of ``extra`` and its own tags, and ``deleted`` to restore
a trashed item. A field bibsync does not write for an entry (a DOI typed into an item whose entry was
not enriched) is people's, as are all other fields, tags, notes, collections and relations: never in a
patch.

The item type changes in one case only: an item of the listing's type (``preprint``) whose entry was
found published becomes the venue's type (``journalArticle``, ``conferencePaper``); any other type was
chosen by a person and is kept. The patch then carries ``itemType``; the server drops the fields the new
type lacks and moves base-mapped values (see :func:`bibsync.zotero.items.converted`), so the patch is
computed against the item as converted: people's fields both types have keep their values, bibsync's
``archiveID``/``repository`` go (the arXiv id moves to ``extra``), and a value the server would move
into a field bibsync owns ("arXiv" from ``repository`` into ``publisher``) is overwritten or cleared. If
the change would drop a person's value (a ``genre``, a ``repository`` that is not bibsync's), the item
keeps its type, gets the fields its type has, and the action says why.

Pruning trashes only items that carry bibsync's *created* tag (see ``mappings/zotero.toml``), which
bibsync puts on the items it creates and never on adopted ones, and whose citation key is not in the
listing.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bibsync.identifiers import ARXIV_ID, arxiv_id_from_doi, arxiv_id_in_url, normalise_arxiv_id, normalise_doi
from bibsync.mappings import Mappings
from bibsync.markup import plain_text
from bibsync.model import Keyed
from bibsync.zotero.items import (
    STRUCTURAL_PROPERTIES,
    ItemStyle,
    RemoteItem,
    bibsync_extra_lines,
    bibsync_tags,
    converted,
    identifier_extra_lines,
    item_for,
    item_type_for,
    item_types,
    owned_fields,
    validate_item,
)

_EXTRA_KEY_LINE = re.compile(r"^\s*(?:citation key|bibtex)\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2\d\d\d)(?!\d)")
# "arXiv: 2203.15556" (Better BibTeX, Zotero) and "arXiv:2203.15556 [cs]" (Zotero's arXiv translator).
_ARXIV_EXTRA = re.compile(rf"^\s*arxiv(?:\s+id)?\s*:\s*{ARXIV_ID}(?:v\d+)?(?:\s*\[[^\]]*\])?\s*$", re.IGNORECASE)
_DOI_EXTRA = re.compile(r"^\s*doi\s*:\s*(\S+)\s*$", re.IGNORECASE)


class ActionKind(enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    TRASH = "trash"
    CONFLICT = "conflict"
    INVALID = "invalid"  # the item would break Zotero's schema: reported, never sent


WRITE_KINDS = frozenset({ActionKind.CREATE, ActionKind.UPDATE, ActionKind.TRASH})


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    entry_key: str  # the citation key ("" for a pruned item that has none)
    title: str
    item_keys: tuple[str, ...] = ()  # the remote item(s) concerned
    payload: Mapping[str, Any] | None = None  # the JSON object to POST, for writes
    fields: tuple[str, ...] = ()  # what an update changes
    detail: str = ""  # why: a conflict, a schema problem, an adoption
    warning: str = ""  # what people should hear about even when nothing fails (a type change not made)

    @property
    def is_write(self) -> bool:
        return self.kind in WRITE_KINDS


@dataclass(frozen=True, slots=True)
class Plan:
    actions: tuple[Action, ...]

    def of(self, kind: ActionKind) -> tuple[Action, ...]:
        return tuple(action for action in self.actions if action.kind is kind)

    @property
    def writes(self) -> tuple[Action, ...]:
        return tuple(action for action in self.actions if action.is_write)

    def count(self, kind: ActionKind) -> int:
        return sum(1 for action in self.actions if action.kind is kind)


# --- matching keys -------------------------------------------------------------------------------


def citation_keys(data: Mapping[str, Any]) -> frozenset[str]:
    """Every citation key an item carries, lower-cased: the native field and ``extra`` lines."""
    keys = set()
    native = data.get("citationKey")
    if isinstance(native, str) and native.strip():
        keys.add(native.strip().lower())
    extra = data.get("extra")
    if isinstance(extra, str):
        keys.update(match.lower() for match in _EXTRA_KEY_LINE.findall(extra))
    return frozenset(keys)


def normalise(text: str) -> str:
    """Lower-case ASCII words: accents, punctuation, case and spacing do not tell papers apart."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(char for char in folded if not unicodedata.combining(char)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


def _family_word(family: str) -> str:
    # "de las Casas" and "Casas" are the same person: compare the last word of the family name.
    words = normalise(family).split()
    return words[-1] if words else ""


Fingerprint = tuple[str, int, str]


def entry_fingerprint(keyed: Keyed) -> Fingerprint | None:
    entry = keyed.entry
    family = _family_word(entry.authors[0].family) if entry.authors else ""
    title = normalise(plain_text(entry.title))
    return (title, entry.year, family) if title and family else None


def entry_fingerprints(keyed: Keyed) -> tuple[Fingerprint, ...]:
    """The entry's fingerprint with the listing's year and, for a published paper, the venue's year
    (its item carries the venue's year; a person may have typed either)."""
    fingerprint = entry_fingerprint(keyed)
    if fingerprint is None:
        return ()
    venue = keyed.entry.venue
    years = sorted({fingerprint[1], *([venue.year] if venue is not None and venue.year else [])})
    return tuple((fingerprint[0], year, fingerprint[2]) for year in years)


def remote_fingerprint(data: Mapping[str, Any]) -> Fingerprint | None:
    title = normalise(str(data.get("title", "")))
    year = _YEAR.search(str(data.get("date", "")))
    creators = [c for c in data.get("creators", []) if isinstance(c, dict)]
    authors = [c for c in creators if c.get("creatorType") == "author"] or creators
    if not (title and year and authors):
        return None
    first = authors[0]
    family = _family_word(str(first.get("lastName") or first.get("name") or ""))
    return (title, int(year.group(1)), family) if family else None


def _identifiers(dois: Iterable[str], arxiv_ids: Iterable[str]) -> frozenset[str]:
    """``doi:...`` / ``arxiv:...`` (lower-cased, to compare); arXiv's own DOI names the arXiv id too."""
    found = {f"doi:{doi}" for doi in map(normalise_doi, dois) if doi}
    found.update(f"arxiv:{one.lower()}" for one in map(normalise_arxiv_id, arxiv_ids) if one)
    found.update(f"arxiv:{one.lower()}" for one in map(arxiv_id_from_doi, dois) if one)
    return frozenset(found)


def entry_identifiers(keyed: Keyed) -> frozenset[str]:
    """The DOI and arXiv id ``bibsync enrich`` found for an entry, as ``doi:...`` / ``arxiv:...``."""
    entry = keyed.entry
    return _identifiers([entry.doi], [entry.arxiv_id])


def remote_identifiers(data: Mapping[str, Any]) -> frozenset[str]:
    """The DOIs and arXiv ids an item carries, wherever Zotero, its translators or people put them."""
    dois = [str(data.get("DOI", ""))]
    arxiv_ids = [str(data.get("archiveID", ""))]
    arxiv_ids.append(arxiv_id_in_url(str(data.get("url", ""))))
    for line in str(data.get("extra", "")).split("\n"):
        doi_line, arxiv_line = _DOI_EXTRA.match(line), _ARXIV_EXTRA.match(line)
        if doi_line:
            dois.append(doi_line.group(1))
        if arxiv_line:
            arxiv_ids.append(arxiv_line.group(1))
    return _identifiers(dois, arxiv_ids)


# --- the plan ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Match:
    keyed: Keyed
    items: tuple[RemoteItem, ...] = ()  # the one matched item, or all the conflicting ones
    adopted: bool = False
    conflict: str = ""


def make_plan(
    keyed: Sequence[Keyed],
    remote: Mapping[str, RemoteItem],
    mappings: Mappings,
    style: ItemStyle,
    *,
    prune: bool = False,
) -> Plan:
    """What it takes for the remote library to match ``keyed``. Actions come sorted by citation key."""
    regular = [remote[key] for key in sorted(remote) if remote[key].regular]
    listing_keys = frozenset(k.key.lower() for k in keyed)
    index = _Index(listing_keys)
    for item in regular:
        for key in sorted(citation_keys(item.data)):
            index.by_key[key].append(item)
        if item.trashed:
            continue
        fingerprint = remote_fingerprint(item.data)
        if fingerprint is not None:
            index.by_fingerprint[fingerprint].append(item)
        for identifier in remote_identifiers(item.data):
            index.by_identifier[identifier].append(item)

    matches = [_match(one, index) for one in sorted(keyed, key=lambda k: k.key)]
    matches = _claims_once(matches)

    actions = [_action(match, mappings, style) for match in matches]
    if prune:
        claimed = {item.key for match in matches for item in match.items}
        actions.extend(_prunes(regular, claimed, listing_keys, style))
    return Plan(tuple(actions))


@dataclass(frozen=True, slots=True)
class _Index:
    """The remote items by what they can be matched on."""

    listing_keys: frozenset[str]
    by_key: defaultdict[str, list[RemoteItem]] = field(default_factory=lambda: defaultdict(list))
    by_identifier: defaultdict[str, list[RemoteItem]] = field(default_factory=lambda: defaultdict(list))
    by_fingerprint: defaultdict[Fingerprint, list[RemoteItem]] = field(default_factory=lambda: defaultdict(list))

    def free(self, items: Iterable[RemoteItem]) -> list[RemoteItem]:
        """``items`` without duplicates and without those carrying a listing entry's key: such an item
        belongs to that entry, not to this one."""
        unique = {item.key: item for item in items}
        return [item for _, item in sorted(unique.items()) if not citation_keys(item.data) & self.listing_keys]


def _match(keyed: Keyed, index: _Index) -> _Match:
    found = index.by_key.get(keyed.key.lower(), [])
    if len(found) > 1:
        keys = ", ".join(item.key for item in found)
        return _Match(keyed, tuple(found), conflict=f"{len(found)} items carry this citation key: {keys}")
    if found:
        return _Match(keyed, (found[0],))

    identifiers = sorted(entry_identifiers(keyed))
    same_paper = index.free(item for identifier in identifiers for item in index.by_identifier.get(identifier, []))
    if same_paper:
        return _adopt(keyed, same_paper, "its DOI or arXiv id")

    similar = index.free(item for fp in entry_fingerprints(keyed) for item in index.by_fingerprint.get(fp, []))
    if similar:
        return _adopt(keyed, similar, "its title")
    return _Match(keyed)


def _adopt(keyed: Keyed, candidates: Sequence[RemoteItem], what: str) -> _Match:
    """The one candidate, adopted; several are ambiguous, and one with another citation key is not renamed."""
    if len(candidates) > 1:
        keys = ", ".join(item.key for item in candidates)
        return _Match(keyed, tuple(candidates), conflict=f"{len(candidates)} items match {what}: {keys}")
    item = candidates[0]
    others = sorted(citation_keys(item.data))
    if others:
        # Renaming a key people cite would break their manuscripts: leave it to a person.
        return _Match(
            keyed,
            (item,),
            conflict=f"item {item.key} matches {what} but carries citation key {', '.join(others)}",
        )
    return _Match(keyed, (item,), adopted=True)


def _claims_once(matches: list[_Match]) -> list[_Match]:
    """A remote item matched by two entries belongs to neither: both become conflicts."""
    claimants: dict[str, list[str]] = defaultdict(list)
    for match in matches:
        for item in match.items:
            claimants[item.key].append(match.keyed.key)
    shared = {key: entries for key, entries in claimants.items() if len(entries) > 1}
    if not shared:
        return matches
    result = []
    for match in matches:
        clash = sorted(key for key in (item.key for item in match.items) if key in shared)
        if clash and not match.conflict:
            others = sorted({e for key in clash for e in shared[key]} - {match.keyed.key})
            message = f"item {', '.join(clash)} also matches {', '.join(others)}"
            match = _Match(match.keyed, match.items, conflict=message)
        result.append(match)
    return result


def _action(match: _Match, mappings: Mappings, style: ItemStyle) -> Action:
    keyed = match.keyed
    title = plain_text(keyed.entry.title)
    item_keys = tuple(item.key for item in match.items)
    if match.conflict:
        return Action(ActionKind.CONFLICT, keyed.key, title, item_keys, detail=match.conflict)
    if not match.items:
        wanted = item_for(keyed, mappings, style)
        problems = validate_item(wanted)
        if problems:
            return Action(ActionKind.INVALID, keyed.key, title, detail="; ".join(problems))
        return Action(ActionKind.CREATE, keyed.key, title, payload=wanted, fields=tuple(sorted(wanted)))

    item = match.items[0]
    patch, note = _patch(keyed, item, mappings, style)
    detail = "; ".join(part for part in ("adopted: its citation key is set" if match.adopted else "", note) if part)
    if not patch:
        return Action(ActionKind.UNCHANGED, keyed.key, title, item_keys, detail=note, warning=note)
    problems = validate_item(patch, item.item_type)
    if problems:
        return Action(ActionKind.INVALID, keyed.key, title, item_keys, detail="; ".join(problems))
    payload = {"key": item.key, "version": item.version, **patch}
    return Action(ActionKind.UPDATE, keyed.key, title, item_keys, payload, tuple(sorted(patch)), detail, note)


@dataclass(frozen=True, slots=True)
class _Retype:
    """An item's type change, as the server will carry it out."""

    new_type: str
    data: Mapping[str, Any]  # the item as the server holds it once its type changed
    clear: frozenset[str]  # fields a value of bibsync's moved into: bibsync sets or clears them
    lost: tuple[str, ...]  # people's fields the new type has no place for


def _retype(keyed: Keyed, item: RemoteItem, mappings: Mappings, style: ItemStyle) -> _Retype | None:
    """The type change an entry found published asks of its item, or None.

    Only an item of the listing's type (``preprint``) changes: any other type was chosen by a person."""
    listing_type = mappings.entry_type("zotero")
    new_type = item_type_for(keyed, mappings)
    if item.item_type != listing_type or new_type == listing_type or new_type not in item_types():
        return None
    data, moved = converted(item.data, new_type)
    before = item_for(keyed, mappings, style, item.item_type)  # what bibsync writes in the old type
    after = item_for(keyed, mappings, style, new_type)
    bibsyncs = set(owned_fields(before))  # archiveID, repository: bibsync's for an entry with an arXiv id
    clear = frozenset(target for target, source in moved.items() if source in bibsyncs)
    lost = sorted(
        name
        for name, value in item.data.items()
        if name not in data
        and name not in STRUCTURAL_PROPERTIES
        and value not in ("", None)
        and name not in bibsyncs
        and not any(source == name and target not in after for target, source in moved.items())
    )
    return _Retype(new_type, data, clear, tuple(lost))


def _patch(keyed: Keyed, item: RemoteItem, mappings: Mappings, style: ItemStyle) -> tuple[dict[str, Any], str]:
    """The fields bibsync owns for this entry that differ in ``item`` (only fields valid for the item's
    type, or for the type it changes to), and a note for people when it keeps a type it meant to change."""
    data: Mapping[str, Any] = item.data
    item_type = item.item_type
    patch: dict[str, Any] = {}
    note = ""
    clear: frozenset[str] = frozenset()
    retype = _retype(keyed, item, mappings, style)
    if retype is not None and retype.lost:
        note = f"kept as {item_type}: a {retype.new_type} has no place for its {', '.join(retype.lost)}"
    elif retype is not None:
        item_type, data, clear = retype.new_type, retype.data, retype.clear
        patch["itemType"] = item_type

    schema = item_types().get(item_type)
    valid = schema.fields if schema is not None else frozenset()
    wanted = item_for(keyed, mappings, style, item_type)
    for name in owned_fields(wanted):
        if name in valid and data.get(name, "") != wanted[name]:
            patch[name] = wanted[name]
    for name in sorted(clear - set(wanted)):
        if data.get(name):
            patch[name] = ""  # the server moved bibsync's "arXiv" here from the preprint's repository

    if not _same_creators(data.get("creators", []), wanted["creators"], truncated=keyed.entry.truncated):
        patch["creators"] = wanted["creators"]

    if "extra" in valid:
        current = str(data.get("extra", ""))
        extra = merge_extra(
            current, bibsync_extra_lines(keyed, style), style, identifiers=identifier_extra_lines(keyed, item_type)
        )
        if extra != current:
            patch["extra"] = extra

    ours = set(bibsync_tags(keyed, mappings, style))
    current_tags = [tag for tag in data.get("tags", []) if isinstance(tag, dict)]
    if any(tag.get("tag") == style.created_tag for tag in current_tags):
        ours.add(style.created_tag)  # bibsync created it: it stays prunable
    tags = merge_tags(current_tags, ours, style)
    if _tag_set(tags) != _tag_set(current_tags):
        patch["tags"] = tags

    if item.trashed:
        patch["deleted"] = 0  # the entry is in the listing: its item comes back from the trash
    return patch, note


def merge_extra(current: str, ours: Sequence[str], style: ItemStyle, identifiers: Sequence[str] = ()) -> str:
    """People's lines of ``extra`` as they are, then the ``identifiers`` lines not there yet
    (``arXiv: <id>``), then bibsync's own lines; ``current`` itself when nothing needs to change (so
    people's spacing is never rewritten).

    An identifier line is never removed: once written it cannot be told from one a person typed (or
    Zotero's arXiv translator wrote, as ``arXiv:2203.15556 [cs]``, which counts as the same line)."""
    lines = current.split("\n") if current else []
    missing = [line for line in identifiers if not any(_same_identifier_line(have, line) for have in lines)]
    if not missing and [line for line in lines if style.owns_extra_line(line)] == list(ours):
        return current
    kept = [line for line in lines if not style.owns_extra_line(line)]
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join([*kept, *missing, *ours])


def _same_identifier_line(line: str, ours: str) -> bool:
    """Whether ``line`` of ``extra`` gives the arXiv id the line ``ours`` gives."""
    have, want = _ARXIV_EXTRA.match(line), _ARXIV_EXTRA.match(ours)
    if have and want:
        return have.group(1).lower() == want.group(1).lower()
    return line.strip() == ours.strip()


def merge_tags(current: Sequence[Mapping[str, Any]], ours: Iterable[str], style: ItemStyle) -> list[Any]:
    """People's tags as they are (type included), then bibsync's, sorted."""
    kept = [dict(tag) for tag in current if not style.owns_tag(str(tag.get("tag", "")))]
    return [*kept, *({"tag": tag} for tag in sorted(ours))]


def _tag_set(tags: Iterable[Mapping[str, Any]]) -> frozenset[tuple[str, int]]:
    return frozenset((str(tag.get("tag", "")), int(tag.get("type", 0) or 0)) for tag in tags)


def _creator_tuple(person: Mapping[str, Any]) -> tuple[str, str, str, str]:
    return (
        str(person.get("creatorType", "")),
        str(person.get("name", "")),
        str(person.get("firstName", "")),
        str(person.get("lastName", "")),
    )


def _same_creators(current: Any, wanted: Sequence[Mapping[str, Any]], *, truncated: bool) -> bool:
    have = [_creator_tuple(person) for person in current if isinstance(person, dict)]
    want = [_creator_tuple(person) for person in wanted]
    if have == want:
        return True
    # The listing said "et al.": a longer list that starts with the listed authors is more complete
    # than the listing, so it is not replaced by the truncated one.
    return truncated and len(have) > len(want) and have[: len(want)] == want


def _prunes(
    regular: Iterable[RemoteItem], claimed: set[str], listing_keys: frozenset[str], style: ItemStyle
) -> Iterable[Action]:
    for item in regular:
        if item.trashed or item.key in claimed or citation_keys(item.data) & listing_keys:
            continue
        if not any(tag.get("tag") == style.created_tag for tag in item.data.get("tags", [])):
            continue
        payload = {"key": item.key, "version": item.version, "deleted": 1}
        entry_key = str(item.data.get("citationKey", ""))
        yield Action(ActionKind.TRASH, entry_key, item.title, (item.key,), payload, ("deleted",))
