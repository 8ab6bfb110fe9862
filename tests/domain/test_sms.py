"""SMS segment math: exact figures for known texts, and properties over generated ones."""

from __future__ import annotations

from itertools import pairwise

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.sms import (
    GSM_BASIC,
    GSM_EXTENSION,
    MULTIPART_CAPACITY,
    SINGLE_CAPACITY,
    ForcingChar,
    analyze,
    is_gsm,
    split_segments,
    to_gsm,
)

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # 4 emoji joined by 3 ZWJ: one grapheme, 11 UTF-16 units
FLAG = "🇫🇷"  # two regional indicators: one grapheme, 4 units
EXTENSION_CHARS = "^{}\\[~]|€\f"


# --- the tables ---------------------------------------------------------------------------


def test_basic_table_is_printable_ascii_but_backtick_and_extension_plus_39_others():
    ascii_basic = {chr(c) for c in range(0x20, 0x7F)} - set("`^{}\\[~]|") | {"\n", "\r"}
    others = set("£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà")
    assert len(others) == 39
    assert set(GSM_BASIC) == ascii_basic | others
    assert len(GSM_BASIC) == 127  # 128 codes less the escape


def test_extension_table_is_the_nine_symbols_and_form_feed():
    assert set(GSM_EXTENSION) == set(EXTENSION_CHARS)


def test_c_cedilla_capital_is_basic_but_small_is_not():
    assert analyze("Ç").encoding == "GSM-7"
    assert analyze("ç").encoding == "UCS-2"


def test_escape_character_itself_is_not_gsm():
    assert analyze("\x1b").encoding == "UCS-2"


# --- units ----------------------------------------------------------------------------------


def test_empty_text_is_one_empty_segment():
    result = analyze("")
    assert (result.encoding, result.units, result.segments, result.segment_units) == (
        "GSM-7",
        0,
        1,
        (0,),
    )
    assert result.forcing == ()
    assert result.last_segment_free == 160
    assert split_segments("") == [""]


def test_line_feed_and_carriage_return_cost_one_septet_each():
    assert analyze("\n").units == 1
    assert analyze("\r").units == 1
    assert analyze("a\r\nb").units == 4


def test_each_extension_character_costs_two_septets():
    for char in EXTENSION_CHARS:
        result = analyze(f"a{char}b")
        assert (result.encoding, result.units) == ("GSM-7", 4), repr(char)


def test_e_acute_is_basic_so_160_of_them_are_one_segment():
    result = analyze("é" * 160)
    assert (result.encoding, result.units, result.segments) == ("GSM-7", 160, 1)


def test_emoji_is_two_utf16_units():
    result = analyze("😀")
    assert (result.encoding, result.units) == ("UCS-2", 2)


def test_family_emoji_is_eleven_units():
    assert analyze(FAMILY).units == 11


# --- segments -------------------------------------------------------------------------------


def test_160_gsm_characters_are_one_segment_161_are_153_plus_8():
    assert analyze("a" * 160).segment_units == (160,)
    result = analyze("a" * 161)
    assert (result.segments, result.segment_units) == (2, (153, 8))
    assert result.segment_capacity == 153
    assert result.last_segment_free == 145


def test_307_gsm_characters_are_three_segments():
    assert analyze("1234567890" * 30 + "1234567").segment_units == (153, 153, 1)


def test_70_cyrillic_letters_are_one_segment_71_are_67_plus_4():
    single = analyze("ж" * 70)
    assert (single.encoding, single.segment_units, single.segment_capacity) == ("UCS-2", (70,), 70)
    assert single.last_segment_free == 0
    result = analyze("ж" * 71)
    assert (result.segments, result.segment_units, result.segment_capacity) == (2, (67, 4), 67)


def test_ucs2_three_segments_like_twilio_calculator():
    # An emoji and 133 digits: 135 units, 67 + 67 + 1, as in the reference calculator's tests.
    text = "😜" + ("2345678901" * 14)[:133]
    assert analyze(text).segment_units == (67, 67, 1)


def test_euro_at_a_boundary_moves_whole_to_the_next_segment():
    text = "a" * 152 + "€" + "b" * 10
    result = analyze(text)
    assert result.segment_units == (152, 12)
    assert split_segments(text) == ["a" * 152, "€" + "b" * 10]


def test_crlf_at_a_boundary_moves_whole_to_the_next_segment():
    text = "a" * 152 + "\r\n" + "b" * 10
    assert split_segments(text) == ["a" * 152, "\r\n" + "b" * 10]
    assert analyze(text).segment_units == (152, 12)


def test_emoji_surrogate_pair_is_never_split():
    # 36 emoji are 72 units; 67 is odd, so the first segment stops at 66.
    result = analyze("😀" * 36)
    assert result.segment_units == (66, 6)
    assert split_segments("😀" * 36) == ["😀" * 33, "😀" * 3]


def test_zwj_family_is_never_split():
    text = "a" * 60 + FAMILY  # 71 units: the family does not fit in the 7 units left
    assert split_segments(text) == ["a" * 60, FAMILY]
    assert analyze(text).segment_units == (60, 11)


def test_flag_is_never_split():
    text = "ж" * 65 + FLAG + "ж"  # 70 units fit one segment; one more letter makes it multipart
    assert analyze(text).segment_units == (70,)
    assert split_segments(text + "ж") == ["ж" * 65, FLAG + "жж"]


def test_cluster_longer_than_a_segment_is_cut_only_because_it_must():
    text = "e" + "\u0301" * 100  # one grapheme of 101 units
    parts = split_segments(text)
    assert "".join(parts) == text
    assert [len(part) for part in parts] == [67, 34]


