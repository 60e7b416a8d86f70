"""Scores a name against a person's recorded names, with plain-English reasons, and an in-memory index of persons."""

# How a score is made (domain.md 8.3-8.4):
# - Names are split into parts (transliteration.parse_name). Query parts are paired with the candidate's
#   parts in any order, best pairs first; two adjacent parts may pair with one ("Umar Ali" ~ "Umarali").
# - A pair scores 1 when the words are the same or romanise the same, a little less when only their
#   skeletons meet (or meet after a g/h swap), when the given names are equivalents (Bill ~ William),
#   for an initial (more when the patronymic agrees), for one family name under the surname reforms,
#   for Arabic script against a romanisation, for a Chinese transcription of a Uyghur name or an OCR
#   confusion, and less again for the two genders of one surname. Anything else goes through Jaro-Winkler
#   on the skeletons behind a plausibility gate: vowels may differ where alphabets spell one sound
#   differently (Solih ~ Salih, not Nazar ~ Nazir), one consonant (or two swapped) only at a price.
# - The name score multiplies the pair scores; a query part with no partner counts UNMATCHED_QUERY_PART,
#   a candidate part nobody asked for costs a little. Patronymics are optional on either side; two that
#   name different fathers subtract PATRONYMIC_PENALTY, which takes a match below 0.7.
# - A disagreeing birth year or nationality is subtracted afterwards; missing values change nothing.
#
# The index blocks before it scores: every part key, given-name group and gendered stem points to the
# persons that have it, and a query part also looks up the keys a few edits away that compare_parts
# would accept (rapidfuzz over the organisation's key vocabulary), its g/h variants, and its halves
# ("Umarali" in "Umar Ali"). From which query parts found a person and how short their shortest name
# is, each person gets a ceiling, the best score they could still reach; persons are scored best
# ceiling first, and the search stops when nobody left can beat the results. A person sharing no
# name part with the query is never returned. tests/services/test_matching.py checks the index
# returns exactly what scoring every person would.

import bisect
import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum

from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler, Levenshtein

from app.services import transliteration
from app.services.transliteration import NamePart, ParsedName

