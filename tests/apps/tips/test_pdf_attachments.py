"""PDF attachments: accepted, rebuilt without the document information, XMP metadata, embedded files,
JavaScript, actions, annotations and the EXIF of embedded JPEG images, still readable; encrypted, damaged and
oversized PDFs refused with a clear message and nothing written. The PDFs are made here with pypdf."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link, Text
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from kinward.apps.audit.models import AuditEntry
from kinward.apps.tips import services
from kinward.apps.tips.attachments import attachment_clean
from kinward.apps.tips.models import Tip, TipAttachment
from kinward.apps.tips.pdf import MAX_PAGES, jpeg_without_metadata
from tests.apps.tips.test_tips import jpeg_with_gps, stored_files, submit_page, upload
from tests.conftest import signed_in_client

VISIBLE = "Baby offered for money at the clinic"
SECRETS = [
    b"Rina Secret",
    b"SecretPhone",
    b"JavaScript",
    b"tracker.example",
    b"KinwardTestCam",
    b"0812-0000-1111",
    b"SecretEditorState",
    b"xmpmeta",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _stream(writer: PdfWriter, data: bytes, **entries) -> object:
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream.update({NameObject(k): v for k, v in entries.items()})
    return writer._add_object(stream)


def _xmp(who: str) -> bytes:
    return (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{who}</dc:creator>'
        f"</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def pdf_with_everything(pages: int = 1) -> bytes:
    """A PDF carrying every kind of hidden detail the cleaner must remove, with visible text and a photo."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    photo = _stream(
        writer,
        jpeg_with_gps(),
        **{
            "/Type": NameObject("/XObject"),
            "/Subtype": NameObject("/Image"),
            "/Width": NumberObject(32),
            "/Height": NumberObject(24),
            "/ColorSpace": NameObject("/DeviceRGB"),
            "/BitsPerComponent": NumberObject(8),
            "/Filter": NameObject("/DCTDecode"),
            "/Metadata": _stream(writer, _xmp("Rina Secret (photo)")),
        },
    )
    for number in range(pages):
        page = writer.add_blank_page(300, 300)
        page[NameObject("/Resources")] = DictionaryObject(
            {
                NameObject("/Font"): DictionaryObject({NameObject("/F1"): font}),
                NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): photo}),
            }
        )
        page[NameObject("/Contents")] = _stream(
            writer,
            f"BT /F1 12 Tf 20 250 Td ({VISIBLE} p{number}) Tj ET q 32 0 0 24 20 100 cm /Im0 Do Q".encode(),
        )
        page[NameObject("/AA")] = DictionaryObject(
            {
                NameObject("/O"): DictionaryObject(
                    {
                        NameObject("/S"): NameObject("/JavaScript"),
                        NameObject("/JS"): TextStringObject("app.alert(1)"),
                    }
                )
            }
        )
        page[NameObject("/PieceInfo")] = DictionaryObject(
            {
                NameObject("/Editor"): DictionaryObject(
                    {NameObject("/Private"): TextStringObject("SecretEditorState")}
                )
            }
        )
        page[NameObject("/Metadata")] = _stream(writer, _xmp("Rina Secret (page)"))
        writer.add_annotation(number, Link(rect=(20, 240, 200, 260), url="https://tracker.example/rina"))
        comment = Text(rect=(20, 20, 40, 40), text="note by Rina Secret")
        comment[NameObject("/T")] = TextStringObject("Rina Secret")
        writer.add_annotation(number, comment)
    writer.add_metadata(
        {"/Author": "Rina Secret", "/Creator": "SecretPhone Scanner", "/Producer": "SecretPhone 1"}
    )
    writer.add_attachment("contacts.txt", b"Rina's phone 0812-0000-1111")
    writer.root_object[NameObject("/Metadata")] = _stream(writer, _xmp("Rina Secret"))
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.launchURL('https://tracker.example/opened')"),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_test_pdf_really_carries_the_hidden_details():
    reader = PdfReader(io.BytesIO(pdf_with_everything()))
    assert reader.metadata.author == "Rina Secret" and "contacts.txt" in reader.attachments
    assert "/OpenAction" in reader.trailer["/Root"] and "/Annots" in reader.pages[0]
    assert b"KinwardTestCam" in pdf_with_everything()


