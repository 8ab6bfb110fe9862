"""A campaign's settings besides its rows and schedule, under each provider's rules.

Each adapter declares its :class:`SettingsRules` in its Capabilities (``caps.settings``): what
its sender id may look like, what its campaign names take, whether it shortens links, sends
flash SMS, addresses an audience that lives at the provider, or calls back. The operator's
choices are a :class:`CampaignSettings`; :func:`validate_settings` says, field by field, what
the provider would refuse, and :func:`spec_values` turns them into what a CampaignSpec carries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.domain.batch import IssueSeverity
from app.domain.links import DEFAULT_SHORT_LINK_LENGTH
from app.domain.problems import FieldProblem

if TYPE_CHECKING:
    from app.domain.campaign import Capabilities

#: The counted short-link length an operator may set: a link shorter than one character or
#: longer than a whole GSM segment is a typing slip, not a shortener.
SHORT_LINK_LENGTHS = range(1, 161)


class SettingField(StrEnum):
    NAME = "name"
    SENDER = "sender"
    SHORT_LINKS = "short_links"
    FLASH = "flash"
    AUDIENCE = "audience"
    MESSAGE_CALLBACK = "message_callback"
    CAMPAIGN_CALLBACK = "campaign_callback"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    SettingField.NAME: "Campaign name",
    SettingField.SENDER: "Sender",
    SettingField.SHORT_LINKS: "Short links",
    SettingField.FLASH: "Flash SMS",
    SettingField.AUDIENCE: "Audience",
    SettingField.MESSAGE_CALLBACK: "Message callback",
    SettingField.CAMPAIGN_CALLBACK: "Campaign callback",
}


# -- the rules a provider declares ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SenderRule:
    """A sender id: a number of at most ``numeric_digits`` digits (a leading '+' is allowed
    and dropped on the wire), or at most ``alphanumeric_chars`` ASCII letters and digits.
    ``note`` says where the sender comes from when the provider takes none."""

    offered: bool = False
    required: bool = False
    numeric_digits: int = 0
    alphanumeric_chars: int = 0
    note: str = ""


@dataclass(frozen=True, slots=True)
class NameRule:
    """A campaign name. ``alphabet`` is a regex character class of what the provider takes
    (others become spaces: :func:`fit_name`); ``tag_chars`` the characters the adapter adds to
    the name to find the campaign again, which count towards ``max_chars``."""

    max_chars: int | None = None
    alphabet: str | None = None
    alphabet_words: str = ""
    charset: str | None = None
    tag_chars: int = 0
    note: str = ""


@dataclass(frozen=True, slots=True)
class Feature:
    """An on/off setting; ``note`` says what it does there, or why it is not offered."""

    offered: bool = False
    note: str = ""


class AudienceKind(StrEnum):
    NONE = "none"  # the rows of the file are the recipients
    SAVED_AUDIENCE = "saved_audience"  # Cordial: the key of an audience saved in Cordial
    TARGETING = "targeting"  # Batch: regions and languages of the project's profiles


@dataclass(frozen=True, slots=True)
class AudienceRule:
    kind: AudienceKind = AudienceKind.NONE
    #: what must exist at the provider for the audience to receive anything
    requirement: str = ""


@dataclass(frozen=True, slots=True)
class CallbackRule:
    """Where the provider reports progress: per message and/or per campaign."""

    per_message: bool = False
    per_campaign: bool = False
    strategies: tuple[str, ...] = ()
    note: str = ""


_NO_SENDER = "This provider takes no sender id."


@dataclass(frozen=True, slots=True)
class SettingsRules:
    sender: SenderRule = SenderRule(note=_NO_SENDER)
    name: NameRule = NameRule()
    short_links: Feature = Feature(note="This provider does not shorten links.")
    flash: Feature = Feature(note="This provider sends no flash SMS.")
    audience: AudienceRule = AudienceRule()
    callbacks: CallbackRule = CallbackRule(note="This provider offers no callbacks.")


# -- what the operator chose ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Callback:
    url: str
    strategy: str

    def wire(self) -> dict[str, str]:
        return {"url": self.url, "strategy": self.strategy}


@dataclass(frozen=True, slots=True)
class Targeting:
    """Which of a Batch project's profiles receive it; empty: every SMS-opted-in profile."""

    regions: tuple[str, ...] = ()  # ISO 3166 alpha-2, e.g. FR
    languages: tuple[str, ...] = ()  # ISO 639-1, e.g. fr

    def wire(self) -> dict[str, list[str]]:
        wire: dict[str, list[str]] = {}
        if self.regions:
            wire["regions"] = list(self.regions)
        if self.languages:
            wire["languages"] = list(self.languages)
        return wire