RUSSIAN_ENDINGS = frozenset({"ov", "ev", "ova", "eva"})  # between these: gendered forms, not a reform
UNMATCHED_QUERY_PART = 0.3  # a query part with no partner: a different given name is not a match
UNMATCHED_CANDIDATE_PART = 0.8  # per part of the person's name the query does not mention
CANDIDATE_COVERAGE_FLOOR = 0.6
SKELETON_SCORE = 0.98  # skeletons meet, the letters differ: ranks a literal spelling first
GH_SWAP_SCORE = 0.95
GIVEN_NAME_SCORE = 0.95
GENDERED_SCORE = 0.85
FEMININE_GIVEN_NAME_SCORE = 0.4  # Aziza is a sister of Aziz, not a spelling of him
INITIAL_SCORE = 0.8
INITIAL_CONFIRMED_SCORE = 0.9  # an initial whose patronymic (or its initial) agrees as well
REFORM_SCORE = 0.9  # Kabirov ~ Kabiri: one family name under the surname reforms, below an exact spelling
REFORM_SIMILAR_SCORE = 0.85  # ... with the stem spelled another way (Kurbanov ~ Qurbonzoda)
ABJAD_SCORE = 0.9  # Arabic script against a romanisation: the consonants agree, the vowels are unwritten
PINYIN_SCORE = 0.9  # a Chinese transcription of a Uyghur name against the name (Abuduwaili ~ Abduweli)
OCR_SCORE = 0.9  # one OCR confusion: rn/m, cl/d, l/I
TRANSPOSITION_COST = 0.3
FATHER_NAMED_MIN_PARTS = 3
SHORT_WORD = 6  # in a word this short a dropped vowel makes another name (Rahmov, Rahimov) ...
SHORT_VOWEL_COST = 0.5  # ... and costs this much of a consonant  # two neighbouring consonants swapped (a typing error) count as this much of one
CONSONANT_EDIT_PENALTY = 0.55  # per differing consonant
SOUNDALIKE_COST = 0.3  # a sound-alike consonant (d/t, s/z, p/f) counts as this much of one
MIN_SIMILAR_SCORE = 0.5
BIRTH_YEAR_PENALTY = 0.15
BIRTH_DATE_PENALTY = 0.1
NATIONALITY_PENALTY = 0.1
PATRONYMIC_PENALTY = 0.35  # a father's name that contradicts: below the usual 0.7 threshold
FUZZY_CACHE_SIZE = 20_000  # query keys whose near keys each organisation remembers
MIN_SPLIT_LENGTH = 6  # a query part this long is also tried as two adjacent parts of the person's name


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the index holds for one person."""

    person_id: str
    org_id: str
    names: tuple[str, ...]  # the person's name first, then aliases, exactly as recorded (any script)
    birth_date: str | None  # fuzzy date text: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'
    nationalities: tuple[str, ...]  # ISO alpha-2


@dataclass(frozen=True, slots=True)
class Match:
    person_id: str
    score: float  # in [0, 1], rounded to 3 decimals
    matched_name: str  # which of the candidate's names matched best
    explanation: tuple[str, ...]  # plain-English lines


class PairKind(StrEnum):
    identical = "identical"
    romanisation = "romanisation"
    skeleton = "skeleton"
    gh_swap = "gh_swap"
    given_name = "given_name"
    gendered = "gendered"
    feminine = "feminine"
    initial = "initial"
    reform = "reform"
    abjad = "abjad"
    pinyin = "pinyin"
    ocr = "ocr"
    similar = "similar"


@dataclass(frozen=True, slots=True)
class PairScore:
    score: float
    kind: PairKind
    detail: str  # what made the parts meet: rule labels, the equivalent names, the differing letters


def edits_allowed(length: int) -> int:
    """The most edits between two keys, the shorter of `length`, that similar_spelling can accept: the
    index asks its vocabulary for exactly these, so it finds what scoring every person would."""
    return max(1, min(4, (length + 1) // 3))


def _swapped(a: str, b: str) -> str | None:
    """'sk/ks' when b is a with two neighbouring letters swapped (a typing error), else None."""
    if len(a) != len(b) or a == b:
        return None
    first = next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
    if (
        first + 1 < len(a)
        and a[first] == b[first + 1]
        and a[first + 1] == b[first]
        and a[first + 2 :] == b[first + 2 :]
    ):
        return f"{a[first : first + 2]}/{b[first : first + 2]}"
    return None


def _consonant_edits(a: str, b: str) -> tuple[float, list[str], int]:
    """What the consonant edits between two skeletons cost, which they are, and how many edits a swap of
    two neighbours saved (one typing error, though Levenshtein counts two)."""
    consonants_a, consonants_b = transliteration.consonants(a), transliteration.consonants(b)
    if (swap := _swapped(consonants_a, consonants_b)) is not None:
        return TRANSPOSITION_COST, [swap], 1
    cost = 0.0
    changed: list[str] = []
    for edit in Levenshtein.editops(consonants_a, consonants_b):
        if edit.tag == "replace":
            pair = (consonants_a[edit.src_pos], consonants_b[edit.dest_pos])
            cost += SOUNDALIKE_COST if transliteration.are_soundalike(*pair) else 1.0
            changed.append("/".join(pair))
        else:
            cost += 1.0
            changed.append(
                consonants_a[edit.src_pos] if edit.tag == "delete" else consonants_b[edit.dest_pos]
            )
    return cost, changed, 0


def _vowel_changes(a: str, b: str) -> tuple[float, list[str]]:
    """What vowel edits cost that make another name: a vowel in place of another that does not spell the
    same sound (Nazarov, Nazirov), a final i (Mansour, Mansouri: the nisba) and a first vowel (Akmal, Kamal)."""
    vowels = "aeiou"
    cost = 0.0
    changes = []
    shorter = min(len(a), len(b))
    for edit in Levenshtein.editops(a, b):
        x = a[edit.src_pos] if edit.src_pos < len(a) else ""
        y = b[edit.dest_pos] if edit.dest_pos < len(b) else ""
        if edit.tag == "replace":
            if x in vowels and y in vowels and not transliteration.cheap_vowels(x, y):
                cost += 1.0
                changes.append(f"{x}/{y}")
            continue
        vowel, longer, at = (x, a, edit.src_pos) if edit.tag == "delete" else (y, b, edit.dest_pos)
        if vowel not in vowels:
            continue
        if at == len(longer) - 1 and vowel == "i" and shorter >= 4:
            cost += 1.0
            changes.append("final i")
        elif at == 0:
            cost += 1.0
            changes.append(f"initial {vowel}")
    return cost, changes


def similar_spelling(a: str, b: str, *, any_vowels: bool = False) -> PairScore | None:
    """Jaro-Winkler of two skeletons behind a plausibility gate: vowels may differ where the region's
    alphabets spell one sound differently (a/o, a/e, e/i, o/u; any vowel with `any_vowels`), at most a
    third of the shorter; consonants by one edit at most (20% of the shorter), a differing one costs."""
    shorter = min(len(a), len(b))
    if shorter < 2:
        return None
    most = edits_allowed(shorter)  # the loosest gate below: most pairs stop here, in C
    distance = Levenshtein.distance(a, b, score_cutoff=most)
    if distance == 0 or distance > most:
        return None
    cost, changed, swaps = _consonant_edits(a, b)
    distance -= swaps
    vowel_cost, vowels = (0.0, []) if any_vowels else _vowel_changes(a, b)
    cost += vowel_cost
    if cost > 1.0:
        return None
    allowed = max(1, (shorter + 1) // 3) if cost == 0 else max(1, min(4, shorter // 5))
    if distance > allowed:
        return None
    score = JaroWinkler.similarity(a, b) - CONSONANT_EDIT_PENALTY * cost
    if score < MIN_SIMILAR_SCORE:
        return None
    changed += vowels
    detail = "vowels differ" if not changed else f"a letter differs ({', '.join(changed)})"
    return PairScore(score, PairKind.similar, detail)


def _rule_difference(query: NamePart, candidate: NamePart, key: str) -> str:
    query_rules = query.key_rules[query.keys.index(key)]
    candidate_rules = candidate.key_rules[candidate.keys.index(key)]
    labels = [label for label in query_rules if label not in candidate_rules]
    labels += [label for label in candidate_rules if label not in query_rules and label not in labels]
    if query.script is not candidate.script:
        labels.insert(0, f"{query.script}/{candidate.script}")
    return ", ".join(label for label in labels if label != "letters only")


def _same_word(query: NamePart, candidate: NamePart) -> PairScore | None:
    """The strong matches: the same word, the same romanisation, the same skeleton (or after a g/h swap)."""
    if query.text.casefold() == candidate.text.casefold():
        return PairScore(1.0, PairKind.identical, "")
    if any(form in candidate.forms for form in query.forms):
        scripts = sorted({query.script, candidate.script})
        return PairScore(
            1.0, PairKind.romanisation, "/".join(scripts) if len(scripts) > 1 else "letters folded"
        )
    for key in query.keys:
        if key in candidate.keys:
            return PairScore(SKELETON_SCORE, PairKind.skeleton, _rule_difference(query, candidate, key))
    if query.is_initial or candidate.is_initial:
        return None
    swapped = {transliteration.swap_g_h(key) for key in candidate.keys}
    if any(transliteration.swap_g_h(key) in swapped for key in query.keys):
        return PairScore(GH_SWAP_SCORE, PairKind.gh_swap, transliteration.gh_swap_label())
    return None


def _initial_fits(initial: NamePart, other: NamePart) -> bool:
    """Whether a name part (or another initial) can be what an initial stands for, in any script."""
    if other.is_initial:
        return bool(initial.initial_letters & other.initial_letters)
    return any(
        text.startswith(letters)
        for text in (*other.keys, *other.forms)
        for letters in initial.initial_letters
    )


def _reform(query: NamePart, candidate: NamePart) -> PairScore | None:
    """One family name under the Tajik and Uzbek surname reforms: the same stem, other endings."""
    best: PairScore | None = None
    for stem_q, ending_q in query.reform_stems:
        for stem_c, ending_c in candidate.reform_stems:
            if ending_q == ending_c or {ending_q, ending_c} <= RUSSIAN_ENDINGS:
                continue
            detail = f"-{ending_q or '(none)'} / -{ending_c or '(none)'}"
            if stem_q == stem_c:
                return PairScore(REFORM_SCORE, PairKind.reform, detail)
            if (
                best is None
                and len(stem_q) == len(stem_c)
                and transliteration.soundalike_class_key(stem_q)
                == transliteration.soundalike_class_key(stem_c)
                and similar_spelling(stem_q, stem_c) is not None
            ):
                best = PairScore(REFORM_SIMILAR_SCORE, PairKind.reform, detail + ", stem spelled another way")
    return best


def compare_parts(query: NamePart, candidate: NamePart) -> PairScore | None:
    """How well two name parts match, or None when they do not."""
    if (same := _same_word(query, candidate)) is not None:
        return same
    if query.is_initial or candidate.is_initial:
        initial, other = (query, candidate) if query.is_initial else (candidate, query)
        return PairScore(INITIAL_SCORE, PairKind.initial, "") if _initial_fits(initial, other) else None
    if groups := query.given_name_groups & candidate.given_name_groups:
        names = transliteration.given_name_group(min(groups))
        return PairScore(GIVEN_NAME_SCORE, PairKind.given_name, ", ".join(names[:6]))
    if query.gendered_stems & candidate.gendered_stems:
        return PairScore(GENDERED_SCORE, PairKind.gendered, "")
    if (query.is_abjad or candidate.is_abjad) and query.consonant_keys & candidate.consonant_keys:
        return PairScore(ABJAD_SCORE, PairKind.abjad, "Arabic script writes no short vowels")
    if not query.ocr_keys.isdisjoint(candidate.keys) or not candidate.ocr_keys.isdisjoint(query.keys):
        return PairScore(OCR_SCORE, PairKind.ocr, "rn/m, cl/d or l/I")
    best = _reform(query, candidate)
    for a in query.keys:
        for b in candidate.keys:
            if (
                best is None
                and abs(len(a) - len(b)) == 1
                and (transliteration.is_feminine_form(a, b) or transliteration.is_feminine_form(b, a))
            ):
                return PairScore(FEMININE_GIVEN_NAME_SCORE, PairKind.feminine, "")
            found = similar_spelling(a, b)
            if found is not None and (best is None or found.score > best.score):
                best = found
    return best


Comparer = Callable[[NamePart, NamePart], PairScore | None]


def _caching_comparer() -> Comparer:
    """compare_parts remembered for one query: persons share most of their name parts."""
    cache: dict[tuple[int, int], PairScore | None] = {}

    def compare(query: NamePart, candidate: NamePart) -> PairScore | None:
        key = (id(query), id(candidate))
        try:
            return cache[key]
        except KeyError:
            result = cache[key] = compare_parts(query, candidate)
            return result

    return compare


@dataclass(frozen=True, slots=True)
class _Pair:
    query: tuple[int, ...]  # indices into the query's parts (two when written apart in the query)
    candidate: tuple[int, ...]
    result: PairScore


@dataclass(frozen=True, slots=True)
class _Alignment:
    name: ParsedName
    score: float
    pairs: tuple[_Pair, ...]
    unmatched_query: tuple[int, ...]
    unmatched_candidate: tuple[int, ...]
    patronymic_result: PairScore | None  # when both sides have one, or a query word is the father's name
    father_named: str | None  # that query word

    @property
    def identical_words(self) -> int:
        return sum(1 for pair in self.pairs if pair.result.kind is PairKind.identical)


def _joined(parts: tuple[NamePart, ...], i: int) -> NamePart:
    return transliteration.parse_part(parts[i].text + parts[i + 1].text)


_STRONG = frozenset({PairKind.identical, PairKind.romanisation, PairKind.skeleton, PairKind.gh_swap})


@dataclass(frozen=True, slots=True)
class _Query:
    """A parsed query and its adjacent parts run together, made once per search."""

    name: ParsedName
    joined: tuple[tuple[int, NamePart], ...]  # (i, parts i and i+1 as one word)

    @classmethod
    def of(cls, name: ParsedName) -> "_Query":
        return cls(name, tuple((i, _joined(name.parts, i)) for i in range(len(name.parts) - 1)))


def _key_halves(key: str) -> Iterator[tuple[str, str]]:
    """Ways to read a key as two words of 3+ and 2+ letters; a letter at the cut may have been doubled."""
    for cut in range(3, len(key) - 1) if len(key) >= MIN_SPLIT_LENGTH else ():
        yield key[:cut], key[cut:]
        yield key[:cut], key[cut - 1 :]


def _written_apart(query_part: NamePart, first: NamePart, second: NamePart) -> PairScore | None:
    """One query word that is two adjacent words of the person's name ('Umarali' ~ 'Umar Ali')."""
    for key in query_part.keys:
        for left, right in _key_halves(key):
            if left in first.keys and right in second.keys:
                return PairScore(SKELETON_SCORE, PairKind.skeleton, "")
    return None


