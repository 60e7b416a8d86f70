"""Russian on the API (Accept-Language): the indicators' explanations and the dossier in every format,
with `Content-Language` and `Vary: Accept-Language`; English stays the default. And the words
themselves: months at month precision, the three plural forms, state names in the nominative."""

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.keyring import Keyring
from app.language import Prose, from_accept_language, negotiate, prose
from app.models.fuzzy_date import FuzzyDate
from tests.conftest import OrgTokens
from tests.factories import make_incident, make_notice, make_person
from tests.test_dossier_formats import DOCX, PDF, demo_person, docx_text, pdf_text

RU = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}


def test_accept_language_picks_russian_only_when_preferred() -> None:
    assert negotiate("ru") == "ru"
    assert negotiate("ru-RU, en;q=0.5") == "ru"
    assert negotiate("de, ru;q=0.5") == "ru"  # German is not offered: Russian is the first we speak
    assert negotiate("en, ru;q=0.5") == "en"
    assert negotiate("fr") == "en"
    assert negotiate(None) == "en"
    assert negotiate("ru;q=0") == "en"
    assert negotiate("ru;q=abc, en") == "en"
    assert from_accept_language("x" * 10_000) is None


def test_russian_words_months_plurals_and_states() -> None:
    ru = prose("ru")
    assert ru.when(FuzzyDate("2016-03")) == "в марте 2016 года"
    assert ru.when(FuzzyDate("2013")) == "в 2013 году"
    assert ru.when(FuzzyDate("2016-03-05")) == "2016-03-05"
    assert ru.in_words(FuzzyDate("2016-02-22")) == "22 февраля 2016 года"
    assert ru.when(None) == "(дата не указана)"
    days = {
        n: ru.ngettext("{count} day", "{count} days", n).format(count=n) for n in (1, 2, 5, 11, 21, 22, 111)
    }
    assert days == {
        1: "1 день",
        2: "2 дня",
        5: "5 дней",
        11: "11 дней",
        21: "21 день",
        22: "22 дня",
        111: "111 дней",
    }
    assert ru.state("RU") == "Россия"
    assert ru.state("TJ") == "Таджикистан"
    assert ru.state("GB") == "Великобритания"
    assert ru.label("channel", "red_notice") == "красное уведомление"
    assert ru.label("channel", "diffusion") == "диффузия"
    assert ru.label("forum", "ccf") == "ККФ"
    assert ru.join(["а", "б", "в"]) == "а, б и в"
    english = Prose()
    assert english.when(FuzzyDate("2016-03")) == "in March 2016"
    assert english.state("RU") == "the Russian Federation"
    assert english.ngettext("{count} day", "{count} days", 1).format(count=1) == "1 day"


def test_flags_in_russian_when_asked(client: TestClient, db: sa.Engine, keyring: Keyring) -> None:
    pid, headers = demo_person(client, db, keyring, "Umarali Kuvvatov")
    english = client.get(f"/api/v1/persons/{pid}/flags", headers=headers)
    assert english.headers["content-language"] == "en"
    assert "accept-language" in english.headers["vary"].lower()
    russian = client.get(f"/api/v1/persons/{pid}/flags", headers={**headers, **RU})
    assert russian.status_code == 200
    assert russian.headers["content-language"] == "ru"
    assert "accept-language" in russian.headers["vary"].lower()
    en_items, ru_items = english.json()["items"], russian.json()["items"]
    # The same indicators, evidence and codes: only the explanations change language.
    assert [(f["code"], f["requesting_state"], f["evidence"]) for f in ru_items] == [
        (f["code"], f["requesting_state"], f["evidence"]) for f in en_items
    ]
    by_code = {f["code"]: f["explanation"] for f in ru_items}
    assert by_code["refugee_protection"].startswith(
        "У лица имеется: ходатайство о предоставлении убежища, поданное в стране пребывания (Турция) "
        "в декабре 2014 года; защита предоставлена от запрашивающего государства — Таджикистан."
    )
    assert by_code["escalation"].startswith(
        "Убийство (место — Турция), 2015-03-05; приписывается государству: Таджикистан"
    )
    assert {f["code"]: f["explanation"] for f in en_items}["refugee_protection"].startswith(
        "The person has an asylum application lodged in Türkiye in December 2014, against Tajikistan"
    )


