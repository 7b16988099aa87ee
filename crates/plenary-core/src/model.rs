//! The domain model: meetings, their agendas, documents, language versions and
//! statements. These are plain values; the cache stores them and the UI shows
//! them. Identifiers are opaque strings chosen by whoever publishes (the
//! server, or the demo generator), stable across syncs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::error::InvalidInput;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier after checking it is usable: 1 to 200
            /// characters of ASCII letters, digits, `-`, `_`, `.` or `:`.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidInput> {
                let value = value.into();
                validate_id(stringify!($name), &value)?;
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidInput;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }
    };
}

fn validate_id(kind: &'static str, value: &str) -> Result<(), InvalidInput> {
    let ok = !value.is_empty()
        && value.len() <= 200
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if ok {
        Ok(())
    } else {
        Err(InvalidInput::new(
            kind,
            format!("{value:?} is not a valid identifier (1-200 of A-Z a-z 0-9 - _ . :)"),
        ))
    }
}

id_type!(
    /// Identifies a meeting, e.g. `ccm-msp12`.
    MeetingId
);
id_type!(
    /// Identifies an agenda item within the whole system (not just its meeting).
    AgendaItemId
);
id_type!(
    /// Identifies a document: the same text across languages and revisions.
    DocumentId
);
id_type!(
    /// Identifies one published file: a document in one language at one revision.
    VersionId
);
id_type!(
    /// Identifies a statement delivered at a meeting.
    StatementId
);

/// The six official languages of the United Nations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Ar,
    En,
    Es,
    Fr,
    Ru,
    Zh,
}

impl Language {
    /// All six, in the order the UN lists them (alphabetical by English name
    /// of the language: Arabic, Chinese, English, French, Russian, Spanish).
    pub const ALL: [Language; 6] = [
        Language::Ar,
        Language::Zh,
        Language::En,
        Language::Fr,
        Language::Ru,
        Language::Es,
    ];

    /// The ISO 639-1 code, as used in the cache, the API and file names.
    pub fn code(self) -> &'static str {
        match self {
            Language::Ar => "ar",
            Language::En => "en",
            Language::Es => "es",
            Language::Fr => "fr",
            Language::Ru => "ru",
            Language::Zh => "zh",
        }
    }

    /// The language's name in itself, as a language picker shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::Ar => "العربية",
            Language::En => "English",
            Language::Es => "Español",
            Language::Fr => "Français",
            Language::Ru => "Русский",
            Language::Zh => "中文",
        }
    }

    pub fn is_right_to_left(self) -> bool {
        matches!(self, Language::Ar)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Language {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ar" => Ok(Language::Ar),
            "en" => Ok(Language::En),
            "es" => Ok(Language::Es),
            "fr" => Ok(Language::Fr),
            "ru" => Ok(Language::Ru),
            "zh" => Ok(Language::Zh),
            other => Err(InvalidInput::new(
                "language",
                format!("{other:?} is not one of ar, en, es, fr, ru, zh"),
            )),
        }
    }
}

/// What a document is, as the secretariat classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Agenda,
    WorkingPaper,
    Draft,
    Report,
    Statement,
    Information,
    Press,
}

impl DocumentKind {
    /// Every kind, in the order a meeting page lists its groups.
    pub const ALL: [DocumentKind; 7] = [
        DocumentKind::Agenda,
        DocumentKind::Draft,
        DocumentKind::WorkingPaper,
        DocumentKind::Report,
        DocumentKind::Statement,
        DocumentKind::Information,
        DocumentKind::Press,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Agenda => "agenda",
            DocumentKind::WorkingPaper => "working_paper",
            DocumentKind::Draft => "draft",
            DocumentKind::Report => "report",
            DocumentKind::Statement => "statement",
            DocumentKind::Information => "information",
            DocumentKind::Press => "press",
        }
    }
}

impl FromStr for DocumentKind {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocumentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                InvalidInput::new(
                    "document kind",
                    format!(
                        "{s:?} is not one of agenda, working_paper, draft, report, statement, information, press"
                    ),
                )
            })
    }
}

/// The file format of a version. Only formats the reader can show are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MediaType {
    #[serde(rename = "application/pdf")]
    Pdf,
    #[serde(rename = "text/html")]
    Html,
    #[serde(rename = "text/plain")]
    Text,
    /// A Word (OOXML) document; stored and synced under its full media type.
    #[serde(rename = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    Docx,
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Html => "text/html",
            MediaType::Text => "text/plain",
            MediaType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Html => "html",
            MediaType::Text => "txt",
            MediaType::Docx => "docx",
        }
    }
}

impl FromStr for MediaType {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Parameters such as `; charset=utf-8` do not change the format.
        let essence = s.split(';').next().unwrap_or_default().trim();
        match essence.to_ascii_lowercase().as_str() {
            "application/pdf" => Ok(MediaType::Pdf),
            "text/html" => Ok(MediaType::Html),
            "text/plain" => Ok(MediaType::Text),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
                Ok(MediaType::Docx)
            }
            _ => Err(InvalidInput::new(
                "media type",
                format!(
                    "{s:?} is not one of application/pdf, text/html, text/plain, \
                     application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                ),
            )),
        }
    }
}