def _joined_pairs(
    query: _Query, candidate: ParsedName, used_query: int, used_candidate: int, compare: Comparer
) -> list[_Pair]:
    """Two adjacent parts left over on one side against one part left over on the other."""
    pairs = []
    for i, joined in query.joined:
        if (used_query >> i) & 3:
            continue
        for j, part in enumerate(candidate.parts):
            result = None if (used_candidate >> j) & 1 else compare(joined, part)
            if result is not None and result.kind in _STRONG:
                pairs.append(_Pair((i, i + 1), (j,), result))
    for j in range(len(candidate.parts) - 1):
        if (used_candidate >> j) & 3:
            continue
        first, second = candidate.parts[j], candidate.parts[j + 1]
        for i, part in enumerate(query.name.parts):
            if not (used_query >> i) & 1 and (result := _written_apart(part, first, second)) is not None:
                pairs.append(_Pair((i,), (j, j + 1), result))
    return pairs


def _father(part: NamePart) -> NamePart:
    """The father's name a patronymic stands for: Karimovich, Karim oʻgʻli and bin Karim all give Karim."""
    if part.patronymic_stem is None or part.is_initial:
        return part
    return transliteration.parse_part(part.patronymic_stem)


def _patronymics_agree(query: ParsedName, candidate: ParsedName) -> PairScore | None:
    """Whether two patronymics (or fathers' names, or their initials) can be the same father's."""
    father_q, father_c = _father(query.patronymics[0]), _father(candidate.patronymics[0])
    if (found := compare_parts(father_q, father_c)) is not None:
        return found
    for a in father_q.keys:  # Kazakh Qabyl- and Russian Kabul-: vowels of patronymics vary freely
        for b in father_c.keys:
            if (found := similar_spelling(a, b, any_vowels=True)) is not None:
                return found
    return None


