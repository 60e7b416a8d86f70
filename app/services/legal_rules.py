"""The legal rules a dossier cites, as data (`app/data/legal_rules.json`): each with its title, what it
says (short quotations checked against the primary text where `verified` is `primary`), English and
Russian, its source, and the facts that engage it. A dossier cites only the rules its person's facts
engage: no refugee policy without a protection, no CCF Statute without a CCF request."""

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from app.models.challenge import ChallengeKind, Forum
from app.models.dossier import Dossier
from app.models.extradition import Decision
from app.models.flag import FlagCode
from app.models.notice import Channel, NoticeStatus, StatusReason


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    title_ru: str
    text: str
    text_ru: str
    source_title: str
    source_url: str
    verified: str  # primary, secondary
    engaged_by: frozenset[str]


@cache
def rules() -> tuple[Rule, ...]:
    data = json.loads((resources.files("app") / "data" / "legal_rules.json").read_text(encoding="utf-8"))
    return tuple(
        Rule(
            id=r["id"],
            title=r["title"],
            title_ru=r["title_ru"],
            text=r["text"],
            text_ru=r["text_ru"],
            source_title=r["source"]["title"],
            source_url=r["source"]["url"],
            verified=r["verified"],
            engaged_by=frozenset(r["engaged_by"]),
        )
        for r in data
    )


def facts(dossier: Dossier) -> set[str]:
    """The kinds of fact a person's records hold, in the words `engaged_by` uses."""
    found = {"always"}
    channels = {n.channel for n in dossier.notices}
    if channels & {Channel.red_notice, Channel.diffusion}:
        found.add("notice")
    if Channel.red_notice in channels:
        found.add("red_notice")
    if Channel.diffusion in channels:
        found.add("diffusion")
    if dossier.protections:
        found.add("protection")
    ccf = [c for c in dossier.challenges if c.forum is Forum.ccf]
    if ccf:
        found.add("ccf_challenge")
    if any(c.kind is ChallengeKind.revision for c in ccf):
        found.add("ccf_revision")
    if any(c.provisional_measure_on for c in ccf):
        found.add("ccf_provisional_measure")
    if any(e.decision is Decision.refused for e in dossier.extraditions):
        found.add("extradition_refused")
    codes = {f.code for f in dossier.flags}
    if FlagCode.security_charge in codes:
        found.add("security_charge")
    if FlagCode.economic_charge_dissident in codes:
        found.add("economic_charge")
    if FlagCode.in_absentia in codes:
        found.add("in_absentia")
    if any(
        s.status is NoticeStatus.deleted and s.reason is StatusReason.article_3
        for n in dossier.notices
        for s in n.status_history
    ):
        found.add("article3_deletion")
    if dossier.incidents:
        found.add("incident")
    return found


def engaged(dossier: Dossier) -> list[Rule]:
    """The rules the dossier's facts engage, in the order of the data (the Constitution first)."""
    held = facts(dossier)
    return [rule for rule in rules() if rule.engaged_by & held]
