"""Content negotiation: which of the dossier's formats an Accept header asks for (the HTTP side of
`app.models.dossier`, whose formats, media types and file suffixes are data), and which language an
Accept-Language header asks for (`app.language`)."""

from typing import Annotated

from fastapi import Depends, Header, Response

from app import language
from app.language import Prose
from app.models.dossier import MEDIA_TYPE, DossierFormat

# The media ranges each format answers, most specific first; JSON also answers `*/*` and no Accept at all.
_ACCEPTS = {
    DossierFormat.json: ("application/json", "application/*", "*/*"),
    DossierFormat.markdown: ("text/markdown", "text/*"),
    DossierFormat.pdf: ("application/pdf",),
    DossierFormat.docx: (MEDIA_TYPE[DossierFormat.docx],),
}


def preferred_format(accept: str) -> DossierFormat | None:
    """The format the Accept header ranks highest (ties: JSON, Markdown, PDF, DOCX, in that order); JSON
    when there is no Accept header; None when it accepts none of the four (the route answers 406)."""
    if not accept.strip():
        return DossierFormat.json
    quality = dict.fromkeys(DossierFormat, 0.0)
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        q = next((float(p[2:]) for p in params if p.startswith("q=") and _number(p[2:])), 1.0)
        for kind, names in _ACCEPTS.items():
            if media.lower() in names:
                quality[kind] = max(quality[kind], q)
    best = max(DossierFormat, key=lambda kind: quality[kind])  # the first of the highest
    return best if quality[best] > 0 else None


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


ACCEPT_LANGUAGE = (
    "The language of the explanations and texts: `ru` for Russian when the header prefers it "
    "(`ru`, `ru-RU`, `ru;q=0.9, en;q=0.8`), English otherwise. The answer names it in `Content-Language` "
    "and carries `Vary: Accept-Language`."
)


async def reader_language(
    response: Response,
    accept_language: Annotated[str | None, Header(description=ACCEPT_LANGUAGE)] = None,
) -> Prose:
    """The reader's language from Accept-Language (English unless `ru` is preferred), named in the answer.
    No I/O (a language's catalog is read once, then cached): `async`, so it runs on the event loop rather
    than costing a worker thread's hand-off."""
    prose = language.prose(language.negotiate(accept_language))
    response.headers.update(language_headers(prose))
    return prose


def language_headers(prose: Prose) -> dict[str, str]:
    """`Content-Language` and `Vary: Accept-Language`, for a route that builds its own Response."""
    return {"Content-Language": prose.lang, "Vary": "Accept-Language"}


ReaderLanguage = Annotated[Prose, Depends(reader_language)]
