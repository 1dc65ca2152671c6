"""Author names: what a name token can look like, and how a name splits into given / particle / family.

The listing glues the title to the first author, so the parser needs to know, for any run of words,
whether it can be a person's name. A name here is "Given [particles] Family [suffix]" as publication
pages print it: ``Jack W. Rae``, ``S. M. Ali Eslami``, ``Diego de las Casas``, ``Jean-Baptiste Alayrac``,
``Brendan O'Donoghue``, ``Nat McAleese``, ``Łukasz Kaiser``, or a single word.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache

from bibsync.model import Person

SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "Jnr", "Snr", "II", "III", "IV"})

# Name prefixes that legitimately carry an inner capital: McAleese, MacKay, DeLesley, LeCun, DiCarlo.
INNER_CAPITAL_PREFIXES = frozenset({"Mc", "Mac", "De", "Di", "Da", "Du", "La", "Le", "Van", "Von", "Fitz", "St"})

MAX_NAME_TOKENS = 6


class TokenKind(enum.Enum):
    WORD = "word"  # Hoffmann, Warde-Farley, O'Donoghue, Łukasz
    INITIALS = "initials"  # W, W., J.C., J.-B.
    PARTICLE = "particle"  # de, van, den
    SUFFIX = "suffix"  # Jr., III


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    kind: TokenKind
    # an uppercase letter straight after a lowercase one: "McAleese" (a known prefix) or "NetsJordan"
    inner_capital: bool = False
    known_prefix: bool = False


def _shape(char: str) -> str:
    if char.isupper():
        return "U"
    if char.isalpha():  # lowercase, or a letter without case
        return "l"
    if char in "'\u2019":
        return "'"
    if char in "-.":
        return char
    return "?"


@lru_cache(maxsize=65536)
def classify(text: str, particles: frozenset[str]) -> Token | None:
    """What kind of name token ``text`` is, or None when it cannot be part of a name."""
    if text in particles:
        return Token(text, TokenKind.PARTICLE)
    shape = "".join(_shape(c) for c in text)
    if "?" in shape or not shape:
        return None
    if _is_initials(shape):
        return Token(text, TokenKind.INITIALS)
    if "." in shape:
        return None
    # A word starts with a capital (or a lowercase elision such as d'Alembert), ends in a letter and
    # never has two capitals in a row: "TeXJohn" and "LLMsJohn" are not names.
    starts_well = shape[0] == "U" or (shape.startswith("l'U") and len(text) > 3)
    if not starts_well or shape[-1] not in "Ul" or "UU" in shape or "--" in shape or "''" in shape:
        return None
    inner = [i for i in range(1, len(shape)) if shape[i] == "U" and shape[i - 1] == "l"]
    if not inner:
        return Token(text, TokenKind.WORD)
    known = all(text[:i].split("-")[-1] in INNER_CAPITAL_PREFIXES for i in inner)
    return Token(text, TokenKind.WORD, inner_capital=True, known_prefix=known)


def _is_initials(shape: str) -> bool:
    # "U", "U.", "U.U.", "U.-U.", "UU" (JC): at most three capitals, nothing lowercase
    if "l" in shape or "'" in shape or shape[0] != "U":
        return False
    return shape.count("U") <= 3 and shape.replace("U", "").replace(".", "").replace("-", "") == ""


@lru_cache(maxsize=1 << 16)  # a group's names recur across its listing
def parse_name(text: str, particles: frozenset[str]) -> tuple[Token, ...] | None:
    """The tokens of ``text`` if it can be one person's name, else None."""
    words = text.split()
    if not words or len(words) > MAX_NAME_TOKENS:
        return None
    suffix: list[Token] = []
    if len(words) > 2 and words[-1] in SUFFIXES:  # "Jr." ends a name of at least given + family
        suffix = [Token(words.pop(), TokenKind.SUFFIX)]
    core: list[Token] = []
    for word in words:
        token = classify(word, particles)
        if token is None:
            return None
        core.append(token)
    if core[0].kind not in (TokenKind.WORD, TokenKind.INITIALS) or core[-1].kind is not TokenKind.WORD:
        return None
    return (*core, *suffix)


@lru_cache(maxsize=1 << 16)  # keyed by text: hashing a string is cached, hashing tokens is not
def person_named(text: str, particles: frozenset[str]) -> Person | None:
    """The person ``text`` names, or None when it cannot be a name."""
    tokens = parse_name(text, particles)
    return person_from_tokens(tokens) if tokens is not None else None


def person_from_tokens(tokens: tuple[Token, ...]) -> Person:
    """Split a parsed name: the first run of particles starts the family name, else its last word does."""
    suffix = ""
    core = list(tokens)
    if len(core) > 2 and core[-1].kind is TokenKind.SUFFIX:
        suffix = core.pop().text
    if len(core) == 1:
        return Person(family=core[0].text, suffix=suffix)
    texts = [t.text for t in core]
    first_particle = next((i for i, t in enumerate(core) if i > 0 and t.kind is TokenKind.PARTICLE), None)
    if first_particle is None:
        return Person(family=texts[-1], given=" ".join(texts[:-1]), suffix=suffix)
    end = first_particle
    while end < len(core) - 1 and core[end].kind is TokenKind.PARTICLE:
        end += 1
    return Person(
        family=" ".join(texts[end:]),
        given=" ".join(texts[:first_particle]),
        particle=" ".join(texts[first_particle:end]),
        suffix=suffix,
    )


def split_name(text: str, particles: frozenset[str]) -> Person:
    """Any display name ("Jordan Hoffmann", "danah boyd", "Diego de las Casas") as a Person.

    For names from elsewhere (bibliographic services), which need not look like the listing's: the
    strict parse when it applies, else the last word is the family name and the rest the given names.
    """
    words = text.split()
    if not words:
        return Person(family="")
    person = person_named(" ".join(words), particles)
    if person is not None:
        return person
    return Person(family=words[-1], given=" ".join(words[:-1]))
