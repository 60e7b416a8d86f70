"""The indicators (contract section 10): one pure function per code over a person's loaded records, each
naming its evidence. No session and no database here: what they read, `app.services.flag_records` loads.

A flag is evidence for a lawyer, never a legal conclusion: each explanation names the dates, states,
courts and channels behind it, and lists the records. Fuzzy dates compare by the first day of their
period. The same functions feed the pooled state figures, through the derived tables that
`app.services.flag_upkeep` keeps.
"""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.language import ENGLISH, Prose
from app.models.detention import Detention, DetentionStatus
from app.models.extradition import POLITICAL_GROUNDS, Decision, Extradition, Ground
from app.models.flag import SEVERITY, Evidence, Flag, FlagCode
from app.models.fuzzy_date import FuzzyDate
from app.models.incident import AGAINST_RELATIVES, Incident, IncidentKind
from app.models.notice import Channel, Charge, ChargeCategory, Notice, NoticeStatus, StatusEntry
from app.models.person import Person, PersonCategory
from app.models.protection import Protection, ProtectionKind
from app.vocabulary import N_, capitalized

PROTECTING = frozenset(
    {
        ProtectionKind.asylum_applied,
        ProtectionKind.refugee_status,
        ProtectionKind.subsidiary_protection,
        ProtectionKind.humanitarian,
        ProtectionKind.unhcr_mandate,
    }
)
NONCOMPLIANT_STATUSES = frozenset({NoticeStatus.refused, NoticeStatus.cancelled, NoticeStatus.deleted})
NONCOMPLIANT_REASONS = frozenset({"article_2", "article_3", "refugee_policy"})
ENDED_STATUSES = frozenset(
    {NoticeStatus.refused, NoticeStatus.cancelled, NoticeStatus.withdrawn, NoticeStatus.deleted}
)
ESCALATING = frozenset(
    {
        IncidentKind.abduction,
        IncidentKind.rendition,
        IncidentKind.enforced_disappearance,
        IncidentKind.assassination,
        IncidentKind.attempted_assassination,
    }
)
SECURITY_CATEGORIES = frozenset(
    {
        ChargeCategory.terrorism,
        ChargeCategory.extremism,
        ChargeCategory.separatism,
        ChargeCategory.public_order,
        ChargeCategory.speech,
    }
)
DISSIDENT_CATEGORIES = frozenset(
    {
        PersonCategory.opposition,
        PersonCategory.journalist,
        PersonCategory.activist,
        PersonCategory.former_insider,
    }
)
TRAVEL_WINDOW_DAYS = 60
GROUP_SPAN_DAYS = 730
GROUP_MIN_PERSONS = 3


# What the indicators read of each kind's records besides their id and person: all that one person's read
# of their flags loads (`flag_records.load_one`, rows without these raise), with the model's own
# properties over them (`Notice.date`, `Detention.custody_days`). A notice's initial status, actor,
# reason and creation time make the first entry of its history (`notice.history`).
COLUMNS_READ: dict[str, tuple[str, ...]] = {
    "protection": ("kind", "host_state", "against_state", "since"),
    "notice": (
        "channel",
        "requesting_state",
        "requested_on",
        "issued_on",
        "initial_status",
        "status_actor",
        "status_reason",
        "created_at",
        "in_absentia",
    ),
    "detention": (
        "host_state",
        "requesting_state",
        "detained_on",
        "status",
        "released_on",
        "surrendered_on",
        "release_conditions",
        "custody",
    ),
    "extradition": ("requesting_state", "requested_state", "court", "decision", "decided_on", "grounds"),
    "incident": ("kind", "perpetrator_state", "host_state", "occurred_on", "certainty"),
}


@dataclass
class NoticeFacts:
    notice: Notice
    history: list[StatusEntry]
    charges: list[Charge]
    ccf_deleted_by: list[str] = field(
        default_factory=list
    )  # ids of CCF challenges on it that ended `deleted`

    @property
    def date(self) -> FuzzyDate | None:
        return self.notice.date


@dataclass
class GroupNotice:
    on: date
    person_id: str
    org_id: str
    notice_id: str


class GroupNotices(list[GroupNotice]):
    """One group's dated notices on one state's request, in `_group_order`, each member's dates found once:
    a rebuild asks the same list about every member, and at a million persons a group holds thousands of
    notices (a scan of the whole list per member made the rebuild quadratic in the group's size)."""

    _dates: dict[str, list[date]] | None = None

    def dates_of(self, person_id: str) -> list[date]:
        if self._dates is None:
            self._dates = defaultdict(list)
            for g in self:
                self._dates[g.person_id].append(g.on)
        return self._dates.get(person_id, [])