/// A SHA-256 digest, the address of a file in the blob store and on the server.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha256([u8; 32]);

impl Sha256 {
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Sha256(sha2::Sha256::digest(bytes).into())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Sha256(bytes)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.to_hex())
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for Sha256 {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        if s.len() != 64 || hex::decode_to_slice(s, &mut out).is_err() {
            return Err(InvalidInput::new(
                "sha256",
                format!("{s:?} is not 64 hexadecimal digits"),
            ));
        }
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(InvalidInput::new(
                "sha256",
                "must be lower-case hexadecimal",
            ));
        }
        Ok(Sha256(out))
    }
}

impl Serialize for Sha256 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A UN document symbol such as `CCM/MSP/2024/10` or `CCW/CONF.VII/WP.3/Rev.2`.
///
/// Symbols are upper-case series separated by `/`; the trailing parts
/// `Rev.N`, `Add.N`, `Corr.N` and `Amend.N` keep their UN capitalisation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Symbol(String);

impl Symbol {
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = value.into();
        let value = value.trim();
        let bad = |why: &str| InvalidInput::new("symbol", format!("{value:?}: {why}"));
        if value.is_empty() || value.len() > 120 {
            return Err(bad("must be 1 to 120 characters"));
        }
        for part in value.split('/') {
            if part.is_empty() {
                return Err(bad("has an empty part between slashes"));
            }
            if !part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'(' | b')'))
            {
                return Err(bad(
                    "parts may hold only letters, digits, '.', '-', '(' and ')'",
                ));
            }
            if !part.bytes().any(|b| b.is_ascii_alphanumeric()) {
                return Err(bad("every part needs a letter or a digit"));
            }
        }
        Ok(Symbol(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The symbol without revision, addendum or corrigendum suffixes:
    /// `CCW/CONF.VII/WP.3/Rev.2` -> `CCW/CONF.VII/WP.3`.
    pub fn base(&self) -> &str {
        let mut end = self.0.len();
        for (idx, _) in self.0.rmatch_indices('/') {
            if !is_modifier(&self.0[idx + 1..end]) {
                break;
            }
            end = idx;
        }
        &self.0[..end]
    }

    /// The revision number in the symbol, if it names one (`.../Rev.2` -> 2).
    pub fn revision(&self) -> Option<u32> {
        self.0
            .rsplit('/')
            .filter_map(|part| part.strip_prefix("Rev."))
            .find_map(|n| n.parse().ok())
    }
}

fn is_modifier(part: &str) -> bool {
    ["Rev.", "Add.", "Corr.", "Amend."].iter().any(|p| {
        part.strip_prefix(p)
            .is_some_and(|n| n.parse::<u32>().is_ok())
    })
}

impl FromStr for Symbol {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Symbol::new(s)
    }
}

impl TryFrom<String> for Symbol {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Symbol::new(value)
    }
}

impl From<Symbol> for String {
    fn from(value: Symbol) -> Self {
        value.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A meeting, e.g. the Twelfth Meeting of States Parties to the Convention on
/// Cluster Munitions, Geneva, 10-13 September 2024.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: MeetingId,
    pub title: String,
    /// The treaty body or process that convenes it ("Convention on Cluster Munitions").
    pub body: String,
    pub venue: String,
    pub city: String,
    pub starts_on: Date,
    pub ends_on: Date,
    /// Symbol series of the meeting's documents (`CCM/MSP/2024`), if any.
    pub symbol_prefix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub id: AgendaItemId,
    pub meeting_id: MeetingId,
    /// As printed on the agenda: "1", "5", "7(b)".
    pub number: String,
    pub title: String,
    /// Order on the agenda; numbers do not always sort as text.
    pub position: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: DocumentId,
    pub meeting_id: MeetingId,
    pub symbol: Option<Symbol>,
    pub title: String,
    pub kind: DocumentKind,
    pub agenda_item_id: Option<AgendaItemId>,
}

/// One published file: a document in one language at one revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub id: VersionId,
    pub document_id: DocumentId,
    pub language: Language,
    /// 0 for the original, then 1, 2, ... for each revision. Orders revisions.
    pub revision: u32,
    /// How the secretariat labels it: "Original", "Rev.1", "Advance copy".
    pub label: String,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
    pub sha256: Sha256,
    pub size: u64,
    pub media_type: MediaType,
    /// A file name for saving it, e.g. `CCM_MSP_2024_10-fr.pdf`.
    pub file_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub id: StatementId,
    pub meeting_id: MeetingId,
    pub agenda_item_id: Option<AgendaItemId>,
    /// The delegation or organisation that took the floor ("Mexico", "ICRC").
    pub delegation: String,
    /// The person who spoke, where known.
    pub speaker: Option<String>,
    /// A group the delegation spoke for ("the European Union and its member States").
    pub on_behalf_of: Option<String>,
    pub delivered_on: Date,
    /// The statement's text, published as a document of kind `statement`.
    pub document_id: Option<DocumentId>,
}