def _take(pairs: list[_Pair], chosen: list[_Pair], used: tuple[int, int]) -> tuple[int, int]:
    """Greedy: the best pairs first, each part used once; single words before words written as one; at
    most one pair by the surname reforms (one family name, never the given name too)."""
    used_query, used_candidate = used
    reformed = any(pair.result.kind is PairKind.reform for pair in chosen)
    for pair in sorted(pairs, key=lambda p: (-p.result.score, len(p.query) + len(p.candidate), p.query)):
        bits_query = sum(1 << i for i in pair.query)
        bits_candidate = sum(1 << j for j in pair.candidate)
        if reformed and pair.result.kind is PairKind.reform:
            continue
        if not used_query & bits_query and not used_candidate & bits_candidate:
            chosen.append(pair)
            used_query |= bits_query
            used_candidate |= bits_candidate
            reformed = reformed or pair.result.kind is PairKind.reform
    return used_query, used_candidate


def _pinyin_pairs(query: _Query, candidate: ParsedName) -> list[_Pair]:
    """When one name is a Chinese transcription (characters or pinyin) of a Uyghur name and the other is
    not, their parts meet where the consonants the transcription keeps agree."""
    if query.name.is_pinyin == candidate.is_pinyin:
        return []
    pairs = []
    for i, part_q in enumerate(query.name.parts):
        for j, part_c in enumerate(candidate.parts):
            pinyin, other = (part_q, part_c) if query.name.is_pinyin else (part_c, part_q)
            if pinyin.pinyin_keys & other.transcription_keys:
                pairs.append(_Pair((i,), (j,), PairScore(PINYIN_SCORE, PairKind.pinyin, "")))
    return pairs


def _align(query: _Query, candidate: ParsedName, compare: Comparer) -> _Alignment:
    query_parts = query.name.parts
    pairs = _pinyin_pairs(query, candidate)
    for i, query_part in enumerate(query_parts):
        for j, candidate_part in enumerate(candidate.parts):
            if (result := compare(query_part, candidate_part)) is not None:
                pairs.append(_Pair((i,), (j,), result))
    chosen: list[_Pair] = []
    used = _take(pairs, chosen, (0, 0))
    all_query, all_candidate = (1 << len(query_parts)) - 1, (1 << len(candidate.parts)) - 1
    if used[0] != all_query and used[1] != all_candidate:
        used = _take(_joined_pairs(query, candidate, *used, compare), chosen, used)
    patronymic_result = None
    if query.name.patronymics and candidate.patronymics:
        patronymic_result = _patronymics_agree(query.name, candidate)
        if patronymic_result is not None:  # the father agrees: an initial is no longer a guess
            chosen = [
                replace(
                    pair, result=PairScore(INITIAL_CONFIRMED_SCORE, PairKind.initial, "patronymic agrees")
                )
                if pair.result.kind is PairKind.initial
                else pair
                for pair in chosen
            ]
    unmatched_query = tuple(i for i in range(len(query_parts)) if not (used[0] >> i) & 1)
    unmatched_candidate = tuple(j for j in range(len(candidate.parts)) if not (used[1] >> j) & 1)
    father_named = None
    if (
        patronymic_result is None
        and unmatched_query
        and _names_a_father(query.name)
        and candidate.patronymics
    ):
        father_named = _named_father(query_parts, unmatched_query, candidate.patronymics[0])
        if father_named is not None:  # 'Khalid Salih al-Harbi' ~ 'Khalid bin Saleh al-Harbi'
            unmatched_query = tuple(i for i in unmatched_query if i != father_named[0])
            patronymic_result = father_named[1]
    score = 1.0
    for pair in chosen:
        score *= pair.result.score
    score *= UNMATCHED_QUERY_PART ** len(unmatched_query)
    score *= max(CANDIDATE_COVERAGE_FLOOR, UNMATCHED_CANDIDATE_PART ** len(unmatched_candidate))
    if query.name.patronymics and candidate.patronymics and patronymic_result is None:
        score -= PATRONYMIC_PENALTY
    return _Alignment(
        name=candidate,
        score=max(0.0, score),
        pairs=tuple(chosen),
        unmatched_query=unmatched_query,
        unmatched_candidate=unmatched_candidate,
        patronymic_result=patronymic_result,
        father_named=None if father_named is None else query_parts[father_named[0]].text,
    )


def _names_a_father(query: ParsedName) -> bool:
    """Whether a query word may be a father's name written without bin or -ovich: in a query of three
    words or more without a patronymic of its own ('Khalid Salih al-Harbi')."""
    return len(query.parts) >= FATHER_NAMED_MIN_PARTS and not query.patronymics


def _named_father(
    parts: tuple[NamePart, ...], unmatched: tuple[int, ...], patronymic: NamePart
) -> tuple[int, PairScore] | None:
    """A query word left over that is the father's name the person's patronymic stands for, written
    without bin or -ovich: spelled the same, romanised the same or an equivalent given name."""
    if patronymic.is_initial:
        return None
    father = _father(patronymic)
    for i in unmatched:
        found = None if parts[i].is_initial else compare_parts(parts[i], father)
        if found is not None and (found.kind in _STRONG or found.kind is PairKind.given_name):
            return i, found
    return None


