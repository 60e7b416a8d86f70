"""Names folded to comparable keys: scripts, romanisations, skeletons, patronymics and given-name groups."""

# Every language rule is data in app/data/transliteration.json (domain.md section 8); this module only
# reads the tables and applies them. A name is split into parts; each part gets its romanised readings
# (several where one letter has several usual romanisations, or one Latin spelling several readings) and,
# per reading, a lossy *skeleton* under which the usual spelling variants meet. Two parts whose skeleton
# sets meet are the same name part; matching.py scores everything else.
#
# Where the readings come from, and on what authority:
# - Cyrillic: ICU's CLDR transforms for Russian, Belarusian, Ukrainian, Kazakh and Kyrgyz (BGN/PCGN), and
#   for the Latin alphabets that replaced Soviet Cyrillic (Uzbek 1995, Azerbaijani 1991-92, Turkmen 1993);
#   our own tables where ICU has none: Tajik (BGN/PCGN 1994), Russian as ICAO Doc 9303 passports, French,
#   German, Polish and Serbian write it, Ukrainian national (2010). Belarusian ts/dz/ў against Russian t/d/v.
# - Arabic and Persian script: ICU's Arabic-Latin (ISO 233 / ALA-LC / DIN 31635 letters); short vowels are
#   not written, so such a part is compared by its consonants; Persian ض ذ ظ ث as z and s.
# - Uyghur: Arabic script by our ULY table (Uyghur Latin Yéziqi, 2001); Chinese characters by ICU's
#   Han-Latin/Names (Hanyu Pinyin, ISO 7098), and pinyin transcriptions of Uyghur names read back.
# - Latin: Turkish folding, Azerbaijani ə/c/q/x, Uzbek x/oʻ/gʻ, Turkmen y, German/Polish ch.
# - Name structure, after OpenSanctions' rigour (name-part tags) and nomenklatura's logic-v2 (initials as
#   symbols): initials, patronymics and fathers' names (bin, oğlu, oʻgʻli, uulu, -ovich, -uly), the Tajik
#   and Uzbek surname reforms (-ov ~ -zoda/-zod/-i), maiden names, OCR confusions.

import functools
import json
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from importlib.resources import files
from typing import Any

import icu  # PyICU's API; the pyicu-wheels distribution ships it as binary wheels (no ICU headers needed)
from anyascii import anyascii

PARSE_CACHE_SIZE = 200_000  # distinct name parts kept parsed; 100k persons have far fewer


class Script(StrEnum):
    latin = "latin"
    cyrillic = "cyrillic"
    arabic = "arabic"
    han = "han"
    other = "other"


@dataclass(frozen=True, slots=True)
class _SkeletonRule:
    label: str
    pattern: re.Pattern[str]
    replacement: str


@dataclass(frozen=True, slots=True)
class _LetterSystem:
    """One romanisation of a non-Latin alphabet; a letter with several values is read one value at a time."""

    name: str
    letters: dict[str, tuple[str, ...]]
    initial: dict[str, str]  # at the start of a word and after a vowel, ь or ъ (ye, yo, ...)


@dataclass(frozen=True, slots=True)
class _IcuSystem:
    """A CLDR transform run by ICU, used for a text whose letters its alphabet holds."""

    transform_id: str
    alphabet: frozenset[str]


@dataclass(frozen=True, slots=True)
class _LatinReading:
    label: str
    pattern: re.Pattern[str]
    readings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _GenderedSuffix:
    masculine: str
    feminine: str


