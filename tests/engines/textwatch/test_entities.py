"""Contact extraction on hand-written posts (own examples, not from the dev set)."""

from hypothesis import given
from hypothesis import strategies as st

from kinward.engines.textwatch.entities import extract_entities, parse_phone
from kinward.engines.textwatch.normalize import normalize


def _ents(text, lang):
    out = extract_entities(normalize(text), lang)
    for e in out:
        assert e.raw in text
    return [(e.type, e.raw, e.normalized) for e in out]


def test_it_reads_an_indonesian_whatsapp_number_with_trunk_prefix():
    assert _ents("Minat? WA 0813-2244-5566 ya", "id") == [("whatsapp", "0813-2244-5566", "+6281322445566")]


def test_it_reads_obfuscated_numbers():
    assert _ents("hub o8l3 2244 55б6", "id") == []  # a Cyrillic б is not a digit: no number
    assert _ents("hub o8l3 2244 5566", "id") == [("phone", "o8l3 2244 5566", "+6281322445566")]
    text = "WA nol delapan satu tiga dua dua empat empat lima lima enam enam"
    assert _ents(text, "id")[0][2] == "+6281322445566"
    assert _ents("тел восемь семь ноль один два два три три четыре четыре пять", "ru")[0][2] == "+77012233445"
    assert _ents("电话 一三八一二三四五六七八", "zh")[0][2] == "+8613812345678"
    assert _ents("WA 0813📞2244📞5566", "id")[0][2] == "+6281322445566"


def test_it_reads_kazakh_and_russian_numbers_with_8_prefix():
    assert _ents("ватсап 8 701 765 43 21", "kk") == [("whatsapp", "8 701 765 43 21", "+77017654321")]
    assert _ents("Тел. 8 (916) 123-45-67", "ru") == [("phone", "8 (916) 123-45-67", "+79161234567")]


def test_it_types_telegram_line_wechat_and_other_handles():
    got = _ents("tg @Bayi_Sehat, IG: rumah.bayi, t.me/BayiKu, LINE: bunda.ok", "id")
    assert ("telegram", "@Bayi_Sehat", "bayi_sehat") in got
    assert ("handle", "rumah.bayi", "rumah.bayi") in got
    assert ("telegram", "t.me/BayiKu", "bayiku") in got
    assert ("line", "bunda.ok", "bunda.ok") in got
    assert _ents("加微信 baobao_2024", "zh") == [("wechat", "baobao_2024", "baobao_2024")]
    assert _ents("扣扣 123456789", "zh") == [("handle", "123456789", "123456789")]


def test_it_reads_plain_and_bracketed_emails():
    got = _ents("mail mamaku [at] example [dot] com or Mama.Two@Example.org", "en")
    assert ("email", "mamaku [at] example [dot] com", "mamaku@example.com") in got
    assert ("email", "Mama.Two@Example.org", "mama.two@example.org") in got


def test_it_does_not_read_register_at_a_site_as_an_email():
    assert _ents("Register at info.example.org today", "en") == [
        ("url", "info.example.org", "info.example.org")
    ]


def test_it_normalises_urls_without_scheme_www_or_trailing_slash():
    assert _ents("see https://www.Example.com/Adopt/ now", "en") == [
        ("url", "https://www.Example.com/Adopt", "example.com/adopt")
    ]


def test_it_does_not_read_prices_as_phones():
    assert _ents("Harga Rp 1.500.000, ukuran 120x60", "id") == []
    assert _ents("Цена 12 000 ₽, торг", "ru") == []


def test_it_does_not_read_tenge_as_telegram():
    assert _ents("Бағасы 1,5 млн тг. Пиши в тг @ana_kz", "kk") == [("telegram", "@ana_kz", "ana_kz")]


def test_a_bracketed_channel_after_a_number_sets_its_type():
    assert _ents("Contact +65 8123 4567 (WhatsApp)", "en") == [("whatsapp", "+65 8123 4567", "+6581234567")]


def test_wechat_same_number_is_recorded_once_as_phone():
    assert _ents("微信同号 139 1234 5678", "zh") == [("phone", "139 1234 5678", "+8613912345678")]


def test_parse_phone_prefers_mobile_readings_and_rejects_invalid_numbers():
    assert parse_phone("09178452210", False, ["ID", "PH"]) == "+639178452210"
    assert parse_phone("12345", False, ["ID"]) is None


@given(
    st.lists(
        st.sampled_from(["WA ", "0812", "-", "7745", " ", "o8l2", "@bunda_x", "tg ", "nol ", "delapan ", "八", "📞",
                         "mail a [at] b [dot] com", "www.x.example/p", "Rp 1.500.000", "8 701 482 39 17", "\n"]),
        max_size=12,
    )
)  # fmt: skip
def test_every_entity_raw_is_an_exact_substring_of_the_post(parts):
    text = "".join(parts)
    for lang in ("id", "ru", "mixed"):
        for ent in extract_entities(normalize(text), lang):
            assert ent.raw in text
