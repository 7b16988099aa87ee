//! The demo meeting itself: agenda, document catalogue and the localized
//! page furniture. Texts live in `content/` (written for this project, in the
//! style of UN documents; nothing is copied from real documents).

use plenary_core::model::{DocumentKind, Language, MediaType};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

use Language::{Ar, En, Es, Fr, Ru, Zh};

pub(crate) const MEETING_ID: &str = "ccm-msp-2024";
pub(crate) const SYMBOL_PREFIX: &str = "CCM/MSP/2024";
pub(crate) const STARTS_ON: Date = date!(2024 - 09 - 10);
pub(crate) const ENDS_ON: Date = date!(2024 - 09 - 13);

/// An agenda item: id suffix, number and sub-item letter, titles in
/// ar, en, es, fr, ru, zh order (see [`tr`]).
#[derive(Debug)]
pub(crate) struct Item {
    pub key: &'static str,
    pub number: u32,
    pub letter: Option<usize>,
    pub titles: [&'static str; 6],
}

const fn item(
    key: &'static str,
    number: u32,
    letter: Option<usize>,
    titles: [&'static str; 6],
) -> Item {
    Item {
        key,
        number,
        letter,
        titles,
    }
}

/// Index into the six-language arrays, which are written in the order
/// ar, en, es, fr, ru, zh (the order of [`Language`]'s variants).
pub(crate) fn idx(lang: Language) -> usize {
    match lang {
        Ar => 0,
        En => 1,
        Es => 2,
        Fr => 3,
        Ru => 4,
        Zh => 5,
    }
}

pub(crate) fn tr(lang: Language, texts: &[&'static str; 6]) -> &'static str {
    texts[idx(lang)]
}

pub(crate) const AGENDA: [Item; 17] = [
    item(
        "1",
        1,
        None,
        [
            "افتتاح الاجتماع",
            "Opening of the Meeting",
            "Apertura de la Reunión",
            "Ouverture de l’Assemblée",
            "Открытие Совещания",
            "会议开幕",
        ],
    ),
    item(
        "2",
        2,
        None,
        [
            "انتخاب الرئيس وأعضاء المكتب الآخرين",
            "Election of the President and other officers",
            "Elección del Presidente y de los demás miembros de la Mesa",
            "Élection du Président et des autres membres du Bureau",
            "Выборы Председателя и других должностных лиц",
            "选举主席和其他主席团成员",
        ],
    ),
    item(
        "3",
        3,
        None,
        [
            "إقرار جدول الأعمال",
            "Adoption of the agenda",
            "Aprobación del programa",
            "Adoption de l’ordre du jour",
            "Утверждение повестки дня",
            "通过议程",
        ],
    ),
    item(
        "4",
        4,
        None,
        [
            "إقرار برنامج العمل",
            "Adoption of the programme of work",
            "Aprobación del programa de trabajo",
            "Adoption du programme de travail",
            "Утверждение программы работы",
            "通过工作方案",
        ],
    ),
    item(
        "5",
        5,
        None,
        [
            "تبادل عام للآراء",
            "General exchange of views",
            "Intercambio general de opiniones",
            "Échange de vues général",
            "Общий обмен мнениями",
            "一般性交换意见",
        ],
    ),
    item(
        "6",
        6,
        None,
        [
            "حالة الاتفاقية وسير عملها",
            "Status and operation of the Convention",
            "Estado y funcionamiento de la Convención",
            "État et fonctionnement de la Convention",
            "Состояние и функционирование Конвенции",
            "《公约》的现状和运作情况",
        ],
    ),
    item(
        "6a",
        6,
        Some(0),
        [
            "إضفاء الطابع العالمي",
            "Universalization",
            "Universalización",
            "Universalisation",
            "Универсализация",
            "普遍加入",
        ],
    ),
    item(
        "6b",
        6,
        Some(1),
        [
            "مساعدة الضحايا",
            "Victim assistance",
            "Asistencia a las víctimas",
            "Assistance aux victimes",
            "Помощь жертвам",
            "受害者援助",
        ],
    ),
    item(
        "6c",
        6,
        Some(2),
        [
            "التطهير والتثقيف بشأن الحد من المخاطر",
            "Clearance and risk reduction education",
            "Remoción y educación sobre la reducción de riesgos",
            "Dépollution et éducation à la réduction des risques",
            "Расчистка и просвещение по вопросам уменьшения опасности",
            "清除和减少风险教育",
        ],
    ),
    item(
        "6d",
        6,
        Some(3),
        [
            "تدمير المخزونات والاحتفاظ بها",
            "Stockpile destruction and retention",
            "Destrucción y retención de existencias",
            "Destruction et conservation des stocks",
            "Уничтожение и сохранение запасов",
            "储存销毁和保留",
        ],
    ),
    item(
        "6e",
        6,
        Some(4),
        [
            "التعاون والمساعدة على الصعيد الدولي",
            "International cooperation and assistance",
            "Cooperación y asistencia internacionales",
            "Coopération et assistance internationales",
            "Международное сотрудничество и содействие",
            "国际合作与援助",
        ],
    ),
    item(
        "6f",
        6,
        Some(5),
        [
            "تدابير الشفافية",
            "Transparency measures",
            "Medidas de transparencia",
            "Mesures de transparence",
            "Меры транспарентности",
            "透明度措施",
        ],
    ),
    item(
        "7",
        7,
        None,
        [
            "النظر في طلبات تمديد المواعيد النهائية المقدمة بموجب المادة 4 من الاتفاقية",
            "Consideration of requests for extension of deadlines under Article 4 of the Convention",
            "Examen de las solicitudes de prórroga de los plazos presentadas en virtud del artículo 4 de la Convención",
            "Examen des demandes de prolongation des délais présentées au titre de l’article 4 de la Convention",
            "Рассмотрение запросов о продлении сроков, представленных в соответствии со статьей 4 Конвенции",
            "审议根据《公约》第4条提出的延长期限请求",
        ],
    ),
    item(
        "8",
        8,
        None,
        [
            "وحدة دعم التنفيذ والمسائل المالية",
            "Implementation Support Unit and financial matters",
            "Dependencia de Apoyo a la Aplicación y cuestiones financieras",
            "Unité d’appui à l’application et questions financières",
            "Группа имплементационной поддержки и финансовые вопросы",
            "执行支助股和财务事项",
        ],
    ),
    item(
        "9",
        9,
        None,
        [
            "مواعيد انعقاد الاجتماع الثالث عشر للدول الأطراف ومدته ومكانه",
            "Dates, duration and venue of the Thirteenth Meeting of States Parties",
            "Fechas, duración y lugar de celebración de la Decimotercera Reunión de los Estados Partes",
            "Dates, durée et lieu de la treizième Assemblée des États parties",
            "Сроки, продолжительность и место проведения тринадцатого Совещания государств-участников",
            "缔约国第十三次会议的日期、会期和地点",
        ],
    ),
    item(
        "10",
        10,
        None,
        [
            "مسائل أخرى",
            "Any other business",
            "Otros asuntos",
            "Questions diverses",
            "Прочие вопросы",
            "其他事项",
        ],
    ),
    item(
        "11",
        11,
        None,
        [
            "النظر في التقرير الختامي للاجتماع واعتماده",
            "Consideration and adoption of the final report of the Meeting",
            "Examen y aprobación del informe final de la Reunión",
            "Examen et adoption du rapport final de l’Assemblée",
            "Рассмотрение и принятие заключительного доклада Совещания",
            "审议和通过会议最后报告",
        ],
    ),
];

pub(crate) fn agenda_item(key: &str) -> &'static Item {
    AGENDA
        .iter()
        .find(|i| i.key == key)
        .unwrap_or_else(|| panic!("demo catalogue names unknown agenda item {key}"))
}

const LETTERS: [[&str; 6]; 6] = [
    ["أ", "a", "a", "a", "a", "a"],
    ["ب", "b", "b", "b", "b", "b"],
    ["ج", "c", "c", "c", "c", "c"],
    ["د", "d", "d", "d", "d", "d"],
    ["هـ", "e", "e", "e", "e", "e"],
    ["و", "f", "f", "f", "f", "f"],
];

impl Item {
    /// The number as the English agenda prints it and the cache stores it: "6(b)".
    pub(crate) fn number_en(&self) -> String {
        match self.letter {
            Some(l) => format!("{}({})", self.number, LETTERS[l][1]),
            None => self.number.to_string(),
        }
    }

    /// The sub-item label on a printed agenda: "(a)" / "a)" / "(أ)".
    pub(crate) fn letter_label(&self, lang: Language) -> Option<String> {
        let l = LETTERS[self.letter?][idx(lang)];
        Some(match lang {
            Fr | Es | Ru => format!("{l})"),
            _ => format!("({l})"),
        })
    }

    /// "6 (b)" in the style of each language, for "Item 6 (b) of the provisional agenda".
    pub(crate) fn reference(&self, lang: Language) -> String {
        match self.letter_label(lang) {
            None => self.number.to_string(),
            Some(label) if lang == Zh => format!("{}{label}", self.number),
            Some(label) => format!("{} {label}", self.number),
        }
    }

    pub(crate) fn title(&self, lang: Language) -> &'static str {
        tr(lang, &self.titles)
    }
}

pub(crate) const MASTHEAD: [&str; 6] = [
    "اتفاقية الذخائر العنقودية",
    "Convention on Cluster Munitions",
    "Convención sobre Municiones en Racimo",
    "Convention sur les armes à sous-munitions",
    "Конвенция по кассетным боеприпасам",
    "集束弹药公约",
];

pub(crate) const MEETING_NAME: [&str; 6] = [
    "الاجتماع الثاني عشر للدول الأطراف",
    "Twelfth Meeting of States Parties",
    "Duodécima Reunión de los Estados Partes",
    "Douzième Assemblée des États parties",
    "Двенадцатое совещание государств-участников",
    "缔约国第十二次会议",
];

pub(crate) const PLACE_DATES: [&str; 6] = [
    "جنيف، 10-13 أيلول/سبتمبر 2024",
    "Geneva, 10–13 September 2024",
    "Ginebra, 10 a 13 de septiembre de 2024",
    "Genève, 10-13 septembre 2024",
    "Женева, 10–13 сентября 2024 года",
    "2024年9月10日至13日，日内瓦",
];

pub(crate) fn item_line(lang: Language, item: &Item) -> String {
    let r = item.reference(lang);
    match lang {
        Ar => format!("البند {r} من جدول الأعمال المؤقت"),
        En => format!("Item {r} of the provisional agenda"),
        Es => format!("Tema {r} del programa provisional"),
        Fr => format!("Point {r} de l’ordre du jour provisoire"),
        Ru => format!("Пункт {r} предварительной повестки дня"),
        Zh => format!("临时议程项目{r}"),
    }
}

/// The distribution block of page 1. Arabic, Chinese and Russian documents
/// print it in English with the language's name, as the UN does.
pub(crate) fn distribution(lang: Language, date: Date) -> Vec<String> {
    let en_date = format!(
        "{} {} {}",
        date.day(),
        EN_MONTHS[date.month() as usize - 1],
        date.year()
    );
    let m = date.month() as usize - 1;
    match lang {
        En => vec![
            "Distr.: General".into(),
            en_date,
            String::new(),
            "Original: English".into(),
        ],
        Fr => vec![
            "Distr. générale".into(),
            format!("{} {} {}", date.day(), FR_MONTHS[m], date.year()),
            String::new(),
            "Français".into(),
            "Original : anglais".into(),
        ],
        Es => vec![
            "Distr. general".into(),
            format!("{} de {} de {}", date.day(), ES_MONTHS[m], date.year()),
            String::new(),
            "Español".into(),
            "Original: inglés".into(),
        ],
        Ar | Ru | Zh => vec![
            "Distr.: General".into(),
            en_date,
            String::new(),
            match lang {
                Ar => "Arabic",
                Ru => "Russian",
                _ => "Chinese",
            }
            .into(),
            "Original: English".into(),
        ],
    }
}

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const ES_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// Language suffix of UN job numbers: GE.24-13452(E).
pub(crate) fn job_suffix(lang: Language) -> &'static str {
    match lang {
        Ar => "A",
        En => "E",
        Es => "S",
        Fr => "F",
        Ru => "R",
        Zh => "C",
    }
}

/// Which text source renders a version.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Text {
    /// Written in `content/`.
    File(&'static str),
    /// Built from the agenda table.
    Agenda,
}

/// One published language version (all revisions of it, for the draft).
#[derive(Debug)]
pub(crate) struct LangVersion {
    pub lang: Language,
    pub media: MediaType,
    pub text: Text,
}

#[derive(Debug)]
pub(crate) enum Publisher {
    /// An official document with a symbol and the UN masthead.
    Official { symbol: &'static str, job: u32 },
    /// A statement as delivered: no symbol.
    Statement(StatementMeta),
    /// A press release of the Implementation Support Unit.
    Press,
}

#[derive(Debug)]
pub(crate) struct StatementMeta {
    pub key: &'static str,
    pub delegation: &'static str,
    pub on_behalf_of: Option<&'static str>,
    pub speaker: Option<&'static str>,
    pub delivered_on: Date,
}

#[derive(Debug)]
pub(crate) struct DocSpec {
    pub id: &'static str,
    pub kind: DocumentKind,
    pub item: &'static str,
    pub publisher: Publisher,
    /// Date printed on page 1 (for official documents) and first publication.
    pub dated: Date,
    pub published_at: OffsetDateTime,
    pub versions: Vec<LangVersion>,
}

macro_rules! src {
    ($dir:literal, $lang:literal) => {
        Text::File(include_str!(concat!(
            "../content/",
            $dir,
            "/",
            $lang,
            ".txt"
        )))
    };
}

fn six(texts: [Text; 6]) -> Vec<LangVersion> {
    [Ar, En, Es, Fr, Ru, Zh]
        .into_iter()
        .zip(texts)
        .map(|(lang, text)| LangVersion {
            lang,
            media: MediaType::Pdf,
            text,
        })
        .collect()
}

fn one(lang: Language, media: MediaType, text: Text) -> LangVersion {
    LangVersion { lang, media, text }
}

macro_rules! six_src {
    ($dir:literal) => {
        six([
            src!($dir, "ar"),
            src!($dir, "en"),
            src!($dir, "es"),
            src!($dir, "fr"),
            src!($dir, "ru"),
            src!($dir, "zh"),
        ])
    };
}

/// The draft's publication times, revision by revision (Geneva evenings and
/// mornings, in UTC).
pub(crate) const DRAFT_PUBLISHED: [OffsetDateTime; 4] = [
    datetime!(2024-09-10 07:30 UTC),
    datetime!(2024-09-11 17:45 UTC),
    datetime!(2024-09-12 18:20 UTC),
    datetime!(2024-09-13 07:15 UTC),
];

pub(crate) fn catalogue() -> Vec<DocSpec> {
    use DocumentKind as K;
    use MediaType::{Html, Pdf, Text as Txt};
    let official = |symbol, job| Publisher::Official { symbol, job };
    let statement = |key, delegation, on_behalf_of, delivered_on| {
        Publisher::Statement(StatementMeta {
            key,
            delegation,
            on_behalf_of,
            speaker: None,
            delivered_on,
        })
    };
    vec![
        DocSpec {
            id: "ccm-msp-2024-1",
            kind: K::Agenda,
            item: "3",
            publisher: official("CCM/MSP/2024/1", 11873),
            dated: date!(2024 - 06 - 14),
            published_at: datetime!(2024-06-14 09:00 UTC),
            versions: six([Text::Agenda; 6]),
        },
        DocSpec {
            id: "ccm-msp-2024-2",
            kind: K::Agenda,
            item: "4",
            publisher: official("CCM/MSP/2024/2", 11874),
            dated: date!(2024 - 06 - 14),
            published_at: datetime!(2024-06-14 09:00 UTC),
            versions: six_src!("prog2"),
        },
        DocSpec {
            id: "ccm-msp-2024-3",
            kind: K::Report,
            item: "6",
            publisher: official("CCM/MSP/2024/3", 13452),
            dated: date!(2024 - 08 - 02),
            published_at: datetime!(2024-08-02 14:00 UTC),
            versions: six_src!("report3"),
        },
        DocSpec {
            id: "ccm-msp-2024-4",
            kind: K::Report,
            item: "7",
            publisher: official("CCM/MSP/2024/4", 13610),
            dated: date!(2024 - 08 - 09),
            published_at: datetime!(2024-08-09 10:30 UTC),
            versions: six_src!("ext4"),
        },
        DocSpec {
            id: DRAFT_ID,
            kind: K::Draft,
            item: "11",
            publisher: official("CCM/MSP/2024/CRP.1", 16020),
            dated: date!(2024 - 09 - 10),
            published_at: DRAFT_PUBLISHED[0],
            versions: six_src!("crp1"),
        },
        DocSpec {
            id: "ccm-msp-2024-wp1",
            kind: K::WorkingPaper,
            item: "6b",
            publisher: official("CCM/MSP/2024/WP.1", 13977),
            dated: date!(2024 - 08 - 20),
            published_at: datetime!(2024-08-20 15:00 UTC),
            versions: six_src!("wp1"),
        },
        DocSpec {
            id: "ccm-msp-2024-wp2",
            kind: K::WorkingPaper,
            item: "6a",
            publisher: official("CCM/MSP/2024/WP.2", 14105),
            dated: date!(2024 - 08 - 23),
            published_at: datetime!(2024-08-23 11:00 UTC),
            versions: six_src!("wp2"),
        },
        DocSpec {
            id: "ccm-msp-2024-wp3",
            kind: K::WorkingPaper,
            item: "6c",
            publisher: official("CCM/MSP/2024/WP.3", 14388),
            dated: date!(2024 - 08 - 28),
            published_at: datetime!(2024-08-28 16:00 UTC),
            versions: six_src!("wp3"),
        },
        DocSpec {
            id: "ccm-msp-2024-inf1",
            kind: K::Information,
            item: "1",
            publisher: official("CCM/MSP/2024/INF.1", 12901),
            dated: date!(2024 - 07 - 15),
            published_at: datetime!(2024-07-15 08:00 UTC),
            versions: vec![
                one(En, Pdf, src!("inf1", "en")),
                one(Fr, Pdf, src!("inf1", "fr")),
                one(Es, Txt, src!("inf1", "es")),
            ],
        },
        DocSpec {
            id: "ccm-msp-2024-press-1",
            kind: K::Press,
            item: "1",
            publisher: Publisher::Press,
            dated: date!(2024 - 09 - 10),
            published_at: datetime!(2024-09-10 12:30 UTC),
            versions: vec![
                one(En, Pdf, src!("press", "en")),
                one(Fr, Html, src!("press", "fr")),
            ],
        },
        DocSpec {
            id: "ccm-msp-2024-st-mexico",
            kind: K::Statement,
            item: "5",
            publisher: statement("mexico", "Mexico", None, date!(2024 - 09 - 10)),
            dated: date!(2024 - 09 - 10),
            published_at: datetime!(2024-09-10 11:40 UTC),
            versions: vec![one(Es, Pdf, src!("st", "mexico.es"))],
        },
        DocSpec {
            id: "ccm-msp-2024-st-iraq",
            kind: K::Statement,
            item: "5",
            publisher: statement(
                "iraq",
                "Iraq",
                Some("the Group of Arab States"),
                date!(2024 - 09 - 10),
            ),
            dated: date!(2024 - 09 - 10),
            published_at: datetime!(2024-09-10 13:05 UTC),
            versions: vec![one(Ar, Pdf, src!("st", "arab-group.ar"))],
        },
        DocSpec {
            id: "ccm-msp-2024-st-cmc",
            kind: K::Statement,
            item: "6a",
            publisher: statement(
                "cmc",
                "Cluster Munition Coalition",
                None,
                date!(2024 - 09 - 11),
            ),
            dated: date!(2024 - 09 - 11),
            published_at: datetime!(2024-09-11 09:20 UTC),
            versions: vec![one(En, Html, src!("st", "cmc.en"))],
        },
        DocSpec {
            id: "ccm-msp-2024-st-icrc",
            kind: K::Statement,
            item: "6b",
            publisher: statement(
                "icrc",
                "International Committee of the Red Cross",
                None,
                date!(2024 - 09 - 11),
            ),
            dated: date!(2024 - 09 - 11),
            published_at: datetime!(2024-09-11 13:50 UTC),
            versions: vec![one(En, Txt, src!("st", "icrc.en"))],
        },
        DocSpec {
            id: "ccm-msp-2024-st-lao",
            kind: K::Statement,
            item: "6c",
            publisher: statement(
                "lao",
                "Lao People’s Democratic Republic",
                None,
                date!(2024 - 09 - 12),
            ),
            dated: date!(2024 - 09 - 12),
            published_at: datetime!(2024-09-12 08:35 UTC),
            versions: vec![one(En, Pdf, src!("st", "lao.en"))],
        },
        DocSpec {
            id: "ccm-msp-2024-st-france",
            kind: K::Statement,
            item: "6d",
            publisher: statement("france", "France", None, date!(2024 - 09 - 12)),
            dated: date!(2024 - 09 - 12),
            published_at: datetime!(2024-09-12 10:10 UTC),
            versions: vec![one(Fr, Pdf, src!("st", "france.fr"))],
        },
        DocSpec {
            id: "ccm-msp-2024-st-south-africa",
            kind: K::Statement,
            item: "6e",
            publisher: statement(
                "south-africa",
                "South Africa",
                Some("the Group of African States"),
                date!(2024 - 09 - 12),
            ),
            dated: date!(2024 - 09 - 12),
            published_at: datetime!(2024-09-12 13:30 UTC),
            versions: vec![one(En, Pdf, src!("st", "south-africa.en"))],
        },
    ]
}

pub(crate) const DRAFT_ID: &str = "ccm-msp-2024-crp1";

/// Statements delivered without a published text: the meeting page lists
/// them all the same.
pub(crate) const ORAL_STATEMENTS: [(&str, &str, Option<&str>, &str, Date); 3] = [
    ("germany", "Germany", None, "6d", date!(2024 - 09 - 12)),
    ("japan", "Japan", None, "6e", date!(2024 - 09 - 12)),
    (
        "chile",
        "Chile",
        Some("a group of Latin American and Caribbean States"),
        "6a",
        date!(2024 - 09 - 11),
    ),
];

/// Title and first lines of the agenda document, per language.
pub(crate) const AGENDA_TITLE: [&str; 6] = [
    "جدول الأعمال المؤقت",
    "Provisional agenda",
    "Programa provisional",
    "Ordre du jour provisoire",
    "Предварительная повестка дня",
    "临时议程",
];

pub(crate) const PRESS_MASTHEAD: [&str; 6] = [
    "اتفاقية الذخائر العنقودية – وحدة دعم التنفيذ",
    "Convention on Cluster Munitions – Implementation Support Unit",
    "Convención sobre Municiones en Racimo – Dependencia de Apoyo a la Aplicación",
    "Convention sur les armes à sous-munitions – Unité d’appui à l’application",
    "Конвенция по кассетным боеприпасам – Группа имплементационной поддержки",
    "集束弹药公约——执行支助股",
];

pub(crate) const PRESS_RELEASE: [&str; 6] = [
    "بيان صحفي",
    "Press release",
    "Comunicado de prensa",
    "Communiqué de presse",
    "Пресс-релиз",
    "新闻稿",
];
