"""Challenge: a request to a forum (the CCF, a court, a UN body) about the person's data or case."""

from collections.abc import Iterable, Sequence

from app.kinds.kind import Children, ExportTable, Fact, RecordKind, Shape
from app.language import ENGLISH, Prose
from app.models.challenge import Challenge, ChallengeCreate, ChallengeEvent, EventIn, EventPublic, EventType
from app.vocabulary import N_, capitalized


def facts(challenge: Challenge, events: Sequence[ChallengeEvent], words: Prose = ENGLISH) -> Iterable[Fact]:
    what = words.gettext("{forum} {kind} request").format(
        forum=words.label("forum", challenge.forum), kind=words.label("challenge_kind", challenge.kind)
    ) + (f" {challenge.reference}" if challenge.reference else "")
    for event in events:
        text = f"{capitalized(what)}: {words.label('event_type', event.type)}"
        if event.outcome:
            text += words.gettext(", outcome {outcome}").format(outcome=words.label("outcome", event.outcome))
        if event.reason:
            text += f" ({words.label('reason', event.reason)})"
        yield Fact(
            event.on, event.position, event.recorded_at, challenge.id, f"challenge.{event.type.value}", text
        )


KIND = RecordKind(
    name="challenge",
    model=Challenge,
    label=N_("challenge"),
    heading=N_("Challenges"),
    icon="challenge",
    reads=frozenset({"challenge.read", "challenge.listed"}),
    writes=frozenset(
        {"challenge.created", "challenge.updated", *(f"challenge.{event.value}" for event in EventType)}
    ),
    listed="challenge.listed",
    export=(
        ExportTable("challenge", owner="person_id", shapes=(Shape(ChallengeCreate),)),
        ExportTable("challenge_event", owner="challenge_id", shapes=(Shape(EventIn), Shape(EventPublic))),
    ),
    facts=facts,
    fact_columns=("id", "forum", "kind", "reference"),
    dated_by=("filed_on",),
    children=Children(
        ChallengeEvent,
        parent="challenge_id",
        fact_columns=("type", "on", "outcome", "reason", "recorded_at", "position"),
    ),
    deferred=("summary", "sources"),
)