@dataclass(frozen=True, slots=True)
class _Rules:
    apostrophes: str
    separators: re.Pattern[str]
    abbreviation: re.Pattern[str]
    initial_max_letters: int
    vowel_letters: frozenset[str]
    maiden_name: re.Pattern[str]
    maiden_markers: re.Pattern[str]
    cheap_vowel_pairs: frozenset[frozenset[str]]
    reform_endings: tuple[str, ...]
    reform_min_stem: int
    russian_adjective_ending: re.Pattern[str]
    pinyin_word: re.Pattern[str]
    pinyin_syllable: re.Pattern[str]
    pinyin_to_latin: tuple[tuple[re.Pattern[str], str], ...]
    pinyin_comparison: tuple[tuple[re.Pattern[str], str], ...]
    before_lower: dict[int, str]
    turkish_folding: dict[int, str]
    cyrillic_vowels: frozenset[str]  # and the signs after which е, ё, ю, я are read as at a word's start
    han_surname_characters: int
    han_max_unseparated: int
    latin_letters: dict[int, str]
    latin_doubled_letters: re.Pattern[str]
    latin_readings: tuple[_LatinReading, ...]
    max_readings: int
    icu_cyrillic: tuple[_IcuSystem, ...]
    icu_arabic: str
    icu_han: str
    uyghur_letters: frozenset[str]
    abjad_long_vowels: re.Pattern[str]
    abjad_letters: dict[int, str]
    abjad_initial_letters: dict[int, str]
    persian_marks: frozenset[str]
    abjad_consonant_merges: dict[int, str]
    persian_letters: dict[int, str]
    cross_language_readings: tuple[_LatinReading, ...]
    homoglyphs_to_cyrillic: dict[int, str]
    homoglyphs_to_latin: dict[int, str]
    ocr_digits: dict[int, str]
    ocr_confusions: tuple[tuple[str, str], ...]
    ocr_min_length: int
    cyrillic_systems: tuple[_LetterSystem, ...]
    arabic_systems: tuple[_LetterSystem, ...]
    skeleton_rules: tuple[_SkeletonRule, ...]
    gh_swap_label: str
    gh_swap: tuple[str, str]
    vowels_deleted: dict[int, int | None]
    soundalikes: frozenset[frozenset[str]]
    soundalike_classes: dict[int, str]
    articles: frozenset[str]
    joined_articles: tuple[str, ...]
    joined_article_min_rest: int
    nasab_markers: frozenset[str]
    patronymic_markers_after: frozenset[str]
    patronymic_suffixes: tuple[str, ...]  # longest first
    patronymic_min_parts: int
    patronymic_min_stem: int
    gendered_suffixes: tuple[_GenderedSuffix, ...]  # feminine endings tried longest first
    gendered_min_stem: int
    feminine_given_endings: tuple[str, ...]
    given_name_groups: tuple[tuple[str, ...], ...]


def _letter_system(name: str, raw: dict[str, Any]) -> _LetterSystem:
    letters = {
        letter: (value,) if isinstance(value, str) else tuple(value)
        for letter, value in raw["letters"].items()
    }
    return _LetterSystem(name=name, letters=letters, initial=dict(raw.get("initial", {})))


