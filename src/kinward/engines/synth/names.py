"""Names, places, identity documents and phone numbers that look plausible for each synthetic country.

Every value is invented: name lists are common given and family names, combined at random; document numbers
follow each country's public layout (Indonesia's 16-digit NIK, Kazakhstan's 12-digit IIN with its check digit,
China's 18-character resident ID with its ISO 7064 MOD 11-2 check character) but belong to no one.
"""

from __future__ import annotations

from dataclasses import dataclass

from kinward.engines.synth.rand import Draws

# (province name, UTC offset in minutes) per country; Indonesia spans three time zones.
PROVINCES = {
    "ID": [
        ("DKI Jakarta", 420),
        ("Jawa Barat", 420),
        ("Jawa Tengah", 420),
        ("Jawa Timur", 420),
        ("Banten", 420),
        ("Sumatera Utara", 420),
        ("Sumatera Barat", 420),
        ("Riau", 420),
        ("Lampung", 420),
        ("Kalimantan Barat", 420),
        ("Bali", 480),
        ("Nusa Tenggara Barat", 480),
        ("Nusa Tenggara Timur", 480),
        ("Kalimantan Timur", 480),
        ("Sulawesi Selatan", 480),
        ("Sulawesi Utara", 480),
        ("Maluku", 540),
        ("Papua", 540),
    ],
    "KZ": [
        ("Астана", 300),
        ("Алматы", 300),
        ("Шымкент", 300),
        ("Алматинская область", 300),
        ("Карагандинская область", 300),
        ("Актюбинская область", 300),
        ("Атырауская область", 300),
        ("Туркестанская область", 300),
        ("Жамбылская область", 300),
        ("Павлодарская область", 300),
        ("Костанайская область", 300),
        ("Восточно-Казахстанская область", 300),
        ("Кызылординская область", 300),
        ("Мангистауская область", 300),
    ],
    "CN": [
        ("广东省", 480),
        ("河南省", 480),
        ("山东省", 480),
        ("四川省", 480),
        ("江苏省", 480),
        ("河北省", 480),
        ("湖南省", 480),
        ("安徽省", 480),
        ("湖北省", 480),
        ("浙江省", 480),
        ("广西壮族自治区", 480),
        ("云南省", 480),
        ("江西省", 480),
        ("福建省", 480),
        ("贵州省", 480),
    ],
}
COUNTRY_NAMES = {"ID": "Indonesia", "KZ": "Қазақстан", "CN": "中国"}
DISTRICT_ROOTS = {
    "ID": [
        "Sukamaju",
        "Tanjung Harapan",
        "Sumber Rejo",
        "Karang Anyar",
        "Mekar Sari",
        "Bukit Tinggi",
        "Sidomulyo",
        "Pasir Putih",
        "Lembah Hijau",
        "Batu Raja",
        "Muara Enim",
        "Rawa Indah",
        "Tegal Sari",
        "Kali Bening",
    ],
    "KZ": [
        "Есильский",
        "Байконурский",
        "Алмалинский",
        "Медеуский",
        "Бостандыкский",
        "Абайский",
        "Енбекшиказахский",
        "Карасайский",
        "Сарыаркинский",
        "Илийский",
        "Талгарский",
        "Жамбылский",
    ],
    "CN": ["长安", "青山", "白云", "新华", "城关", "东湖", "西林", "南山", "北塘", "清河", "龙泉", "黄石"],
}
DISTRICT_FORMS = {"ID": ["Kabupaten {}", "Kota {}"], "KZ": ["{} район"], "CN": ["{}区", "{}县"]}
FACILITY_FORMS = {
    "public_hospital": {"ID": "RSUD {}", "KZ": "Городская больница, {}", "CN": "{}人民医院"},
    "private_clinic": {"ID": "Klinik Bersalin {}", "KZ": "Частная клиника «{}»", "CN": "{}妇产诊所"},
    "maternity_home": {"ID": "Rumah Bersalin {}", "KZ": "Родильный дом, {}", "CN": "{}妇幼保健院"},
}
CLINIC_NAMES = {
    "ID": ["Bunda", "Kasih Ibu", "Permata", "Harapan Kita", "Sehat Sentosa", "Mutiara", "Cahaya", "Anugerah"],
    "KZ": ["Мать и дитя", "Аяла", "Жанұя", "Шипагер", "Бәйтерек", "Мейірім", "Сункар", "Нур"],
    "CN": ["安康", "仁爱", "博爱", "和美", "康宁", "天使", "慈航", "福瑞"],
}
AGENCY_FORMS = {
    "registry_office": {
        "ID": "Dinas Kependudukan dan Pencatatan Sipil {}",
        "KZ": "ЗАГС, {}",
        "CN": "{}民政局婚姻登记处",
    },
    "adoption_authority": {"ID": "Pengadilan Negeri {}", "KZ": "Районный суд, {}", "CN": "{}人民法院"},
    "police_unit": {"ID": "Polres {}", "KZ": "Департамент полиции, {}", "CN": "{}公安局"},
    "child_protection": {
        "ID": "Dinas Sosial {}",
        "KZ": "Органы опеки и попечительства, {}",
        "CN": "{}儿童福利院",
    },
    "adoption_agency": {
        "ID": "Yayasan Adopsi {}",
        "KZ": "Агентство по усыновлению «{}»",
        "CN": "{}收养服务中心",
    },
    "ngo": {"ID": "Yayasan Perlindungan Anak {}", "KZ": "Фонд защиты детей «{}»", "CN": "{}儿童救助基金会"},
    "dna_lab": {"ID": "Laboratorium DNA {}", "KZ": "Лаборатория ДНК, {}", "CN": "{}DNA实验室"},
    "statistics_office": {
        "ID": "Badan Pusat Statistik {}",
        "KZ": "Бюро национальной статистики, {}",
        "CN": "{}统计局",
    },
}

