"""Normalisation and de-obfuscation keep exact raw offsets."""

from hypothesis import given
from hypothesis import strategies as st

from kinward.engines.textwatch.normalize import normalize, skeleton


def test_it_folds_full_width_digits_and_letters():
    nt = normalize("ＷＡ ０８１２")
    assert nt.text == "wa 0812"
    assert nt.raw_substring(3, 7) == "０８１２"


def test_it_reads_keycap_emoji_digits_as_plain_digits():
    raw = "hub 0️⃣8️⃣1️⃣"
    nt = normalize(raw)
    assert nt.text == "hub 081"
    assert nt.raw_substring(4, 7) == "0️⃣8️⃣1️⃣"


def test_it_reads_other_unicode_decimal_digits():
    assert normalize("٠٨١٢").text == "0812"  # Arabic-Indic digits


def test_it_replaces_look_alike_letters_only_inside_digit_runs():
    nt = normalize("WA o8l2 7745 3l9o, lola")
    assert nt.text == "wa 0812 7745 3190, lola"


def test_it_maps_cyrillic_look_alikes_in_latin_words_to_latin():
    nt = normalize("bаyi")  # Cyrillic а inside a Latin word
    assert nt.text == "bayi"


def test_it_maps_latin_look_alikes_in_cyrillic_words_to_cyrillic():
    nt = normalize("pебенoк")  # Latin p and o inside a Cyrillic word
    assert nt.text == "ребенок"


def test_it_spells_out_number_words_in_five_languages():
    cases = {
        "nol delapan satu dua tiga empat lima": "0 8 1 2 3 4 5",
        "восемь семь ноль один два три четыре": "8 7 0 1 2 3 4",
        "сегіз жеті нөл бір екі үш төрт": "8 7 0 1 2 3 4",
        "一三八一二三四": "1381234",
        "zero eight one two three four five": "0 8 1 2 3 4 5",
    }
    for raw, expected in cases.items():
        assert normalize(raw).text == expected, raw


def test_it_leaves_short_runs_of_number_words_alone():
    assert normalize("dua minggu, satu bulan").text == "dua minggu, satu bulan"
    assert normalize("八个月").text == "八个月"


def test_number_word_digits_map_back_to_the_words():
    nt = normalize("WA nol delapan satu dua tiga empat lima!")
    start = nt.text.index("0")
    end = nt.text.index("5") + 1
    assert nt.raw_substring(start, end) == "nol delapan satu dua tiga empat lima"


@given(st.text(max_size=60))
def test_every_normalised_character_maps_into_the_raw_text(raw):
    nt = normalize(raw)
    assert len(nt.starts) == len(nt.text) == len(nt.ends)
    for a, b in zip(nt.starts, nt.ends, strict=True):
        assert 0 <= a <= b <= len(raw)
    if nt.text:
        assert nt.raw_substring(0, len(nt.text)) in raw


def test_skeleton_masks_digits_and_folds_scripts():
    assert skeleton("Bаyi  0812\n3456") == skeleton("bayi 9999 9999")
