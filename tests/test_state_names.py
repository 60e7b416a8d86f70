"""States as prose names them: short names, never an index entry, with "the" where English puts it."""

from app.models.state import state_in_prose, state_name, states_possessive


def test_names_read_as_prose() -> None:
    assert state_name("CD") == "Democratic Republic of the Congo"
    assert state_name("FM") == "Micronesia"
    assert state_name("TJ") == "Tajikistan"
    assert state_name("XK") == "Kosovo"
    assert not [code for code in ("CD", "FM", "PS", "VG", "VI") if "," in state_name(code)]


def test_articles_and_possessives() -> None:
    assert state_in_prose("RU") == "the Russian Federation"
    assert state_in_prose("GB") == "the United Kingdom"
    assert state_in_prose("NL") == "the Netherlands"
    assert state_in_prose("BY") == "Belarus"
    assert states_possessive("RU") == "the Russian Federation's"
    assert states_possessive("TJ") == "Tajikistan's"
