"""Notice: any channel by which a state asks for the person, with its charges and status history."""

from collections.abc import Iterable, Mapping, Sequence

from app.kinds.kind import Children, ExportTable, Fact, RecordKind, Shape
from app.language import ENGLISH, Prose
from app.models.notice import (
    ChargeIn,
    ChargePublic,
    Notice,
    NoticeCreate,
    NoticeStatus,
    NoticeStatusChange,
    StatusActor,
    StatusChangeIn,
    StatusEntry,
    StatusReason,
    initial_date,
    ordered,
)
from app.vocabulary import N_, capitalized


def _status_summary(
    said: Mapping[str, str],
    status: NoticeStatus,
    actor: StatusActor | None,
    reason: StatusReason | None,
    words: Prose = ENGLISH,
) -> str:
    """`said`: the notice's channel and state in `words`, named once for all its status changes."""
    what = words.gettext("{channel} from {state}: {status}").format(
        status=words.label("notice_status", status), **said
    )
    if actor and actor != "unknown":
        what += words.gettext(" by {actor}").format(actor=words.label("actor", actor))
    if reason:
        what += f" ({words.label('reason', reason)})"
    return capitalized(what)


def facts(notice: Notice, changes: Sequence[NoticeStatusChange], words: Prose = ENGLISH) -> Iterable[Fact]:
    said = {
        "channel": words.label("channel", notice.channel),
        "state": words.state_name(notice.requesting_state),
    }
    ref = (notice.created_at, notice.id)
    if notice.requested_on:
        text = capitalized(words.gettext("{state} requested a {channel}").format(**said))
        yield Fact(notice.requested_on, 0, *ref, "notice.requested", text)
    if notice.issued_on:
        text = capitalized(words.gettext("{channel} from {state} issued").format(**said))
        yield Fact(notice.issued_on, 1, *ref, "notice.issued", text)
    initial_on = initial_date(notice.initial_status, notice.requested_on, notice.issued_on)
    if initial_on and notice.initial_status not in (NoticeStatus.requested, NoticeStatus.published):
        summary = _status_summary(
            said, notice.initial_status, notice.status_actor, notice.status_reason, words
        )
        yield Fact(initial_on, 2, *ref, f"notice.status.{notice.initial_status.value}", summary)
    for change in ordered(changes):
        if change.on:
            summary = _status_summary(said, change.status, change.actor, change.reason, words)
            yield Fact(
                change.on,
                3 + change.position,
                change.recorded_at,
                notice.id,
                f"notice.status.{change.status.value}",
                summary,
            )


KIND = RecordKind(
    name="notice",
    model=Notice,
    label=N_("notice"),
    heading=N_("Notices"),
    icon="notice",
    reads=frozenset({"notice.read", "notice.listed"}),
    writes=frozenset(
        {"notice.created", "notice.updated", *(f"notice.status.{status.value}" for status in NoticeStatus)}
    ),
    listed="notice.listed",
    export=(
        ExportTable("notice", owner="person_id", shapes=(Shape(NoticeCreate, {"status": "initial_status"}),)),
        ExportTable("charge", owner="notice_id", shapes=(Shape(ChargeIn), Shape(ChargePublic))),
        ExportTable(
            "notice_status_change", owner="notice_id", shapes=(Shape(StatusChangeIn), Shape(StatusEntry))
        ),
    ),
    facts=facts,
    fact_columns=(
        "id",
        "created_at",
        "channel",
        "requesting_state",
        "requested_on",
        "issued_on",
        "initial_status",
        "status_actor",
        "status_reason",
    ),
    involves=("requesting_state",),
    dated_by=("requested_on", "issued_on"),
    children=Children(
        NoticeStatusChange,
        parent="notice_id",
        fact_columns=("status", "on", "actor", "reason", "recorded_at", "position"),
    ),
    deferred=("note", "sources"),
)