def test_dossier_markdown_in_russian(client: TestClient, db: sa.Engine, keyring: Keyring) -> None:
    pid, headers = demo_person(client, db, keyring, "Umarali Kuvvatov")
    answer = client.get(f"/api/v1/persons/{pid}/dossier?format=markdown", headers={**headers, **RU})
    assert answer.headers["content-language"] == "ru"
    assert "accept-language" in answer.headers["vary"].lower()
    text = answer.text
    for words in (
        "# Досье: Umarali Kuvvatov",
        "**Конфиденциальность:** Конфиденциально; охраняется адвокатской тайной",
        "**Язык:** Русский",
        "запись журнала аудита №",
        "## Хронология",
        "### Дата неизвестна",
        "## Приложения",
        "## Нормы, на которых основаны индикаторы",
        "Устав МОУП–Интерпол, статья 3",
        "### Таджикистан (TJ)",
    ):
        assert words in text, words
    assert "Privileged" not in text
    assert "## Chronology" not in text
    json_answer = client.get(f"/api/v1/persons/{pid}/dossier", headers={**headers, **RU})
    assert json_answer.headers["content-language"] == "ru"
    flags = json_answer.json()["flags"]
    assert flags
    assert all("Таджикистан" in f["explanation"] for f in flags)


def test_dossier_pdf_and_docx_in_russian(client: TestClient, db: sa.Engine, keyring: Keyring) -> None:
    pid, headers = demo_person(client, db, keyring, "Umarali Kuvvatov")
    for accept, extract in ((PDF, pdf_text), (DOCX, docx_text)):
        answer = client.get(f"/api/v1/persons/{pid}/dossier", headers={**headers, **RU, "Accept": accept})
        assert answer.status_code == 200
        assert answer.headers["content-language"] == "ru"
        text = extract(answer.content)
        for words in ("Досье", "Конфиденциально", "Хронология", "Приложения", "Таджикистан", "Интерпол"):
            assert words in text, (accept, words)
        assert "Privileged and confidential" not in text
        assert "Chronology" not in text
    english = client.get(f"/api/v1/persons/{pid}/dossier", headers={**headers, "Accept": PDF})
    assert english.headers["content-language"] == "en"
    assert "Privileged and confidential" in pdf_text(english.content)


def test_history_in_russian_when_asked(client: TestClient, db: sa.Engine, keyring: Keyring) -> None:
    pid, headers = demo_person(client, db, keyring, "Umarali Kuvvatov")
    russian = client.get(f"/api/v1/persons/{pid}/history", headers={**headers, **RU})
    assert russian.headers["content-language"] == "ru"
    assert "accept-language" in russian.headers["vary"].lower()
    summaries = [e["summary"] for e in russian.json()["events"]]
    assert (
        "Задержание; страна пребывания — Турция (Istanbul); запрашивающее государство — Таджикистан"
        in summaries[4]
    )
    assert "Убийство (место — Турция); приписывается государству: Таджикистан (предположительно)" in summaries
    english = client.get(f"/api/v1/persons/{pid}/history", headers=headers)
    assert english.headers["content-language"] == "en"
    assert [e["type"] for e in english.json()["events"]] == [e["type"] for e in russian.json()["events"]]
    assert "Assassination in Türkiye, attributed to Tajikistan (alleged)" in [
        e["summary"] for e in english.json()["events"]
    ]


def test_one_day_of_custody_is_one_day(client: TestClient, db: sa.Engine, keyring: Keyring) -> None:
    """The history's custody counts take the number's plural form: "after 1 day", never "after 1 days"."""
    pid, headers = demo_person(client, db, keyring, "Doğan Akhanlı")
    english = [
        e["summary"] for e in client.get(f"/api/v1/persons/{pid}/history", headers=headers).json()["events"]
    ]
    assert "Released in Spain after 1 day (other, under travel ban)" in english
    russian = client.get(f"/api/v1/persons/{pid}/history", headers={**headers, **RU}).json()["events"]
    assert (
        "Освобождение; страна пребывания — Испания; под стражей 1 день (другое, условия: запрет на выезд)"
        in [e["summary"] for e in russian]
    )