@functools.cache
def _rules() -> _Rules:
    raw = json.loads((files("app") / "data" / "transliteration.json").read_text(encoding="utf-8"))
    gendered = [_GenderedSuffix(g["masculine"], g["feminine"]) for g in raw["gendered_suffixes"]]
    return _Rules(
        apostrophes=raw["apostrophes"],
        separators=re.compile(f"[{raw['name_separators']}]+"),
        abbreviation=re.compile(r"[^.]+\.?|\."),
        initial_max_letters=raw["initials"]["max_letters_before_dot"],
        vowel_letters=frozenset(raw["initials"]["vowel_letters"]),
        maiden_name=re.compile(raw["maiden_names"]["pattern"], re.IGNORECASE),
        maiden_markers=re.compile(raw["maiden_names"]["markers"], re.IGNORECASE),
        cheap_vowel_pairs=frozenset(frozenset(pair) for pair in raw["cheap_vowel_pairs"]),
        reform_endings=tuple(raw["surname_reform"]["endings"]),
        reform_min_stem=raw["surname_reform"]["min_stem_length"],
        russian_adjective_ending=re.compile(raw["surname_reform"]["russian_adjective_ending"]),
        pinyin_word=re.compile(
            f"(?:{raw['pinyin']['first_syllable']}|{raw['pinyin']['syllable']})(?:{raw['pinyin']['syllable']})*"
        ),
        pinyin_syllable=re.compile(raw["pinyin"]["syllable"]),
        pinyin_to_latin=tuple((re.compile(a), b) for a, b in raw["pinyin"]["to_latin"]),
        pinyin_comparison=tuple((re.compile(a), b) for a, b in raw["pinyin"]["comparison"]),
        before_lower=str.maketrans(raw["case_folding_before_lower"]),
        turkish_folding=str.maketrans(raw["turkish_folding"]),
        cyrillic_vowels=frozenset(raw["cyrillic_vowels_and_signs"]),
        han_surname_characters=raw["han_names"]["surname_characters"],
        han_max_unseparated=raw["han_names"]["max_unseparated_length"],
        latin_letters=str.maketrans(raw["latin_letters"]),
        latin_doubled_letters=re.compile(raw["latin_doubled_letters"]),
        latin_readings=tuple(
            _LatinReading(r["label"], re.compile(r["pattern"]), tuple(r["readings"]))
            for r in raw["latin_readings"]
        ),
        max_readings=raw["max_readings"],
        icu_cyrillic=tuple(
            _IcuSystem(t["id"], frozenset(t["alphabet"])) for t in raw["icu_cyrillic_transforms"]
        ),
        icu_arabic=raw["icu_arabic_transform"],
        icu_han=raw["icu_han_transform"],
        uyghur_letters=frozenset(raw["uyghur_only_letters"]),
        abjad_long_vowels=re.compile(raw["abjad_long_vowels"]),
        abjad_letters=str.maketrans({k: v for k, v in raw["abjad_letters"].items() if k != "_about"}),
        persian_marks=frozenset(raw["persian_letters"]["marks"]),
        abjad_consonant_merges=str.maketrans(raw["abjad_consonant_merges"]["letters"]),
        persian_letters=str.maketrans(
            {k: v for k, v in raw["persian_letters"].items() if k not in ("_about", "marks")}
        ),
        abjad_initial_letters=str.maketrans(
            {k: v for k, v in raw["abjad_initial_letters"].items() if k != "_about"}
        ),
        cross_language_readings=tuple(
            _LatinReading(r["label"], re.compile(r["pattern"]), tuple(r["readings"]))
            for r in raw["cross_language_readings"]
        ),
        homoglyphs_to_cyrillic=str.maketrans(raw["homoglyphs"]["latin_to_cyrillic"]),
        homoglyphs_to_latin=str.maketrans(
            {cyr: lat for lat, cyr in raw["homoglyphs"]["latin_to_cyrillic"].items()}
        ),
        ocr_digits=str.maketrans(raw["ocr_digits"]),
        ocr_confusions=tuple((a, b) for a, b in raw["ocr_confusions"]["pairs"]),
        ocr_min_length=raw["ocr_confusions"]["min_length"],
        cyrillic_systems=tuple(_letter_system(n, s) for n, s in raw["cyrillic_systems"].items()),
        arabic_systems=tuple(_letter_system(n, s) for n, s in raw["arabic_script_systems"].items()),
        skeleton_rules=tuple(
            _SkeletonRule(r["label"], re.compile(r["pattern"]), r["replacement"])
            for r in raw["skeleton_rules"]
        ),
        gh_swap_label=raw["gh_swap"]["label"],
        gh_swap=(raw["gh_swap"]["from"], raw["gh_swap"]["to"]),
        vowels_deleted=str.maketrans("", "", raw["vowels"]),
        soundalikes=frozenset(frozenset(pair) for pair in raw["soundalike_consonants"]),
        soundalike_classes=str.maketrans({c: group[0] for group in raw["soundalike_classes"] for c in group}),
        articles=frozenset(raw["articles"]),
        joined_articles=tuple(raw["joined_articles"]["prefixes"]),
        joined_article_min_rest=raw["joined_articles"]["min_rest_length"],
        nasab_markers=frozenset(raw["nasab_markers"]),
        patronymic_markers_after=frozenset(raw["patronymic_markers_after"]),
        patronymic_suffixes=tuple(sorted(raw["patronymic_suffixes"], key=len, reverse=True)),
        patronymic_min_parts=raw["patronymic_min_parts"],
        patronymic_min_stem=raw["patronymic_min_stem_length"],
        gendered_suffixes=tuple(sorted(gendered, key=lambda g: len(g.feminine), reverse=True)),
        gendered_min_stem=raw["gendered_min_stem_length"],
        feminine_given_endings=tuple(raw["feminine_given_name_endings"]),
        given_name_groups=tuple(tuple(group) for group in raw["given_name_groups"]),
    )


# ---------------------------------------------------------------------------------------------- scripts

_SCRIPT_RANGES: tuple[tuple[int, int, Script], ...] = (
    (0x0041, 0x005A, Script.latin),
    (0x0061, 0x007A, Script.latin),
    (0x00C0, 0x024F, Script.latin),
    (0x1E00, 0x1EFF, Script.latin),
    (0x0400, 0x052F, Script.cyrillic),
    (0x1C80, 0x1C8F, Script.cyrillic),
    (0x0600, 0x06FF, Script.arabic),
    (0x0750, 0x077F, Script.arabic),
    (0xFB50, 0xFDFF, Script.arabic),
    (0xFE70, 0xFEFF, Script.arabic),
    (0x3400, 0x4DBF, Script.han),
    (0x4E00, 0x9FFF, Script.han),
    (0xF900, 0xFAFF, Script.han),
    (0x20000, 0x2FA1F, Script.han),
)


def _script_of(char: str) -> Script | None:
    if not char.isalpha():
        return None
    code = ord(char)
    for low, high, script in _SCRIPT_RANGES:
        if low <= code <= high:
            return script
    return Script.other


def detect_script(text: str) -> Script:
    """The script most of the letters are in (Latin when there are none, as for '-' or '')."""
    counts: dict[Script, int] = {}
    for char in text:
        if (script := _script_of(char)) is not None:
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return Script.latin
    return max(counts, key=lambda s: counts[s])


# ---------------------------------------------------------------------------------------------- folding


def normalise_apostrophes(text: str) -> str:
    """Every apostrophe look-alike (ʻ ʼ ' ‘ ’ ` ...) as the ASCII apostrophe."""
    marks = _rules().apostrophes
    return "".join("'" if char in marks else char for char in text)