@dataclass(frozen=True)
class GroupWindow:
    """What `group_targeting` says of a group's window: how many persons it holds (this one included), the
    other persons in it that this person's organisation recorded, and this person's notices in it (in
    `_group_order`). `flag_records` gets it from the database for a large group, or `window_facts` from
    the window's notices."""

    persons: int
    colleagues: list[str]
    notice_ids: list[str]


def window_facts(window: list[GroupNotice], person: Person) -> GroupWindow:
    colleagues = {g.person_id for g in window if g.org_id == person.org_id} - {person.id}
    return GroupWindow(
        persons=len({g.person_id for g in window}),
        colleagues=sorted(colleagues),
        notice_ids=[g.notice_id for g in window if g.person_id == person.id],
    )


@dataclass
class Records:
    """Everything the indicators of one person look at: their records as the session's objects
    (`flag_records.load`) or, for one person's read, as rows of the `COLUMNS_READ` (`load_one`)."""

    person: Person
    protections: list[Protection] = field(default_factory=list)
    notices: list[NoticeFacts] = field(default_factory=list)
    detentions: list[Detention] = field(default_factory=list)
    extraditions: list[Extradition] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    relatives: dict[str, str] = field(default_factory=dict)  # related person id -> relation, either direction
    relatives_states: dict[str, list[tuple[str, str, str]]] = field(
        default_factory=dict
    )  # state -> (kind, id, person)
    # affiliation key -> state -> dated notices of every member (pooled across organisations)
    groups: dict[str, dict[str, list[GroupNotice]]] = field(default_factory=dict)
    # (affiliation key, state) -> the window found by the database instead (large groups, one person's read)
    windows: dict[tuple[str, str], GroupWindow] = field(default_factory=dict)
    affiliation_names: dict[str, str] = field(
        default_factory=dict
    )  # key -> the name as this person's record has it

    def states(self) -> list[str]:
        """The states in a (person, state) pair with this person."""
        found = {n.notice.requesting_state for n in self.notices}
        found |= {d.requesting_state for d in self.detentions}
        found |= {e.requesting_state for e in self.extraditions}
        found |= {i.perpetrator_state for i in self.incidents}
        return sorted(found)

    def notices_from(self, state: str) -> list[NoticeFacts]:
        return [n for n in self.notices if n.notice.requesting_state == state]


def _ev(kind: str, id_: str) -> Evidence:
    return Evidence(kind=kind, id=id_)


def _flag(
    code: FlagCode, state: str, explanation: str, evidence: Iterable[Evidence], notice_id: str | None = None
) -> Flag:
    unique = list({(e.kind, e.id): e for e in evidence}.values())
    return Flag(
        code=code,
        severity=SEVERITY[code],
        requesting_state=state,
        notice_id=notice_id,
        explanation=explanation,
        evidence=unique,
    )


def _channel(notice: Notice, p: Prose = ENGLISH) -> str:
    return p.label("channel", notice.channel)


def _notice_label(notice: Notice, p: Prose = ENGLISH) -> str:
    if notice.date:
        return p.gettext("the {channel} of {date}").format(channel=_channel(notice, p), date=notice.date)
    return p.gettext("the {channel} (undated)").format(channel=_channel(notice, p))


def _and(items: Sequence[str], p: Prose = ENGLISH) -> str:
    return p.join(list(items))


def _when(day: FuzzyDate | None, p: Prose = ENGLISH) -> str:
    """A date in a sentence: an exact day as recorded ("on 2016-03-05"), a month or a year in words
    ("in March 2016", "in 2013")."""
    return p.when(day)


def _days(count: int, p: Prose = ENGLISH) -> str:
    return p.ngettext("{count} day", "{count} days", count).format(count=count)


# --- one function per indicator -----------------------------------------------------------------


PROTECTION_PHRASES = {
    ProtectionKind.asylum_applied: N_("an asylum application lodged in {host}"),
    ProtectionKind.refugee_status: N_("refugee status granted by {host}"),
    ProtectionKind.subsidiary_protection: N_("subsidiary protection granted by {host}"),
    ProtectionKind.humanitarian: N_("humanitarian protection granted by {host}"),
    ProtectionKind.unhcr_mandate: N_("refugee status recognised by UNHCR under its mandate in {host}"),
}


