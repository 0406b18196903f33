"""A tipster's path through a real browser: send a tip in Indonesian and one in Chinese without signing in, read
the receipt code on the page, then follow the first tip on the status page and add information to it.

Runs Debian's chromium through Playwright (see conftest.py).
"""

import io
import re

import pytest


@pytest.fixture
def tip_line(transactional_db, settings, tmp_path):
    from tests import factories as f

    settings.MEDIA_ROOT = tmp_path / "media"
    country = f.country("ID")
    f.district(f.province(country, "ID-RI"), "ID-RI-BTM")
    return tmp_path / "media"


def switch_language(page, code: str, button: str) -> None:
    page.select_option("#language", code)
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == code


def read_receipt_code(page) -> str:
    code = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code)
    return code


def test_a_tipster_sends_tips_in_indonesian_and_chinese_and_follows_one_with_the_receipt_code(
    live_server, tip_line, browser_page
):
    from PIL import Image

    from kinward.apps.tips.models import Tip

    page = browser_page
    page.goto(f"{live_server.url}/tips/")
    switch_language(page, "id", "Switch")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Laporkan kecurigaan")
    page.get_by_label("Tentang apa laporan Anda?").select_option("clinic")
    page.get_by_label("Apa yang terjadi?").fill("Bidan di klinik menawarkan bayi baru lahir dengan bayaran.")
    page.get_by_label("Di mana kejadiannya?").fill("Klinik dekat pelabuhan, Batam")
    page.get_by_label("Wilayah (opsional)").select_option(label="District")
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Terima kasih: laporan Anda telah diterima"
    first_code = read_receipt_code(page)

    switch_language(page, "zh-hans", "Ganti")
    page.goto(f"{live_server.url}/tips/")
    page.get_by_label("您的举报涉及什么？").select_option("website")
    page.get_by_label("发生了什么？").fill("一个“收养之家”网站标价出售新生儿。")
    page.get_by_label("在哪里发生的？").fill("网上")
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "谢谢：我们已收到您的举报"
    second_code = read_receipt_code(page)
    assert second_code != first_code

    tips = {t.category: t for t in Tip.objects.all()}
    assert set(tips) == {"clinic", "website"}
    assert (tips["clinic"].language, tips["website"].language) == ("id", "zh-hans")
    assert tips["clinic"].region.code == "ID-RI-BTM"

    page.goto(f"{live_server.url}/tips/status/")
    page.get_by_label("回执码").fill(first_code.lower())
    page.get_by_role("button", name="查询状态").click()
    page.wait_for_load_state()
    assert page.locator("#tip-status").get_attribute("data-status") == "received"
    assert page.locator("#tip-status").inner_text() == "已收到"

    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(picture, format="JPEG")
    page.get_by_label("您想补充什么？").fill("那位助产士现在在另一家诊所工作。")
    page.get_by_label("图片（选填）").set_input_files(
        files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": picture.getvalue()}]
    )
    page.get_by_role("button", name="添加到我的举报").click()
    page.wait_for_load_state()
    assert page.get_by_text("谢谢：您的信息已添加到举报中。").is_visible()
    message = tips["clinic"].messages.get()
    assert message.text == "那位助产士现在在另一家诊所工作。" and message.attachments.count() == 1
    assert len([p for p in tip_line.rglob("*") if p.is_file()]) == 1