def test_every_translation_fills_only_the_fields_its_english_names() -> None:
    """A Russian sentence naming a field its English message does not give would fail only in Russian
    (KeyError at `.format`); one dropping a field would drop a fact. Every field of the English is kept,
    except a count the Russian singular need not repeat."""
    from babel.messages.pofile import read_po

    from app.language import LOCALE_DIR

    field = re.compile(r"\{(\w+)\}")
    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    checked = 0
    for message in catalog:
        ids = [str(i) for i in message.id] if isinstance(message.id, tuple | list) else [str(message.id)]
        strings = (
            [str(s) for s in message.string]
            if isinstance(message.string, tuple | list)
            else [str(message.string)]
        )
        named = set().union(*(field.findall(i) for i in ids))
        if not named:
            continue
        checked += 1
        for text in strings:
            found = set(field.findall(text))
            assert found <= named, (message.id, text)
            assert named - found <= {"count"}, (message.id, text)
    assert checked > 80


def _ru_flags(client: TestClient, headers: dict[str, str], pid: str) -> dict[tuple[str, str], str]:
    answer = client.get(f"/api/v1/persons/{pid}/flags", headers={**headers, **RU})
    assert answer.headers["content-language"] == "ru"
    return {(f["code"], f["requesting_state"]): f["explanation"] for f in answer.json()["items"]}


def test_the_indicators_the_demo_lacks_in_russian(client: TestClient, org_a: OrgTokens) -> None:
    """Repeat after a refusal, a switch of channel, mobility controls and group targeting, in Russian."""
    pid = make_person(
        client, org_a.editor, name="Flag Subject", categories=["journalist"], affiliations=["IRPT"]
    )["id"]
    first = make_notice(client, org_a.editor, pid, requesting_state="RU", requested_on="2013")
    changed = client.post(
        f"/api/v1/notices/{first['id']}/status",
        json={"status": "deleted", "on": "2013-10", "actor": "ccf", "reason": "article_3"},
        headers=org_a.editor,
    )
    assert changed.status_code == 200, changed.text
    make_notice(client, org_a.editor, pid, requesting_state="RU", channel="diffusion", issued_on="2018-05-30")
    make_notice(client, org_a.editor, pid, requesting_state="TR", channel="sltd_passport")
    make_incident(
        client, org_a.editor, pid, kind="passport_cancellation", perpetrator_state="TR", occurred_on="2016-03"
    )
    make_notice(client, org_a.editor, pid, requesting_state="TJ", requested_on="2016-01")
    for name, on in (("Member B", "2016-03"), ("Member C", "2016-07")):
        other = make_person(client, org_a.editor, name=name, affiliations=["irpt"])["id"]
        make_notice(client, org_a.editor, other, requesting_state="TJ", requested_on=on)
    found = _ru_flags(client, org_a.viewer, pid)
    assert found[("repeat_after_refusal", "RU")] == (
        "Запрашивающее государство — Россия. Прежний запрос: красное уведомление от 2013, статус «удалён» "
        "в октябре 2013 года. Новый запрос: диффузия от 2018-05-30."
    )
    assert found[("channel_switch", "RU")] == (
        "Запрашивающее государство — Россия. Прежний запрос: красное уведомление, статус «удалён» в октябре "
        "2013 года. Затем использован другой канал: диффузия от 2018-05-30."
    )
    assert found[("mobility_controls", "TR")] == (
        "Ограничения на передвижение лица: аннулирование паспорта государством: Турция в марте 2016 года и "
        "запись в базе SLTD об утраченном или похищенном паспорте; государство — Турция."
    )
    assert found[("group_targeting", "TJ")].startswith(
        "В отношении 3 лиц с общей принадлежностью («IRPT»), включая данное лицо, имеются уведомления "
        "запрашивающего государства (Таджикистан), датированные в пределах 730 дней друг от друга: "
        "красное уведомление от 2016-01 — в отношении данного лица; ещё 2 лица, учтённых этой организацией."
    )
    for text in found.values():
        assert not re.search(r"\b(the|was|after|of|on)\b", text), text
