"""The one vocabulary: the words a lawyer reads for every code the API speaks (`released_without_extradition`,
`cis_wanted_list`…), in English, marked for translation.

History summaries, flag explanations, the dossier and the web pages all take their words from here, so a
code reads the same everywhere and court-bound text never shows an enum word. `N_` marks a string for
extraction (Babel's default keywords include it) without translating it here: the page translates it in
the reader's language when it renders (`app/locale/<lang>/LC_MESSAGES/messages.po`). `ENUMS` names the
enum each group speaks for; a test checks that every value of every enum has its words in every language.
"""

from collections.abc import Mapping
from enum import Enum

from app.models.calendar_feed import FeedNames
from app.models.challenge import ChallengeKind, ChallengeStatus, EventType, Forum, Outcome
from app.models.deadline import DeadlineKind
from app.models.detention import (
    Custody,
    DetentionBasis,
    DetentionStatus,
    ReleaseConditions,
    ReleaseReason,
    SurrenderKind,
)
from app.models.document import ContentType, DocumentKind
from app.models.dossier import DossierFormat
from app.models.extradition import Decision, Ground, Stage
from app.models.flag import FlagCode, Severity
from app.models.incident import Certainty, IncidentKind
from app.models.interpol_check import CheckSource, CheckStatus
from app.models.notice import CategorySource, Channel, ChargeCategory, NoticeStatus, StatusActor, StatusReason
from app.models.person import PersonCategory, Relation, Sex
from app.models.protection import ProtectionKind
from app.models.token import Role
from app.models.watch import ChangedField, ChangeKind
from app.models.webhook import DeliveryStatus


def N_(text: str) -> str:
    return text


