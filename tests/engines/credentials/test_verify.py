"""The whole pipeline: issue -> KW1: text -> QR picture -> zxing-cpp -> verify, and each way it can fail."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import cbor2
import pytest
from PIL import Image

from kinward.engines.credentials import (
    Keyring,
    UnreadableImageError,
    base45_decode,
    base45_encode,
    decode_transport,
    deflate,
    encode_transport,
    issue_certificate,
    published_key,
    qr_png,
    qr_svg,
    qr_version,
    read_qr_text,
    revoke_key,
    rotate_issuer_key,
    sign_cose_sign1,
    verify,
)

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def test_a_certificate_survives_qr_png_and_zxing_and_verifies_valid(
    signer, keyring, make_claims, now, tmp_path
):
    claims = make_claims()
    text = issue_certificate(claims, signer)
    assert text.startswith("KW1:")
    png = qr_png(text)
    assert png.startswith(b"\x89PNG")
    result = verify(png, keyring, now=now)
    assert result.valid and result.reason is None
    assert result.claims == claims and result.kid == signer.kid
    assert result.facts()["newborn_id"] == "KW-7Q4M-92XD-3"
    path = tmp_path / "certificate.png"
    path.write_bytes(png)
    assert verify(path, keyring, now=now).valid


def test_a_photographed_jpeg_of_the_qr_still_reads(signer, make_claims):
    text = issue_certificate(make_claims(), signer)
    picture = Image.open(io.BytesIO(qr_png(text, scale=6))).convert("L")
    canvas = Image.new("L", (picture.width + 200, picture.height + 300), 235)
    canvas.paste(picture.rotate(7, expand=True, fillcolor=255), (90, 130))
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=60)
    assert read_qr_text(buffer.getvalue()) == text


def test_the_svg_rendering_is_a_standalone_svg_document(signer, make_claims):
    svg = qr_svg(issue_certificate(make_claims(), signer))
    assert svg.startswith(b"<?xml") and b"<svg" in svg and b"</svg>" in svg


def test_a_typical_certificate_fits_qr_version_15_or_smaller(signer, make_claims):
    assert qr_version(issue_certificate(make_claims(), signer)) <= 15


def test_an_image_without_a_qr_code_is_an_input_error_not_a_verdict(keyring, now):
    buffer = io.BytesIO()
    Image.new("L", (200, 200), 255).save(buffer, format="PNG")
    with pytest.raises(UnreadableImageError):
        verify(buffer.getvalue(), keyring, now=now)
    with pytest.raises(UnreadableImageError):
        verify(b"not an image", keyring, now=now)


def test_a_health_certificate_prefix_is_rejected(signer, keyring, make_claims, now):
    text = issue_certificate(make_claims(), signer)
    result = verify("HC1:" + text[4:], keyring, now=now)
    assert (result.valid, result.reason) == (False, "bad_prefix")


def test_a_character_outside_base45_is_bad_base45(signer, keyring, make_claims, now):
    text = issue_certificate(make_claims(), signer)
    assert verify(text[:10] + "a" + text[11:], keyring, now=now).reason == "bad_base45"


def test_one_changed_base45_character_never_verifies(signer, keyring, make_claims, now):
    text = issue_certificate(make_claims(), signer)
    for position in range(4, len(text), 7):
        replacement = BASE45_ALPHABET[(BASE45_ALPHABET.index(text[position]) + 1) % 45]
        result = verify(text[:position] + replacement + text[position + 1 :], keyring, now=now)
        assert not result.valid
        assert result.reason in {"bad_base45", "bad_compression", "bad_cose", "bad_signature", "unknown_key"}


def test_a_changed_claim_re_encoded_without_re_signing_is_bad_signature(signer, keyring, make_claims, now):
    text = issue_certificate(make_claims(), signer)
    cose = cbor2.loads(decode_transport(text))
    protected, unprotected, payload, signature = cose.value
    cwt = cbor2.loads(payload)
    cwt[-65537][3] = "M"  # the sex claim
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, dict(unprotected), cbor2.dumps(cwt), signature]))
    result = verify(encode_transport(forged), keyring, now=now)
    assert (result.valid, result.reason) == (False, "bad_signature")


def test_a_flipped_compressed_byte_is_bad_compression(signer, keyring, make_claims, now):
    text = issue_certificate(make_claims(), signer)
    compressed = bytearray(base45_decode(text[4:]))
    compressed[-1] ^= 0x01  # last byte of the Adler-32 checksum
    result = verify("KW1:" + base45_encode(bytes(compressed)), keyring, now=now)
    assert (result.valid, result.reason) == (False, "bad_compression")


def test_compressed_garbage_is_bad_cose(keyring, now):
    assert verify(encode_transport(b"\x83\x01\x02\x03"), keyring, now=now).reason == "bad_cose"


def test_a_certificate_signed_by_an_unknown_key_is_unknown_key(keyring, make_claims, new_signer, now):
    stranger = new_signer()
    result = verify(issue_certificate(make_claims(), stranger), keyring, now=now)
    assert (result.valid, result.reason) == (False, "unknown_key")
    assert stranger.kid.hex() in result.detail


def test_a_key_revoked_before_iat_makes_the_certificate_revoked_key(signer, office_key, make_claims, now):
    revoked = Keyring(revoke_key([office_key], signer.kid, now - timedelta(days=1)))
    result = verify(issue_certificate(make_claims(), signer), revoked, now=now)
    assert (result.valid, result.reason) == (False, "revoked_key")


def test_certificates_issued_before_the_revocation_time_stay_valid(signer, office_key, make_claims, now):
    revoked = Keyring(revoke_key([office_key], signer.kid, now + timedelta(days=1)))
    assert verify(issue_certificate(make_claims(), signer), revoked, now=now + timedelta(days=2)).valid


def test_a_future_iat_is_not_yet_valid(signer, keyring, make_claims, now):
    text = issue_certificate(make_claims(issued_at=now + timedelta(days=1)), signer)
    result = verify(text, keyring, now=now)
    assert (result.valid, result.reason) == (False, "not_yet_valid")


def test_a_future_nbf_is_not_yet_valid_and_a_past_exp_is_expired(signer, keyring, make_claims, now):
    later = issue_certificate(make_claims(not_before=now + timedelta(days=3)), signer)
    assert verify(later, keyring, now=now).reason == "not_yet_valid"
    short = issue_certificate(make_claims(expires_at=now + timedelta(days=3)), signer)
    assert verify(short, keyring, now=now + timedelta(days=2)).valid
    assert verify(short, keyring, now=now + timedelta(days=4)).reason == "expired"


def test_rotation_keeps_old_certificates_valid_and_stops_the_old_key_signing(
    signer, office_key, make_claims, new_signer, now
):
    old_certificate = issue_certificate(make_claims(), signer)
    successor = new_signer()
    rotated = rotate_issuer_key(
        [office_key], published_key(successor, issuer=office_key.issuer, valid_from=now)
    )
    assert [key.status for key in rotated] == ["retired", "active"] and rotated[0].valid_to == now
    keyring = Keyring(rotated)
    later = now + timedelta(days=10)
    assert verify(old_certificate, keyring, now=later).valid
    assert verify(issue_certificate(make_claims(issued_at=later), successor), keyring, now=later).valid
    late_by_old_key = verify(issue_certificate(make_claims(issued_at=later), signer), keyring, now=later)
    assert (late_by_old_key.valid, late_by_old_key.reason) == (False, "unknown_key")


def test_a_key_used_before_its_publication_is_unknown_key(signer, office_key, make_claims, now):
    early = office_key.valid_from - timedelta(days=1)
    text = issue_certificate(make_claims(issued_at=early, date_of_birth=early.date()), signer)
    assert verify(text, Keyring([office_key]), now=now).reason == "unknown_key"


def test_an_office_cannot_issue_in_another_offices_name(signer, keyring, make_claims, now):
    result = verify(
        issue_certificate(make_claims(issuing_office="Another Registry"), signer), keyring, now=now
    )
    assert (result.valid, result.reason) == (False, "bad_claims")


def test_a_signed_payload_that_is_not_birth_claims_is_bad_claims(signer, keyring, now):
    cose = sign_cose_sign1(cbor2.dumps({1: "x", 6: int(now.timestamp())}), signer.private_key, signer.kid)
    result = verify(encode_transport(cose), keyring, now=now)
    assert (result.valid, result.reason) == (False, "bad_claims")


def test_a_message_without_kid_is_unknown_key(signer, keyring, make_claims, now):
    text = issue_certificate(make_claims(), signer)
    protected, _, payload, signature = cbor2.loads(decode_transport(text)).value
    bare = cbor2.dumps([cbor2.dumps({1: -8}), {}, payload, signature])
    assert verify("KW1:" + base45_encode(deflate(bare)), keyring, now=now).reason == "unknown_key"


def test_a_custom_prefix_is_honoured(signer, keyring, make_claims, now):
    text = issue_certificate(make_claims(), signer, prefix="KWT:")
    assert verify(text, keyring, now=now, prefix="KWT:").valid
    assert verify(text, keyring, now=now).reason == "bad_prefix"


def test_a_signature_moved_onto_another_payload_of_the_same_key_is_bad_signature(
    signer, keyring, make_claims, now
):
    claims = make_claims()
    genuine = cbor2.loads(decode_transport(issue_certificate(claims, signer))).value
    other = cbor2.loads(decode_transport(issue_certificate(replace(claims, newborn_id="KW-0"), signer))).value
    spliced = cbor2.dumps(cbor2.CBORTag(18, [genuine[0], {}, other[2], genuine[3]]))
    assert verify(encode_transport(spliced), keyring, now=now).reason == "bad_signature"