def test_a_pdf_is_rebuilt_without_metadata_files_scripts_actions_or_annotations_and_stays_readable():
    cleaned = attachment_clean(pdf_with_everything())
    assert (cleaned.content_type, cleaned.extension) == ("application/pdf", ".pdf")
    for secret in SECRETS:
        assert secret not in cleaned.content, secret
    reader = PdfReader(io.BytesIO(cleaned.content), strict=True)
    root = reader.trailer["/Root"]
    assert reader.metadata is None and reader.xmp_metadata is None and reader.attachments == {}
    assert not {"/Metadata", "/OpenAction", "/Names", "/AcroForm", "/Outlines"} & set(root)
    assert "/ID" not in reader.trailer and "/Info" not in reader.trailer
    page = reader.pages[0]
    assert not {"/Annots", "/AA", "/PieceInfo", "/Metadata"} & set(page)
    assert VISIBLE in page.extract_text()
    photo = page["/Resources"]["/XObject"]["/Im0"].get_object()
    assert "/Metadata" not in photo
    with Image.open(io.BytesIO(photo.get_data())) as decoded:
        assert decoded.size == (32, 24) and not decoded.getexif()


def test_jpeg_segments_with_metadata_are_dropped_and_the_picture_still_decodes():
    original = jpeg_with_gps()
    stripped = jpeg_without_metadata(original)
    assert b"Exif" in original and b"Exif" not in stripped and len(stripped) < len(original)
    with Image.open(io.BytesIO(stripped)) as decoded, Image.open(io.BytesIO(original)) as before:
        assert decoded.tobytes() == before.tobytes()
    assert jpeg_without_metadata(b"not a jpeg") == b"not a jpeg"


def test_a_tip_with_a_pdf_is_stored_cleaned_and_the_analyst_downloads_it(world, media):
    response = submit_page(attachments=[upload("evidence.pdf", pdf_with_everything(), "application/pdf")])
    assert response.status_code == 200
    stored = TipAttachment.objects.get()
    assert stored.content_type == "application/pdf" and stored.stored_name.endswith(".pdf")
    [path] = stored_files(media)
    content = path.read_bytes()
    assert all(secret not in content for secret in SECRETS) and "evidence" not in path.name
    client = signed_in_client(world.people["analyst"])
    tip = Tip.objects.get()
    tip.region = world.west_district
    tip.save()
    download = client.get(f"/tips/triage/{tip.pk}/attachments/{stored.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;") and download.content == content


def _encrypted() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf_with_everything()))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_encrypted, "is an encrypted or password-protected PDF"),
        (lambda: b"%PDF-1.7\n%%EOF\n", "could not be read as a PDF"),
        (lambda: pdf_with_everything()[:400], "could not be read as a PDF"),
        (lambda: pdf_with_everything(pages=MAX_PAGES + 1), f"more than {MAX_PAGES} pages"),
    ],
)
def test_encrypted_damaged_and_too_long_pdfs_are_refused_and_nothing_is_written(
    world, media, content, message
):
    with pytest.raises(ValidationError) as refused:
        services.tip_submit(category="clinic", what_happened="x", where="y", attachments=[content()])
    assert message in refused.value.message_dict["attachments"][0]
    assert Tip.objects.count() == 0 and stored_files(media) == []
    assert not AuditEntry.objects.filter(action="tips.tip.submit").exists()


def test_an_oversized_pdf_is_refused_by_the_size_limit(world, media, settings):
    settings.TIP_ATTACHMENT_MAX_BYTES = 2000
    response = submit_page(attachments=[upload("big.pdf", pdf_with_everything(), "application/pdf")])
    assert response.status_code == 400 and "is too large" in response.content.decode()
    assert Tip.objects.count() == 0 and stored_files(media) == []


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_starting_like_a_pdf_give_a_clean_pdf_or_a_clear_refusal(tail):
    try:
        cleaned = attachment_clean(b"%PDF-1.4\n" + tail)
    except ValidationError as refused:
        assert "PDF" in refused.message_dict["attachments"][0]
    else:
        assert PdfReader(io.BytesIO(cleaned.content)).pages
