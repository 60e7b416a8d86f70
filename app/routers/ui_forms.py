"""What every form route of the web interface shares: the posted form read as it arrives, the writer's
role and the CSRF field checked before anything else."""

from typing import Annotated

from fastapi import Depends, Request

from app.models.token import Principal
from app.ui import forms
from app.ui.auth import Reader
from app.ui.forms import Raw

MAX_FIELDS = 2000


async def _posted(request: Request) -> Raw:
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    return forms.raw_of(form)


def _writer(principal: Reader) -> Principal:
    """Editors and admins write; a viewer gets a 403 page (and sees no form to begin with)."""
    forms.check_writer(principal)
    return principal


def _posting_writer(request: Request, principal: Reader, raw: Annotated[Raw, Depends(_posted)]) -> Principal:
    forms.check_writer(principal)
    forms.check_csrf(getattr(request.state, "ui_session", None), raw)
    return principal


Posted = Annotated[Raw, Depends(_posted)]
Writer = Annotated[Principal, Depends(_writer)]
PostingWriter = Annotated[Principal, Depends(_posting_writer)]
