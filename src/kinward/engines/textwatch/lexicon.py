"""Cue lexicon: coded and plain phrases of baby-selling, illegal-adoption and surrogacy-brokering posts, and of
their lawful look-alikes, per language.

Each cue is a family of regular expressions over normalised (lower-case, de-obfuscated) text, grouped by
language so that a reason can say which language's phrase matched. The phrases follow public reporting on the
Indonesian, Chinese and Kazakhstani cases summarised in the project's DOMAIN.md and the ads-dev README (stand-ins
for money, "no court" / "без опеки" / "不用去民政", documents "arranged", prices by sex and skin tone). Cues are
features and explanations for the classifier, not verdicts on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CUES: dict[str, dict[str, str]] = {
    "child": {
        "en": r"\bbab(?:y|ies)\b|\bnewborns?\b|\binfants?\b|\bchild\b|\bbaby (?:boy|girl)\b",
        "id": r"\bbayi\b|\bbaby\b|\banak\b|\bbalita\b|\bdedek\b",
        "ru": r"ребен|ребён|малыш|младен|новорожд|мальчик|девочк|сыноч|дочк|отказник",
        "kk": r"\bбала\b|\bбаланы\b|\bбаласын|нәресте|сәби|ұл бала|қыз бала",
        "zh": r"婴儿|宝宝|男孩|女孩|男宝|女宝|孩子|新生儿|小孩|男婴|女婴",
    },
    "young_age": {
        "en": r"\b\d+\s?-?(?:days?|wks?|weeks?|months?|mos?)[\s-]?old\b|\bdue (?:date|end|next|in)\b",
        "id": r"\b\d+\s?(?:hari|mgg|minggu|bln|bulan)\b|\blahir\b|\bhpl\b",
        "ru": r"\b\d+\s?(?:дн|нед|мес)|\bпдр\b|родил",
        "kk": r"\d+\s?(?:айлық|күндік|апталық)|жаңа туған|айы-күні",
        "zh": r"出生\d+天|满月|\d+个月|刚出生|刚生|预产期",
    },
    "money": {
        "en": r"\$|\bprice\b|\bfee\b|\bcompensation\b|\bdonation\b|\bgift\b|\bcash\b|\bbudget\b|\bmoney\b"
        r"|\bpaid\b|\bpay\b|\bcosts?\b|\bexpenses\b|\bsgd\b|\busd\b|\b\d+k\b",
        "id": r"\bharga\b|\bmahar\b|\bbiaya\b|\buang\b|\bbayar|\bimbalan\b|\b\d+\s?(?:jt|juta)\b|\bnego\b"
        r"|ganti rugi|terima kasih|\brp\b|\bdp\b|\bbayaran\b",
        "ru": r"цен[аы]|деньг|денег|оплат|плат[иа]|компенсац|благодарн|материальн|вознагражд|отблагодар"
        r"|\bруб|₽|т\.р|\bтыс|\bмлн|\bторг\b|подар",
        "kk": r"бағасы|ақша|өтемақ|төле|теңге|\bтг\b|\bмың|\bмлн|сыйақы|көмек ақы",
        "zh": r"营养费|价格|钱|\d+元|\d+万|补偿|报酬|费用|红包|补助|感谢费|面议|价|¥",
    },
    "offer": {
        "en": r"\bavailable\b|\bready\b|for adoption|seeks? (?:a )?(?:loving )?family|give (?:away|up)"
        r"|goes home with you|for sale|\bselling\b|new family",
        "id": r"siap adopsi|\bready\b|dijual|diadopsikan|dikasih|\btitip\b|open adopsi|ada bayi|\bstok\b|\bslot\b"
        r"|mau ambil|menerima adopsi|keluarga (?:baru|yg baik|yang baik)",
        "ru": r"отдам|продам|продаю|есть малыш|(?:добрые|хорошие) руки|ищу (?:бездетн|семью|пару)|передам"
        r"|есть вариант",
        "kk": r"беремін|береміз|сатамын|сатылады|беріледі|бар\b",
        "zh": r"送养|转让|出售|有男孩|有女孩|找个好人家|找新家|有男宝|有女宝",
    },
    "seek": {
        "en": r"looking for (?:a )?(?:newborn|baby|pregnant)|want(?:ing)? to adopt|seeking (?:a )?(?:baby|newborn)"
        r"|get a baby|need a baby|adopt a newborn|take (?:a|your) baby",
        "id": r"(?:mencari|cari|dicari|butuh) bayi|mau adopsi|ingin adopsi|menerima (?:bayi|anak)|ambil bayi"
        r"|dapet bayi|dapat bayi",
        "ru": r"возьм[уё]|ищ[уе]м? (?:ребен|малыш|новорожд|младен)|куплю ребен|хотим взять|рассмотрим беремен"
        r"|нужен (?:ребен|малыш)",
        "kk": r"іздейміз|іздейді|іздеймін|бала керек|нәресте керек|аламыз",
        "zh": r"求领养|想抱|求购|想要个|接收|抱养|收个",
    },
    "pregnant": {
        "en": r"pregnan|mother-to-be|birth mother|unwanted|doesn'?t want to keep",
        "id": r"hamil|\bhpl\b|kehamilan|tidak menghendaki",
        "ru": r"беремен|\bпдр\b|отказниц|не планирует оставлять|мамы-отказ",
        "kk": r"жүкті|айы-күні",
        "zh": r"孕妈|孕妇|怀孕|预产期|待产",
    },
    "birth_costs": {
        "en": r"(?:cover|pay)\w* (?:all |her )?(?:the )?(?:birth|hospital|delivery|medical|living) "
        r"(?:expenses|bills|costs)|birth expenses|hospital bills",
        "id": r"biaya (?:persalinan|lahiran|rs|melahirkan|hidup)|tanggung (?:semua )?biaya|ditanggung",
        "ru": r"оплат\w* роды|расходы на роды|роды (?:и|оплач)|съемн\w* квартир",
        "kk": r"босану шығын|босану ақы",
        "zh": r"生产费|住院费|营养补助|生活费",
    },
    "bypass_legal": {
        "en": r"no (?:court|courts|agency|agencies|home study|papers|docs|documents|paperwork|questions)"
        r"|without (?:the )?(?:court|agency|adoption process|paperwork|papers)|skip(?:ping)? (?:the )?"
        r"(?:agenc|court|process|wait)|outside (?:the )?system|instead of going through|privately|private adoption",
        "id": r"tanpa (?:pengadilan|sidang|proses|ribet|syarat|dinsos|surat|ke dinsos)|(?:gak|ga|nggak|tidak|tdk)"
        r" (?:usah|perlu) (?:lewat |ke )?(?:dinsos|pengadilan|sidang)|no ribet|jalur belakang",
        "ru": r"без (?:опек|суда|очеред|документ|оформлен|лишних)|мимо опеки|не через опеку|тихо",
        "kk": r"сот(?:сыз| керек емес)|қамқоршылық\w* (?:органына )?бар(?:май|мау)|кезек күтпей|құжат(?:сыз| керек)",
        "zh": r"不用去民政|不走民政|不需要(?:民政|手续|登记)|免去\w*手续|私下|不用办手续|无需手续|不用登记|no need",
    },
    "docs_arranged": {
        "en": r"birth cert\w* (?:in|with|shows|issued)|papers? (?:arranged|ready|included)|documents? (?:arranged|"
        r"handled|included)|your names? on|as your own|legal papers",
        "id": r"atas nama|surat(?: lahir|2|-surat)? (?:diurus|dibuatkan|bisa)|dokumen (?:kami )?(?:urus|diurus)"
        r"|bisa diurus|anak kandung|ke kk",
        "ru": r"запишем на вас|документ\w* (?:помогу |сделаем|оформ)|на ваш\w* имен|как вашего родного|оформим",
        "kk": r"атыңызға|атына (?:тіркеп|жазамыз|жаз)|құжат\w* (?:өзіміз )?(?:реттейміз|жасаймыз|шешеміз)",
        "zh": r"上户口|上户|出生证明?(?:可办|直接|合法)|办出生证|写您的名字|随父姓|可办证",
    },
    "surrogacy": {
        "en": r"surroga|gestational carrier",
        "id": r"ibu pengganti|sewa rahim|surrogate|bayi titipan|rahim",
        "ru": r"суррогат|сурмам",
        "kk": r"суррогат",
        "zh": r"代孕|代妈|代母|借腹",
    },
    "surrogacy_red_flag": {
        "en": r"gender selection|guaranteed gender|choose (?:the )?gender|sex selection|passports?|phones? kept"
        r"|where it'?s (?:banned|illegal)|banned|abroad|cross(?:es)? (?:the )?border|to your country",
        "id": r"paspor|luar negeri|berangkat ke|pilih jenis kelamin|\bmess\b",
        "ru": r"гаранти\w* пола|выбор пола|за границ|загранпаспорт|иностран|запрещ",
        "kk": r"шетел",
        "zh": r"性别可选|包男孩|包成功|选性别|出国|赴",
    },
    "recruit": {
        "en": r"\bearn\b|salary|good pay|\bapply\b|needed|hiring|wanted|aged? \d|\d+-\d+",
        "id": r"dicari|dibutuhkan|lowongan|gaji|syarat|usia \d",
        "ru": r"требу|заработ|возраст|нужн[аы]",
        "kk": r"керек|жасы|жалақы",
        "zh": r"招募|招聘|年龄|诚聘",
    },
    "traits": {
        "en": r"light skin|fair (?:skin|complexion)|healthy|white|chubby",
        "id": r"kulit (?:putih|terang)|kuning langsat|sehat|putih bersih",
        "ru": r"славянск|светленьк|здоров|внешност",
        "kk": r"ақ өңді|\bсау\b|денсаулығы",
        "zh": r"白净|皮肤白|健康|眼睛大",
    },
    "secrecy": {
        "en": r"discreet|confidential|secret|serious (?:only|inquir|buyer|couples)|no time wasters|cash only"
        r"|\bdm\b|inbox|\bpm\b",
        "id": r"rahasia|japri|inbox|serius|no php",
        "ru": r"в лс|в личку|конфиденц|анонимно|в директ",
        "kk": r"жеке хат",
        "zh": r"保密|私聊|私信|非诚勿扰|详谈",
    },
    "pet": {
        "en": r"kitten|pupp(?:y|ies)|\bcats?\b|\bdogs?\b|\bpets?\b|\bvet\b|litter|bulldog|corgi|husky|retriever"
        r"|persian",
        "id": r"kucing|anjing|\bpersia\b|vaksin|obat cacing|jantan|betina",
        "ru": r"\bкот|котят|щен|собак|кошк|порода|привит|лотк",
        "kk": r"мысық|күшік|\bит\b|екпе",
        "zh": r"猫|狗|柯基|布偶|绝育|疫苗|宠物|犬",
    },
    "doll": {
        "en": r"reborn|silicone|vinyl|\bdolls?\b",
        "id": r"boneka|silikon",
        "ru": r"реборн|кукл",
        "kk": r"қуыршақ",
        "zh": r"重生娃娃|仿真|硅胶|娃娃",
    },
    "baby_goods": {
        "en": r"stroller|\bpram\b|\bcrib|\bcot\b|car seat|clothes|diaper|\btoys?\b|breast pump|monitor|bouncer"
        r"|preloved|second[- ]hand|\bused\b",
        "id": r"stroller|box bayi|\bbaju\b|kasur|popok|mainan|breast pump|gendongan|preloved|bekas|second",
        "ru": r"коляск|кроватк|вещи|одежд|молокоотсос|автокресл|игрушк|памперс|б/у",
        "kk": r"арбасы|бесік|киім|ойыншық",
        "zh": r"婴儿车|童车|衣服|奶粉|安全座椅|玩具|尿不湿|推车|成新",
    },
    "service": {
        "en": r"photograph|photoshoot|\bphoto|session|doula|catering|maternity|postpartum",
        "id": r"photoshoot|\bfoto|aqiqah|akikah|kambing|paket persalinan|catering",
        "ru": r"фотосесс|контракт на роды|ведение беремен|пакет",
        "kk": r"тұсаукесер|шілдехана|той",
        "zh": r"月子|月嫂|摄影|套餐|拍摄",
    },
    "job": {
        "en": r"nanny|babysitter|baby sitter|au pair|caregiver|references required|cv\b",
        "id": r"pengasuh|baby ?sitter|\bart\b|kirim cv",
        "ru": r"няня|няню|медкнижк",
        "kk": r"бала күтуші|күтуші",
        "zh": r"育婴师|保姆|住家",
    },
    "news_awareness": {
        "en": r"police|arrested|\breport\b|sentenced|officials|warning|beware|be aware|\bring\b|syndicate"
        r"|trafficking|crime|red flags",
        "id": r"polisi|waspada|lapor|sindikat|ditangkap|perdagangan|modus|mengimbau|#stop",
        "ru": r"полиц|задержан|уголовн|преступлен|внимание|сообщите|следстви",
        "kk": r"полиция|ұсталды|қылмыс|абай болыңыз",
        "zh": r"警方|公安|提醒|报警|打掉|犯罪|涉嫌|拐卖|解救|通报",
    },
    "legal_process": {
        "en": r"licensed|court order|finaliz|home study|attorney|lawful|state law|per the law|irb|official",
        "id": r"dinas sosial|penetapan pengadilan|sesuai ketentuan|\bpp no|kemenkes|resmi",
        "ru": r"орган\w* опеки|школ\w* приёмных|судом|закон|лицензи|федеральн|минздрав",
        "kk": r"сот шешімі|заң|кодекс|egov|қамқоршылық органына өтініш",
        "zh": r"民政部门|依法|国家规定|严格遵守|正规渠道|登记",
    },
    "research": {
        "en": r"\bstudy\b|research|participants|volunteer|university",
        "id": r"penelitian|relawan|universitas",
        "ru": r"исследован|институт|нии\b",
        "kk": r"зерттеу",
        "zh": r"研究|志愿者|医学院",
    },
    "charity": {
        "en": r"surgery|operation|nicu|fundrais|every donation|link in bio",
        "id": r"galang dana|donasi|operasi|\bnicu\b",
        "ru": r"благотвор|операци|собрать на|помогите",
        "kk": r"\bота\b|көмектесуге",
        "zh": r"捐|手术|筹款|水滴筹",
    },
    "question": {
        "en": r"any tips|advice|recommend|\?$|what did you",
        "id": r"wajar|share pengalaman|rekomendasi|gimana|\bsih\b",
        "ru": r"подскажите|посоветуйте|кто рожал|как там",
        "kk": r"кеңес|не істеуге|ма\?|ме\?",
        "zh": r"好办法|推荐|大家|怎么",
    },
    "distress": {
        "en": r"can'?t raise|i'?m scared|help me|kick me out|so lost|i need help|don'?t know what to do",
        "id": r"tolong|gak punya uang|tidak punya uang|ngusir|kabur|gak tau harus|bingung",
        "ru": r"не справляюсь|денег нет|не знаю,? что делать|помогите мне|выгнал",
        "kk": r"жағдайым|қиын|тастап кетті|не істерімді",
        "zh": r"怎么办|养不了|帮帮我|联系不上|不知道",
    },
    "no_money": {
        "en": r"no money|don'?t want money|\bfree\b|not for money",
        "id": r"gak minta uang|tidak minta uang|tanpa biaya|gratis|no money",
        "ru": r"деньги не нужны|денег не прошу|бесплатно|даром|не за деньги",
        "kk": r"ақша (?:керек емес|сұрамаймын)|тегін",
        "zh": r"不要钱|免费|不收费",
    },
}

LANG_ORDER = ("en", "id", "ru", "kk", "zh")
CONJUNCTIONS: tuple[tuple[str, ...], ...] = (
    ("child", "money"),
    ("child", "offer"),
    ("child", "offer", "money"),
    ("child", "bypass_legal"),
    ("child", "docs_arranged"),
    ("child", "seek"),
    ("seek", "money"),
    ("pregnant", "birth_costs"),
    ("pregnant", "money"),
    ("surrogacy", "money"),
    ("surrogacy", "recruit"),
    ("surrogacy", "surrogacy_red_flag"),
    ("surrogacy", "docs_arranged"),
    ("child", "traits", "money"),
    ("child", "young_age"),
    ("pet", "money"),
    ("doll", "money"),
    ("news_awareness", "bypass_legal"),
    ("child", "distress"),
    ("child", "no_money"),
)


def _split_top(pattern: str) -> list[str]:
    """Split a regex at its top-level ``|``."""
    parts, depth, cur, esc = [], 0, [], False
    for ch in pattern:
        if esc:
            cur.append(ch)
            esc = False
            continue
        if ch == "\\":
            esc = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return parts


def _fast(pattern: str) -> str:
    r"""Rewrite a leading word boundary ``\bX…`` as ``X(?<!\wX)…`` (same matches): a pattern that starts with a
    literal lets the regex engine skip ahead to candidate positions instead of trying every one."""
    out = []
    for alt in _split_top(pattern):
        if alt.startswith(r"\b\d+"):
            alt = r"\d(?<!\w\d)\d*" + alt[5:]
        elif alt.startswith(r"\b\d") and alt[4:5] not in ("+", "*", "?", "{"):
            alt = r"\d(?<!\w\d)" + alt[4:]
        elif alt.startswith(r"\b") and len(alt) > 3 and alt[2].isalnum() and alt[3] not in "+*?{":
            alt = f"{alt[2]}(?<!\\w{alt[2]})" + alt[3:]
        out.append(alt)
    return "|".join(out)


_SCRIPT_GROUPS = {"lat": ("en", "id"), "cyr": ("ru", "kk"), "han": ("zh",)}
_COMPILED = {
    group: {
        cue: re.compile("|".join(f"(?P<{lang}>{_fast(pats[lang])})" for lang in langs if lang in pats))
        for cue, pats in CUES.items()
    }
    for group, langs in _SCRIPT_GROUPS.items()
}
_SCRIPT_RE = {
    "lat": re.compile(r"[a-z$]"),
    "cyr": re.compile(r"[\u0400-\u04ff]"),
    "han": re.compile(r"[\u4e00-\u9fff]"),
}
CUE_NAMES: tuple[str, ...] = tuple(CUES)
FEATURE_NAMES: tuple[str, ...] = CUE_NAMES + tuple("&".join(c) for c in CONJUNCTIONS) + ("n_prices",)


@dataclass(frozen=True)
class CueMatch:
    """One matched cue: its name, the lexicon language it came from, and the matched normalised text."""

    cue: str
    lang: str
    text: str


def match_cues(text: str) -> list[CueMatch]:
    """Every cue phrase found in a normalised post (at most three matches per cue and script). Only the
    lexicons of the scripts present in the text are run."""
    found = []
    for group, rx_by_cue in _COMPILED.items():
        if not _SCRIPT_RE[group].search(text):
            continue
        for cue, rx in rx_by_cue.items():
            for k, m in enumerate(rx.finditer(text)):
                if k == 3:
                    break
                found.append(CueMatch(cue, m.lastgroup or "", m.group()))
    return found


def cue_vector(matches: list[CueMatch], n_prices: int) -> list[float]:
    """Feature values in :data:`FEATURE_NAMES` order: cue presence (1/0), conjunctions of cues, and the number
    of prices (capped at 3, scaled to 0..1)."""
    present = {m.cue for m in matches}
    values = [1.0 if c in present else 0.0 for c in CUE_NAMES]
    values += [1.0 if all(c in present for c in conj) else 0.0 for conj in CONJUNCTIONS]
    values.append(min(n_prices, 3) / 3.0)
    return values
