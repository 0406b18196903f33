"""Newborn IDs: alphabet, normalisation, and a check character that catches every single error it must."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from kinward.engines.ids import (
    ALPHABET,
    ID_LENGTH,
    IdErrorKind,
    check_character,
    format_id,
    new_id,
    new_ids,
    validate,
)
from kinward.engines.ids.codec import MODULUS


def test_the_alphabet_has_no_look_alike_pairs_and_a_prime_size() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == MODULUS == 29
    assert all(MODULUS % d for d in range(2, MODULUS))
    for dropped in "OQILZSB":
        assert dropped not in ALPHABET


def test_new_ids_have_the_fixed_length_alphabet_and_a_valid_check() -> None:
    ids = new_ids(500)
    assert len(set(ids)) == 500
    for value in ids:
        assert len(value) == ID_LENGTH and set(value) <= set(ALPHABET)
        assert value[-1] == check_character(value[:-1])
        assert validate(value).valid
    for position in range(ID_LENGTH - 1):  # every symbol turns up in every data position
        assert {value[position] for value in ids} == set(ALPHABET)


def test_it_catches_every_single_substitution_and_adjacent_transposition_of_many_random_ids() -> None:
    rng = random.Random(20261202)
    for _ in range(300):
        data = "".join(rng.choice(ALPHABET) for _ in range(ID_LENGTH - 1))
        good = data + check_character(data)
        assert validate(good).valid
        for position in range(ID_LENGTH):
            for replacement in ALPHABET:
                if replacement != good[position]:
                    typo = good[:position] + replacement + good[position + 1 :]
                    assert validate(typo).error is IdErrorKind.CHECK_MISMATCH, typo
        for position in range(ID_LENGTH - 1):
            a, b = good[position], good[position + 1]
            if a != b:
                swapped = good[:position] + b + a + good[position + 2 :]
                assert validate(swapped).error is IdErrorKind.CHECK_MISMATCH, swapped


def test_no_weighted_difference_vanishes_so_detection_holds_for_every_id() -> None:
    """The check is linear: an error is missed only if weight * (a - b) = 0 mod 29 for some weight used.

    Checking every position and every pair of symbols covers all 29**10 IDs at once.
    """
    weights = [pow(2, i, MODULUS) for i in range(ID_LENGTH)]
    assert len(set(weights)) == ID_LENGTH
    for i, w in enumerate(weights):
        for a in range(MODULUS):
            for b in range(MODULUS):
                if a != b:
                    assert w * (a - b) % MODULUS != 0  # substitution at position i
                    if i + 1 < ID_LENGTH:  # adjacent transposition of positions i, i+1
                        assert (weights[i + 1] - w) * (a - b) % MODULUS != 0


def test_normalisation_accepts_case_separators_and_look_alikes() -> None:
    value = new_id()
    typed = format_id(value).lower().replace("0", "o").replace("1", "l").replace("5", "s").replace("8", "b")
    result = validate(" " + typed + " ")
    assert result.valid and result.id == value
    assert result.display == format_id(value)
    assert all(c.read_as in "0158" for c in result.corrections)
    assert len(result.corrections) == sum(value.count(d) for d in "0158")


def test_a_character_outside_the_alphabet_is_named_with_its_position_and_a_reading() -> None:
    value = new_id()
    result = validate(value[:3] + "Ö" + value[4:])
    assert result.error is IdErrorKind.BAD_CHARACTER
    assert (result.position, result.character, result.suggestions) == (4, "Ö", ("0",))
    result = validate(value[:5] + "#" + value[6:])
    assert result.error is IdErrorKind.BAD_CHARACTER and result.position == 6 and "'#'" in result.message


def test_wrong_length_and_empty_input_are_named() -> None:
    value = new_id()
    assert validate(value[:-1]).error is IdErrorKind.WRONG_LENGTH
    assert "got 10" in validate(value[:-1]).message
    assert validate(value + "A").error is IdErrorKind.WRONG_LENGTH
    assert validate(" - ").error is IdErrorKind.EMPTY


def test_a_transposed_id_gets_the_original_among_its_suggestions() -> None:
    value = "4" + "7" + new_id()[2:]
    value = value[:-1] + check_character(value[:-1])
    result = validate(value[1] + value[0] + value[2:])
    assert result.error is IdErrorKind.CHECK_MISMATCH
    assert value in result.suggestions


@given(st.text(max_size=30))
def test_validate_never_crashes_and_accepts_only_checked_ids(text: str) -> None:
    result = validate(text)
    if result.valid:
        assert result.id is not None and len(result.id) == ID_LENGTH
        assert result.id[-1] == check_character(result.id[:-1])
    else:
        assert result.error is not None and result.message
