"""Offline language identification for posts: ``id``, ``ru``, ``kk``, ``zh``, ``en`` or ``mixed``.

Script decides first (Han → Chinese, Cyrillic → Russian or Kazakh, Latin → Indonesian or English); within a script
the n-gram models of lingua (Stahl, *lingua-rs*, low-accuracy mode, restricted language sets; Malay is folded into
Indonesian) choose, and short marker-word lists decide code-mixing: a post is ``mixed`` when a second language
contributes at least :data:`MIX_MIN_WORDS` marker words and at least :data:`MIX_MIN_SHARE` of the marker words
(Indonesian–English, Kazakh–Russian, Russian–English, Chinese–English). Detectors are built once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache

LANGS = ("id", "ru", "kk", "zh", "en", "mixed")
MIX_MIN_WORDS = 2
MIX_MIN_SHARE = 0.25
CLEAR_MARKERS = 4

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_CYR_WORD_RE = re.compile(r"[\u0400-\u04ff]+")
_LAT_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
_KK_LETTERS = re.compile(r"[әғқңөұүһі]")

EN_MARKERS = frozenset(
    """the a an and or of for to with without is are was be been i we you he she it they my our your his her
    their this that these those there here who what when where how why any anyone someone looking need needed
    want wanted will would can could should have has had do does not no only just all please new old baby
    available ready girl boy healthy good great first time mom tips so lost help take care family families
    cute serious buyer pay paid full package include included incl from after before per month week day days
    months weeks contact hiring salary stay private adoption adopt process birth cert certificate registration
    free call text me us sale selling price fee fees mother mothers couple couples skip court courts""".split()
)
ID_MARKERS = frozenset(
    """yang yg dan atau di ke dari untuk utk dengan dgn tanpa tidak tdk gak nggak ga enggak aku saya kami kita
    kamu anda dia mereka ini itu ada mau ingin bisa sudah sdh udah belum blm masih juga aja saja sih dong ya kok
    bun bunda bayi anak cewek cowok laki perempuan lahir umur usia bulan bln minggu mgg hari thn tahun sehat
    harga nego murah biaya uang bayar ditanggung lahiran persalinan hamil ibu ibunya ayah keluarga orang tua
    ortu angkat adopsi japri hub hubungi jual dijual beli cari mencari dicari butuh dibutuhkan tolong gimana
    apa aja siapa kalau kalo karena krn tapi atau lagi baru banget bgt isinya pengalaman rekomendasi murah
    proses ribet surat akta dokumen paspor rahasia terjamin sewa rahim wanita pria tinggal tempat kerja gaji
    lowongan syarat paket termasuk sudah dinsos pengadilan sidang""".split()
)
RU_MARKERS = frozenset(
    """и в во не на что как с со для без по от до за из у к о об я мы вы он она они это этот эта есть нет
    был была было будет кто где когда если или но да же ли бы все всё очень только уже еще ещё тоже
    ребенок ребенка ребёнка ребёнок малыш малыша девочка мальчик новорожденный новорождённый мама маме
    мамы роды родов деньги денег нужна нужен нужно нужны помощь продам продаю отдам куплю ищу ищем срочно
    здоровый здорова хорошие руки пишите звоните оплата цена торг документы опеки опека суда суд семьи семья
    пар пары расходы сверху зарплата состояние самовывоз хорошее как новый""".split()
)
KK_MARKERS = frozenset(
    """және мен бен пен да де та те бар жоқ емес керек болады бала баланы баласы нәресте сәби қыз ұл айлық
    күндік апталық жаңа туған беремін береміз сатамын сатылады бағасы теңге тг мың жазыңыз хабарласыңыз
    анасы анасына ақша ақшасы құжат құжаттар құжатты отбасы отбасына жақсы тегін алып біз сіз мен ол олар
    бұл осы қандай қалай неге үшін туралы арқылы бойынша сот қамқоршылық асырап алу төлейміз жұмыс жалақы
    күтуші қыздар балам""".split()
)


@lru_cache(maxsize=1)
def _detectors():
    """Build the two lingua detectors once per process (building is the slow part)."""
    from lingua import Language, LanguageDetectorBuilder

    latin = (
        LanguageDetectorBuilder.from_languages(Language.INDONESIAN, Language.MALAY, Language.ENGLISH)
        .with_low_accuracy_mode()
        .build()
    )
    cyrillic = (
        LanguageDetectorBuilder.from_languages(Language.RUSSIAN, Language.KAZAKH)
        .with_low_accuracy_mode()
        .build()
    )
    return latin, cyrillic


def _lingua_code(language) -> str:
    name = language.name if language is not None else ""
    return {"INDONESIAN": "id", "MALAY": "id", "ENGLISH": "en", "RUSSIAN": "ru", "KAZAKH": "kk"}.get(name, "")


def _is_mixed(major: int, minor: int) -> bool:
    return minor >= MIX_MIN_WORDS and minor >= MIX_MIN_SHARE * (major + minor)


def _latin_language(text: str, words: list[str]) -> str:
    en = sum(w in EN_MARKERS for w in words)
    idn = sum(w in ID_MARKERS for w in words)
    if _is_mixed(max(en, idn), min(en, idn)):
        return "mixed"
    if min(en, idn) == 0 and max(en, idn) >= CLEAR_MARKERS:
        return "en" if en else "id"  # clear from marker words alone; lingua only for unclear posts
    code = _lingua_code(_detectors()[0].detect_language_of(text))
    if code:
        return code
    return "id" if idn > en else "en"


def _cyrillic_language(text: str, cyr_words: list[str], latin_words: list[str]) -> str:
    kk = sum(bool(_KK_LETTERS.search(w)) or w in KK_MARKERS for w in cyr_words)
    ru = sum(w in RU_MARKERS and not _KK_LETTERS.search(w) for w in cyr_words)
    en = sum(w in EN_MARKERS for w in latin_words)
    if _is_mixed(max(kk, ru), min(kk, ru)):
        return "mixed"
    if en >= 2 and en >= MIX_MIN_SHARE * len(cyr_words):
        return "mixed"
    if kk > 0 and kk >= ru:
        return "kk"
    if ru > 0 and kk == 0:
        return "ru"
    code = _lingua_code(_detectors()[1].detect_language_of(text))
    return code or "ru"


def detect_language(text: str) -> str:
    """The post's language code (``id``/``ru``/``kk``/``zh``/``en``/``mixed``) from script, lingua and marker
    words. ``text`` should be lower-cased normalised text with contact identifiers removed."""
    latin_words = _LAT_WORD_RE.findall(text)
    han = len(_HAN_RE.findall(text))
    if han:
        en = sum(w in EN_MARKERS for w in latin_words)
        return "mixed" if en >= 2 or (en >= 1 and len(latin_words) >= 3) else "zh"
    cyr_words = _CYR_WORD_RE.findall(text)
    if len(cyr_words) >= max(1, len(latin_words) // 3):
        return _cyrillic_language(text, cyr_words, latin_words)
    if not latin_words:
        return "en"
    return _latin_language(text, latin_words)
