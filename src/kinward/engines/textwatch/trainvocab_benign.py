"""Lawful look-alike posts (hard negatives) for the synthetic training set, per language and family.

Placeholders as in :mod:`.trainvocab`; ``{quote}`` is filled with a coded phrase taken from the risky pools, so
that news and awareness posts quote the same words as the ads they warn about.
"""

from __future__ import annotations

BENIGN: dict[str, dict[str, list[str]]] = {
    "en": {
        "goods": ["Selling {item}, used {n} months, great condition, {price}. Pickup in {city}. {contact}",
                  "Preloved {item} for sale, {price} OBO, {contact}", "Giving away {item} for free, pickup only",
                  "Baby sale this weekend: {item} up to {n}0% off", "{item} barely used, {price}, text {contact}"],
        "pet": ["Kittens ready for adoption, {n} weeks, vaccinated, rehoming fee {price}. {contact}",
                "{breed} pups available, males and females, health checked, {price} each. {contact}",
                "Free kittens to a good home, litter trained. {contact}", "Rescue dog up for adoption, adoption fee "
                "{price} covers shots and spay. {contact}"],
        "doll": ["Reborn baby {sex} ready for adoption! hand painted, includes a pretend birth certificate, {price}",
                 "Silicone reborn doll, {n}0 cm, looks like a real newborn, {price} + shipping"],
        "service": ['Gender reveal party package: balloons, cake, photographer {price}', 'Baby shower planning, games and decor, {price}', "Newborn photography session at home, {n} edited photos, {price}. Book {contact}",
                    "Postpartum doula: night support with your newborn, packages from {price}/week. {contact}",
                    "Maternity package at our hospital: delivery, 2 nights stay, baby checks, {price}",
                    "Newborn services: photos, cake and decor for your baby's first month party {price}"],
        "job": ["Nanny wanted for a {n}-month-old, live-out, {price}/month, references required. {contact}",
                "Experienced babysitter needed weekdays, CPR certified. Email {contact}"],
        "legal_info": ['Thinking about placing your baby for adoption? Talk to a licensed counselor; birth parents never pay and are never paid.', "How to adopt: contact a licensed agency, complete a home study, the court finalizes the "
                       "adoption.", "Foster care info night: become a licensed foster parent, training provided. {contact}",
                       "Adoption is granted only by a court order; the birth mother's consent is checked by the "
                       "social worker.", "Free info session on intercountry adoption through accredited agencies."],
        "clinic": ["Our fertility clinic offers IVF for married couples under national law. Consultation {contact}",
                   "Gestational surrogacy at our clinic follows state law, separate lawyers for everyone involved, parentage "
                   "by court order.", "Licensed IVF center: egg freezing and embryo transfer, no sex selection."],
        "research": ["Our university lab is recruiting healthy volunteers aged 21-35 for fertility research, compensated "
                     "for time. {contact}", "Research participants wanted: sperm donor study, IRB approved, "
                     "travel reimbursed."],
        "news": ['Investigators say the ring recruited pregnant women with offers like "{quote}"; five suspects were charged.', "Police arrested {n} people who sold babies online using posts like \"{quote}\".",
                 "Warning: posts saying \"{quote}\" may be baby trafficking. Report them to the police.",
                 "Officials say traffickers use phrases such as \"{quote}\" and \"{quote2}\" on social media.",
                 "Red flags of illegal adoption online: \"{quote}\". Use licensed agencies only.",
                 "Court sentenced a nurse who sold a newborn for {price}; prosecutors said ads read \"{quote}\"."],
        "charity": ["Baby {name} needs a heart operation, please give what you can. {contact}",
                    "Fundraising for a NICU baby, any amount helps, link in bio"],
        "parenting": ["My {n}-month-old won't sleep at night, any tips?", "Due next month, what should I pack in "
                      "the hospital bag?", "Our little {name} arrived today, {n}.4kg, both doing well",
                      "Which stroller do you recommend for a newborn?", "When did you start solids with your baby?"],
        "joke": ["Selling my kids for a cup of coffee, they woke me at 5am again 😂", "Free baby to a good home "
                 "(just kidding, he's teething and I'm tired)"],
    },
    "id": {
        "goods": ["Jual {item} bekas, kondisi 90%, {price}. COD {city}. {contact}", "Preloved {item}, {price} "
                  "nego tipis. {contact}", "Gratis {item} buat yg butuh, pickup di {city}", "Open PO {item}, "
                  "size newborn, harga mulai {price}. {contact}", "Jual {item} masih mulus, {price}. {contact}"],
        "pet": ["Anak kucing {breed} siap adopsi, {n} bulan, ada jantan ada betina, vaksin lengkap. Mahar {price}. {contact}",
                "Jual anak anjing ras {breed}, sehat, siap pindah rumah, {price} nego. {contact}",
                "Kitten lucu siap adopsi, mahar {price}, sudah obat cacing. {contact}"],
        "doll": ["Reborn doll {sex} bahan silikon, kayak bayi beneran, {price}", "Reborn doll ready stock, "
                 "lengkap akta lahir mainan, {price}"],
        "service": ['Paket baby shower & gender reveal, dekor + kue, {price}', 'Jasa pijat bayi panggilan, {price} per sesi. {contact}', "Aqiqah anak laki2 (2 kambing) {price}, anak perempuan cukup 1 kambing. {contact}",
                    "Foto newborn panggilan ke rumah, paket mulai {price}. {contact}",
                    "Melahirkan normal di klinik kami mulai {price}, sudah dengan rawat inap dan bantuan urus akta. "
                    "{contact}", "Catering aqiqah & syukuran kelahiran, harga {price}. {contact}"],
        "job": ["Butuh pengasuh bayi {n} bln, gaji {price}, lamaran ke {contact}",
                "Lowongan pengasuh anak, area {city}, gaji {price} + makan. {contact}"],
        "legal_info": ["Syarat angkat anak: pasangan pemohon sudah menikah min 5 tahun, berkas ke Dinsos, lalu sidang penetapan.", "Pengangkatan anak yg sah wajib diproses Dinsos lalu ditetapkan hakim.", "Info pengangkatan anak resmi sesuai PP 54/2007 di Dinas Sosial {city}."],
        "clinic": ["Layanan IVF hanya utk pasutri yg menikah resmi mengikuti aturan Kementerian Kesehatan. {contact}",
                   "Klinik fertilitas: konsultasi program hamil, inseminasi, bayi tabung. {contact}"],
        "research": ["Penelitian universitas mencari relawan wanita sehat utk studi kesuburan, ada uang "
                     "transport."],
        "news": ['Pengadilan menjatuhkan vonis pada bidan yang menjual bayi, pelaku memakai istilah "{quote}".', "Polda ungkap jaringan penjual bayi yg pasang iklan \"{quote}\" di facebook.",
                 "Hati2 iklan \"{quote}\"! Pengangkatan anak wajib via Dinsos. Lapor polisi.",
                 "Sindikat perdagangan bayi ditangkap, bayi dijual {price} dengan kedok \"{quote}\".",
                 "KPAI mencatat unggahan \"{quote}\" dan \"{quote2}\" marak di medsos. #StopJualBeliBayi"],
        "charity": ["Bantu Dek {name} operasi jantung ya, donasi seikhlasnya. {contact}",
                    "Open donasi buat bayi di NICU, berapapun sangat membantu 🙏"],
        "parenting": ["Bun, bayi aku {n} bulan sering bangun tengah malam, normal gak sih?", "HPL aku bulan depan, "
                      "RS mana di {city} yg enak buat lahiran?", "Alhamdulillah anak kedua kami lahir, {sex} {n},1 kg, ibu & bayi sehat", "MPASI pertama enaknya apa ya bun?"],
        "joke": ["Dijual adik, gratis ongkir, soalnya berisik terus 😂 (bercanda ya)"],
    },
    "ru": {
        "goods": ["Продаю {item}, в хорошем состоянии, {price}. Забрать в {city}. {contact}", "Бесплатно {item}, заберите сами", "{item} б/у, {price}, торг. {contact}", "Куплю {item} недорого"],
        "pet": ['Котята мейн-кун, девочки и мальчики, с документами, {price}, резерв по предоплате. {contact}', "Котята ищут дом, {n} месяца, ходят в лоток. {contact}", "Щенки {breed}, прививки по возрасту, родословная, {price}. {contact}", "Отдам котёнка бесплатно в ответственные "
                "руки. {contact}"],
        "doll": ["Реборн-{sex}, ручная роспись, вылитый младенец, {price}, доставка СДЭК", "Реборн ищет новую маму, "
                 "{price}"],
        "service": ['Гендер-пати под ключ: шары, торт, фотограф, {price}', 'Выписка из роддома, украшение машины, {price}', "Съёмка малышей первых дней жизни у вас дома, пакет {price}. Запись {contact}", "Наблюдение беременности и роды по договору от {price}. {contact}", "Выписка из роддома: фото и видео, {price}. {contact}"],
        "job": ["Требуется няня к малышу {n} мес., оплата {price}. Звонить {contact}",
                "Ищем няню с медкнижкой, опыт с грудничками. {contact}"],
        "legal_info": ['Если вы беременны и не можете оставить ребёнка, обратитесь в органы опеки или кризисный центр — помощь бесплатна и анонимна.', "Порядок усыновления: заявление в опеку по месту жительства, обучение кандидатов, решение выносит суд.", "Опека и попечительство: приём документов кандидатов "
                       "в приёмные родители. {contact}"],
        "clinic": ["Центр ЭКО: программы суррогатного материнства по закону 323-ФЗ, лицензия Минздрава. {contact}",
                   "Клиника репродукции: ЭКО, криоконсервация, консультация. {contact}"],
        "research": ["НИИ приглашает добровольцев для исследования, компенсация за время {price}."],
        "news": ['Суд вынес приговор акушерке, продавшей новорождённого; в переписке фигурировали слова «{quote}».', "Полиция задержала подозреваемых: они размещали объявления «{quote}» и продавали детей.",
                 "Внимание! Объявления «{quote}» могут быть торговлей детьми. Сообщите в полицию.",
                 "Возбуждено уголовное дело: младенца продали за {price}, объявление гласило «{quote}».",
                 "Полиция предупреждает: посты «{quote}» и «{quote2}» — признак торговли детьми."],
        "charity": ["Помогите {name} собрать на операцию, нужно {price}. Реквизиты фонда в профиле",
                    "Благотворительный фонд собирает на лечение малыша. {contact}"],
        "parenting": ["Когда вы начали прикорм, в 4 или в 6 месяцев?", "Кто рожал в роддоме в {city}? Отзывы?",
                      "Дочке {n} мес., плохо спит ночью, что делать?", "Мы родились! {sex}, {n}.5 кг"],
        "joke": ["Отдам ребёнка в добрые руки, на время экзаменов 😅 шутка"],
    },
    "kk": {
        "goods": ["{item} сатылады, жақсы күйде, {price}. {city}. {contact}", "{item} тегін беріледі, өзіңіз алып "
                  "кетесіз", "{item} сатамын, {price}. {contact}"],
        "pet": ["Мысық балалары тегін беріледі, мейірімді иесі болса. {contact}", "{breed} күшіктері, вакцина салынған, {price}. {contact}"],
        "doll": ["Реборн қуыршақ, нағыз нәрестедей, {price}"],
        "service": ['Бесікке салу тойы, безендіру және асаба, {price}. {contact}', "Шілдехана, тұсаукесер тойын өткіземіз, {price} бастап. {contact}",
                    "Нәресте фотосессиясы, үйге барамыз, {price}. {contact}"],
        "job": ["{n} айлық сәбиге күтуші іздейміз, айлығы {price}. {contact}"],
        "legal_info": ["Асырап алу үшін алдымен қамқоршылыққа жүгінесіз, соңғы шешім — соттікі. Ақпарат: egov.kz",
                       "Болашақ асырап алушыларға арналған курсқа тіркелу басталды. {contact}"],
        "clinic": ["Репродуктивтік клиника: суррогат ана қызметі заң талаптарына сай, келісімшартты нотариус растайды."],
        "research": ["Университет зерттеуге ерікті әйелдерді шақырады, жол ақысы төленеді."],
        "news": ['Сот нәресте саудасына қатысқан дәрігерге үкім шығарды, хабарламада «{quote}» деп жазылған.', "Полиция нәрестені {price} сатпақ болған әйелді ұстады. Хабарландыруда «{quote}» деп жазылған.",
                 "Абай болыңыз! «{quote}» сияқты жазбалар заңсыз. Полицияға хабарлаңыз.",
                 "Интернетте «{quote}», «{quote2}» сияқты жарнамалар бар. Асырап алу тек сот арқылы."],
        "charity": ["{name} {n} айлық, жүрек операциясына қаражат жинап жатырмыз. Қолдау көрсеткіңіз келсе: {contact}"],
        "parenting": ["Балам {n} айлық, түнде ұйықтамайды, не істеуге болады?", "Босануға не дайындау керек, тізім беріңізші?", "Ұлымыз дүниеге келді! {n},5 кг"],
        "joke": [],
    },
    "zh": {
        "goods": ["转让{item}，九成新，{price}，{city}同城自提。{contact}", "免费送{item}，自取", "出售{item}，"
                  "用了半年，{price}，可小刀。{contact}"],
        "pet": ['金毛宝宝出售，公母都有，{price}，可视频看狗。{contact}', '英短蓝猫找新家，有偿领养{price}', "{breed}宝宝找新家，已打疫苗，价格{price}。{contact}", "布偶猫送养，有偿送养{price}，已绝育。私信",
                "小狗免费送养，只限本市。{contact}"],
        "doll": ["重生娃娃 仿真婴儿 硅胶 {sex} {price}包邮", "仿真宝宝娃娃，像真的一样，{price}"],
        "service": ['宝宝满月酒策划，布置+主持，{price}起', '百日照 上门拍摄 {price} 私信预约', "新生儿摄影 上门拍摄 套餐{price} {contact}", "月子会所：一个月母婴护理，{price}起",
                    "金牌月嫂 26天 {price} 持证上岗 {contact}"],
        "job": ["招聘育婴师，照顾{n}个月宝宝，月薪{price}，{city}。{contact}"],
        "legal_info": ["收养登记须知：收养人应当向民政部门申请登记，收养关系自登记之日起成立。",
                       "想收养孩子请通过民政部门正规渠道依法登记。"],
        "clinic": ["我院生殖医学科只提供合法的试管婴儿服务，按照卫健委要求，拒绝一切代孕咨询。"],
        "research": ["医学院招募健康女性志愿者参与研究，给予交通补贴{price}。"],
        "news": ['法院审理一起拐卖儿童案，被告人在网上以“{quote}”为幌子联系买家。', "警方打掉贩卖婴儿团伙，网站发布“{quote}”等信息，解救婴儿{n}名。",
                 "提醒！带有“{quote}”“{quote2}”等字眼的帖子可能涉嫌拐卖儿童，请报警。",
                 "公安部通报：犯罪嫌疑人以“{quote}”为名贩卖婴儿，每名{price}。"],
        "charity": ["宝宝{n}个月需要心脏手术，恳请大家帮忙捐款转发"],
        "parenting": ["宝宝{n}个月了，晚上总是醒，大家有什么好办法吗？", "预产期下个月，在{city}哪家医院好？",
                      "宝宝出生啦！{sex} {n}.2kg 母子平安"],
        "joke": [],
    },
}  # fmt: skip

