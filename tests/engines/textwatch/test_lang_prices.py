"""Language identification and price extraction."""

from kinward.engines.textwatch.lang import detect_language
from kinward.engines.textwatch.normalize import normalize
from kinward.engines.textwatch.prices import extract_prices


def test_it_identifies_the_five_languages():
    assert detect_language("jual kereta dorong bayi, masih bagus, harga bisa nego ya bun") == "id"
    assert detect_language("продам детскую кроватку, состояние хорошее, самовывоз") == "ru"
    assert detect_language("балалар киімі сатылады, жақсы күйде, хабарласыңыз") == "kk"
    assert detect_language("出售婴儿车，九成新，同城自提") == "zh"
    assert detect_language("selling a stroller in great condition, pickup only please") == "en"


def test_it_flags_code_mixed_posts_as_mixed():
    assert detect_language("any tips for my baby? dia susah tidur malam, udah coba semua") == "mixed"
    assert detect_language("продам коляску, жақсы күйде, бағасы келісімді, самовывоз") == "mixed"
    assert detect_language("出 baby stroller，九成新，can deliver in the city") == "mixed"


def _prices(text, lang):
    return [(p.amount, p.currency) for p in extract_prices(normalize(text), lang)]


def test_it_reads_prices_with_magnitude_words_and_currencies():
    assert _prices("mahar 15jt nego", "id") == [(15e6, "IDR")]
    assert _prices("1,5 млн тг", "kk") == [(1.5e6, "KZT")]
    assert _prices("营养费8万", "zh") == [(8e4, "CNY")]
    assert _prices("fee $6,000 cash", "en") == [(6000.0, "USD")]
    assert _prices("300 тыс. руб", "ru") == [(300e3, "RUB")]


def test_it_ignores_bare_numbers():
    assert _prices("umur 3 bulan, 2 ekor", "id") == []
