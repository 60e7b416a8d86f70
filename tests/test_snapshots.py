"""The committed snapshot of every demo person's indicators and dossier, in English and Russian, is what
the code writes now: a change of wording shows in review as a change of `tests/data/snapshots/`."""

import difflib

from app.language import LANGUAGES
from app.services import demo as demo_service
from tests import snapshots


def test_the_snapshot_matches_what_the_code_writes() -> None:
    current = snapshots.render_all()
    committed = {
        path.relative_to(snapshots.SNAPSHOTS).as_posix(): path.read_text(encoding="utf-8")
        for path in snapshots.SNAPSHOTS.glob("*/*.md")
    }
    hint = f"If the change is intended, run `{snapshots.UPDATE_COMMAND}` and review the diff."
    assert sorted(current) == sorted(committed), f"files added or gone. {hint}"
    diffs = [
        "".join(
            difflib.unified_diff(
                committed[name].splitlines(keepends=True),
                current[name].splitlines(keepends=True),
                fromfile=f"committed {name}",
                tofile=f"current {name}",
            )
        )
        for name in sorted(current)
        if current[name] != committed[name]
    ]
    assert not diffs, "\n".join(diffs) + "\n" + hint


def test_the_snapshot_holds_every_demo_person_in_every_language() -> None:
    names = {snapshots.slug(case["person"]["name"]) for case in demo_service.cases()}
    for lang in LANGUAGES:
        assert {p.stem for p in (snapshots.SNAPSHOTS / lang).glob("*.md")} == names


def test_the_russian_snapshot_has_no_english_sentence_of_ours() -> None:
    """Our words are translated: the headings, labels and explanation templates never stay English (user
    text, such as notes and charges, does)."""
    for path in (snapshots.SNAPSHOTS / "ru").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        for english in (
            "## Chronology",
            "## Exhibits",
            "Prepared by",
            "Privileged",
            "## Indicators",
        ):
            assert english not in text, (path.name, english)
        assert "## Хронология" in text
        assert "Конфиденциально" in text
        flags = text.split("## flags")[1].split("## dossier")[0]
        for english in (" was ", " the ", " after ", " of "):
            assert english not in flags, (path.name, english)


def test_slugs_are_ascii() -> None:
    assert snapshots.slug("Doğan Akhanlı") == "dogan-akhanli"
    assert snapshots.slug("Umarali Kuvvatov") == "umarali-kuvvatov"
