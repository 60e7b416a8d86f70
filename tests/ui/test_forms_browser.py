"""The forms in a real browser with JavaScript turned off, in Russian: a client with a Cyrillic name
(a bad date first), a red notice, a detention, its release, and the release date corrected. Screenshots
go to test-artifacts/ui/ with the other pages'."""

import re

import pytest
from playwright.sync_api import Browser, expect

from app.models.token import Role
from tests.ui.browser import Watched
from tests.ui.conftest import Demo

pytestmark = [pytest.mark.slow, pytest.mark.browser]

NAME = re.compile(r"^Имя( |$)")  # "Имя (обязательно)"; JavaScript's \b knows no Cyrillic


def test_an_intake_with_javascript_off_in_russian(browser: Browser, origin: str, demo: Demo) -> None:
    tab = Watched(
        browser, origin, viewport={"width": 1100, "height": 900}, locale="ru-RU", java_script_enabled=False
    )
    page = tab.page
    page.goto(f"{origin}/ui/login")
    page.get_by_label("Токен доступа").fill(demo.tokens[Role.editor])
    page.get_by_role("button", name="Войти с токеном").click()
    page.get_by_role("link", name="Добавить человека").click()
    page.get_by_label(NAME).fill("Далер Каримов")
    page.get_by_label("Дата рождения").fill("14.03.1979")
    page.get_by_role("button", name="Добавить человека").click()
    expect(page.get_by_role("alert")).to_contain_text("Введите дату в виде 2016, 2016-03 или 2016-03-14.")
    expect(page.get_by_label(NAME)).to_have_value("Далер Каримов")
    tab.shot("forms-01-bad-date-ru")
    page.get_by_label("Дата рождения").fill("1979-03-14")
    page.get_by_role("button", name="Добавить человека").click()
    expect(page.get_by_role("status")).to_contain_text("Сохранено: человек добавлен.")
    person_url = page.url.split("?", 1)[0]

    page.get_by_role("link", name="Добавить уведомление или запрос").click()
    page.get_by_label("Канал").select_option("red_notice")
    page.get_by_label("Запрашивающее государство").select_option("TJ")
    page.get_by_label("Дата выпуска").fill("2016-02-22")
    page.get_by_label("Обвинение", exact=True).fill("Экстремизм (ст. 307 УК РТ)")
    tab.shot("forms-02-notice-ru")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("status")).to_contain_text("Сохранено: запись добавлена.")

    page.get_by_role("link", name="Добавить задержание").click()
    page.get_by_label("Государство пребывания").select_option("DE")
    page.get_by_label("Уведомление", exact=True).select_option(index=1)
    page.get_by_label("Дата задержания").fill("2016-05-10")
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_role("link", name="Записать освобождение").click()
    page.get_by_label("Дата освобождения").fill("2016-06-01")
    page.get_by_label(re.compile(r"^Причина освобождения( |$)")).select_option("extradition_refused")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("status")).to_contain_text("Сохранено: событие записано.")

    page.goto(person_url)
    page.locator("#detentions").get_by_role("link", name="Исправить").first.click()
    page.get_by_label("Дата освобождения").fill("2016-06-03")
    tab.shot("forms-03-correct-release-ru")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("status")).to_contain_text("Сохранено: исправление внесено.")
    expect(page.locator("#detentions")).to_contain_text("2016-06-03")
    tab.shot("forms-04-person-ru")
    tab.assert_stayed_home()