def fold_turkish(text: str) -> str:
    """Turkish letters folded, then lower-cased: İ must be folded first, as 'İ'.lower() keeps a combining dot."""
    return text.translate(_rules().before_lower).lower().translate(_rules().turkish_folding)


def _clean_latin(text: str) -> str:
    """Lower-case ASCII letters and apostrophes only: special letters mapped, accents stripped, the rest anyascii."""
    mapped = text.translate(_rules().latin_letters)
    stripped = "".join(c for c in unicodedata.normalize("NFKD", mapped) if not unicodedata.combining(c))
    if not stripped.isascii():
        stripped = anyascii(stripped)
    return "".join(c for c in stripped.lower() if "a" <= c <= "z" or c == "'")


def _lower_before_readings(text: str) -> str:
    return normalise_apostrophes(text).translate(_rules().before_lower).lower()


def _latin_readings(text: str) -> list[str]:
    """The spellings a Latin part can stand for (ç as c or ch, x as kh or ks, ...), the plain one first.
    The other readings start from the text with doubled letters single, so 'Mikkhail' reads as 'Mikhail'."""
    rules = _rules()
    lowered = _lower_before_readings(text)
    single = rules.latin_doubled_letters.sub(r"\1", lowered)
    readings = [single]
    for reading in rules.latin_readings:
        if not reading.pattern.search(single):
            continue
        readings = [reading.pattern.sub(value, r) for r in readings for value in reading.readings]
        readings = readings[: rules.max_readings]
    return [fold_turkish(lowered), *(reading for reading in readings if reading != single)]


def _romanise_with(system: _LetterSystem, text: str, option: int) -> str:
    out: list[str] = []
    vowels = _rules().cyrillic_vowels
    previous = ""
    for char in text:
        if char in system.initial and (not previous or previous in vowels):
            out.append(system.initial[char])
        elif (values := system.letters.get(char)) is not None:
            out.append(values[min(option, len(values) - 1)])
        else:
            out.append(char)
        previous = char
    return "".join(out)


def _system_readings(systems: Iterable[_LetterSystem], text: str, *, script: Script) -> list[str]:
    """One reading per system that knows every letter of the text (per option of its many-valued letters)."""
    letters = {char for char in text if _script_of(char) is script}
    readings: list[str] = []
    for system in systems:
        if not letters <= system.letters.keys():
            continue
        options = max((len(system.letters[char]) for char in letters), default=1)
        readings.extend(_romanise_with(system, text, option) for option in range(options))
    return readings


@functools.cache
def _merged_cyrillic_system() -> _LetterSystem:
    """Every letter any table knows, with the first table's values: for texts mixing alphabets."""
    letters: dict[str, tuple[str, ...]] = {}
    for system in reversed(_rules().cyrillic_systems):
        letters.update(system.letters)
    return _LetterSystem(name="merged", letters=letters, initial={})


_icu_local = threading.local()


def _icu(transform_id: str, text: str) -> str:
    """ICU's transform of a text; one Transliterator per thread, as ICU's are not safe to share."""
    cache: dict[str, Any] = _icu_local.__dict__.setdefault("transforms", {})
    transform = cache.get(transform_id)
    if transform is None:
        transform = cache[transform_id] = icu.Transliterator.createInstance(transform_id)
    return str(transform.transliterate(text))


def _cyrillic_readings(text: str) -> list[str]:
    """CLDR's BGN/PCGN transforms (ICU) for each language whose alphabet holds every letter, then the
    tables ICU has no transform for (Tajik, ICAO passports, French, German, Polish and Serbian press forms,
    Ukrainian national 2010)."""
    rules = _rules()
    letters = {char for char in text if _script_of(char) is Script.cyrillic}
    readings = [
        normalise_apostrophes(_icu(system.transform_id, text))
        for system in rules.icu_cyrillic
        if letters <= system.alphabet
    ]
    readings += _system_readings(rules.cyrillic_systems, text, script=Script.cyrillic)
    if not readings:
        readings = _system_readings([_merged_cyrillic_system()], text, script=Script.cyrillic)
    return readings


def _abjad_readings(text: str) -> list[str]:
    """Arabic and Persian script (ISO 233 / ALA-LC letters by ICU's Arabic-Latin): long vowels are written,
    short ones are not. Waw and ya between letters are read as the vowels u and i; a leading article
    al- is also read without it."""
    rules = _rules()
    text = (text[:1].translate(rules.abjad_initial_letters) + text[1:]).translate(rules.abjad_letters)
    if rules.persian_marks & set(text):
        text = text.translate(rules.persian_letters)
    stripped = _clean_latin(_icu(rules.icu_arabic, text))
    vowelled = rules.abjad_long_vowels.sub(lambda m: "u" if m.group(0) == "w" else "i", stripped)
    readings = [vowelled]
    if text.startswith("\u0627\u0644") and len(vowelled) > 4:  # ال
        readings.insert(0, vowelled.removeprefix("a").removeprefix("l"))
    return readings


