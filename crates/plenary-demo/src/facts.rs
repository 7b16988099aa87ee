//! Facts about the demo meeting that tests (here, in the CLI, the app's e2e
//! suite) rely on. If the demo content changes, these change with it, and
//! this crate's tests check that they still hold.

/// The meeting.
pub const MEETING_ID: &str = "ccm-msp-2024";
pub const MEETING_TITLE: &str =
    "Twelfth Meeting of States Parties to the Convention on Cluster Munitions";
pub const MEETING_BODY: &str = "Convention on Cluster Munitions";
pub const SYMBOL_PREFIX: &str = "CCM/MSP/2024";
/// Top-level agenda items (1 to 11); with the sub-items of item 6 there are 17.
pub const AGENDA_TOP_LEVEL_ITEMS: usize = 11;
pub const AGENDA_ITEMS: usize = 17;

/// An agenda item with a working paper and a statement under it.
pub const AGENDA_ITEM_ID: &str = "ccm-msp-2024-item-6b";
pub const AGENDA_ITEM_NUMBER: &str = "6(b)";
pub const AGENDA_ITEM_TITLE: &str = "Victim assistance";

/// A report published as PDF in all six languages.
pub const DOCUMENT_ID: &str = "ccm-msp-2024-3";
pub const DOCUMENT_SYMBOL: &str = "CCM/MSP/2024/3";
pub const DOCUMENT_TITLE_EN: &str = "Annual review of the status and operation of the Convention";
/// Appears in the English PDF's text, on page 1.
pub const DOCUMENT_PHRASE_EN: &str = "the Convention had 112 States Parties";
/// The document's title in French.
pub const DOCUMENT_TITLE_FR: &str = "Examen annuel de l’état et du fonctionnement de la Convention";
/// Appears in the document's Arabic PDF (page 1).
pub const ARABIC_PHRASE: &str = "حالة اتفاقية الذخائر العنقودية وسير عملها";
/// Appears in the document's Chinese PDF (page 1).
pub const CHINESE_PHRASE: &str = "《公约》共有112个缔约国和12个签署国";

/// The draft declaration: original plus Rev.1 to Rev.3, each in six languages.
pub const DRAFT_DOCUMENT_ID: &str = "ccm-msp-2024-crp1";
pub const DRAFT_SYMBOL: &str = "CCM/MSP/2024/CRP.1";
pub const DRAFT_TITLE_EN: &str =
    "Draft Geneva Declaration of the Twelfth Meeting of States Parties";
/// The number of revisions after the original (labels "Rev.1" to "Rev.3").
pub const DRAFT_LATEST_REVISION: u32 = 3;
/// In the English text of every revision (paragraph 1).
pub const DRAFT_PHRASE_EN: &str =
    "unwavering commitment to the object and purpose of the Convention";
/// Paragraph inserted in Rev.1 (after paragraph 7, renumbering what follows).
pub const DRAFT_INSERTED_IN_REV1_EN: &str =
    "designate a national focal point for victim assistance";
/// Paragraph present in the original and Rev.1, deleted in Rev.2.
pub const DRAFT_DELETED_IN_REV2_EN: &str = "refine these estimates through evidence-based survey";
/// Paragraph 4 in the original and Rev.1, moved to section V in Rev.2.
pub const DRAFT_MOVED_IN_REV2_EN: &str = "in a spirit of partnership";
/// Reworded in Rev.1 (paragraph 3 gains a clause).
pub const DRAFT_REWORDED_IN_REV1_EN: &str =
    "the norm established by the Convention must be actively defended";

/// In the French text of the draft's latest revisions only (paragraph on
/// annual reports, from Rev.2), late in the document: a search for it
/// typed without accents must find the draft's French version.
pub const DRAFT_FRENCH_WORD: &str = "difficultés";
pub const DRAFT_FRENCH_WORD_UNACCENTED: &str = "difficultes";
/// In the report's Chinese text (page 1), and a phrase search finds it
/// without spaces.
pub const CHINESE_SEARCH_PHRASE: &str = "透明度报告";

/// A statement delivered on behalf of a group, published as an Arabic PDF.
pub const STATEMENT_DOCUMENT_ID: &str = "ccm-msp-2024-st-iraq";
pub const STATEMENT_DELEGATION: &str = "Iraq";
pub const STATEMENT_ON_BEHALF_OF: &str = "the Group of Arab States";
/// A statement published as HTML only.
pub const HTML_DOCUMENT_ID: &str = "ccm-msp-2024-st-cmc";
/// A statement published as plain text only.
pub const TEXT_DOCUMENT_ID: &str = "ccm-msp-2024-st-icrc";