/// One change to the cache: what a sync page, an import or the demo delivers.
/// A batch of them is applied in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Meeting(Meeting),
    AgendaItem(AgendaItem),
    Document(Document),
    Version(Version),
    Statement(Statement),
    /// The publisher removed something (a withdrawn version, a deleted document).
    Tombstone(Tombstone),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "entity", content = "id", rename_all = "snake_case")]
pub enum Tombstone {
    Meeting(MeetingId),
    AgendaItem(AgendaItemId),
    Document(DocumentId),
    Version(VersionId),
    Statement(StatementId),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_parse_and_strip_revision_suffixes() {
        let s = Symbol::new("CCW/CONF.VII/WP.3/Rev.2").unwrap();
        assert_eq!(s.base(), "CCW/CONF.VII/WP.3");
        assert_eq!(s.revision(), Some(2));
        let plain = Symbol::new("CCM/MSP/2024/10").unwrap();
        assert_eq!(plain.base(), "CCM/MSP/2024/10");
        assert_eq!(plain.revision(), None);
        let add = Symbol::new("A/HRC/WG.6/34/ITA/3/Add.1/Corr.1").unwrap();
        assert_eq!(add.base(), "A/HRC/WG.6/34/ITA/3");
        // A series that merely looks numeric is not a modifier.
        assert_eq!(Symbol::new("S/2024/123").unwrap().base(), "S/2024/123");
    }

    #[test]
    fn symbols_reject_what_would_break_paths_or_display() {
        for bad in [
            "",
            "CCM//MSP",
            "CCM/MSP/",
            "../etc/passwd",
            "CCM MSP",
            "CCM/<b>",
        ] {
            assert!(Symbol::new(bad).is_err(), "{bad:?} must be rejected");
        }
        let trimmed = Symbol::new(" CCM/MSP/2024/10\n").unwrap();
        assert_eq!(
            trimmed.as_str(),
            "CCM/MSP/2024/10",
            "surrounding whitespace is trimmed"
        );
    }

    #[test]
    fn languages_round_trip_and_know_their_direction() {
        for lang in Language::ALL {
            assert_eq!(lang.code().parse::<Language>().unwrap(), lang);
            let json = serde_json::to_string(&lang).unwrap();
            assert_eq!(json, format!("\"{}\"", lang.code()));
        }
        assert!(Language::Ar.is_right_to_left());
        assert!(!Language::Zh.is_right_to_left());
        assert!("de".parse::<Language>().is_err());
    }

    #[test]
    fn sha256_is_lower_hex_and_validated() {
        let h = Sha256::of(b"abc");
        assert_eq!(
            h.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(h.to_hex().parse::<Sha256>().unwrap(), h);
        assert!(h.to_hex().to_uppercase().parse::<Sha256>().is_err());
        assert!("abc".parse::<Sha256>().is_err());
    }

    #[test]
    fn ids_refuse_path_tricks_and_control_characters() {
        assert!(DocumentId::new("ccm-msp-2024-10").is_ok());
        for bad in ["", "a/b", "..\\x", "a b", "é", &"x".repeat(201)] {
            assert!(DocumentId::new(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn records_serialize_with_a_type_tag() {
        let t = Record::Tombstone(Tombstone::Version(VersionId::new("v1").unwrap()));
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "tombstone", "entity": "version", "id": "v1"})
        );
        let back: Record = serde_json::from_value(json).unwrap();
        assert_eq!(back, t);
        let kind: DocumentKind = serde_json::from_str("\"working_paper\"").unwrap();
        assert_eq!(kind, DocumentKind::WorkingPaper);
        assert_eq!(
            "text/html; charset=utf-8".parse::<MediaType>().unwrap(),
            MediaType::Html
        );
    }

    /// The cache stores `as_str()` as text and reads it back with `parse`;
    /// JSON carries the serde name. All three must agree for every type.
    #[test]
    fn media_types_round_trip_as_text_and_json() {
        for m in [
            MediaType::Pdf,
            MediaType::Html,
            MediaType::Text,
            MediaType::Docx,
        ] {
            assert_eq!(m.as_str().parse::<MediaType>().unwrap(), m);
            let json = serde_json::to_value(m).unwrap();
            assert_eq!(json, serde_json::json!(m.as_str()));
            assert_eq!(serde_json::from_value::<MediaType>(json).unwrap(), m);
        }
        assert_eq!(MediaType::Docx.extension(), "docx");
        assert!("application/msword".parse::<MediaType>().is_err());
    }
}

#[cfg(test)]
mod json_shape_tests {
    use super::*;

    /// The UI and the API read these shapes; dates must be ISO strings.
    #[test]
    fn meetings_serialize_dates_as_iso_strings() {
        let m = Meeting {
            id: MeetingId::new("m").unwrap(),
            title: "T".into(),
            body: "B".into(),
            venue: "V".into(),
            city: "Geneva".into(),
            starts_on: time::macros::date!(2024 - 09 - 10),
            ends_on: time::macros::date!(2024 - 09 - 13),
            symbol_prefix: None,
        };
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["starts_on"], "2024-09-10");
        assert_eq!(json["ends_on"], "2024-09-13");
    }
}
