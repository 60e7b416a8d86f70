"""The rules a dossier cites are data with their sources, and a dossier cites only those its facts engage."""

from fastapi.testclient import TestClient

from app.services import legal_rules
from tests.conftest import OrgTokens
from tests.factories import make_challenge, make_notice, make_person, make_protection

FACTS = {
    "always", "notice", "red_notice", "diffusion", "protection", "ccf_challenge", "ccf_revision",
    "ccf_provisional_measure", "extradition_refused", "security_charge", "economic_charge", "in_absentia",
    "article3_deletion", "incident",
}  # fmt: skip


def test_every_rule_has_both_languages_a_source_and_known_facts() -> None:
    rules = legal_rules.rules()
    assert len({r.id for r in rules}) == len(rules)
    for rule in rules:
        assert all((rule.title, rule.title_ru, rule.text, rule.text_ru)), rule.id
        assert rule.source_title, rule.id
        assert rule.source_url.startswith("https://"), rule.id
        assert rule.verified in ("primary", "secondary"), rule.id
        assert rule.engaged_by, rule.id
        assert rule.engaged_by <= FACTS, rule.id
    titles = " ".join(r.title for r in rules)
    assert "INTERPOL Constitution, Article 3" in titles
    assert "Statute of the CCF, Article 40" in titles


def test_rpd_article_83_is_never_said_to_cover_political_disputes() -> None:
    rule = next(r for r in legal_rules.rules() if r.id.startswith("rpd_art83_1_a_i"))
    assert "private disput" in rule.text
    assert "political disput" not in rule.text


def _rules_part(client: TestClient, org: OrgTokens, person_id: str) -> str:
    text: str = client.get(f"/api/v1/persons/{person_id}/dossier?format=markdown", headers=org.viewer).text
    return text[text.index("## The rules these indicators rest on") : text.index("## Exhibits")]


def test_a_dossier_cites_only_the_rules_its_facts_engage(client: TestClient, org_a: OrgTokens) -> None:
    diffused = make_person(client, org_a.editor, name="Ivan Petrov")
    make_notice(client, org_a.editor, diffused["id"], channel="diffusion")
    part = _rules_part(client, org_a, diffused["id"])
    assert "INTERPOL Constitution, Article 3" in part
    assert "Articles 97(2)" in part  # the diffusion rules (titles are ours: not escaped)
    assert "Article 83" not in part  # red notice conditions: no red notice here
    assert "GA-2017-86-RES-09" not in part
    assert "**INTERPOL's refugee policy.** Not engaged" in part
    assert "Statute of the CCF" not in part

    protected = make_person(client, org_a.editor, name="Farrukh Namunov")
    make_notice(client, org_a.editor, protected["id"])
    make_protection(client, org_a.editor, protected["id"])
    make_challenge(client, org_a.editor, protected["id"], kind="revision")
    part = _rules_part(client, org_a, protected["id"])
    assert "Article 83(1)(a)(i)" in part
    assert "GA-2017-86-RES-09" in part
    assert "Not engaged" not in part
    assert "Statute of the CCF, Article 42" in part
    assert "Statute of the CCF, Article 40" in part
    assert "www\\.interpol\\.int" in part  # every rule names its source