FLAG = {
    "refugee_protection": N_("Protected against this state"),
    "issued_after_protection": N_("Notice after protection was granted"),
    "extradition_refused_political": N_("Extradition refused on political or human-rights grounds"),
    "interpol_found_noncompliant": N_("INTERPOL found the request non-compliant"),
    "released_without_extradition": N_("Released without extradition"),
    "repeat_after_refusal": N_("New request after a refusal"),
    "channel_switch": N_("Switched channel after a refusal"),
    "escalation": N_("Escalation beyond legal channels"),
    "group_targeting": N_("Several members of one group targeted"),
    "relatives_targeted": N_("Relatives targeted"),
    "security_charge": N_("Security or speech charge"),
    "economic_charge_dissident": N_("Economic charge against a dissident"),
    "in_absentia": N_("Conviction in absentia"),
    "travel_triggered": N_("Detained soon after the notice was issued"),
    "mobility_controls": N_("Passport or travel controls"),
}
SEVERITY = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
CHANNEL = {
    "red_notice": N_("red notice"),
    "diffusion": N_("diffusion"),
    "blue_notice": N_("blue notice"),
    "national_warrant": N_("national warrant"),
    "bilateral_request": N_("bilateral extradition request"),
    "cis_wanted_list": N_("CIS wanted-list entry"),
    "sltd_passport": N_("SLTD passport entry"),
}
NOTICE_STATUS = {
    "requested": N_("requested"),
    "published": N_("published"),
    "refused": N_("refused"),
    "blocked": N_("blocked"),
    "cancelled": N_("cancelled"),
    "withdrawn": N_("withdrawn"),
    "deleted": N_("deleted"),
    "reinstated": N_("reinstated"),
    "unknown": N_("unknown"),
}
ACTOR = {
    "requesting_state": N_("the requesting state"),
    "general_secretariat": N_("INTERPOL's General Secretariat"),
    "ccf": N_("the CCF"),
    "court": N_("a court"),
    "unknown": N_("unknown"),
}
REASON = {
    "article_2": N_("Article 2 (human rights)"),
    "article_3": N_("Article 3 (political character)"),
    "refugee_policy": N_("the refugee policy"),
    "article_83": N_("RPD Article 83"),
    "purpose_achieved": N_("purpose achieved"),
    "ncb_no_answer": N_("the NCB did not answer"),
    "source_withdrew": N_("withdrawn by the source"),
    "other": N_("other reasons"),
}
CATEGORY_SOURCE = {"auto": N_("classified automatically"), "user": N_("classified by a user")}
DETENTION_BASIS = {
    "red_notice": N_("red notice"),
    "diffusion": N_("diffusion"),
    "blue_notice": N_("blue notice"),
    "national_warrant": N_("national warrant"),
    "bilateral_request": N_("bilateral extradition request"),
    "cis_wanted_list": N_("CIS wanted-list entry"),
    "sltd_passport": N_("SLTD passport entry"),
    "immigration": N_("immigration grounds"),
    "unknown": N_("unknown"),
}
DETENTION_STATUS = {
    "in_custody": N_("in custody"),
    "released": N_("released"),
    "surrendered": N_("surrendered"),
}
PROTECTION = {
    "asylum_applied": N_("asylum applied for"),
    "refugee_status": N_("refugee status"),
    "subsidiary_protection": N_("subsidiary protection"),
    "humanitarian": N_("humanitarian protection"),
    "citizenship": N_("citizenship"),
    "asylum_rejected": N_("asylum rejected"),
    "unhcr_mandate": N_("refugee status recognised by UNHCR (mandate)"),
}
FORUM = {
    "ccf": N_("CCF"),
    "national_court": N_("national court"),
    "echr": N_("European Court of Human Rights"),
    "un_cat": N_("UN Committee against Torture"),
    "un_hrc": N_("UN Human Rights Committee"),
    "un_wgad": N_("UN Working Group on Arbitrary Detention"),
    "other": N_("other forum"),
}
CHALLENGE_KIND = {
    "access": N_("access"),
    "deletion": N_("deletion"),
    "correction": N_("correction"),
    "revision": N_("revision"),
    "appeal": N_("appeal"),
    "interim_measure": N_("interim measure"),
}
CHALLENGE_STATUS = {
    "draft": N_("draft"),
    "filed": N_("filed"),
    "admissible": N_("admissible"),
    "closed": N_("closed"),
}
DECISION = {
    "pending": N_("pending"),
    "granted": N_("granted"),
    "refused": N_("refused"),
    "withdrawn": N_("withdrawn"),
    "remanded": N_("remanded"),
}
INCIDENT = {
    "family_intimidation": N_("intimidation of the family"),
    "surveillance": N_("surveillance"),
    "digital_threat": N_("digital threat"),
    "assault": N_("assault"),
    "abduction": N_("abduction"),
    "rendition": N_("rendition"),
    "enforced_disappearance": N_("enforced disappearance"),
    "assassination": N_("assassination"),
    "attempted_assassination": N_("attempted assassination"),
    "unlawful_deportation": N_("unlawful deportation"),
    "passport_cancellation": N_("passport cancellation"),
    "other": N_("other"),
    "relatives_detained": N_("relatives detained"),
    "relatives_prosecuted": N_("relatives prosecuted"),
    "property_confiscated": N_("property confiscated"),
    "travel_ban_on_relatives": N_("travel ban on relatives"),
}
CATEGORY = {
    "opposition": N_("opposition"),
    "journalist": N_("journalist"),
    "activist": N_("activist"),
    "religious": N_("religious"),
    "former_insider": N_("former insider"),
    "businessperson": N_("businessperson"),
    "relative": N_("relative"),
    "other": N_("other"),
}
RELATION = {
    "parent": N_("parent"),
    "child": N_("child"),
    "sibling": N_("sibling"),
    "spouse": N_("spouse"),
    "relative": N_("relative"),
    "associate": N_("associate"),
}
RELEASE_REASON = {
    "extradition_refused": N_("extradition refused"),
    "notice_deleted": N_("notice deleted"),
    "bail": N_("bail"),
    "asylum_granted": N_("asylum granted"),
    "time_limit": N_("time limit reached"),
    "insufficient_documents": N_("insufficient documents"),
    "court_order": N_("court order"),
    "other": N_("other"),
    "unknown": N_("unknown"),
}
RELEASE_CONDITIONS = {
    "none": N_("no conditions"),
    "bail": N_("bail"),
    "house_arrest": N_("house arrest"),
    "travel_ban": N_("travel ban"),
}
CUSTODY = {
    "detention": N_("detention"),
    "house_arrest": N_("house arrest"),
    "supervision": N_("supervision"),
}
SURRENDER_KIND = {"extradited": N_("extradited"), "deported": N_("deported"), "rendered": N_("rendered")}
STAGE = {
    "first_instance": N_("first instance"),
    "appeal": N_("appeal"),
    "supreme": N_("supreme court"),
    "executive": N_("executive"),
}
EVENT_TYPE = {
    "filed": N_("filed"),
    "admissible": N_("admissible"),
    "inadmissible": N_("inadmissible"),
    "provisional_measure": N_("provisional measure"),
    "decided": N_("decided"),
    "withdrawn": N_("withdrawn"),
}
OUTCOME = {
    "deleted": N_("deleted"),
    "maintained": N_("maintained"),
    "corrected": N_("corrected"),
    "withdrawn_by_source": N_("withdrawn by the source"),
    "answered": N_("answered"),
    "violation": N_("violation found"),
    "no_violation": N_("no violation found"),
    "struck_out": N_("struck out"),
    "interim_measure_granted": N_("interim measure granted"),
    "interim_measure_refused": N_("interim measure refused"),
}
GROUND = {
    "political_offence": N_("political offence"),
    "persecution_risk": N_("risk of persecution"),
    "torture_risk": N_("risk of torture"),
    "fair_trial": N_("no fair trial"),
    "refugee_status": N_("refugee status"),
    "insufficient_evidence": N_("insufficient evidence"),
    "dual_criminality": N_("no dual criminality"),
    "no_treaty": N_("no treaty"),
    "statute_of_limitations": N_("time-barred"),
    "humanitarian": N_("humanitarian grounds"),
    "other": N_("other"),
    "discrimination": N_("discriminatory prosecution or punishment"),
}
CHARGE = {
    "terrorism": N_("terrorism"),
    "extremism": N_("extremism"),
    "separatism": N_("separatism"),
    "public_order": N_("public order"),
    "speech": N_("speech"),
    "economic": N_("economic"),
    "violent": N_("violent"),
    "drugs": N_("drugs"),
    "property": N_("property"),
    "other": N_("other"),
}
CERTAINTY = {"established": N_("established"), "reported": N_("reported"), "alleged": N_("alleged")}
SEX = {"male": N_("male"), "female": N_("female"), "unknown": N_("unknown")}
ROLE = {"admin": N_("admin"), "editor": N_("editor"), "viewer": N_("viewer"), "analyst": N_("analyst")}
CHECK_STATUS = {"ok": N_("checked")}
CHECK_SOURCE = {"interpol": N_("INTERPOL's public notices"), "ftm": N_("screened dataset (FollowTheMoney)")}
DELIVERY_STATUS = {
    "pending": N_("pending"),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
}
DOSSIER_FORMAT = {"json": N_("JSON"), "markdown": N_("Markdown"), "pdf": N_("PDF"), "docx": N_("Word (DOCX)")}
DEADLINE = {
    "ccf_decision": N_("CCF decision due"),
    "extradition_hearing": N_("extradition hearing"),
    "protection_expiry": N_("protection ends"),
    "echr_application": N_("last day to apply to the European Court of Human Rights"),
}
FEED_NAMES = {"initials": N_("initials only"), "full": N_("full names")}
DOCUMENT_KIND = {
    "warrant": N_("warrant"),
    "court_decision": N_("court decision"),
    "ccf_correspondence": N_("correspondence with the CCF"),
    "interpol_notice": N_("INTERPOL notice"),
    "translation": N_("translation"),
    "identity": N_("identity document"),
    "medical": N_("medical record"),
    "media": N_("media report"),
    "other": N_("other document"),
}
CONTENT_TYPE = {
    "application/pdf": N_("PDF"),
    "image/png": N_("PNG image"),
    "image/jpeg": N_("JPEG image"),
    "image/webp": N_("WebP image"),
    "image/tiff": N_("TIFF image"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": N_("Word (DOCX)"),
    "text/plain; charset=utf-8": N_("plain text"),
}
INTERPOL_CHANGE = {
    "appeared": N_("appeared in INTERPOL's public list"),
    "disappeared": N_("no longer public"),  # never "deleted": a notice may be withdrawn from view only
    "changed": N_("changed in INTERPOL's public list"),
}
CHANGED_FIELD = {
    "name": N_("name"),
    "birth_date": N_("birth date"),
    "nationalities": N_("nationalities"),
    "requesting_states": N_("requesting states"),
}

GROUPS: Mapping[str, Mapping[str, str]] = {
    "flag": FLAG,
    "severity": SEVERITY,
    "channel": CHANNEL,
    "notice_status": NOTICE_STATUS,
    "detention_status": DETENTION_STATUS,
    "protection": PROTECTION,
    "forum": FORUM,
    "challenge_kind": CHALLENGE_KIND,
    "challenge_status": CHALLENGE_STATUS,
    "decision": DECISION,
    "incident": INCIDENT,
    "category": CATEGORY,
    "relation": RELATION,
    "release_reason": RELEASE_REASON,
    "outcome": OUTCOME,
    "ground": GROUND,
    "charge": CHARGE,
    "certainty": CERTAINTY,
    "sex": SEX,
    "role": ROLE,
    "actor": ACTOR,
    "reason": REASON,
    "category_source": CATEGORY_SOURCE,
    "detention_basis": DETENTION_BASIS,
    "release_conditions": RELEASE_CONDITIONS,
    "surrender_kind": SURRENDER_KIND,
    "custody": CUSTODY,
    "stage": STAGE,
    "event_type": EVENT_TYPE,
    "check_status": CHECK_STATUS,
    "check_source": CHECK_SOURCE,
    "delivery_status": DELIVERY_STATUS,
    "dossier_format": DOSSIER_FORMAT,
    "deadline": DEADLINE,
    "feed_names": FEED_NAMES,
    "document_kind": DOCUMENT_KIND,
    "content_type": CONTENT_TYPE,
    "interpol_change": INTERPOL_CHANGE,
    "changed_field": CHANGED_FIELD,
}
# The enum each group gives words for.
ENUMS: Mapping[str, type[Enum]] = {
    "flag": FlagCode,
    "severity": Severity,
    "channel": Channel,
    "notice_status": NoticeStatus,
    "detention_status": DetentionStatus,
    "protection": ProtectionKind,
    "forum": Forum,
    "challenge_kind": ChallengeKind,
    "challenge_status": ChallengeStatus,
    "decision": Decision,
    "incident": IncidentKind,
    "category": PersonCategory,
    "relation": Relation,
    "release_reason": ReleaseReason,
    "outcome": Outcome,
    "ground": Ground,
    "charge": ChargeCategory,
    "certainty": Certainty,
    "sex": Sex,
    "role": Role,
    "actor": StatusActor,
    "reason": StatusReason,
    "category_source": CategorySource,
    "detention_basis": DetentionBasis,
    "release_conditions": ReleaseConditions,
    "surrender_kind": SurrenderKind,
    "custody": Custody,
    "stage": Stage,
    "event_type": EventType,
    "check_status": CheckStatus,
    "check_source": CheckSource,
    "delivery_status": DeliveryStatus,
    "dossier_format": DossierFormat,
    "deadline": DeadlineKind,
    "feed_names": FeedNames,
    "document_kind": DocumentKind,
    "content_type": ContentType,
    "interpol_change": ChangeKind,
    "changed_field": ChangedField,
}


def words(code: str) -> str:
    """A code read as words (`house_arrest` -> `house arrest`): only for codes with no entry here yet."""
    return code.replace("_", " ")


def english(group: str, value: object) -> str:
    """The English words for a code; an unknown code (a value added later) reads as its own words."""
    text = str(getattr(value, "value", value))
    return GROUPS[group].get(text) or words(text)


def capitalized(text: str) -> str:
    """The first letter upper-cased, the rest as written ("CIS", "INTERPOL" stay as they are)."""
    return text[:1].upper() + text[1:]
