"""Notice: any channel by which a state asks for the person, with its charges and status history."""

from collections.abc import Iterable, Sequence

from app.kinds.kind import Children, ExportTable, Fact, RecordKind, Shape
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
from app.models.state import state_name
from app.vocabulary import N_, capitalized, english


def _status_summary(
    notice: Notice, status: NoticeStatus, actor: StatusActor | None, reason: StatusReason | None
) -> str:
    what = f"{english('channel', notice.channel)} from {state_name(notice.requesting_state)}: {english('notice_status', status)}"
    if actor and actor != "unknown":
        what += f" by {english('actor', actor)}"
    if reason:
        what += f" ({english('reason', reason)})"
    return capitalized(what)


def facts(notice: Notice, changes: Sequence[NoticeStatusChange]) -> Iterable[Fact]:
    channel = english("channel", notice.channel)
    state = state_name(notice.requesting_state)
    ref = (notice.created_at, notice.id)
    if notice.requested_on:
        yield Fact(notice.requested_on, 0, *ref, "notice.requested", f"{state} requested a {channel}")
    if notice.issued_on:
        yield Fact(notice.issued_on, 1, *ref, "notice.issued", f"{capitalized(channel)} from {state} issued")
    initial_on = initial_date(notice.initial_status, notice.requested_on, notice.issued_on)
    if initial_on and notice.initial_status not in (NoticeStatus.requested, NoticeStatus.published):
        summary = _status_summary(notice, notice.initial_status, notice.status_actor, notice.status_reason)
        yield Fact(initial_on, 2, *ref, f"notice.status.{notice.initial_status.value}", summary)
    for change in ordered(changes):
        if change.on:
            summary = _status_summary(notice, change.status, change.actor, change.reason)
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
    involves=("requesting_state",),
    dated_by=("requested_on", "issued_on"),
    children=Children(NoticeStatusChange, parent="notice_id"),
    deferred=("note", "sources"),
)