def _protection_phrase(protection: Protection, p: Prose = ENGLISH) -> str:
    """What the person has, as a lawyer would write it: 'an asylum application lodged in Belarus in March 2016'."""
    text = p.gettext(PROTECTION_PHRASES[protection.kind]).format(host=p.state_name(protection.host_state))
    return f"{text} {p.in_words(protection.since)}" if protection.since else text


def _rejected_later(application: Protection, protections: Iterable[Protection]) -> bool:
    """An asylum rejection by the same host state, against the same state, dated on or after the application.

    When either date is unknown the rejection is taken to have followed the application: a rejection is
    only ever an answer to one, and a flag must not claim a protection the records put in doubt."""
    return any(
        p.kind is ProtectionKind.asylum_rejected
        and p.host_state == application.host_state
        and p.against_state == application.against_state
        and (p.since is None or application.since is None or p.since.start >= application.since.start)
        for p in protections
    )


def counting_protections(r: Records, state: str) -> list[Protection]:
    """The person's protections against `state` that count: an asylum application counts only until an
    asylum rejection by the same host state (against the same state) is dated on or after it."""
    return [
        p
        for p in r.protections
        if p.kind in PROTECTING
        and p.against_state == state
        and not (p.kind is ProtectionKind.asylum_applied and _rejected_later(p, r.protections))
    ]