def is_abjad(text: str) -> bool:
    """Arabic-script text that is not Uyghur: its short vowels are not written."""
    return detect_script(text) is Script.arabic and not (_rules().uyghur_letters & set(text))


def unmix_scripts(word: str) -> str:
    """A word typed or read with letters of another script that look the same (Latin 'p' inside a Cyrillic
    word) in the script of most of its letters."""
    rules = _rules()
    scripts = [_script_of(char) for char in word]
    cyrillic, latin = scripts.count(Script.cyrillic), scripts.count(Script.latin)
    if not (cyrillic and latin):
        return word
    return word.translate(rules.homoglyphs_to_cyrillic if cyrillic >= latin else rules.homoglyphs_to_latin)


def romanise(part: str) -> tuple[str, ...]:
    """The usual Latin readings of one name part in any script, lower-case, most usual first, no repeats."""
    rules = _rules()
    part = unmix_scripts(part)
    script = detect_script(part)
    text = _lower_before_readings(part)
    if script is Script.cyrillic:
        readings = _cyrillic_readings(text)
    elif script is Script.arabic and rules.uyghur_letters & set(text):
        readings = _system_readings(rules.arabic_systems, text, script=script) or [anyascii(text)]
    elif script is Script.arabic:
        return tuple(dict.fromkeys(form for form in _abjad_readings(text) if form.strip("'")))
    elif script is Script.han:
        readings = [_icu(rules.icu_han, text).replace(" ", "")]
    elif script is Script.latin:
        readings = _latin_readings(part.translate(rules.ocr_digits))
    else:
        readings = [anyascii(text)]
    cleaned = [_clean_latin(reading) for reading in readings]
    for rule in rules.cross_language_readings:
        # Read with doubled letters single, as the skeleton will: 'Aauub' must read like 'Aub'.
        singles = [rules.latin_doubled_letters.sub(r"\1", form) for form in cleaned]
        cleaned += [
            rule.pattern.sub(value, single)
            for single in singles
            if rule.pattern.search(single)
            for value in rule.readings
        ]
    return tuple(dict.fromkeys(form for form in cleaned if form.strip("'")))


# --------------------------------------------------------------------------------------------- skeleton


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def skeleton_with_rules(form: str) -> tuple[str, tuple[str, ...]]:
    """A romanised part's skeleton, with the labels of the rules that changed it ('q/k', 'doubled letters')."""
    fired: list[str] = []
    key = form
    for rule in _rules().skeleton_rules:
        changed = rule.pattern.sub(rule.replacement, key)
        if changed != key:
            key = changed
            if rule.label not in fired:
                fired.append(rule.label)
    return key, tuple(fired)


def skeleton(form: str) -> str:
    """The lossy key under which the usual spellings of a romanised name part meet (Quvvatov, Kuvatov: kuvatov)."""
    return skeleton_with_rules(form)[0]


def swap_g_h(key: str) -> str:
    """A skeleton with h read as g, so Belarusian Hniot meets Russian Gnyot."""
    source, target = _rules().gh_swap
    return key.replace(source, target)


def gh_swap_label() -> str:
    return _rules().gh_swap_label


def consonants(key: str) -> str:
    """A skeleton without its vowels: what similar spellings must mostly share."""
    return key.translate(_rules().vowels_deleted)


def soundalike_class_key(key: str) -> str:
    """A skeleton's consonants with each class of letters that spell one sound in the region's alphabets
    as one letter (b p f v, d t, g k q, s z c): what a stem spelled another way keeps (Kurban, Qurbon;
    Sharip, Sharif)."""
    return consonants(key).translate(_rules().soundalike_classes)


def are_soundalike(a: str, b: str) -> bool:
    """Consonants one alphabet's spelling often swaps for the other's (b/p, d/t, s/z...)."""
    return frozenset((a, b)) in _rules().soundalikes


def is_feminine_form(key: str, of: str) -> bool:
    """Whether a given-name skeleton is the feminine form of another (Aziza of Aziz), not a spelling variant."""
    return any(key == of + ending for ending in _rules().feminine_given_endings)


def cheap_vowels(a: str, b: str) -> bool:
    """Vowels that spell one sound across the region's alphabets (Tajik and Uzbek o for Russian a, Azerbaijani
    ə as a or e, Arabic u or o, e or i): a different vowel otherwise makes another name (Nazar, Nazir)."""
    return frozenset((a, b)) in _rules().cheap_vowel_pairs