def _qualifiers(
    candidate: Candidate, birth_date: str | None, nationality: str | None
) -> tuple[float, list[str]]:
    """What birth date and nationality subtract, and why; missing values are neutral."""
    penalty = 0.0
    lines = []
    if birth_date and candidate.birth_date:
        year_q, year_c = birth_date[:4], candidate.birth_date[:4]
        common = min(len(birth_date), len(candidate.birth_date))
        if year_q != year_c:
            penalty += BIRTH_YEAR_PENALTY
            lines.append(f"birth year {year_q} differs from {year_c}: -{BIRTH_YEAR_PENALTY:g}")
        elif birth_date[:common] != candidate.birth_date[:common]:
            penalty += BIRTH_DATE_PENALTY
            lines.append(
                f"birth date {birth_date} differs from {candidate.birth_date}: -{BIRTH_DATE_PENALTY:g}"
            )
        else:
            lines.append(f"birth date {birth_date} agrees with {candidate.birth_date}")
    if nationality and candidate.nationalities:
        wanted = nationality.upper()
        held = ", ".join(candidate.nationalities)
        if wanted in (n.upper() for n in candidate.nationalities):
            lines.append(f"nationality {wanted} agrees")
        else:
            penalty += NATIONALITY_PENALTY
            lines.append(f"nationality {wanted} is not the person's ({held}): -{NATIONALITY_PENALTY:g}")
    return penalty, lines


def _quote(parts: tuple[NamePart, ...], indices: tuple[int, ...]) -> str:
    return "'" + " ".join(parts[i].text for i in indices) + "'"


def _pair_line(pair: _Pair, query: ParsedName, candidate: ParsedName) -> str:
    left, right = _quote(query.parts, pair.query), _quote(candidate.parts, pair.candidate)
    result = pair.result
    joined = (
        ", written as one word"
        if len(pair.query) > 1
        else ", written as two words"
        if len(pair.candidate) > 1
        else ""
    )
    detail = f" ({result.detail})" if result.detail else ""
    match result.kind:
        case PairKind.identical:
            text = f"{left} = {right}: same word"
        case PairKind.romanisation:
            text = f"{left} ~ {right}: same romanisation{detail}"
        case PairKind.skeleton:
            text = f"{left} ~ {right}: same skeleton{detail}"
        case PairKind.gh_swap:
            text = f"{left} ~ {right}: same skeleton after a {result.detail}"
        case PairKind.given_name:
            text = f"{left} ~ {right}: equivalent given names{detail}"
        case PairKind.gendered:
            text = f"{left} ~ {right}: the two genders of one surname"
        case PairKind.feminine:
            text = f"{left} vs {right}: feminine and masculine given names, not one spelling"
        case PairKind.initial:
            text = f"{left} ~ {right}: initial{detail}"
        case PairKind.reform:
            text = f"{left} ~ {right}: one family name under the Tajik/Uzbek surname reforms{detail}"
        case PairKind.abjad:
            text = f"{left} ~ {right}: same consonants ({result.detail})"
        case PairKind.pinyin:
            text = f"{left} ~ {right}: Chinese transcription of the same Uyghur name"
        case PairKind.ocr:
            text = f"{left} ~ {right}: one OCR or typing confusion ({result.detail})"
        case PairKind.similar:
            text = f"{left} ~ {right}: similar spelling{detail}"
    if result.score < 1.0:
        text += f": ×{result.score:.2f}"
    return text + joined


def _explain(
    alignment: _Alignment, query: ParsedName, candidate: Candidate, qualifier_lines: list[str]
) -> tuple[str, ...]:
    name = alignment.name
    lines = []
    if name.text != candidate.names[0]:
        exact = all(pair.result.kind is PairKind.identical for pair in alignment.pairs)
        complete = not alignment.unmatched_query and not alignment.unmatched_candidate
        lines.append(f"alias '{name.text}' matched" + (" exactly" if exact and complete else ""))
    lines += [_pair_line(pair, query, name) for pair in alignment.pairs]
    for i in alignment.unmatched_query:
        lines.append(
            f"'{query.parts[i].text}' has no counterpart in '{name.text}': ×{UNMATCHED_QUERY_PART:g}"
        )
    if alignment.unmatched_candidate:
        factor = max(CANDIDATE_COVERAGE_FLOOR, UNMATCHED_CANDIDATE_PART ** len(alignment.unmatched_candidate))
        missing = ", ".join(f"'{name.parts[j].text}'" for j in alignment.unmatched_candidate)
        lines.append(f"{missing} of '{name.text}' absent from the query: ×{factor:.2f}")
    for patronymic in query.patronymics if not name.patronymics else ():
        lines.append(f"patronymic '{patronymic.text}' absent from the person's name: not counted")
    for patronymic in name.patronymics if not query.patronymics else ():
        if alignment.father_named is not None:
            lines.append(f"'{alignment.father_named}' ~ patronymic '{patronymic.text}': the father's name")
        else:
            lines.append(f"patronymic '{patronymic.text}' absent from the query: not counted")
    if query.patronymics and name.patronymics:
        pair = f"'{query.patronymics[0].text}' and '{name.patronymics[0].text}'"
        if alignment.patronymic_result is None:
            lines.append(f"patronymics {pair} differ (another father): -{PATRONYMIC_PENALTY:g}")
        else:
            lines.append(f"patronymics {pair} agree")
    return (*lines, *qualifier_lines)


def _best_alignment(
    query: _Query, names: Iterable[ParsedName], compare: Comparer, seen: dict[int, _Alignment]
) -> _Alignment | None:
    """The best of a person's names; `seen` keeps alignments per name, as persons share full names."""
    best: _Alignment | None = None
    for name in names:
        if not name.parts:
            continue
        alignment = seen.get(id(name))
        if alignment is None:
            alignment = seen[id(name)] = _align(query, name, compare)
        if best is None or (alignment.score, alignment.identical_words) > (best.score, best.identical_words):
            best = alignment  # on a tie, the name written as the query was
    return best


def _final_score(alignment: _Alignment, penalty: float) -> float:
    return round(min(1.0, max(0.0, alignment.score - penalty)), 3)


def _match(
    query: ParsedName,
    candidate: Candidate,
    alignment: _Alignment,
    birth_date: str | None,
    nationality: str | None,
) -> Match:
    penalty, qualifier_lines = _qualifiers(candidate, birth_date, nationality)
    explanation = _explain(alignment, query, candidate, qualifier_lines)
    return Match(candidate.person_id, _final_score(alignment, penalty), alignment.name.text, explanation)