# --- forcing characters and look-alikes ----------------------------------------------------


def test_forcing_characters_have_positions_and_look_alikes():
    text = "Hi “Ann” – it’s 5\u00a0pm…"
    assert analyze(text).forcing == (
        ForcingChar(3, "“", '"'),
        ForcingChar(7, "”", '"'),
        ForcingChar(9, "–", "-"),
        ForcingChar(13, "’", "'"),
        ForcingChar(17, "\u00a0", " "),
        ForcingChar(20, "…", "..."),
    )


def test_forcing_character_without_look_alike_has_none():
    assert analyze("Привет").forcing[0] == ForcingChar(0, "П", None)
    assert analyze("ok 😀").forcing == (ForcingChar(3, "😀", None),)


def test_a_grapheme_of_many_code_points_is_one_forcing_entry():
    assert analyze(f"Hi {FAMILY}!").forcing == (ForcingChar(3, FAMILY, None),)


def test_gsm_text_has_no_forcing_characters():
    assert analyze("Price: 5€ [ok] {x}").forcing == ()


def test_to_gsm_replaces_typographic_characters_with_look_alikes():
    text = "“Sale” — 50% off… it’s\u00a0on\u200b today `now` «here» ½ Ａ ç"
    assert to_gsm(text) == '"Sale" - 50% off... it\'s on today \'now\' "here" 1/2 A c'
    assert analyze(to_gsm(text)).encoding == "GSM-7"


def test_to_gsm_composes_a_decomposed_accent():
    assert to_gsm("Cafe\u0301") == "Café"


def test_to_gsm_keeps_characters_without_look_alike():
    assert to_gsm("Привет “Ann” 😀") == 'Привет "Ann" 😀'


def test_is_gsm():
    assert is_gsm("Hello {world} €5")
    assert not is_gsm("Hello ж")


# --- properties -----------------------------------------------------------------------------

# Pieces chosen to meet every rule: one- and two-septet GSM characters, CR LF, BMP characters
# that force UCS-2, astral emoji, and clusters of several code points.
PIECES = [
    *"aZ0 .@£Çé\n\r",
    *EXTENSION_CHARS,
    *"жç“–…\u00a0",
    "😀",
    "\r\n",
    FAMILY,
    FLAG,
    "e\u0301",
    "a\u0301\u0302\u0303",
    "👍🏽",
    "❤️",
]
texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=400).map("".join),
    st.text(max_size=300),
)
GRAPHEME = regex.compile(r"\X")


def reference_units(text: str, encoding: str) -> int:
    if encoding == "GSM-7":
        return sum(2 if char in GSM_EXTENSION else 1 for char in text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def grapheme_boundaries(text: str) -> list[int]:
    return [match.end() for match in GRAPHEME.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_segments_join_back_to_the_text_and_match_the_analysis(text):
    result = analyze(text)
    parts = split_segments(text)
    assert "".join(parts) == text
    assert len(parts) == result.segments
    assert tuple(reference_units(part, result.encoding) for part in parts) == result.segment_units
    assert sum(result.segment_units) == result.units == reference_units(text, result.encoding)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_encoding_is_gsm_exactly_when_every_character_is_in_the_tables(text):
    tables = set(GSM_BASIC) | set(GSM_EXTENSION)
    assert (analyze(text).encoding == "GSM-7") == set(text).issubset(tables)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_no_segment_exceeds_its_limit_and_single_part_when_it_fits(text):
    result = analyze(text)
    single = result.units <= SINGLE_CAPACITY[result.encoding]
    assert (result.segments == 1) == single
    limit = SINGLE_CAPACITY[result.encoding] if single else MULTIPART_CAPACITY[result.encoding]
    assert all(units <= limit for units in result.segment_units)
    assert result.segment_capacity == limit
    assert result.last_segment_free == limit - result.segment_units[-1]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_segments_end_on_grapheme_boundaries_and_are_filled_greedily(text):
    """No cut inside a grapheme cluster (nor a surrogate pair, nor CR LF), unless the cluster is
    bigger than a whole segment; and no segment could have taken the next cluster."""
    result = analyze(text)
    parts = split_segments(text)
    capacity = result.segment_capacity
    if any(reference_units(c, result.encoding) > capacity for c in GRAPHEME.findall(text)):
        return  # such a cluster fits nowhere; test_cluster_longer_than_a_segment covers it
    boundaries = set(grapheme_boundaries(text))
    offset = 0
    for part, next_part in pairwise(parts):
        offset += len(part)
        assert offset in boundaries
        next_cluster = GRAPHEME.match(next_part).group()
        assert reference_units(part + next_cluster, result.encoding) > capacity


@settings(max_examples=300, deadline=None)
@given(texts)
def test_forcing_characters_are_where_they_say_and_are_not_gsm(text):
    result = analyze(text)
    assert (result.forcing == ()) == (result.encoding == "GSM-7")
    clusters_at = {match.start(): match.group() for match in GRAPHEME.finditer(text)}
    for forcing in result.forcing:
        assert clusters_at[forcing.index] == forcing.char
        assert not is_gsm(forcing.char)
        assert forcing.replacement is None or is_gsm(forcing.replacement)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_to_gsm_gives_gsm_when_every_forcing_character_has_a_look_alike(text):
    forcing = analyze(text).forcing
    if all(char.replacement is not None for char in forcing):
        assert analyze(to_gsm(text)).encoding == "GSM-7"
    if not forcing:
        assert to_gsm(text) == text
