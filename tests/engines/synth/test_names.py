"""Invented identity numbers and phones follow each country's public layout, and never repeat."""

from __future__ import annotations

import phonenumbers
import pytest

from kinward.engines.synth.names import NameMaker, PersonName, _iin_check, _iso7064_mod11_2
from kinward.engines.synth.rand import Draws


def test_chinese_resident_id_check_character_matches_gb_11643_examples() -> None:
    assert _iso7064_mod11_2("11010519491231002") == "X"
    assert _iso7064_mod11_2("44052418800101001") == "4"


def test_kazakh_iin_check_digit_follows_the_two_pass_rule() -> None:
    body = "90010140001"
    first = sum(w * int(c) for w, c in zip(range(1, 12), body, strict=True)) % 11
    assert _iin_check(body) == first if first != 10 else _iin_check(body) != 10


@pytest.mark.parametrize("country", ["ID", "KZ", "CN"])
def test_national_ids_are_unique_and_shaped_like_the_countrys(country: str) -> None:
    maker = NameMaker(country, Draws(1))
    numbers = [maker.national_id((1990, 1, 1), "female", 42) for _ in range(3000)]
    assert len(set(numbers)) == len(numbers)
    length = {"ID": 16, "KZ": 12, "CN": 18}[country]
    assert all(len(n) == length for n in numbers)
    if country == "ID":
        assert all(n[6:12] == "410190" for n in numbers)  # women's day of birth + 40, then MMYY
    if country == "KZ":
        assert all(n[:6] == "900101" and n[6] == "4" and int(n[-1]) == _iin_check(n[:-1]) for n in numbers)
    if country == "CN":
        assert all(n[6:14] == "19900101" and n[-1] == _iso7064_mod11_2(n[:-1]) for n in numbers)
        assert all(int(n[16]) % 2 == 0 for n in numbers)  # even sequence digit for women


@pytest.mark.parametrize(("country", "region"), [("ID", "ID"), ("KZ", "KZ"), ("CN", "CN")])
def test_phones_are_valid_mobile_numbers_of_the_country(country: str, region: str) -> None:
    maker = NameMaker(country, Draws(2))
    for _ in range(200):
        number = phonenumbers.parse(maker.phone())
        assert phonenumbers.is_valid_number(number), number
        assert phonenumbers.region_code_for_number(number) == region


def test_a_spelling_variant_keeps_the_person_recognisable() -> None:
    maker = NameMaker("ID", Draws(3))
    assert maker.variant(PersonName("Suharti", None)) == PersonName("Soeharti", None)
    kz = NameMaker("KZ", Draws(3))
    assert kz.variant(PersonName("Айгерим", "Сериковa".replace("a", "а"))) == PersonName(
        "Aigerim", "Serikova"
    )


def test_an_unknown_country_is_refused() -> None:
    with pytest.raises(ValueError, match="'FR' is not modelled"):
        NameMaker("FR", Draws(1))
