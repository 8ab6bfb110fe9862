"""Campaign settings under each provider's rules: sender, name, links, flash, audience,
callbacks, and what a spec carries of them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.domain.batch import IssueSeverity
from app.domain.campaign_settings import (
    Callback,
    CampaignSettings,
    Targeting,
    counted_link_length,
    default_settings,
    spec_values,
    validate_settings,
)
from app.providers.batchcom import BatchProvider
from app.providers.bulksms import BulkSmsProvider
from app.providers.cordial import CordialProvider
from app.providers.rocketcoms import RocketComsProvider
from app.providers.routee import RouteeProvider, part_name

ROUTEE = RouteeProvider.capabilities
BULKSMS = BulkSmsProvider.capabilities
ROCKETCOMS = RocketComsProvider.capabilities
CORDIAL = CordialProvider.capabilities
BATCH = BatchProvider.capabilities


def problems_of(caps, **kw):
    return [
        (p.field, p.severity, p.message) for p in validate_settings(CampaignSettings(**kw), caps)
    ]


@pytest.mark.parametrize(
    "sender", ["447700900123", "+447700900123", "1234567890123456", "Shop", "CampDesk123"]
)
def test_routee_takes_16_digits_or_11_letters_and_digits(sender):
    assert problems_of(ROUTEE, name="Spring", sender=sender) == []


@pytest.mark.parametrize(
    ("sender", "words"),
    [
        (None, "Sender: Routee needs a sender: a number of at most 16 digits or at most 11 "
               "letters and digits."),
        ("12345678901234567", "Sender: 12345678901234567 has 17 digits; Routee takes at most 16."),
        ("CampaignDesk", "Sender: 'CampaignDesk' has 12 characters; Routee takes at most 11 "
                         "letters and digits."),
        ("Shop Now", "Sender: ' ' is not allowed: Routee takes a number of at most 16 digits or "
                     "at most 11 letters and digits."),
        ("Café", "Sender: 'é' is not allowed"),
        ("+Shop", "Sender: '+' is not allowed"),
    ],
)  # fmt: skip
def test_routee_refuses_other_senders_naming_why(sender, words):
    ((where, severity, message),) = problems_of(ROUTEE, name="Spring", sender=sender)
    assert where == "sender" and severity is IssueSeverity.ERROR
    assert message.startswith(words)


def test_bulksms_sender_is_optional_and_others_take_none():
    assert problems_of(BULKSMS, name="Spring") == []
    assert problems_of(BULKSMS, name="Spring", sender="Shop") == []
    for caps in (ROCKETCOMS, CORDIAL, BATCH):
        ((where, _, message),) = problems_of(caps, name="Spring", sender="Shop", audience_key="a")[
            :1
        ]
        assert where == "sender" and f"{caps.display_name} takes no sender id" in message


def test_routee_names_keep_to_its_alphabet_and_length():
    assert problems_of(ROUTEE, name="Spring sale", sender="Shop") == []
    ((_, severity, message),) = problems_of(ROUTEE, name="Soldes d'été", sender="Shop")
    assert severity is IssueSeverity.WARNING
    assert message == (
        "Campaign name: Routee names take only latin letters, digits, spaces and '-'; it will "
        "show 'Soldes d ete'."
    )
    ((_, severity, message),) = problems_of(
        ROUTEE, name="Spring sale for every customer", sender="S"
    )
    assert severity is IssueSeverity.WARNING
    assert message == (
        "Campaign name: Routee names are at most 30 characters, of which the app's tag takes 9; "
        "it will show the first 21: 'Spring sale for every'."
    )
    # what the adapter really sends agrees with what the rule says
    assert part_name("Spring sale for every customer", "k", 1).startswith("Spring sale for every ")
    ((_, severity, _),) = problems_of(ROUTEE, name="春のセール", sender="Shop")
    assert severity is IssueSeverity.ERROR


def test_every_provider_wants_a_name_and_bulksms_wants_latin1():
    for caps in (ROUTEE, BULKSMS, ROCKETCOMS):
        assert problems_of(caps, name="  ", sender="Shop")[0][0] == "name"
    ((_, severity, message),) = problems_of(BULKSMS, name="Распродажа")
    assert severity is IssueSeverity.ERROR and "iso-8859-1" in message
    ((_, severity, message),) = problems_of(BULKSMS, name="x" * 120)
    assert severity is IssueSeverity.WARNING and "at most 100 characters" in message


def test_short_links_flash_and_callbacks_only_where_offered():
    assert problems_of(ROCKETCOMS, name="S", short_links=True) == []
    ((where, _, message),) = problems_of(ROUTEE, name="S", sender="Shop", short_links=True)
    assert where == "short_links" and "urlShortener" in message
    assert problems_of(ROUTEE, name="S", sender="Shop", flash=True) == []
    assert problems_of(BULKSMS, name="S", flash=True) == []
    ((where, _, _),) = problems_of(ROCKETCOMS, name="S", flash=True)
    assert where == "flash"
    hook = Callback("https://example.com/dlr", "OnChange")
    assert problems_of(ROUTEE, name="S", sender="Shop", message_callback=hook) == []
    bad = Callback("ftp://example.com", "Sometimes")
    found = problems_of(ROUTEE, name="S", sender="Shop", campaign_callback=bad)
    assert [m for _, _, m in found] == [
        "Campaign callback: 'ftp://example.com' is not an http or https address such as "
        "https://...",
        "Campaign callback: 'Sometimes' is not one of OnChange, OnCompletion (when the provider "
        "calls).",
    ]
    ((where, _, _),) = problems_of(BULKSMS, name="S", message_callback=hook)
    assert where == "message_callback"


def test_the_counted_link_length_follows_the_setting():
    settings = CampaignSettings(name="S", short_links=True, short_link_length=20)
    assert counted_link_length(settings, ROCKETCOMS) == 20
    assert counted_link_length(settings, ROUTEE) is None
    assert counted_link_length(replace(settings, short_links=False), ROCKETCOMS) is None
    ((_, _, message),) = problems_of(ROCKETCOMS, name="S", short_links=True, short_link_length=0)
    assert message == "Short links: a short link counts as 1 to 160 characters, not 0."


def test_audiences_name_what_must_exist_at_the_provider():
    ((where, _, message),) = problems_of(CORDIAL, name="S")
    assert where == "audience"
    assert message == (
        "Audience: Cordial sends to a saved audience: give its key. It must exist in Cordial, "
        "its contacts subscribed to the sms channel."
    )
    assert problems_of(CORDIAL, name="S", audience_key="all-sms") == []
    assert problems_of(BATCH, name="S", targeting=Targeting(("FR",), ("fr",))) == []
    found = problems_of(BATCH, name="S", targeting=Targeting(("France",), ("FR",)))
    assert [m for _, _, m in found] == [
        "Audience: 'France' is not a country code such as FR or GB.",
        "Audience: 'FR' is not a two-letter language code such as fr or en.",
    ]
    ((where, _, _),) = problems_of(ROUTEE, name="S", sender="Shop", audience_key="x")
    assert where == "audience"


def test_defaults_come_from_the_account_and_spec_values_carry_only_what_is_offered():
    routee = default_settings(ROUTEE, "Spring", {"sender": "Shop", "audience_key": "x"})
    assert (routee.sender, routee.audience_key) == ("Shop", None)
    cordial = default_settings(CORDIAL, "Spring", {"sender": "Shop", "audience_key": "all-sms"})
    assert (cordial.sender, cordial.audience_key) == (None, "all-sms")
    batch = default_settings(BATCH, "Spring", {})
    assert batch.targeting == Targeting()
    assert spec_values(batch, BATCH).options == {"targeting": {}}
    chosen = replace(
        routee,
        flash=True,
        short_links=True,
        message_callback=Callback("https://example.com/m", "OnCompletion"),
    )
    values = spec_values(chosen, ROUTEE)
    assert (values.sender, values.short_links) == ("Shop", False)
    assert values.options == {
        "flash": True,
        "message_callback": {"url": "https://example.com/m", "strategy": "OnCompletion"},
    }
    assert spec_values(chosen, ROCKETCOMS).options == {}
    assert spec_values(chosen, ROCKETCOMS).short_links is True
