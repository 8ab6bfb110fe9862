"""Short links: which spans are URLs, and how a message is measured once they are shortened."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.links import DEFAULT_SHORT_LINK_LENGTH, analyze_as_sent, as_sent, find_urls
from app.domain.sms import ForcingChar, analyze

LONG_URL = "https://shop.example.com/orders/48213/track?ref=sms&utm_campaign=spring"


def urls(text: str) -> list[str]:
    return [text[start:end] for start, end in find_urls(text)]


# --- find_urls ------------------------------------------------------------------------------


def test_finds_http_https_and_bare_www_hosts():
    text = "a http://a.example/x b https://b.example c www.c.example/d?e=1 end"
    assert urls(text) == ["http://a.example/x", "https://b.example", "www.c.example/d?e=1"]


def test_scheme_and_www_are_case_insensitive():
    assert urls("HTTPS://A.EXAMPLE and WWW.B.EXAMPLE") == ["HTTPS://A.EXAMPLE", "WWW.B.EXAMPLE"]


def test_url_ends_at_whitespace_including_line_breaks():
    assert urls("see https://a.example/x\nthen\thttps://b.example/y\tok") == [
        "https://a.example/x",
        "https://b.example/y",
    ]


@pytest.mark.parametrize("mark", list(".,;:!?)"))
def test_trailing_sentence_punctuation_is_not_part_of_the_url(mark):
    assert urls(f"Go to https://a.example/x{mark} now") == ["https://a.example/x"]


def test_several_trailing_marks_are_all_dropped():
    assert urls("(see https://a.example/x?y=1).") == ["https://a.example/x?y=1"]


def test_punctuation_inside_the_url_stays():
    assert urls("https://a.example/a.b,c;d:e!f?g=1.") == ["https://a.example/a.b,c;d:e!f?g=1"]


def test_closing_parenthesis_that_matches_one_in_the_url_stays():
    assert urls("Read https://en.wikipedia.org/wiki/Mercury_(planet).") == [
        "https://en.wikipedia.org/wiki/Mercury_(planet)"
    ]


def test_no_url_without_a_host_or_inside_a_word():
    assert find_urls("http:// and https://. and www. and awww.example.com and ftp://x.y") == []


def test_spans_are_code_point_offsets():
    text = "Привет 😀 www.example.com!"
    (span,) = find_urls(text)
    assert span == (9, 24)
    assert text[span[0] : span[1]] == "www.example.com"


# --- as_sent and analyze_as_sent -------------------------------------------------------------


def test_as_sent_without_shortening_is_the_text():
    text = f"Track {LONG_URL}."
    assert as_sent(text, None) == text
    assert analyze_as_sent(text, None) == analyze(text)


def test_as_sent_replaces_each_url_with_a_placeholder_of_that_length():
    assert as_sent("a www.x.example b https://y.example/z.", 5) == "a xxxxx b xxxxx."


def test_a_url_counts_exactly_the_short_link_length_in_septets():
    result = analyze_as_sent(f"Hi {LONG_URL} bye", 23)
    assert (result.encoding, result.units) == ("GSM-7", 3 + 23 + 4)


def test_a_url_counts_exactly_the_short_link_length_in_ucs2_units():
    result = analyze_as_sent(f"Привет {LONG_URL}", 23)
    assert (result.encoding, result.units) == ("UCS-2", 7 + 23)


def test_shortening_can_bring_a_message_back_to_one_segment():
    text = "a" * 136 + " " + LONG_URL  # 137 + 72 characters
    assert analyze(text).segments == 2
    result = analyze_as_sent(text, DEFAULT_SHORT_LINK_LENGTH)
    assert (result.units, result.segments) == (160, 1)


def test_a_non_gsm_character_only_inside_a_url_does_not_force_ucs2():
    text = "Shop at https://example.com/café-ñ-ж now"
    assert analyze(text).encoding == "UCS-2"
    result = analyze_as_sent(text, 23)
    assert (result.encoding, result.forcing) == ("GSM-7", ())


def test_forcing_characters_keep_their_index_in_the_text_as_written():
    text = f"“Hi” {LONG_URL} – ok https://x.example/ж"
    result = analyze_as_sent(text, 10)
    dash = text.index("–")
    assert result.forcing == (
        ForcingChar(0, "“", '"'),
        ForcingChar(3, "”", '"'),
        ForcingChar(dash, "–", "-"),
    )
    assert result.text == text


def test_short_link_length_below_one_is_refused_with_the_value():
    for length in (0, -5):
        with pytest.raises(ValueError, match=f"short link length.*{length}"):
            as_sent("https://x.example", length)
        with pytest.raises(ValueError, match=f"short link length.*{length}"):
            analyze_as_sent("no link here", length)


def test_default_length_is_that_of_a_t_co_link():
    # The comment on DEFAULT_SHORT_LINK_LENGTH: "https://t.co/" plus a 10-character code.
    assert len("https://t.co/") + len("AbCdEfGhIj") == DEFAULT_SHORT_LINK_LENGTH == 23
    assert analyze_as_sent(LONG_URL, DEFAULT_SHORT_LINK_LENGTH).units == 23
    # A common shortener's link stays within the default, so the estimate never undercounts.
    assert len("https://bit.ly/3xYzAbC") <= DEFAULT_SHORT_LINK_LENGTH


# --- properties -----------------------------------------------------------------------------

words = st.text(alphabet="abcXYZ019 ,.!?()жé€", max_size=12)
links = st.sampled_from(
    ["https://a.example", "http://b.example/p?q=1", "www.c.example/d", "https://e.example/(f)"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(words, links), max_size=5), words, st.integers(1, 40))
def test_each_url_counts_its_short_link_length_and_nothing_else_changes(pairs, tail, length):
    text = " ".join(f"{before} {link}" for before, link in pairs) + " " + tail
    without_links = " ".join(f"{before} " for before, _ in pairs) + " " + tail
    assert urls(text) == [link for _, link in pairs]
    result = analyze_as_sent(text, length)
    rest = analyze(without_links)
    # The placeholder is GSM: one septet, or one UCS-2 unit, per character in either encoding.
    assert result.encoding == rest.encoding
    assert result.units == rest.units + length * len(pairs)