ID_FEMALE = [
    "Siti",
    "Sri",
    "Dewi",
    "Nur",
    "Rina",
    "Wati",
    "Ayu",
    "Putri",
    "Indah",
    "Lestari",
    "Yuliani",
    "Fitri",
    "Ratna",
    "Sari",
    "Dian",
    "Eka",
    "Novi",
    "Wulan",
    "Rahayu",
    "Kartini",
    "Sulastri",
    "Suharti",
    "Maryam",
    "Aisyah",
    "Fatimah",
    "Nurul",
    "Intan",
    "Mega",
    "Citra",
    "Anisa",
    "Juwita",
    "Sumiati",
    "Tuti",
    "Yanti",
]
ID_MALE = [
    "Budi",
    "Agus",
    "Joko",
    "Andi",
    "Rudi",
    "Hendra",
    "Slamet",
    "Bambang",
    "Eko",
    "Dedi",
    "Ahmad",
    "Muhammad",
    "Yusuf",
    "Rizky",
    "Fajar",
    "Arif",
    "Hadi",
    "Wahyu",
    "Dimas",
    "Bayu",
    "Suparman",
    "Teguh",
]
ID_FAMILY = [
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Pratama",
    "Kusuma",
    "Nugroho",
    "Siregar",
    "Simanjuntak",
    "Nasution",
    "Harahap",
    "Lubis",
    "Sitorus",
    "Tanjung",
    "Gultom",
    "Sihombing",
    "Manurung",
    "Wibowo",
    "Setiawan",
    "Susanto",
    "Halim",
    "Gunawan",
    "Utomo",
    "Purnomo",
    "Rahman",
    "Syahputra",
]
KZ_FEMALE = [
    ("Айгерим", "Aigerim"),
    ("Аружан", "Aruzhan"),
    ("Жанар", "Zhanar"),
    ("Гульнара", "Gulnara"),
    ("Сауле", "Saule"),
    ("Мадина", "Madina"),
    ("Айнур", "Ainur"),
    ("Динара", "Dinara"),
    ("Асель", "Assel"),
    ("Айжан", "Aizhan"),
    ("Камила", "Kamila"),
    ("Алия", "Aliya"),
    ("Зарина", "Zarina"),
    ("Меруерт", "Meruert"),
    ("Елена", "Elena"),
    ("Ольга", "Olga"),
    ("Наталья", "Natalya"),
    ("Татьяна", "Tatyana"),
    ("Ирина", "Irina"),
    ("Светлана", "Svetlana"),
    ("Анна", "Anna"),
    ("Юлия", "Yuliya"),
]
KZ_MALE = [
    ("Нурлан", "Nurlan"),
    ("Серик", "Serik"),
    ("Ерлан", "Yerlan"),
    ("Данияр", "Daniyar"),
    ("Асхат", "Askhat"),
    ("Бауыржан", "Bauyrzhan"),
    ("Арман", "Arman"),
    ("Марат", "Marat"),
    ("Сергей", "Sergey"),
    ("Андрей", "Andrey"),
    ("Дмитрий", "Dmitriy"),
    ("Алексей", "Aleksey"),
]
KZ_FAMILY = [
    ("Нурланов", "Nurlanov"),
    ("Сериков", "Serikov"),
    ("Ахметов", "Akhmetov"),
    ("Беков", "Bekov"),
    ("Жаксыбеков", "Zhaksybekov"),
    ("Омаров", "Omarov"),
    ("Тулегенов", "Tulegenov"),
    ("Абенов", "Abenov"),
    ("Искаков", "Iskakov"),
    ("Султанов", "Sultanov"),
    ("Касымов", "Kassymov"),
    ("Иванов", "Ivanov"),
    ("Петров", "Petrov"),
    ("Смирнов", "Smirnov"),
    ("Кузнецов", "Kuznetsov"),
    ("Попов", "Popov"),
]
CN_FAMILY = [
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("赵", "Zhao"),
    ("吴", "Wu"),
    ("周", "Zhou"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("马", "Ma"),
    ("朱", "Zhu"),
    ("胡", "Hu"),
    ("郭", "Guo"),
    ("何", "He"),
    ("林", "Lin"),
]
CN_FEMALE = [
    ("秀英", "Xiuying"),
    ("丽", "Li"),
    ("敏", "Min"),
    ("静", "Jing"),
    ("芳", "Fang"),
    ("娟", "Juan"),
    ("霞", "Xia"),
    ("燕", "Yan"),
    ("婷", "Ting"),
    ("雪", "Xue"),
    ("慧", "Hui"),
    ("玲", "Ling"),
    ("欣怡", "Xinyi"),
    ("梓涵", "Zihan"),
    ("雨涵", "Yuhan"),
    ("思琪", "Siqi"),
]
CN_MALE = [
    ("伟", "Wei"),
    ("强", "Qiang"),
    ("磊", "Lei"),
    ("军", "Jun"),
    ("洋", "Yang"),
    ("勇", "Yong"),
    ("杰", "Jie"),
    ("涛", "Tao"),
    ("明", "Ming"),
    ("超", "Chao"),
    ("浩然", "Haoran"),
    ("子轩", "Zixuan"),
]

# Indonesian spelling variants (Van Ophuijsen / Soewandi spellings still on older documents).
_ID_VARIANTS = [("u", "oe"), ("j", "dj"), ("c", "tj"), ("y", "j")]


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person's name as written on one record: given name and (optional) family name."""

    given: str
    family: str | None


class NameMaker:
    """Makes names, spelling variants, identity document numbers and phone numbers for one country."""

    def __init__(self, country: str, draws: Draws) -> None:
        if country not in PROVINCES:
            raise ValueError(f"country {country!r} is not modelled; choose one of {', '.join(PROVINCES)}")
        self.country = country
        self.draws = draws
        self._serial = 0
        self._issued: set[str] = set()

    def name(self, sex: str) -> PersonName:
        """A plausible name for a person of `sex`; many Indonesians have a single name (no family name)."""
        d = self.draws
        if self.country == "ID":
            given = d.pick(ID_FEMALE if sex == "female" else ID_MALE)
            if d.chance(0.25):
                given = f"{given} {d.pick(ID_FEMALE if sex == 'female' else ID_MALE)}"
            return PersonName(given, None if d.chance(0.4) else d.pick(ID_FAMILY))
        if self.country == "KZ":
            given = d.pick(KZ_FEMALE if sex == "female" else KZ_MALE)[0]
            family = d.pick(KZ_FAMILY)[0]
            return PersonName(given, family + "а" if sex == "female" else family)
        given = d.pick(CN_FEMALE if sex == "female" else CN_MALE)[0]
        return PersonName(given, d.pick(CN_FAMILY)[0])

    def variant(self, name: PersonName) -> PersonName:
        """The same name as another clerk might write it: old spelling, transliteration, or pinyin."""
        if self.country == "ID":
            for new, old in _ID_VARIANTS:
                if new in name.given.lower():
                    return PersonName(name.given.replace(new, old, 1), name.family)
            return PersonName(name.given.upper(), name.family)
        table = dict(KZ_FEMALE + KZ_MALE) if self.country == "KZ" else dict(CN_FEMALE + CN_MALE)
        families = dict(KZ_FAMILY) if self.country == "KZ" else dict(CN_FAMILY)
        given = table.get(name.given, name.given)
        family = name.family
        if family is not None:
            stem = family[:-1] if self.country == "KZ" and family.endswith("а") else family
            latin = families.get(stem, family)
            family = latin + ("a" if stem != family else "")
        return PersonName(given, family)

    def text_name(self, sex: str) -> str:
        """A whole name as one string (staff records have one `name` field)."""
        name = self.name(sex)
        if name.family is None:
            return name.given
        return f"{name.family}{name.given}" if self.country == "CN" else f"{name.given} {name.family}"

    def national_id(self, birth: tuple[int, int, int], sex: str, area: int) -> str:
        """A national identity number in the country's layout, never issued twice within the dataset."""
        for _attempt in range(100_000):
            self._serial += 1
            number = self._national_id(birth, sex, area, self._serial)
            if number is not None and number not in self._issued:
                self._issued.add(number)
                return number
        raise RuntimeError(f"no free national id number left for {birth} in area {area}")

    def _national_id(self, birth: tuple[int, int, int], sex: str, area: int, serial: int) -> str | None:
        year, month, day = birth
        if self.country == "ID":  # NIK: PP KK CC DDMMYY SSSS, women's day + 40
            dd = day + (40 if sex == "female" else 0)
            area += serial // 10_000  # the serial field holds 10,000 numbers per area and birth date
            region = f"{11 + area % 80:02d}{1 + area % 70:02d}{1 + serial % 40:02d}"
            return f"{region}{dd:02d}{month:02d}{year % 100:02d}{serial % 10000:04d}"
        if self.country == "KZ":  # IIN: YYMMDD, century-and-sex digit, serial, check digit
            century = (3 if year < 2000 else 5) + (1 if sex == "female" else 0)
            body = f"{year % 100:02d}{month:02d}{day:02d}{century}{serial % 10000:04d}"
            check = _iin_check(body)
            return None if check is None else body + str(check)
        area += serial // 500  # the sequence holds 500 numbers per sex, area and birth date
        sequence = serial % 500 * 2 + (1 if sex == "male" else 0)  # odd for men, even for women
        body = f"{110000 + area * 101 % 890000:06d}{year:04d}{month:02d}{day:02d}{sequence:03d}"
        return body + _iso7064_mod11_2(body)

    def passport(self) -> str:
        """A passport number in a common layout (one or two letters and seven digits)."""
        self._serial += 1
        prefix = {"ID": "C", "KZ": "N", "CN": "E"}[self.country]
        return f"{prefix}{self._serial % 10_000_000:07d}"

    def phone(self) -> str:
        """A mobile phone number in E.164 form with the country's mobile prefixes."""
        d = self.draws
        if self.country == "ID":
            return f"+628{d.pick(['11', '12', '13', '21', '22', '52', '53', '55', '57', '77', '78', '95', '96'])}{d.between(10_000_000, 99_999_999)}"
        if self.country == "KZ":
            return f"+77{d.pick(['01', '02', '05', '07', '08', '47', '75', '76', '77', '78'])}{d.between(1_000_000, 9_999_999)}"
        return f"+861{d.pick(['30', '35', '38', '39', '50', '58', '86', '88'])}{d.between(10_000_000, 99_999_999)}"


def _iin_check(body: str) -> int | None:
    """Check digit of a Kazakhstan IIN: weights 1..11 modulo 11; when that gives 10, weights 3..11,1,2; when
    that gives 10 too, no IIN is issued with this body (None)."""
    digits = [int(c) for c in body]
    for weights in (range(1, 12), [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]):
        check = sum(w * x for w, x in zip(weights, digits, strict=True)) % 11
        if check != 10:
            return check
    return None


def _iso7064_mod11_2(body: str) -> str:
    """ISO 7064 MOD 11-2 check character of a Chinese resident identity number (GB 11643-1999)."""
    total = 0
    for char in body:
        total = (total + int(char)) * 2 % 11
    check = (12 - total) % 11
    return "X" if check == 10 else str(check)
