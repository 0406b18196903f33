"""Benchmark of the birth-certificate credential engine (kinward.engines.credentials).

Measures sign+encode and verify throughput, QR rendering and zxing-cpp decoding time, and the QR version and
payload length of a typical and of a long-named certificate. Prints a table next to the targets and writes
bench/results/credentials.json.

    .venv/bin/python bench/bench_credentials.py [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import platform
import statistics
import time
import zlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519
from PIL import Image

from kinward.engines.credentials import (
    BirthClaims,
    Keyring,
    Signer,
    base45_decode,
    issue_certificate,
    key_id,
    published_key,
    qr_png,
    qr_svg,
    qr_version,
    read_qr_text,
    verify,
)

RESULTS = Path(__file__).resolve().parent / "results" / "credentials.json"
NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)

# Synthetic values with field lengths of a typical record (facility ~30 chars, office ~30 chars).
TYPICAL = BirthClaims(
    newborn_id="KW-7Q4M-92XD-3",
    date_of_birth=date(2026, 4, 30),
    sex="F",
    facility_name="Provincial Obstetrics Hospital",
    region_code="VN-HN",
    issuing_office="Hoan Kiem District Civil Registry",
    issued_at=NOW,
    log_index=18_345_221,
    tree_size=18_345_400,
    root_hash=hashlib.sha256(b"synthetic checkpoint").digest(),
)
LONG = BirthClaims(
    newborn_id="KW-7Q4M-92XD-3-0001-2026-HN-PROV-0000000001",
    date_of_birth=date(2026, 4, 30),
    sex="U",
    facility_name="Provincial General Hospital, Department of Obstetrics and Neonatology, Ward 4B",
    region_code="VN-HN-BADINH",
    issuing_office="Civil Registration Office of the People's Committee of Hoan Kiem District",
    issued_at=NOW,
    log_index=9_000_000_000,
    tree_size=9_000_000_001,
    root_hash=hashlib.sha256(b"synthetic checkpoint").digest(),
    not_before=NOW,
    expires_at=NOW + timedelta(days=365 * 100),
)

TARGETS = {
    "sign_encode_per_s": (">=", 500.0),
    "verify_text_per_s": (">=", 500.0),
    "qr_png_ms": ("<=", 50.0),
    "qr_svg_ms": ("<=", 50.0),
    "zxing_decode_ms": ("<=", 100.0),
    "zxing_decode_photo_ms": ("<=", 100.0),
    "verify_image_per_s": (">=", 10.0),
    "typical_qr_version": ("<=", 15),
}


def rate(function: Callable[[], object], seconds: float) -> float:
    """Calls per second of `function`, run repeatedly for about `seconds`."""
    function()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        function()
        count += 1
    return count / elapsed


def median_ms(function: Callable[[], object], repeats: int) -> float:
    """Median wall time of one call in milliseconds."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def photo_like(text: str) -> bytes:
    """A 1200x1200 JPEG (quality 60) of the QR, rotated 7 degrees on a grey page: closer to a phone photo."""
    picture = Image.open(io.BytesIO(qr_png(text, scale=8))).convert("L").rotate(7, expand=True, fillcolor=255)
    page = Image.new("L", (1200, 1200), 225)
    page.paste(picture, ((1200 - picture.width) // 2, (1200 - picture.height) // 2))
    buffer = io.BytesIO()
    page.save(buffer, format="JPEG", quality=60)
    return buffer.getvalue()


def sizes(prefix: str, claims: BirthClaims, text: str) -> dict[str, int]:
    compressed = base45_decode(text[4:])
    return {
        f"{prefix}_cbor_bytes": len(claims.to_cbor()),
        f"{prefix}_cose_bytes": len(zlib.decompress(compressed)),
        f"{prefix}_zlib_bytes": len(compressed),
        f"{prefix}_text_chars": len(text),
        f"{prefix}_qr_version": qr_version(text),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (about 10 s)")
    args = parser.parse_args()
    seconds, repeats = (1.0, 15) if args.quick else (5.0, 100)

    private_key = ed25519.Ed25519PrivateKey.generate()
    signer = Signer(private_key=private_key, kid=key_id(private_key.public_key()))
    keyring = Keyring(
        [published_key(signer, issuer=TYPICAL.issuing_office, valid_from=NOW - timedelta(days=1))]
    )
    text = issue_certificate(TYPICAL, signer)
    png = qr_png(text)
    photo = photo_like(text)
    assert read_qr_text(photo) == text
    assert verify(text, keyring, now=NOW).valid and verify(png, keyring, now=NOW).valid

    figures: dict[str, float | int] = {
        "sign_encode_per_s": rate(lambda: issue_certificate(TYPICAL, signer), seconds),
        "verify_text_per_s": rate(lambda: verify(text, keyring, now=NOW), seconds),
        "qr_png_ms": median_ms(lambda: qr_png(text), repeats),
        "qr_svg_ms": median_ms(lambda: qr_svg(text), repeats),
        "zxing_decode_ms": median_ms(lambda: read_qr_text(png), repeats),
        "zxing_decode_photo_ms": median_ms(lambda: read_qr_text(photo), repeats),
        "verify_image_per_s": rate(lambda: verify(png, keyring, now=NOW), seconds),
        "qr_png_bytes": len(png),
        **sizes("typical", TYPICAL, text),
        **sizes("long", LONG, issue_certificate(LONG, signer)),
    }
    print(f"{'figure':<24}{'measured':>12}  target")
    for name, value in figures.items():
        op, target = TARGETS.get(name, ("", ""))
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        verdict = ""
        if op:
            met = value >= target if op == ">=" else value <= target
            verdict = f"{op} {target}  {'ok' if met else 'MISSED'}"
        print(f"{name:<24}{shown:>12}  {verdict}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "engine": "credentials",
                "quick": args.quick,
                "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "machine": {"python": platform.python_version(), "processor": platform.machine()},
                "figures": figures,
                "targets": {name: f"{op} {target}" for name, (op, target) in TARGETS.items()},
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
