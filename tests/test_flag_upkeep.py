"""The upkeep of the derived indicator tables is installed by the entry points into the unit of work, never
hooked onto every Session by an import: each test runs a fresh interpreter, so what the test process
itself installed cannot hide a difference."""

import subprocess
import sys

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session

from app.db import unit_of_work
from app.keyring import Keyring
from app.services import flag_upkeep
from tests.conftest import SECRET

NO_LISTENER = """
import app.services
from app.services import flag, flag_records, flag_rules, flag_upkeep, person, notice, transfer
from sqlmodel import Session
from app import db
fresh = Session()
assert not len(fresh.dispatch.after_flush), "an import hooked every Session's flush"
assert not len(fresh.dispatch.before_commit), "an import hooked every Session's commit"
assert not db._UPKEEP, "an import installed the upkeep"
print("clean")
"""

ENTRY_POINT = """
import sys
from app.db import make_engine, unit_of_work
from app.keyring import Keyring
from app.main import create_app
from app.services import demo
from app.settings import Settings
url, secret = sys.argv[1:]
create_app(Settings(_env_file=None, database_url=url, secret_key=secret, interpol_url="http://127.0.0.1:9"))
engine = make_engine(url, writer=True, pooled=False)
with unit_of_work(engine, Keyring(secret.encode())) as session:
    demo.load(session)
with engine.connect() as connection:
    print(connection.exec_driver_sql("SELECT count(*) FROM person_flag").scalar())
engine.dispose()
"""


def _python(code: str, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_flag_modules_installs_nothing() -> None:
    assert _python(NO_LISTENER) == "clean"


def test_a_unit_of_work_of_an_entry_point_keeps_the_derived_tables(database_url: str) -> None:
    """`create_app` installs the upkeep: a unit of work of that process, on an engine of its own, recomputes
    the flags of what it writes (the demo cases hold flagged persons) before it commits."""
    assert int(_python(ENTRY_POINT, database_url, SECRET)) > 0


def test_the_upkeep_watches_units_of_work_only(db: sa.Engine, keyring: Keyring) -> None:
    flag_upkeep.install()
    flag_upkeep.install()  # twice changes nothing
    with unit_of_work(db, keyring) as session:
        assert event.contains(session, "after_flush", flag_upkeep._collect)
        assert len(session.dispatch.before_commit) == 1
    with Session(db) as plain:
        assert not len(plain.dispatch.after_flush)
        assert not len(plain.dispatch.before_commit)