def refugee_protection(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    held = counting_protections(r, state)
    if not held:
        return None
    facts = [_protection_phrase(x, p) for x in held]
    text = p.gettext(
        "The person has {protections}, against {state}, the requesting state; INTERPOL's refugee "
        "policy bars, in general, notices and diffusions from the state a refugee fled."
    ).format(protections=_and(facts, p), state=p.state(state))
    return _flag(FlagCode.refugee_protection, state, text, [_ev("protection", x.id) for x in held])


def issued_after_protection(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    for protection in counting_protections(r, state):
        if protection.since is None:
            continue
        since = protection.since.start
        for facts in r.notices_from(state):
            n = facts.notice
            dates = [
                (what, d)
                for what, d in (("requested", n.requested_on), ("issued", n.issued_on))
                if d is not None
            ]
            hit = next(((what, d) for what, d in dates if d.start >= since), None)
            if hit:
                sentence = (
                    p.gettext(
                        "{state_possessive} {channel} was requested on {date}, on or after {protection}."
                    )
                    if hit[0] == "requested"
                    else p.gettext(
                        "{state_possessive} {channel} was issued on {date}, on or after {protection}."
                    )
                )
                text = capitalized(
                    sentence.format(
                        state_possessive=p.states_possessive(state),
                        channel=_channel(n, p),
                        date=hit[1],
                        protection=_protection_phrase(protection, p),
                    )
                )
                return _flag(
                    FlagCode.issued_after_protection,
                    state,
                    text,
                    [_ev("notice", n.id), _ev("protection", protection.id)],
                    n.id,
                )
    return None


def extradition_refused_political(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    refused = [
        e
        for e in r.extraditions
        if e.requesting_state == state
        and e.decision is Decision.refused
        and POLITICAL_GROUNDS & {Ground(g) for g in e.grounds}
    ]
    if not refused:
        return None
    facts = []
    for e in refused:
        court = e.court or p.gettext("a court")
        grounds = ", ".join(p.label("ground", g) for g in e.grounds if Ground(g) in POLITICAL_GROUNDS)
        if e.decided_on:
            fact = p.gettext("{court} in {state} refused {when} ({grounds})").format(
                court=court, state=p.state(e.requested_state), when=_when(e.decided_on, p), grounds=grounds
            )
        else:
            fact = p.gettext("{court} in {state} refused ({grounds})").format(
                court=court, state=p.state(e.requested_state), grounds=grounds
            )
        facts.append(fact)
    text = p.gettext(
        "Extradition to {state} was refused on political or human-rights grounds: {facts}."
    ).format(state=p.state(state), facts="; ".join(facts))
    return _flag(
        FlagCode.extradition_refused_political, state, text, [_ev("extradition", e.id) for e in refused]
    )


def noncompliant_notices(r: Records, state: str, p: Prose = ENGLISH) -> list[tuple[NoticeFacts, str]]:
    """Notices of `state` with a finding of INTERPOL's bodies (Art. 2, Art. 3, refugee policy), and the finding."""
    found = []
    for facts in r.notices_from(state):
        entry = next(
            (
                e
                for e in facts.history
                if e.status in NONCOMPLIANT_STATUSES and e.reason in NONCOMPLIANT_REASONS
            ),
            None,
        )
        if entry is not None:
            words = {
                "notice": _notice_label(facts.notice, p),
                "status": p.label("notice_status", entry.status),
                "reason": p.label("reason", entry.reason),
            }
            text = (
                p.gettext("{notice} was {status} {when} under {reason}").format(
                    when=_when(entry.on, p), **words
                )
                if entry.on
                else p.gettext("{notice} was {status} under {reason}").format(**words)
            )
            found.append((facts, text))
        elif facts.ccf_deleted_by:
            found.append(
                (
                    facts,
                    p.gettext("{notice} was deleted on a CCF decision").format(
                        notice=_notice_label(facts.notice, p)
                    ),
                )
            )
    return found


def interpol_found_noncompliant(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    found = noncompliant_notices(r, state, p)
    if not found:
        return None
    text = p.gettext("INTERPOL found {state_possessive} data non-compliant: {findings}.").format(
        state_possessive=p.states_possessive(state), findings="; ".join(t for _, t in found)
    )
    evidence = [_ev("notice", f.notice.id) for f, _ in found] + [
        _ev("challenge", c) for f, _ in found for c in f.ccf_deleted_by
    ]
    return _flag(FlagCode.interpol_found_noncompliant, state, text, evidence, found[0][0].notice.id)


def released_without_extradition(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    on_request = [d for d in r.detentions if d.requesting_state == state]
    if any(d.status is DetentionStatus.surrendered for d in on_request):
        return None
    # custody known only to have ended by a date (`ended_on`, no `released_on`) is no sourced release
    released = [d for d in on_request if d.status is DetentionStatus.released and d.released_on is not None]
    if not released:
        return None
    facts = []
    for d in released:
        fact = p.gettext("detained in {host} {when}, released").format(
            host=p.state(d.host_state), when=_when(d.detained_on, p)
        )
        if d.custody_days is not None:
            fact += p.gettext(" after {days}").format(days=_days(d.custody_days, p))
        if d.release_conditions and d.release_conditions.value != "none":
            fact += p.gettext(", under {conditions}").format(
                conditions=p.label("release_conditions", d.release_conditions)
            )
        facts.append(fact)
    text = p.gettext("Held at {state_possessive} request and never surrendered to it: {facts}.").format(
        state_possessive=p.states_possessive(state), facts="; ".join(facts)
    )
    return _flag(
        FlagCode.released_without_extradition, state, text, [_ev("detention", d.id) for d in released]
    )


def _repeats(r: Records, state: str) -> list[tuple[NoticeFacts, StatusEntry, NoticeFacts, FuzzyDate]]:
    """(ended notice, its ending, later notice, the later notice's date) for `state`."""
    notices = r.notices_from(state)
    found = []
    for ended in notices:
        endings = [e for e in ended.history if e.status in ENDED_STATUSES and e.on is not None]
        for ending in endings:
            assert ending.on is not None  # noqa: S101 - filtered above
            for later in notices:
                if later is ended:
                    continue
                n = later.notice
                after = next(
                    (d for d in (n.requested_on, n.issued_on) if d is not None and d.start > ending.on.start),
                    None,
                )
                if after is not None:
                    found.append((ended, ending, later, after))
    return found


def repeat_after_refusal(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    found = _repeats(r, state)
    if not found:
        return None
    ended, ending, later, after = found[0]
    purpose = (
        p.gettext(" (the earlier one was cancelled because its purpose was achieved)")
        if ending.reason == "purpose_achieved"
        else ""
    )
    text = capitalized(
        p.gettext(
            "{state} asked again after {notice} was {status} {when}: a {channel} dated {date}{purpose}."
        ).format(
            state=p.state(state),
            notice=_notice_label(ended.notice, p),
            status=p.label("notice_status", ending.status),
            when=_when(ending.on, p),
            channel=_channel(later.notice, p),
            date=after,
            purpose=purpose,
        )
    )
    evidence = [_ev("notice", x.notice.id) for e, _, l_, _ in found for x in (e, l_)]
    return _flag(FlagCode.repeat_after_refusal, state, text, evidence, later.notice.id)


def channel_switch(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    switched = [(e, s, l_, a) for e, s, l_, a in _repeats(r, state) if e.notice.channel != l_.notice.channel]
    if not switched:
        return None
    ended, ending, later, after = switched[0]
    text = p.gettext(
        "After its {channel} was {status} {when}, {state} used another channel: a {new_channel} dated {date}."
    ).format(
        channel=_channel(ended.notice, p),
        status=p.label("notice_status", ending.status),
        when=_when(ending.on, p),
        state=p.state(state),
        new_channel=_channel(later.notice, p),
        date=after,
    )
    evidence = [_ev("notice", x.notice.id) for e, _, l_, _ in switched for x in (e, l_)]
    return _flag(FlagCode.channel_switch, state, text, evidence, later.notice.id)


def escalation(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    earlier: list[tuple[date, str, Evidence]] = []
    for facts in r.notices_from(state):
        if facts.date is not None:
            earlier.append((facts.date.start, _notice_label(facts.notice, p), _ev("notice", facts.notice.id)))
    for d in r.detentions:
        if d.requesting_state == state:
            earlier.append(
                (
                    d.detained_on.start,
                    p.gettext("the detention in {host} {when}").format(
                        host=p.state(d.host_state), when=_when(d.detained_on, p)
                    ),
                    _ev("detention", d.id),
                )
            )
    for incident in r.incidents:
        if (
            incident.kind not in ESCALATING
            or incident.perpetrator_state != state
            or incident.occurred_on is None
        ):
            continue
        before = sorted((x for x in earlier if x[0] < incident.occurred_on.start), key=lambda x: x[0])
        if before:
            words = {
                "kind": capitalized(p.label("incident", incident.kind)),
                "date": incident.occurred_on,
                "state": p.state(state),
                "certainty": p.label("certainty", incident.certainty),
                "earlier": _and([b[1] for b in before], p),
            }
            text = (
                p.gettext(
                    "{kind} in {host} on {date}, attributed to {state} ({certainty}), after {earlier}."
                ).format(host=p.state(incident.host_state), **words)
                if incident.host_state
                else p.gettext(
                    "{kind} on {date}, attributed to {state} ({certainty}), after {earlier}."
                ).format(**words)
            )
            return _flag(
                FlagCode.escalation, state, text, [_ev("incident", incident.id), *(b[2] for b in before)]
            )
    return None


def _group_order(g: GroupNotice) -> tuple[date, str, str]:
    return g.on, g.person_id, g.notice_id


def _group_window(ordered: list[GroupNotice], person_id: str) -> list[GroupNotice] | None:
    """The notices of a window of at most GROUP_SPAN_DAYS holding ≥ GROUP_MIN_PERSONS persons, this one
    included. `ordered` is in `_group_order`, as `group_notices` gives it."""
    if isinstance(ordered, GroupNotices):
        own = ordered.dates_of(person_id)
    else:
        own = [g.on for g in ordered if g.person_id == person_id]
    if not own:
        return None
    # Nothing dated more than the span before the person's first notice or after their last can share
    # a window with one of them.
    span = timedelta(days=GROUP_SPAN_DAYS)
    start = bisect_left(ordered, own[0] - span, key=lambda g: g.on)
    counts: dict[str, int] = defaultdict(int)
    for end in range(start, len(ordered)):  # not a slice: that copies the rest of the group each time
        item = ordered[end]
        if item.on > own[-1] + span:
            return None
        counts[item.person_id] += 1
        while (item.on - ordered[start].on).days > GROUP_SPAN_DAYS:
            counts[ordered[start].person_id] -= 1
            if not counts[ordered[start].person_id]:
                del counts[ordered[start].person_id]
            start += 1
        if person_id in counts and len(counts) >= GROUP_MIN_PERSONS:
            while end + 1 < len(ordered) and ordered[end + 1].on == item.on:
                end += 1  # a window is a span of days: every notice of its last day belongs to it
            return ordered[start : end + 1]
    return None


def group_targeting(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    """The group is pooled across organisations, but what the flag says is not: it names the dates and ids
    of the caller's own records only, and counts the persons other organisations recorded (their dates
    would tell a probe when, and that, another organisation watches the group)."""
    if not r.notices_from(state):
        return None
    for key in sorted(r.groups):
        found = r.windows.get((key, state))
        if found is None:
            window = _group_window(r.groups[key].get(state, []), r.person.id)
            if window is None:
                continue
            found = window_facts(window, r.person)
        own = found.colleagues
        others = found.persons - len(own) - 1
        name = r.affiliation_names.get(key)
        group = p.gettext("'{name}'").format(name=name) if name else p.gettext("a shared affiliation")
        by_id = {n.notice.id: n.notice for n in r.notices_from(state)}
        notices = [by_id[i] for i in found.notice_ids if i in by_id]
        facts = (
            [
                p.gettext("{notices} on this person").format(
                    notices=_and([_notice_label(n, p) for n in notices], p)
                )
            ]
            if notices
            else []
        )
        if own:
            facts.append(
                p.ngettext(
                    "{count} more person recorded by this organisation",
                    "{count} more persons recorded by this organisation",
                    len(own),
                ).format(count=len(own))
            )
        if others:
            facts.append(
                p.ngettext(
                    "{count} more person recorded elsewhere",
                    "{count} more persons recorded elsewhere",
                    others,
                ).format(count=others)
            )
        text = p.ngettext(
            "{count} person sharing the affiliation {group}, this one included, has notices from "
            "{state} dated within {days} days of each other: {facts}.",
            "{count} persons sharing the affiliation {group}, this one included, have notices from "
            "{state} dated within {days} days of each other: {facts}.",
            found.persons,
        ).format(
            count=found.persons,
            group=group,
            state=p.state(state),
            days=GROUP_SPAN_DAYS,
            facts="; ".join(facts),
        )
        evidence = [_ev("notice", n.id) for n in notices] + [_ev("person", x) for x in own]
        return _flag(FlagCode.group_targeting, state, text, evidence)
    return None


def relatives_targeted(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    intimidation = [i for i in r.incidents if i.kind in AGAINST_RELATIVES and i.perpetrator_state == state]
    relatives = r.relatives_states.get(state, [])
    if not intimidation and not relatives:
        return None
    parts = []
    if relatives:
        if p.english:  # the codes as they are, as the English explanation has always named them
            kinds = sorted(
                {f"{r.relatives.get(person, 'relative')} ({kind})" for kind, _, person in relatives}
            )
        else:
            kinds = sorted(
                {
                    f"{p.label('relation', r.relatives.get(person, 'relative'))} ({p.gettext(kind)})"
                    for kind, _, person in relatives
                }
            )
        parts.append(
            p.gettext("{state} also pursues related persons: {relatives}").format(
                state=capitalized(p.state(state)), relatives=_and(kinds, p)
            )
        )
    for i in intimidation:
        what = (
            p.gettext("intimidation of the family")
            if i.kind is IncidentKind.family_intimidation
            else p.label("incident", i.kind)
        )
        words = {"what": what, "state": p.state(state), "certainty": p.label("certainty", i.certainty)}
        parts.append(
            p.gettext("{what} by {state} is recorded {when} ({certainty})").format(
                when=_when(i.occurred_on, p), **words
            )
            if i.occurred_on
            else p.gettext("{what} by {state} is recorded ({certainty})").format(**words)
        )
    text = "; ".join(parts) + "."
    evidence = [_ev(kind, id_) for kind, id_, _ in relatives] + [_ev("incident", i.id) for i in intimidation]
    return _flag(FlagCode.relatives_targeted, state, text[0].upper() + text[1:], evidence)


def _charges(
    r: Records, state: str, categories: frozenset[ChargeCategory]
) -> list[tuple[NoticeFacts, Charge]]:
    return [(n, c) for n in r.notices_from(state) for c in n.charges if c.category in categories]


def security_charge(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    found = _charges(r, state, SECURITY_CATEGORIES)
    if not found:
        return None
    labels = _and(sorted({p.label("charge", c.category) for _, c in found}), p)
    text = capitalized(
        p.gettext("{state} charges the person with offences recorded as {categories}.").format(
            state=p.state(state), categories=labels
        )
    )
    return _flag(
        FlagCode.security_charge,
        state,
        text,
        [_ev("notice", n.notice.id) for n, _ in found],
        found[0][0].notice.id,
    )


def economic_charge_dissident(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    roles = [c for c in r.person.categories if c in DISSIDENT_CATEGORIES]
    found = _charges(r, state, frozenset({ChargeCategory.economic}))
    if not roles or not found:
        return None
    count = len(found)
    charges = p.ngettext(
        "a charge recorded as an economic offence", "{count} charges recorded as economic offences", count
    ).format(count=count)
    text = capitalized(
        p.gettext("{state} brings {charges} against a person recorded as {categories}.").format(
            state=p.state(state), charges=charges, categories=_and([p.label("category", x) for x in roles], p)
        )
    )
    return _flag(
        FlagCode.economic_charge_dissident,
        state,
        text,
        [_ev("notice", n.notice.id) for n, _ in found],
        found[0][0].notice.id,
    )


def in_absentia(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    found = [n for n in r.notices_from(state) if n.notice.in_absentia]
    if not found:
        return None
    text = capitalized(
        p.gettext("{state_possessive} {notices} rests on a conviction in absentia.").format(
            state_possessive=p.states_possessive(state),
            notices=_and([_notice_label(n.notice, p) for n in found], p),
        )
    )
    return _flag(
        FlagCode.in_absentia, state, text, [_ev("notice", n.notice.id) for n in found], found[0].notice.id
    )


def travel_triggered(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    for d in r.detentions:
        if d.requesting_state != state or d.detained_on.exact is None:
            continue
        for facts in r.notices_from(state):
            issued = facts.notice.issued_on
            if issued is None or issued.exact is None:
                continue
            days = (d.detained_on.exact - issued.exact).days
            if 0 <= days <= TRAVEL_WINDOW_DAYS:
                text = p.gettext(
                    "Detained in {host} {when}, {days} after {state_possessive} {channel} was issued on {date}."
                ).format(
                    host=p.state(d.host_state),
                    when=_when(d.detained_on, p),
                    days=_days(days, p),
                    state_possessive=p.states_possessive(state),
                    channel=_channel(facts.notice, p),
                    date=issued,
                )
                return _flag(
                    FlagCode.travel_triggered,
                    state,
                    text,
                    [_ev("detention", d.id), _ev("notice", facts.notice.id)],
                    facts.notice.id,
                )
    return None


def mobility_controls(r: Records, state: str, p: Prose = ENGLISH) -> Flag | None:
    cancelled = [
        i
        for i in r.incidents
        if i.kind is IncidentKind.passport_cancellation and i.perpetrator_state == state
    ]
    sltd = [n for n in r.notices_from(state) if n.notice.channel is Channel.sltd_passport]
    if not cancelled and not sltd:
        return None
    parts = [
        p.gettext("passport cancellation by {state}").format(state=p.state(state))
        + (f" {_when(i.occurred_on, p)}" if i.occurred_on else "")
        for i in cancelled
    ]
    parts += [
        p.gettext("an SLTD lost-or-stolen passport entry from {state}").format(state=p.state(state))
        + (f" ({n.date})" if n.date else "")
        for n in sltd
    ]
    text = p.gettext("Controls on the person's travel: {controls}.").format(controls=_and(parts, p))
    evidence = [_ev("incident", i.id) for i in cancelled] + [_ev("notice", n.notice.id) for n in sltd]
    return _flag(FlagCode.mobility_controls, state, text, evidence, sltd[0].notice.id if sltd else None)


INDICATORS: dict[FlagCode, Callable[[Records, str, Prose], Flag | None]] = {
    FlagCode.refugee_protection: refugee_protection,
    FlagCode.issued_after_protection: issued_after_protection,
    FlagCode.extradition_refused_political: extradition_refused_political,
    FlagCode.interpol_found_noncompliant: interpol_found_noncompliant,
    FlagCode.released_without_extradition: released_without_extradition,
    FlagCode.repeat_after_refusal: repeat_after_refusal,
    FlagCode.channel_switch: channel_switch,
    FlagCode.escalation: escalation,
    FlagCode.group_targeting: group_targeting,
    FlagCode.relatives_targeted: relatives_targeted,
    FlagCode.security_charge: security_charge,
    FlagCode.economic_charge_dissident: economic_charge_dissident,
    FlagCode.in_absentia: in_absentia,
    FlagCode.travel_triggered: travel_triggered,
    FlagCode.mobility_controls: mobility_controls,
}


def compute(records: Records, prose: Prose = ENGLISH) -> list[Flag]:
    """Every flag of the person: by state, then in the contract's order of codes; the explanations in
    `prose`'s language (the derived tables keep the English ones)."""
    return [
        flag
        for state in records.states()
        for check in INDICATORS.values()
        if (flag := check(records, state, prose))
    ]
