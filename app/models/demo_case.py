"""DemoCase: which bundled public case has been loaded as which person, so loading twice adds nothing."""

from sqlmodel import Field, SQLModel


class DemoCase(SQLModel, table=True):
    __tablename__ = "demo_case"

    org_id: str = Field(foreign_key="org.id", primary_key=True, max_length=36, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(foreign_key="person.id", max_length=36, ondelete="CASCADE")