@dataclass(frozen=True, slots=True)
class CampaignSettings:
    name: str
    sender: str | None = None
    short_links: bool = False
    short_link_length: int = DEFAULT_SHORT_LINK_LENGTH
    flash: bool = False
    audience_key: str | None = None  # AudienceKind.SAVED_AUDIENCE
    targeting: Targeting | None = None  # AudienceKind.TARGETING
    message_callback: Callback | None = None
    campaign_callback: Callback | None = None


@dataclass(frozen=True, slots=True)
class SpecValues:
    """What a CampaignSpec carries of the settings (``options`` in the adapters' keys)."""

    name: str
    sender: str | None
    short_links: bool
    options: Mapping[str, Any] = field(default_factory=dict)


def default_settings(
    caps: Capabilities, name: str, account_options: Mapping[str, str]
) -> CampaignSettings:
    """The settings a new campaign starts with: the account's default sender and audience."""
    rules = caps.settings
    sender = account_options.get("sender") or None
    audience_key = account_options.get("audience_key") or None
    kind = rules.audience.kind
    return CampaignSettings(
        name=name,
        sender=sender if rules.sender.offered else None,
        audience_key=audience_key if kind is AudienceKind.SAVED_AUDIENCE else None,
        targeting=Targeting() if kind is AudienceKind.TARGETING else None,
    )


def counted_link_length(settings: CampaignSettings, caps: Capabilities) -> int | None:
    """The length each URL counts as when segments are counted (None: links count as
    written), for the editor's BatchSettings.short_link_length."""
    if settings.short_links and caps.settings.short_links.offered:
        return settings.short_link_length
    return None


def spec_values(settings: CampaignSettings, caps: Capabilities) -> SpecValues:
    """The settings as a CampaignSpec takes them; only what the provider offers."""
    rules = caps.settings
    options: dict[str, Any] = {}
    if rules.flash.offered and settings.flash:
        options["flash"] = True
    if rules.audience.kind is AudienceKind.SAVED_AUDIENCE and settings.audience_key:
        options["audience_key"] = settings.audience_key.strip()
    if rules.audience.kind is AudienceKind.TARGETING:
        options["targeting"] = (settings.targeting or Targeting()).wire()
    if rules.callbacks.per_message and settings.message_callback:
        options["message_callback"] = settings.message_callback.wire()
    if rules.callbacks.per_campaign and settings.campaign_callback:
        options["campaign_callback"] = settings.campaign_callback.wire()
    sender = settings.sender.strip() if settings.sender and rules.sender.offered else None
    return SpecValues(
        name=settings.name.strip(),
        sender=sender or None,
        short_links=settings.short_links and rules.short_links.offered,
        options=options,
    )


# -- names ---------------------------------------------------------------------------------------
def fit_name(name: str, rule: NameRule, room: int | None = None) -> str:
    """``name`` as the provider will show it: accents dropped and other characters outside
    its alphabet turned into spaces, cut to ``room`` characters (default: what the adapter's
    tag leaves of ``max_chars``)."""
    text = " ".join(name.split())
    if rule.alphabet is not None:
        latin = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        text = " ".join(re.sub(f"[^{rule.alphabet}]+", " ", latin).split())
    if room is None and rule.max_chars is not None:
        room = rule.max_chars - rule.tag_chars
    return text[:room].rstrip() if room is not None else text