def score(
    query: str, candidate: Candidate, *, birth_date: str | None = None, nationality: str | None = None
) -> Match:
    """How well a query name matches a person (the best of their names and aliases), with the reasons."""
    names = [parsed for name in candidate.names for parsed in transliteration.parse_names(name)]
    best: tuple[ParsedName, _Alignment] | None = None
    for parsed in transliteration.parse_names(query):  # a maiden name in the query gives several
        alignment = _best_alignment(_Query.of(parsed), names, compare_parts, {}) if parsed.parts else None
        if alignment is not None and (best is None or alignment.score > best[1].score):
            best = parsed, alignment
    if best is None:
        return Match(
            candidate.person_id,
            0.0,
            candidate.names[0] if candidate.names else "",
            ("no name part to compare",),
        )
    return _match(best[0], candidate, best[1], birth_date, nationality)


# ------------------------------------------------------------------------------------------------ index


@dataclass(frozen=True, slots=True)
class _Entry:
    """A person as the index holds them. Their posting keys are not kept: `_posting_keys` derives them
    from `names` when the person is added or removed (two frozensets a person, a quarter of the index's
    memory at a million persons)."""

    candidate: Candidate
    names: tuple[ParsedName, ...]
    fewest_parts: int  # of any of the person's names


def _reform_postings(part: NamePart, *, looking_up: bool) -> Iterator[str]:
    """Reform stems under '^r' (a Russian ending) or '^t' (-zoda, -zod, -i); a part looks up the other
    kind, and a -zoda part also -i ones: two Russian endings are never a reform."""
    for stem, ending in part.reform_stems:
        key = transliteration.soundalike_class_key(stem)
        russian = ending in RUSSIAN_ENDINGS
        if not looking_up:
            yield f"^{'r' if russian else 't'}{key}"
        else:
            yield f"^t{key}"
            if not russian:
                yield f"^r{key}"


def _other_keys(part: NamePart, *, in_pinyin_name: bool) -> Iterator[str]:
    """Postings beside the skeletons: given-name groups '#', gendered stems '~', initials '*', reform stems
    '^', consonants of Arabic-script parts '&' and pinyin keys '!' of names that are Chinese transcriptions.
    The other way round (an Arabic-script or pinyin query) goes through the shard's key vocabulary."""
    yield from (f"#{group}" for group in part.given_name_groups)
    yield from (f"~{stem}" for stem in part.gendered_stems)
    yield from (f"*{letters}" for letters in part.initial_letters)
    yield from _reform_postings(part, looking_up=False)
    if part.is_abjad:
        yield from (f"&{key}" for key in part.consonant_keys)
    if in_pinyin_name:
        yield from (f"!{key}" for key in part.pinyin_keys)


def _lookup_keys(part: NamePart, *, in_pinyin_name: bool) -> Iterator[str]:
    """The other postings of persons whose parts compare_parts (or the pinyin pass) could pair with this one."""
    yield from (f"#{group}" for group in part.given_name_groups)
    yield from (f"~{stem}" for stem in part.gendered_stems)
    if not part.is_initial:  # the initials it may stand for: 's', 'sh', 'sha' of Shahnoza
        yield from {f"*{text[:length]}" for text in (*part.keys, *part.forms) for length in (1, 2, 3)}
    yield from _reform_postings(part, looking_up=True)
    if not part.is_abjad:
        yield from (f"&{key}" for key in part.consonant_keys)
    if not in_pinyin_name:
        yield from (f"!{key}" for key in part.transcription_keys)


def _entry(
    candidate: Candidate, parse: Callable[[str], tuple[ParsedName, ...]] = transliteration.parse_names
) -> _Entry:
    names = tuple(parsed for name in candidate.names for parsed in parse(name))
    fewest = min((len(name.parts) for name in names if name.parts), default=0)
    return _Entry(candidate, names, fewest)


