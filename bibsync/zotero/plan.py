"""Listing items + remote items -> what to create, update, leave alone, or refuse to touch. Pure.

Matching an entry to a remote item:

1. By citation key: the native ``citationKey`` field, or a ``Citation Key: <key>`` / ``bibtex: <key>``
   line in ``extra`` (Better BibTeX's conventions), compared case-insensitively. Items in the trash
   count: an entry whose item was trashed gets it back rather than a duplicate.
2. Failing that, by normalised title + year + first author's family name, among items not in the
   trash. An item found this way is *adopted*: bibsync sets its citation key. An item that already
   carries another citation key is not renamed: that is a conflict for a person to settle.

Two remote items for one entry, or one remote item claimed by two entries, is a conflict: both are
reported and neither is changed.

An update is a patch of the fields bibsync owns (title, creators, abstract, date, citation key, its
own lines of ``extra`` and its own tags, and ``deleted`` to restore a trashed item). People's fields,
tags, notes, collections and relations are never in a patch.

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
from dataclasses import dataclass
from typing import Any

from bibsync.mappings import Mappings
from bibsync.markup import plain_text
from bibsync.model import Keyed
from bibsync.zotero.items import (
    OWNED_FIELDS,
    ItemStyle,
    RemoteItem,
    bibsync_extra_lines,
    bibsync_tags,
    item_for,
    item_types,
    validate_item,
)

_EXTRA_KEY_LINE = re.compile(r"^\s*(?:citation key|bibtex)\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2\d\d\d)(?!\d)")


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
    by_key: dict[str, list[RemoteItem]] = defaultdict(list)
    by_fingerprint: dict[Fingerprint, list[RemoteItem]] = defaultdict(list)
    for item in regular:
        for key in sorted(citation_keys(item.data)):
            by_key[key].append(item)
        fingerprint = remote_fingerprint(item.data)
        if fingerprint is not None and not item.trashed:
            by_fingerprint[fingerprint].append(item)

    matches = [_match(one, by_key, by_fingerprint, listing_keys) for one in sorted(keyed, key=lambda k: k.key)]
    matches = _claims_once(matches)

    actions = [_action(match, mappings, style) for match in matches]
    if prune:
        claimed = {item.key for match in matches for item in match.items}
        actions.extend(_prunes(regular, claimed, listing_keys, style))
    return Plan(tuple(actions))


def _match(
    keyed: Keyed,
    by_key: Mapping[str, list[RemoteItem]],
    by_fingerprint: Mapping[Fingerprint, list[RemoteItem]],
    listing_keys: frozenset[str],
) -> _Match:
    found = by_key.get(keyed.key.lower(), [])
    if len(found) > 1:
        keys = ", ".join(item.key for item in found)
        return _Match(keyed, tuple(found), conflict=f"{len(found)} items carry this citation key: {keys}")
    if found:
        return _Match(keyed, (found[0],))

    fingerprint = entry_fingerprint(keyed)
    similar = by_fingerprint.get(fingerprint, []) if fingerprint is not None else []
    # An item carrying another listing entry's key belongs to that entry, not to this one.
    similar = [item for item in similar if not citation_keys(item.data) & listing_keys]
    if len(similar) > 1:
        keys = ", ".join(item.key for item in similar)
        return _Match(keyed, tuple(similar), conflict=f"{len(similar)} items match its title: {keys}")
    if not similar:
        return _Match(keyed)
    item = similar[0]
    others = sorted(citation_keys(item.data))
    if others:
        # Renaming a key people cite would break their manuscripts: leave it to a person.
        return _Match(
            keyed,
            (item,),
            conflict=f"item {item.key} matches its title but carries citation key {', '.join(others)}",
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
    wanted = item_for(keyed, mappings, style)
    if not match.items:
        problems = validate_item(wanted)
        if problems:
            return Action(ActionKind.INVALID, keyed.key, title, detail="; ".join(problems))
        return Action(ActionKind.CREATE, keyed.key, title, payload=wanted, fields=tuple(sorted(wanted)))

    item = match.items[0]
    patch = _patch(keyed, wanted, item, mappings, style)
    detail = "adopted: its citation key is set" if match.adopted else ""
    if not patch:
        return Action(ActionKind.UNCHANGED, keyed.key, title, item_keys)
    problems = validate_item(patch, item.item_type)
    if problems:
        return Action(ActionKind.INVALID, keyed.key, title, item_keys, detail="; ".join(problems))
    payload = {"key": item.key, "version": item.version, **patch}
    return Action(ActionKind.UPDATE, keyed.key, title, item_keys, payload, tuple(sorted(patch)), detail)


def _patch(
    keyed: Keyed, wanted: Mapping[str, Any], item: RemoteItem, mappings: Mappings, style: ItemStyle
) -> dict[str, Any]:
    """The owned fields of ``item`` that differ from ``wanted``; only fields valid for its type."""
    data = item.data
    schema = item_types().get(item.item_type)
    valid = schema.fields if schema is not None else frozenset()
    patch: dict[str, Any] = {}
    for field in OWNED_FIELDS:
        if field in valid and data.get(field, "") != wanted[field]:
            patch[field] = wanted[field]

    if not _same_creators(data.get("creators", []), wanted["creators"], truncated=keyed.entry.truncated):
        patch["creators"] = wanted["creators"]

    if "extra" in valid:
        extra = merge_extra(str(data.get("extra", "")), bibsync_extra_lines(keyed, style), style)
        if extra != data.get("extra", ""):
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
    return patch


def merge_extra(current: str, ours: Sequence[str], style: ItemStyle) -> str:
    """People's lines of ``extra`` as they are, then bibsync's; ``current`` itself when bibsync's
    lines are already what they should be (so people's spacing is never rewritten)."""
    lines = current.split("\n") if current else []
    if [line for line in lines if style.owns_extra_line(line)] == list(ours):
        return current
    kept = [line for line in lines if not style.owns_extra_line(line)]
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join([*kept, *ours])


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
