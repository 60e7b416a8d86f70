"""The person's page shows the newer facts read-only: place of birth, death, custody kinds, an unrecorded
end, case numbers, hearings and the state a challenge is against."""

from fastapi.testclient import TestClient

from app.models.token import Role
from tests.conftest import OrgTokens
from tests.factories import make_challenge, make_detention, make_extradition, make_notice, make_person
from tests.ui.conftest import plain_token, sign_in


def test_the_person_page_shows_the_new_facts(
    ui_client: TestClient, client: TestClient, org_a: OrgTokens
) -> None:
    person = make_person(client, org_a.editor, place_of_birth="Kulob", deceased_on="2015-03-05")
    make_detention(
        client,
        org_a.editor,
        person["id"],
        custody="house_arrest",
        court="Istanbul court",
        case_number="2014/991",
        other_bases=["immigration"],
    )
    make_notice(client, org_a.editor, person["id"], interpol_ref="A-1234/6-2015", case_number="No. 2-115")
    make_extradition(
        client,
        org_a.editor,
        person["id"],
        case_number="E-77",
        hearings=[{"on": "2015-02-10", "court": "Fatih court"}],
    )
    make_challenge(client, org_a.editor, person["id"], forum="echr", kind="appeal", respondent_state="TR")
    sign_in(ui_client, plain_token(org_a, Role.viewer))
    page = ui_client.get(f"/ui/persons/{person['id']}")
    assert page.status_code == 200, page.text
    text = page.text
    for shown in (
        "Place of birth",
        "Kulob",
        "Died",
        "2015-03-05",
        "house arrest",
        "Istanbul court, 2014/991",
        "A-1234/6-2015",
        "No. 2-115",
        "E-77",
        "2015-02-10 (Fatih court)",
        "against",
    ):
        assert shown in text, shown
    assert "by 2015-03-05" in text  # the open house arrest of a person who died: ended by that date
    assert "<form" not in text.split('id="detentions"')[1].split("</section>")[0]  # read-only