@functools.lru_cache(maxsize=transliteration.PARSE_CACHE_SIZE)
def _part_postings(part: NamePart, in_pinyin_name: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(skeleton keys, other keys) of one name part: persons share their name parts (parse_part gives one
    object per word), so each part's keys are worked out once, not once per person holding it."""
    return part.keys, tuple(dict.fromkeys(_other_keys(part, in_pinyin_name=in_pinyin_name)))


@functools.lru_cache(maxsize=transliteration.PARSE_CACHE_SIZE)
def _father_postings(patronymic: NamePart) -> tuple[str, ...]:
    """The '=…' keys of the father a patronymic names."""
    father = _father(patronymic)
    keys = [f"={key}" for key in father.keys]
    keys += [f"={transliteration.swap_g_h(key)}" for key in father.keys]
    keys += [f"=#{group}" for group in father.given_name_groups]
    return tuple(dict.fromkeys(keys))


def _posting_keys(names: tuple[ParsedName, ...]) -> tuple[set[str], set[str]]:
    """(skeleton keys, other keys) a person with these names is posted under; the other keys are '#<group>'
    for given-name groups, '~<stem>' for gendered stems and the rest of `_other_keys`, and '=…' for the
    father a patronymic names."""
    skeletons: set[str] = set()
    others: set[str] = set()
    for name in names:
        pinyin = name.is_pinyin
        for part in name.parts:
            part_skeletons, part_others = _part_postings(part, pinyin)
            skeletons.update(part_skeletons)
            others.update(part_others)
        if name.patronymics:  # a query may name the father without bin or -ovich
            others.update(_father_postings(name.patronymics[0]))
    return skeletons, others


def _ceilings(
    query: ParsedName, blocked: list[tuple[int, bool, _Entry]], threshold: float
) -> list[tuple[float, str, _Entry]]:
    """(-ceiling, person_id, entry) for each person found, ceiling being the best score they could get
    (as scores are rounded); those whose ceiling is below the threshold are left out.

    A query part that blocking did not find a person by has no partner in their names (blocking looks
    up every key compare_parts accepts), and each part of their shortest name beyond what the found
    query parts, initials and split query words can cover costs UNMATCHED_CANDIDATE_PART."""
    required = sum(1 << i for i, part in enumerate(query.parts) if not part.is_initial)
    initials = len(query.parts) - required.bit_count()
    known: dict[tuple[int, bool, int], float] = {}
    ceilings = []
    for found_by, split, entry in blocked:
        shape = (found_by, split, entry.fewest_parts)
        if (ceiling := known.get(shape)) is None:
            coverable = found_by.bit_count() + initials + (len(query.parts) if split else 0)
            unmatched = max(0, entry.fewest_parts - coverable)
            coverage = max(CANDIDATE_COVERAGE_FLOOR, UNMATCHED_CANDIDATE_PART**unmatched)
            missing = (required & ~found_by).bit_count()
            ceiling = known[shape] = round(UNMATCHED_QUERY_PART**missing * coverage + 1e-9, 3)
        if ceiling >= threshold:
            ceilings.append((-ceiling, entry.candidate.person_id, entry))
    return ceilings


def _keys_may_match(a: str, b: str) -> bool:
    """Whether parts with these skeletons can meet in compare_parts other than by group or gendered stem."""
    return (
        a == b
        or transliteration.swap_g_h(a) == transliteration.swap_g_h(b)
        or transliteration.is_feminine_form(a, b)
        or transliteration.is_feminine_form(b, a)
        or similar_spelling(a, b) is not None
    )


def _gh_variants(key: str) -> list[str]:
    """The key with any of its g and h read as the other: every key a g/h swap can meet."""
    variants = [""]
    for char in key:
        options = "gh" if char in "gh" else char
        variants = [variant + option for variant in variants for option in options]
        if len(variants) > 64:  # a name with more than six g or h: only the swap itself
            return [key, transliteration.swap_g_h(key)]
    return variants


@dataclass
class _Shard:
    """One organisation's persons: the index never mixes organisations."""

    entries: dict[str, _Entry] = field(default_factory=dict)
    skeleton_postings: dict[str, set[str]] = field(default_factory=dict)
    other_postings: dict[str, set[str]] = field(default_factory=dict)
    vocabulary: tuple[str, ...] | None = None  # skeleton keys for the fuzzy look-up; None when stale
    fuzzy_cache: dict[str, tuple[str, ...]] = field(default_factory=dict)
    derived_keys: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def add(self, entry: _Entry) -> None:
        person_id = entry.candidate.person_id
        self.entries[person_id] = entry
        skeleton_keys, other_keys = _posting_keys(entry.names)
        skeleton_postings, other_postings = self.skeleton_postings, self.other_postings
        for key in skeleton_keys:
            if (persons := skeleton_postings.get(key)) is None:
                persons = skeleton_postings[key] = set()
                self.vocabulary = None
            persons.add(person_id)
        for key in other_keys:  # no set made only to be thrown away when the key has one (at start-up, most)
            if (persons := other_postings.get(key)) is None:
                persons = other_postings[key] = set()
            persons.add(person_id)

    def discard(self, person_id: str) -> None:
        entry = self.entries.pop(person_id)
        skeleton_keys, other_keys = _posting_keys(entry.names)
        for postings, keys in ((self.skeleton_postings, skeleton_keys), (self.other_postings, other_keys)):
            for key in keys:
                persons = postings[key]
                persons.discard(person_id)
                if not persons:
                    del postings[key]
                    if postings is self.skeleton_postings:
                        self.vocabulary = None

    def _vocabulary(self) -> tuple[str, ...]:
        if self.vocabulary is None:
            self.vocabulary = tuple(self.skeleton_postings)
            self.fuzzy_cache.clear()
            self.derived_keys.clear()
        return self.vocabulary

    def derived(self, kind: str, value: str) -> tuple[str, ...]:
        """The skeleton keys whose consonants (kind 'consonants', what Arabic script writes) or Chinese
        transcription keys (kind 'transcription') are `value`, from an index built once per vocabulary."""
        vocabulary = self._vocabulary()
        if kind not in self.derived_keys:
            derive = (
                transliteration.consonant_key
                if kind == "consonants"
                else lambda key: transliteration.pinyin_comparison_key(key, from_pinyin=False)
            )
            built: dict[str, list[str]] = {}
            for key in vocabulary:
                built.setdefault(derive(key), []).append(key)
            self.derived_keys[kind] = {k: tuple(v) for k, v in built.items()}
        return self.derived_keys[kind].get(value, ())

    def near_keys(self, key: str) -> tuple[str, ...]:
        """Keys of this organisation within a few edits of one key."""
        vocabulary = self._vocabulary()
        if (found := self.fuzzy_cache.get(key)) is None:
            if len(self.fuzzy_cache) >= FUZZY_CACHE_SIZE:
                self.fuzzy_cache.clear()
            matches = process.extract(
                key,
                vocabulary,
                scorer=Levenshtein.distance,
                score_cutoff=edits_allowed(len(key)),
                limit=None,
            )
            found = self.fuzzy_cache[key] = tuple(m[0] for m in matches if _keys_may_match(key, m[0]))
        return found

    def persons_for(
        self, part: NamePart, *, in_pinyin_name: bool, joined: bool, names_father: bool
    ) -> list[set[str]]:
        """Persons with a name part this query part may pair with; two query words run together only
        pair by spelling (_joined_pairs takes strong pairs only), so they skip the other postings. With
        `names_father`, also persons whose patronymic stands for that name (see _names_a_father)."""
        keys = self.near_keys_of(part)
        if not joined and names_father:
            others = self.other_postings
            wanted = {f"={key}" for key in part.keys} | {
                f"={transliteration.swap_g_h(key)}" for key in part.keys
            }
            wanted |= {f"=#{group}" for group in part.given_name_groups}
            fathers = [others[key] for key in wanted if key in others]
        else:
            fathers = []
        if not joined and part.is_abjad:
            keys.update(
                key for consonants in part.consonant_keys for key in self.derived("consonants", consonants)
            )
        if not joined and in_pinyin_name:
            keys.update(key for pinyin in part.pinyin_keys for key in self.derived("transcription", pinyin))
        postings = [self.skeleton_postings[key] for key in keys if key in self.skeleton_postings]
        if not joined:
            others = self.other_postings
            lookups = _lookup_keys(part, in_pinyin_name=in_pinyin_name)
            postings += [others[key] for key in lookups if key in others]
        return postings + fathers

    def near_keys_of(self, part: NamePart) -> set[str]:
        """Every key of a person's name part that compare_parts could accept for this query part."""
        keys = set(part.keys)
        if part.is_initial or not keys:  # an initial matches any word with its letters: never looked up
            return keys
        keys.add(part.keys[0][0])  # the person's initials
        keys.update(part.ocr_keys)
        for key in part.keys:
            keys.update(self.near_keys(key))
            keys.update(_gh_variants(key))
        return keys

    def persons_with_split(self, part: NamePart) -> set[str]:
        """Persons whose name holds the two halves of a query word as two words ('Umarali' ~ 'Umar Ali')."""
        found: set[str] = set()
        postings = self.skeleton_postings
        for key in part.keys:
            for left, right in _key_halves(key):
                if left in postings and right in postings:
                    found |= postings[left] & postings[right]
        return found


class NameIndex:
    """Thread-safe (a threading.Lock around mutations; searches read a snapshot)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._shards: dict[str, _Shard] = {}
        self._org_of: dict[str, str] = {}

    def upsert(
        self,
        candidate: Candidate,
        parse: Callable[[str], tuple[ParsedName, ...]] = transliteration.parse_names,
    ) -> None:
        """Index a person, replacing any earlier entry with that person_id. `parse` reads each of their
        names (a loader passes transliteration.parse_names behind a memo of its own)."""
        entry = _entry(candidate, parse)  # parsed outside the lock: the slow part
        with self._lock:
            self._discard(candidate.person_id)
            if (shard := self._shards.get(candidate.org_id)) is None:
                shard = self._shards[candidate.org_id] = _Shard()
            shard.add(entry)
            self._org_of[candidate.person_id] = candidate.org_id

    def remove(self, person_id: str) -> None:
        with self._lock:
            self._discard(person_id)

    def _discard(self, person_id: str) -> None:
        if (org_id := self._org_of.pop(person_id, None)) is not None:
            self._shards[org_id].discard(person_id)

    def __len__(self) -> int:
        return len(self._org_of)

    def _blocked(
        self, org_id: str, query: ParsedName, threshold: float = 0.0
    ) -> list[tuple[int, bool, _Entry]]:
        """Each person found by some query part: the bit mask of the parts that found them, whether a
        query word was found split in two words of theirs, and their entry.

        Above a threshold of UNMATCHED_QUERY_PART only persons found by every query part that is not an
        initial are returned: anyone else has a ceiling of at most UNMATCHED_QUERY_PART (_ceilings) and
        could never be kept. Their sets are intersected first, so a common given name that finds tens of
        thousands of persons costs a set operation, not a loop over each of them."""
        shard = self._shards.get(org_id)
        if shard is None:
            return []
        units: list[tuple[int, NamePart]] = [(1 << i, part) for i, part in enumerate(query.parts)]
        units += [(3 << i, _joined(query.parts, i)) for i in range(len(query.parts) - 1)]
        pinyin, father = query.is_pinyin, _names_a_father(query)
        by_unit = [
            (
                bits,
                set().union(
                    *shard.persons_for(
                        part, in_pinyin_name=pinyin, joined=bits.bit_count() > 1, names_father=father
                    )
                ),
            )
            for bits, part in units
        ]
        split_by = [(1 << i, shard.persons_with_split(part)) for i, part in enumerate(query.parts)]
        split = set().union(*(persons for _, persons in split_by))
        required = [i for i, part in enumerate(query.parts) if not part.is_initial]
        if threshold > UNMATCHED_QUERY_PART and required:
            covering = sorted(
                (
                    set().union(*(persons for bits, persons in (*by_unit, *split_by) if bits >> i & 1))
                    for i in required
                ),
                key=len,
            )
            candidates = covering[0].intersection(*covering[1:])
        else:
            candidates = set().union(split, *(persons for _, persons in by_unit))
        found: list[tuple[int, bool, _Entry]] = []
        for person_id in candidates:
            bits = 0
            for unit_bits, persons in (*by_unit, *split_by):
                if person_id in persons:
                    bits |= unit_bits
            found.append((bits, person_id in split, shard.entries[person_id]))
        return found

    def search(
        self,
        org_id: str,
        query: str,
        *,
        birth_date: str | None = None,
        nationality: str | None = None,
        limit: int = 50,
        threshold: float = 0.0,
    ) -> list[Match]:
        """That organisation's persons matching a name, best first (ties by person_id), each with reasons;
        persons sharing no name part with the query are left out. A query with a maiden name is searched
        as each name it stands for, and each person keeps their best."""
        if limit <= 0:
            return []
        found: dict[str, Match] = {}
        for parsed in transliteration.parse_names(query):
            for match in self._search_parsed(org_id, parsed, birth_date, nationality, limit, threshold):
                kept = found.get(match.person_id)
                if kept is None or match.score > kept.score:
                    found[match.person_id] = match
        return sorted(found.values(), key=lambda m: (-m.score, m.person_id))[:limit]

    def _search_parsed(
        self,
        org_id: str,
        parsed: ParsedName,
        birth_date: str | None,
        nationality: str | None,
        limit: int,
        threshold: float,
    ) -> list[Match]:
        if not parsed.parts:
            return []
        with self._lock:
            blocked = self._blocked(org_id, parsed, threshold)
        prepared = _Query.of(parsed)
        ordered = sorted(_ceilings(parsed, blocked, threshold), key=lambda c: c[:2])
        compare = _caching_comparer()
        seen: dict[int, _Alignment] = {}
        top: list[tuple[float, str, _Entry, _Alignment]] = []  # (-score, person_id, ...), best first
        qualified = birth_date is not None or nationality is not None
        for negative_ceiling, person_id, entry in ordered:
            if len(top) == limit and (top[-1][0], top[-1][1]) < (negative_ceiling, person_id):
                break  # nobody left can beat the last kept match, not even on a tie
            alignment = _best_alignment(prepared, entry.names, compare, seen)
            if alignment is None:
                continue
            penalty = _qualifiers(entry.candidate, birth_date, nationality)[0] if qualified else 0.0
            value = _final_score(alignment, penalty)
            if value >= threshold:
                bisect.insort(top, (-value, person_id, entry, alignment), key=lambda kept: kept[:2])
                del top[limit:]
        return [
            _match(parsed, entry.candidate, alignment, birth_date, nationality)
            for _, _, entry, alignment in top
        ]