def ocr_variants(form: str) -> set[str]:
    """A romanised form with one OCR or typing confusion undone or made, either way (rn and m, cl and d,
    l and i): one of these is what the other spelling of the word reads as."""
    variants = set()
    for source, target in _rules().ocr_confusions:
        for a, b in ((source, target), (target, source)):
            start = form.find(a)
            while start != -1:
                variants.add(form[:start] + b + form[start + len(a) :])
                start = form.find(a, start + 1)
    return variants


def consonant_key(key: str) -> str:
    """A skeleton's consonants, doubles single and a final h dropped: what Arabic script writes (with ج as
    g or j, as Egypt and the Gulf say it)."""
    rules = _rules()
    key = rules.latin_doubled_letters.sub(r"\1", consonants(key).translate(rules.abjad_consonant_merges))
    return key[:-1] if len(key) > 2 and key.endswith("h") else key


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def pinyin_syllables(text: str) -> int:
    """How many Hanyu Pinyin syllables (ISO 7098) a Latin word divides into, or 0 when it is not pinyin. Only
    the first may start with a vowel ('er' aside), as transcriptions write no apostrophes: 'Saadi' is not."""
    word = fold_turkish(text).replace("'", "")
    rules = _rules()
    if not word.isascii() or not rules.pinyin_word.fullmatch(word):
        return 0
    return 1 + len(rules.pinyin_syllable.findall(word[1:]))


def pinyin_comparison_key(key: str, *, from_pinyin: bool) -> str:
    """The consonants a Chinese-character transcription of a Uyghur name keeps (Abuduwaili ~ Abduweli: bdvl):
    pinyin adds a vowel after every final consonant and writes s as x, p as f, and drops h."""
    rules = _rules()
    if from_pinyin:
        for pattern, replacement in rules.pinyin_to_latin:
            key = pattern.sub(replacement, key)
        key = skeleton(key)
    for pattern, replacement in rules.pinyin_comparison:
        key = pattern.sub(replacement, key)
    return rules.latin_doubled_letters.sub(r"\1", consonants(key))


# --------------------------------------------------------------------------------------------- name parts


@dataclass(frozen=True, slots=True, eq=False)
class NamePart:
    """One word of a name with its keys; parts are cached, so the same text gives the same object."""

    text: str
    script: Script
    forms: tuple[str, ...]  # romanised readings, most usual first
    keys: tuple[str, ...]  # distinct skeletons of the readings, most usual first
    key_rules: tuple[tuple[str, ...], ...]  # per key, the labels of the rules that made it
    given_name_groups: frozenset[int]
    gendered_stems: frozenset[str]  # 'kuvat|ov' for both Kuvvatov and Kuvvatova
    is_feminine_surname: bool
    patronymic_stem: str | None  # 'kabul' for Kabulovich: set when the part has a patronymic ending
    is_initial: bool  # one letter, or up to three before a dot ('T.', 'Sh.', 'Дж.')
    initial_letters: frozenset[str]  # an initial's keys and first letters, which a name part must start with
    reform_stems: frozenset[tuple[str, str]]  # ('kabir', 'ov') for Kabirov, ('kabir', 'i') for Kabiri
    consonant_keys: frozenset[str]  # 'hsn' for Hussein and حسين
    is_abjad: bool  # Arabic or Persian script: short vowels unwritten
    pinyin_syllables: int  # 0 unless the part is Chinese characters or reads as Hanyu Pinyin
    pinyin_keys: frozenset[str]  # a pinyin part's consonants as a Uyghur name's (pinyin_comparison_key)
    transcription_keys: frozenset[str]  # any part's consonants as a Chinese transcription keeps them
    ocr_keys: frozenset[str]  # skeletons with one OCR confusion undone or made (rn/m, cl/d, l/i)


@dataclass(frozen=True, slots=True, eq=False)
class ParsedName:
    text: str  # as recorded (a maiden-name variant keeps the recorded text)
    parts: tuple[NamePart, ...]  # what must match: articles, markers and patronymics left out
    patronymics: tuple[NamePart, ...]  # optional: a missing one never lowers a score
    is_pinyin: bool  # Chinese characters, or every part pinyin and one of three syllables or more