ITEMS = {
    "en": [
        "stroller",
        "crib and mattress",
        "car seat",
        "baby clothes bundle",
        "breast pump",
        "baby monitor",
        "bouncer",
        "high chair",
        "baby carrier",
        "toys",
    ],
    "id": [
        "stroller",
        "box bayi + kasur",
        "baju bayi 0-6 bln",
        "breast pump",
        "gendongan",
        "car seat",
        "mainan bayi",
        "bouncer",
    ],
    "ru": [
        "коляску 2 в 1",
        "кроватку-трансформер",
        "детские вещи 0-6 мес",
        "молокоотсос",
        "автокресло",
        "радионяню",
        "шезлонг для малыша",
    ],
    "kk": ["Бала арбасы", "Бесік", "Сәби киімдері", "Балалар автокреслосы", "Ойыншықтар"],
    "zh": ["婴儿车", "婴儿床", "儿童安全座椅", "婴儿衣服一袋", "吸奶器", "婴儿监视器"],
}
BREEDS = {
    "en": ["French bulldog", "corgi", "golden retriever", "Persian", "husky"],
    "id": ["persia", "golden retriever", "pom", "british shorthair", "shih tzu"],
    "ru": ["овчарки", "шпица", "хаски", "британцы"],
    "kk": ["хаски", "овчарка", "шпиц"],
    "zh": ["柯基", "金毛", "布偶猫", "英短", "泰迪"],
}
NAMES = {
    "en": ["Noah", "Aiden", "Mia", "Lily"],
    "id": ["Arsy", "Kenzo", "Aisyah", "Raka"],
    "ru": ["Мише", "Соне", "Ване"],
    "kk": ["Айсұлу", "Нұрлан", "Әлихан"],
    "zh": ["小宇", "乐乐"],
}