# -- validation ----------------------------------------------------------------------------------
def validate_settings(settings: CampaignSettings, caps: Capabilities) -> list[FieldProblem]:
    """The problems of ``settings`` at this provider, as sentences naming the field."""
    problems: list[FieldProblem] = []
    problems += _name_problems(settings.name, caps)
    problems += _sender_problems(settings.sender, caps)
    problems += _feature_problems(settings, caps)
    problems += _audience_problems(settings, caps)
    problems += _callback_problems(settings, caps)
    return problems


def _problem(
    where: SettingField, text: str, severity: IssueSeverity = IssueSeverity.ERROR
) -> FieldProblem:
    return FieldProblem(where.value, f"{where.label}: {text}", severity)


def _name_problems(name: str, caps: Capabilities) -> list[FieldProblem]:
    rule = caps.settings.name
    who = caps.display_name
    where = SettingField.NAME
    if not name.strip():
        return [_problem(where, "give the campaign a name, to find it again in the list.")]
    problems: list[FieldProblem] = []
    if rule.charset is not None:
        try:
            name.encode(rule.charset)
        except UnicodeEncodeError as exc:
            bad = name[exc.start]
            problems.append(
                _problem(where, f"{who} cannot take the character {bad!r} ({rule.charset}).")
            )
            return problems
    written = " ".join(name.split())
    converted = fit_name(name, rule, room=len(written))  # in the provider's alphabet, uncut
    shown = fit_name(name, rule)
    if rule.alphabet is not None and not converted:
        problems.append(
            _problem(where, f"{who} names take only {rule.alphabet_words}; this one has none.")
        )
        return problems
    if converted != written:
        problems.append(
            _problem(
                where,
                f"{who} names take only {rule.alphabet_words}; it will show {shown!r}.",
                IssueSeverity.WARNING,
            )
        )
    elif len(converted) > len(shown):
        room = len(shown) if rule.max_chars is None else rule.max_chars - rule.tag_chars
        tag = f", of which the app's tag takes {rule.tag_chars}" if rule.tag_chars else ""
        problems.append(
            _problem(
                where,
                f"{who} names are at most {rule.max_chars} characters{tag}; it will show the "
                f"first {room}: {shown!r}.",
                IssueSeverity.WARNING,
            )
        )
    return problems


def _sender_problems(sender: str | None, caps: Capabilities) -> list[FieldProblem]:
    rule = caps.settings.sender
    who = caps.display_name
    where = SettingField.SENDER
    text = (sender or "").strip()
    if not rule.offered:
        if text:
            return [_problem(where, f"{who} takes no sender id here. {rule.note}".strip())]
        return []
    if not text:
        if rule.required:
            return [_problem(where, f"{who} needs a sender: {sender_rule_words(rule)}.")]
        return []
    digits = text.removeprefix("+")
    if digits.isascii() and digits.isdigit():
        if rule.numeric_digits and len(digits) <= rule.numeric_digits:
            return []
        if not rule.numeric_digits:
            return [_problem(where, f"{who} takes no numeric sender; {sender_rule_words(rule)}.")]
        return [
            _problem(
                where,
                f"{text} has {len(digits)} digits; {who} takes at most {rule.numeric_digits}.",
            )
        ]
    if text.startswith("+") or not (text.isascii() and text.isalnum()):
        bad = next((c for c in text if not (c.isascii() and c.isalnum())), text[0])
        return [
            _problem(
                where,
                f"{bad!r} is not allowed: {who} takes {sender_rule_words(rule)}.",
            )
        ]
    if not rule.alphanumeric_chars:
        return [_problem(where, f"{who} takes no alphanumeric sender; {sender_rule_words(rule)}.")]
    if len(text) > rule.alphanumeric_chars:
        return [
            _problem(
                where,
                f"{text!r} has {len(text)} characters; {who} takes at most "
                f"{rule.alphanumeric_chars} letters and digits.",
            )
        ]
    return []