def _keys_of(forms: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each distinct skeleton of the readings, with the rules behind it; 'Alaraibi' also gives 'araibi'."""
    rules = _rules()
    keys: dict[str, tuple[str, ...]] = {}
    for form in forms:
        key, fired = skeleton_with_rules(form)
        keys.setdefault(key, fired)
    for key, fired in list(keys.items()):
        for article in rules.joined_articles:
            rest = key[len(article) :]
            if key.startswith(article) and len(rest) >= rules.joined_article_min_rest:
                keys.setdefault(rest, (f"article '{article}' joined", *fired))
    return {key: fired for key, fired in keys.items() if key}


@functools.cache
def _given_name_index() -> dict[str, frozenset[int]]:
    index: dict[str, set[int]] = {}
    for group_id, members in enumerate(_rules().given_name_groups):
        for member in members:
            for key in _keys_of(romanise(member.replace(" ", ""))):
                index.setdefault(key, set()).add(group_id)
    return {key: frozenset(ids) for key, ids in index.items()}


def given_name_group(group_id: int) -> tuple[str, ...]:
    """The names of one equivalence group (Bill, William, ...)."""
    return _rules().given_name_groups[group_id]


def _gendered_stem(key: str) -> tuple[str, bool] | None:
    """'kuvat|ov' and whether the form is feminine, for a surname with a gendered ending."""
    rules = _rules()
    for is_feminine in (True, False):
        for suffix in rules.gendered_suffixes:
            ending = suffix.feminine if is_feminine else suffix.masculine
            stem = key[: -len(ending)]
            if key.endswith(ending) and len(stem) >= rules.gendered_min_stem:
                return f"{stem}|{suffix.masculine}", is_feminine
    return None


def _patronymic_stem(keys: Iterable[str]) -> str | None:
    rules = _rules()
    for key in keys:
        for suffix in rules.patronymic_suffixes:
            stem = key[: -len(suffix)]
            if key.endswith(suffix) and len(stem) >= rules.patronymic_min_stem:
                return stem
    return None


def _reform_stems(keys: Iterable[str], primary_form: str) -> frozenset[tuple[str, str]]:
    """(stem, ending) of a surname under the Tajik and Uzbek surname reforms: -ov/-ev/-ova/-eva, -zoda,
    -zod and the nisba -i/-iy after a consonant are one family name (Kabirov, Kabiri; Rahimov, Rahimzoda).
    A Russian adjectival -y/-yy/-iy after a consonant (Navalny, Навальный) is not the nisba."""
    rules = _rules()
    russian_adjective = rules.russian_adjective_ending.search(primary_form) is not None
    stems = set()
    for key in keys:
        for ending in rules.reform_endings:
            stem = key[: -len(ending)]
            if not key.endswith(ending) or len(stem) < rules.reform_min_stem:
                continue
            if ending == "i" and (russian_adjective or stem[-1] in "aeiou"):
                break
            stems.add((stem, ending))
            break
    return frozenset(stems)


def _initial_letters(text: str, forms: tuple[str, ...]) -> frozenset[str]:
    """What a name part must start with to be the name an initial stands for: the skeleton of each
    reading as the start of a word ('Ш.' and 'Sh.': sh; 'Дж.': j; 'Е.': e), and for a one-letter initial
    for a Latin one-letter initial also the plain letter ('Y.' for Yevgeny)."""
    letters = {skeleton(form + ("o" if form.endswith("a") else "a"))[:-1] for form in forms}
    if len(text) == 1 and detect_script(text) is Script.latin:
        letters |= {form[0] for form in forms}
    return frozenset(letter for letter in letters if letter)


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def parse_part(text: str) -> NamePart:
    """One name part (a single word, any script) with its readings and keys; a trailing dot marks an
    initial ('T.', 'Sh.')."""
    rules = _rules()
    word = unmix_scripts(text.rstrip("."))
    forms = romanise(word)
    keys = _keys_of(forms)
    script = detect_script(word)
    short = len(word) <= rules.initial_max_letters
    vowelless = script in (Script.latin, Script.cyrillic) and not rules.vowel_letters & set(word.lower())
    is_initial = bool(keys) and (len(next(iter(keys))) == 1 or (short and (text.endswith(".") or vowelless)))
    syllables = 0
    if script is Script.han:
        syllables = len(word)
    elif script is Script.latin:
        syllables = pinyin_syllables(word)
    pinyin_keys = {pinyin_comparison_key(form, from_pinyin=True) for form in forms} if syllables else set()
    transcription_keys = {pinyin_comparison_key(key, from_pinyin=False) for key in keys}
    ocr_keys = {
        skeleton(variant)
        for form in forms
        if len(form) >= rules.ocr_min_length
        for variant in ocr_variants(form)
    } - set(keys)
    group_index = _given_name_index()
    groups = frozenset(group for key in keys for group in group_index.get(key, ()))
    gendered = [found for key in keys if (found := _gendered_stem(key)) is not None]
    return NamePart(
        text=text,
        script=script,
        forms=forms,
        keys=tuple(keys),
        key_rules=tuple(keys.values()),
        given_name_groups=groups,
        gendered_stems=frozenset(stem for stem, _ in gendered),
        is_feminine_surname=bool(gendered) and gendered[0][1],
        patronymic_stem=_patronymic_stem(keys),
        is_initial=is_initial,
        initial_letters=_initial_letters(word, forms) if is_initial else frozenset(),
        reform_stems=frozenset() if is_initial or not forms else _reform_stems(keys, forms[0]),
        consonant_keys=frozenset(consonant_key(key) for key in keys),
        is_abjad=script is Script.arabic and not (rules.uyghur_letters & set(word)),
        pinyin_syllables=syllables,
        pinyin_keys=frozenset(key for key in pinyin_keys if key),
        transcription_keys=frozenset(key for key in transcription_keys if key),
        ocr_keys=frozenset(key for key in ocr_keys if key),
    )


def _is_han(text: str) -> bool:
    return all(_script_of(char) is Script.han for char in text)


def split_name(name: str) -> tuple[str, ...]:
    """The words of a name: split on spaces, commas, hyphens, dots and the like, an abbreviated word keeping
    its dot ('Тохиров Т.А.' gives 'Тохиров', 'Т.', 'А.'); an unseparated Chinese name becomes surname (its
    first character) and given name."""
    rules = _rules()
    words: list[str] = []
    for chunk in rules.separators.split(name):
        for piece in rules.abbreviation.findall(chunk):
            letters = piece.rstrip(".")
            if letters:
                words.append(piece if len(letters) <= rules.initial_max_letters else letters)
    surname = rules.han_surname_characters
    if len(words) == 1 and _is_han(words[0]) and surname < len(words[0]) <= rules.han_max_unseparated:
        return (words[0][:surname], words[0][surname:])
    return tuple(words)


def name_variants(name: str) -> tuple[str, ...]:
    """A name with a maiden name in brackets or after née/урожд./geb. as the names it stands for: without
    it, with it in place of the word before it (the married surname), and with both."""
    rules = _rules()
    found = rules.maiden_name.search(name)
    if found is None:
        return (name,)
    maiden = found.group("bracketed") or found.group("marked") or ""
    maiden = rules.maiden_markers.sub(" ", maiden).strip()
    before, after = name[: found.start()].rstrip(), name[found.end() :]
    if not maiden or not before:
        return (name,)
    married = before.rsplit(maxsplit=1)
    replaced = " ".join([*married[:-1], maiden]) + after
    return tuple(dict.fromkeys((before + after, replaced, f"{before} {maiden}{after}")))


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def parse_name(name: str) -> ParsedName:
    """A full name as parts that must match and patronymics that may be missing. Roles, after OpenSanctions'
    rigour name tagging (given, family, patronymic): bin/ibn and oğlu/oʻgʻli/uulu/qizi mark a father's name;
    an ending like -ovich/-ovna/-uly marks a patronymic in a name of three parts or more; and in the CIS
    warrant form 'Surname I.P.' (or 'I.P. Surname') the second of two initials is the patronymic's, as is a
    lone initial after a given name and a surname ('Tokhirov Tokhir A.')."""
    rules = _rules()
    parts = [part for part in (parse_part(word) for word in split_name(name)) if part.keys]
    roles = ["name"] * len(parts)
    for i, part in enumerate(parts):
        key = part.keys[0]
        if len(parts) > 1 and key in rules.articles:
            roles[i] = "article"
        elif key in rules.nasab_markers and i + 1 < len(parts):
            roles[i], roles[i + 1] = "marker", "patronymic"
        elif key in rules.patronymic_markers_after and i > 0 and roles[i - 1] == "name":
            roles[i], roles[i - 1] = "marker", "patronymic"
    named = [i for i, role in enumerate(roles) if role == "name"]
    if len(named) < 2:  # "Azamat Bakyt uulu": the father's name is all the surname there is
        roles = ["name" if role == "patronymic" else role for role in roles]
    elif "patronymic" not in roles:
        initials = [i for i in named if parts[i].is_initial]
        runs = [i for i in initials if i - 1 in initials]
        full = len(named) - len(initials)
        ending_like_one = [
            i for i in named if parts[i].patronymic_stem is not None and not parts[i].is_initial
        ]
        if runs and full:
            roles[runs[0]] = "patronymic"
        elif initials and full >= 2:  # 'Tokhirov Tokhir A.'
            roles[initials[-1]] = "patronymic"
        elif ending_like_one and len(named) >= rules.patronymic_min_parts:
            roles[ending_like_one[-1]] = "patronymic"
    kept = tuple(p for p, role in zip(parts, roles, strict=True) if role == "name")
    is_pinyin = bool(kept) and (
        all(p.script is Script.han for p in kept)
        or (all(p.pinyin_syllables for p in kept) and max(p.pinyin_syllables for p in kept) >= 3)
    )
    return ParsedName(
        text=name,
        parts=kept,
        patronymics=tuple(p for p, role in zip(parts, roles, strict=True) if role == "patronymic"),
        is_pinyin=is_pinyin,
    )


def parse_names(name: str) -> tuple[ParsedName, ...]:
    """parse_name of each of name_variants, each keeping the name's recorded text."""
    variants = name_variants(name)
    if len(variants) == 1:
        return (parse_name(name),)
    return tuple(replace(parse_name(variant), text=name) for variant in variants)