def sender_rule_words(rule: SenderRule) -> str:
    """What a valid sender looks like, in words ("a number of at most 16 digits or ...")."""
    ways = []
    if rule.numeric_digits:
        ways.append(f"a number of at most {rule.numeric_digits} digits")
    if rule.alphanumeric_chars:
        ways.append(f"at most {rule.alphanumeric_chars} letters and digits")
    return " or ".join(ways) if ways else "no sender id"


def _feature_problems(settings: CampaignSettings, caps: Capabilities) -> list[FieldProblem]:
    rules = caps.settings
    problems: list[FieldProblem] = []
    if settings.short_links and not rules.short_links.offered:
        problems.append(_problem(SettingField.SHORT_LINKS, rules.short_links.note))
    if settings.short_links and settings.short_link_length not in SHORT_LINK_LENGTHS:
        problems.append(
            _problem(
                SettingField.SHORT_LINKS,
                f"a short link counts as {SHORT_LINK_LENGTHS.start} to "
                f"{SHORT_LINK_LENGTHS.stop - 1} characters, not {settings.short_link_length}.",
            )
        )
    if settings.flash and not rules.flash.offered:
        problems.append(_problem(SettingField.FLASH, rules.flash.note))
    return problems


_REGION = re.compile(r"[A-Z]{2}")
_LANGUAGE = re.compile(r"[a-z]{2}")


def _audience_problems(settings: CampaignSettings, caps: Capabilities) -> list[FieldProblem]:
    rule = caps.settings.audience
    where = SettingField.AUDIENCE
    who = caps.display_name
    if rule.kind is AudienceKind.SAVED_AUDIENCE:
        key = (settings.audience_key or "").strip()
        if not key:
            text = f"{who} sends to a saved audience: give its key. {rule.requirement}"
            return [_problem(where, text.strip())]
        if any(c.isspace() for c in key):
            return [_problem(where, f"an audience key has no spaces; {key!r} has.")]
        return []
    if rule.kind is AudienceKind.TARGETING:
        targeting = settings.targeting or Targeting()
        problems = [
            _problem(where, f"{r!r} is not a country code such as FR or GB.")
            for r in targeting.regions
            if not _REGION.fullmatch(r)
        ]
        problems += [
            _problem(where, f"{lang!r} is not a two-letter language code such as fr or en.")
            for lang in targeting.languages
            if not _LANGUAGE.fullmatch(lang)
        ]
        return problems
    if settings.audience_key or (settings.targeting and settings.targeting.wire()):
        return [_problem(where, f"{who} sends to the rows of the file, not to an audience.")]
    return []


def _callback_problems(settings: CampaignSettings, caps: Capabilities) -> list[FieldProblem]:
    rule = caps.settings.callbacks
    problems: list[FieldProblem] = []
    for where, callback, offered in (
        (SettingField.MESSAGE_CALLBACK, settings.message_callback, rule.per_message),
        (SettingField.CAMPAIGN_CALLBACK, settings.campaign_callback, rule.per_campaign),
    ):
        if callback is None:
            continue
        if not offered:
            problems.append(_problem(where, rule.note or f"{caps.display_name} offers none."))
            continue
        problems += [_problem(where, text) for text in _callback_faults(callback, rule)]
    return problems


def _callback_faults(callback: Callback, rule: CallbackRule) -> list[str]:
    faults = []
    parts = urlsplit(callback.url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        faults.append(f"{callback.url!r} is not an http or https address such as https://...")
    if rule.strategies and callback.strategy not in rule.strategies:
        faults.append(
            f"{callback.strategy!r} is not one of {', '.join(rule.strategies)} "
            "(when the provider calls)."
        )
    return faults
