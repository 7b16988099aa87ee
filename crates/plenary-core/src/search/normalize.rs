//! Search normalisation: the one function ([`tokenize`]) that turns text into
//! the tokens the index holds. Documents and queries both go through it, so a
//! query matches a document exactly when their tokens match.
//!
//! Rules, in the order a character meets them:
//! * Words are runs of letters and digits (any script); everything else
//!   separates words. Tokens are lower-cased.
//! * Latin, Greek and Cyrillic letters lose their diacritics (é→e, ü→u, ç→c,
//!   ё→е): compatibility decomposition (NFKD, from `unicode-normalization`, the
//!   crate the Rust ecosystem's URL and IDNA code relies on) and the combining
//!   marks dropped. We do this ourselves rather than with a transliterating
//!   crate such as `deunicode` because transliteration would turn Cyrillic,
//!   Arabic and Chinese into Latin guesses; we only want to drop marks. NFKD
//!   (not NFD) also unfolds what PDFs are full of: ligatures (ﬁ→fi),
//!   full-width forms, Arabic presentation forms, superscripts.
//!   Exceptions: `й` keeps its breve (in Russian it is a letter of its own,
//!   not an accented `и`); `ß`→`ss`, `œ`→`oe`, `æ`→`ae`, `ł`→`l`, `ø`→`o`,
//!   `đ`→`d`, `ı`→`i` (letters NFKD does not decompose but that people type
//!   without).
//! * Arabic: alef forms (أ إ آ ٱ) → ا, taa marbuta ة → ه, alef maqsura ى → ي;
//!   tatweel (ـ) and harakat (U+064B–U+065F, U+0670) are removed. The hamza
//!   marks are in that range, so ؤ → و and ئ → ي as well: hamza spelling
//!   varies in practice. Arabic-Indic digits become 0-9.
//! * Soft hyphens and zero-width characters are invisible. A word broken at
//!   a line end (`develop-⏎ment`, or with a soft hyphen) is joined again when
//!   the next line goes on with a lower-case letter.
//! * Han (Chinese, Japanese kanji) and kana are written without spaces:
//!   each character is a token of its own ([`TokenKind::Han`]), and a query's
//!   run of them is a phrase of its characters. Few distinct terms (a few
//!   thousand characters rather than millions of pairs) keep the index small
//!   and fast to build. A phrase may match across punctuation between two
//!   runs (`决议，并` holds `议并`), as a phrase of words may across a full
//!   stop.

use std::sync::OnceLock;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// What a token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters and digits, lower-cased and folded.
    Word,
    /// One Han or kana character.
    Han,
}

/// One token: its normalised text and where it came from in the original
/// (byte offsets, `start..end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
    /// Its place among the text's tokens (0 for the first): the position
    /// FTS5 gives it.
    pub index: usize,
}

/// The normalised form of `text` as the index stores it: its tokens separated
/// by single spaces (FTS5's `ascii` tokenizer splits on them and keeps every
/// non-ASCII byte inside a token).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    normalize_into(text, &mut out);
    out
}

/// [`normalize`], appending to `out`.
pub fn normalize_into(text: &str, out: &mut String) {
    tokenize(text, |t| {
        out.push_str(t.text);
        out.push(' ');
    });
}

/// Calls `emit` with every token of `text`, in order; returns how many
/// there are.
pub fn tokenize<F: FnMut(Token<'_>)>(text: &str, emit: F) -> usize {
    tokenize_matching(text, None, emit)
}

/// Which normalised lengths (in bytes) a caller looks for: tokens of other
/// lengths may be skipped without being normalised (they still count).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lengths {
    /// Bit `n`: length `n` is wanted (for `n` < 64).
    pub exact: u64,
    /// Every length from 64 up is wanted.
    pub long: bool,
    /// Every length from this one up is wanted (prefixes).
    pub from: usize,
}

impl Lengths {
    fn wants(&self, len: usize) -> bool {
        len >= self.from
            || (len < 64 && self.exact & (1u64 << len) != 0)
            || (len >= 64 && self.long)
    }
}

/// [`tokenize`], but a plain ASCII word whose length is not wanted is only
/// counted, not normalised nor emitted (most words, when looking for a few).
pub(crate) fn tokenize_matching<F: FnMut(Token<'_>)>(
    text: &str,
    lengths: Option<Lengths>,
    emit: F,
) -> usize {
    let mut t = Tokenizer {
        text,
        emit,
        lengths,
        index: 0,
        word: String::with_capacity(32),
        word_start: 0,
        word_end: 0,
        han: String::with_capacity(4),
    };
    t.run();
    t.index
}

struct Tokenizer<'t, F> {
    text: &'t str,
    emit: F,
    lengths: Option<Lengths>,
    /// Tokens so far.
    index: usize,
    word: String,
    word_start: usize,
    word_end: usize,
    /// The text of the last Han token.
    han: String,
}

impl<F: FnMut(Token<'_>)> Tokenizer<'_, F> {
    fn run(&mut self) {
        let bytes = self.text.as_bytes();
        let table = fold_table();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if ASCII_WORD[b as usize] {
                // A run of ASCII letters and digits: copied and lower-cased in one go.
                let mut j = i + 1;
                while j < bytes.len() && ASCII_WORD[bytes[j] as usize] {
                    j += 1;
                }
                // A whole word of plain ASCII (nothing before it in the word,
                // and it ends here: no letter, mark or hyphen follows) whose
                // length is not wanted: counted, and skipped.
                if let Some(lengths) = self.lengths
                    && self.word.is_empty()
                    && !lengths.wants(j - i)
                    && bytes.get(j).is_none_or(|&b| b < 0x80 && b != b'-')
                {
                    self.index += 1;
                    i = j;
                    continue;
                }
                if self.word.is_empty() {
                    self.word_start = i;
                }
                let at = self.word.len();
                self.word.push_str(&self.text[i..j]);
                self.word[at..].make_ascii_lowercase();
                self.word_end = j;
                i = j;
                continue;
            }
            if b < 0x80 {
                if b == b'-'
                    && let Some(next) = self.line_end_hyphen(i + 1, false)
                {
                    i = next;
                    continue;
                }
                self.end_word();
                i += 1;
                continue;
            }
            let c = self.text[i..].chars().next().unwrap_or('\u{fffd}');
            let end = i + c.len_utf8();
            let code = c as u32;
            if code < TABLE_LIMIT {
                match table[code as usize] {
                    Fold::Chars { n, c: chars } => {
                        for &ch in &chars[..n as usize] {
                            self.push_char(ch, i, end);
                        }
                    }
                    Fold::Sep => self.end_word(),
                    Fold::Skip => self.skip(end),
                    Fold::Mark => self.mark(c, end),
                    Fold::SoftHyphen => {
                        if let Some(next) = self.line_end_hyphen(end, true) {
                            i = next;
                            continue;
                        }
                        self.skip(end);
                    }
                    Fold::Slow => self.slow(c, i, end),
                }
            } else if is_han(c) {
                self.han_char(c, i, end);
            } else if (0x2000..=0x206F).contains(&code) {
                // General punctuation: quotes, dashes, spaces, bullets.
                match code {
                    0x200B..=0x200D | 0x2060 => self.skip(end),
                    0x2010 | 0x2011 => {
                        if let Some(next) = self.line_end_hyphen(end, false) {
                            i = next;
                            continue;
                        }
                        self.end_word();
                    }
                    _ => self.end_word(),
                }
            } else {
                self.slow(c, i, end);
            }
            i = end;
        }
        self.end_word();
    }

    fn slow(&mut self, c: char, start: usize, end: usize) {
        fold_general(c, &mut |act| match act {
            Act::Char(ch) => self.push_char(ch, start, end),
            Act::Han(ch) => self.han_char(ch, start, end),
            Act::Sep => self.end_word(),
            Act::Skip => self.skip(end),
            Act::Mark(m) => self.mark(m, end),
        });
    }

    /// An invisible character (a haraka, tatweel, zero-width joiner) belongs
    /// to the word it is in or ends.
    fn skip(&mut self, end: usize) {
        if !self.word.is_empty() {
            self.word_end = end;
        }
    }

    fn push_char(&mut self, ch: char, start: usize, end: usize) {
        if self.word.is_empty() {
            self.word_start = start;
        }
        self.word.push(ch);
        self.word_end = end;
    }

    /// A combining mark on its own (text in decomposed form): dropped after a
    /// letter whose diacritics we fold, kept (as part of the word) otherwise.
    fn mark(&mut self, m: char, end: usize) {
        match self.word.chars().next_back() {
            Some(base) if folds_marks(base) => self.word_end = end,
            Some(_) => {
                self.word.push(m);
                self.word_end = end;
            }
            None => {}
        }
    }

    /// After a hyphen at `after`: if the line ends there and the next line
    /// goes on with a lower-case letter (any letter after a soft hyphen), the
    /// word continues; returns where.
    fn line_end_hyphen(&self, after: usize, soft: bool) -> Option<usize> {
        let last = self.word.chars().next_back()?;
        if !last.is_alphabetic() {
            return None;
        }
        let bytes = self.text.as_bytes();
        let mut j = after;
        let mut newline = false;
        while j < bytes.len() {
            match bytes[j] {
                b' ' | b'\t' | b'\r' => {}
                b'\n' | b'\x0c' => newline = true,
                _ => break,
            }
            j += 1;
        }
        if !newline {
            return None;
        }
        let next = self.text[j..].chars().next()?;
        let continues = if soft {
            next.is_alphabetic()
        } else {
            next.is_lowercase()
        };
        continues.then_some(j)
    }

    fn han_char(&mut self, c: char, start: usize, end: usize) {
        self.end_word();
        self.han.clear();
        self.han.push(c);
        (self.emit)(Token {
            text: &self.han,
            start,
            end,
            kind: TokenKind::Han,
            index: self.index,
        });
        self.index += 1;
    }

    fn end_word(&mut self) {
        if !self.word.is_empty() {
            (self.emit)(Token {
                text: &self.word,
                start: self.word_start,
                end: self.word_end,
                kind: TokenKind::Word,
                index: self.index,
            });
            self.index += 1;
            self.word.clear();
        }
    }
}

/// Han ideographs and kana, the scripts written without spaces.
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3005..=0x3007        // 々 〆 〇
        | 0x3040..=0x30FF      // hiragana, katakana
        | 0x31F0..=0x31FF      // katakana phonetic extensions
        | 0x3400..=0x4DBF      // CJK extension A
        | 0x4E00..=0x9FFF      // CJK unified ideographs
        | 0xF900..=0xFAFF      // CJK compatibility ideographs
        | 0x20000..=0x3FFFF) // CJK extensions B and later
}

/// Scripts whose diacritics are folded away: Latin, Greek, Cyrillic, Arabic.
fn folds_marks(c: char) -> bool {
    matches!(c as u32,
        0..=0x052F            // Latin, IPA, Greek, Cyrillic
        | 0x0600..=0x06FF     // Arabic
        | 0x0750..=0x077F
        | 0x08A0..=0x08FF
        | 0x1C80..=0x1C8F     // Cyrillic extended C
        | 0x1E00..=0x1FFF     // Latin extended additional, Greek extended
        | 0x2C60..=0x2C7F
        | 0x2DE0..=0x2DFF
        | 0xA640..=0xA69F
        | 0xA720..=0xA7FF
        | 0xFB50..=0xFDFF     // Arabic presentation forms
        | 0xFE70..=0xFEFF)
}

fn is_harakah(c: char) -> bool {
    matches!(c as u32, 0x064B..=0x065F | 0x0670)
}

/// Letters replaced outright (before and after decomposition).
fn replacement(c: char) -> Option<&'static str> {
    Some(match c {
        'й' | 'Й' => "й",
        'ß' | 'ẞ' => "ss",
        'œ' | 'Œ' => "oe",
        'æ' | 'Æ' => "ae",
        'ł' | 'Ł' => "l",
        'ø' | 'Ø' => "o",
        'đ' | 'Đ' => "d",
        'ı' => "i",
        // Arabic: alef wasla (the other alef forms decompose to alef + a
        // hamza or madda mark, which is dropped), taa marbuta, alef maqsura.
        'ٱ' => "ا",
        'ة' => "ه",
        'ى' => "ي",
        '٠' | '۰' => "0",
        '١' | '۱' => "1",
        '٢' | '۲' => "2",
        '٣' | '۳' => "3",
        '٤' | '۴' => "4",
        '٥' | '۵' => "5",
        '٦' | '۶' => "6",
        '٧' | '۷' => "7",
        '٨' | '۸' => "8",
        '٩' | '۹' => "9",
        _ => return None,
    })
}

/// What one character of the input becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// A character of a word.
    Char(char),
    /// A Han character (after decomposition, e.g. a compatibility ideograph).
    Han(char),
    /// Ends the word.
    Sep,
    /// Invisible.
    Skip,
    /// A combining mark with no base in this character.
    Mark(char),
}

/// The general rule for one character (the fast paths are precomputed from it).
fn fold_general(c: char, out: &mut impl FnMut(Act)) {
    let code = c as u32;
    if code == 0x0640 || is_harakah(c) || matches!(code, 0x00AD | 0x200B..=0x200D | 0x2060 | 0xFEFF)
    {
        return out(Act::Skip);
    }
    if let Some(r) = replacement(c) {
        return r.chars().for_each(|ch| out(Act::Char(ch)));
    }
    if is_han(c) {
        return out(Act::Han(c));
    }
    let mut base: Option<char> = None;
    decompose_compatible(c, |d| {
        if is_combining_mark(d) {
            match base {
                _ if is_harakah(d) => {}
                Some(b) if folds_marks(b) => {}
                Some(_) => out(Act::Char(d)),
                None => out(Act::Mark(d)),
            }
            return;
        }
        if is_han(d) {
            base = Some(d);
            return out(Act::Han(d));
        }
        for l in d.to_lowercase() {
            if let Some(r) = replacement(l) {
                r.chars().for_each(|ch| out(Act::Char(ch)));
                base = Some(l);
            } else if is_combining_mark(l) {
                // to_lowercase('İ') is i + combining dot above.
                if !base.is_some_and(folds_marks) {
                    out(Act::Char(l));
                }
            } else if l.is_alphanumeric() {
                base = Some(l);
                out(Act::Char(l));
            } else {
                base = None;
                out(Act::Sep);
            }
        }
    });
}

/// Characters below this are looked up in a table built once from
/// [`fold_general`]: Latin, Greek, Cyrillic, Arabic and most other alphabets.
const TABLE_LIMIT: u32 = 0x2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fold {
    Sep,
    Skip,
    Mark,
    SoftHyphen,
    Chars { n: u8, c: [char; 3] },
    Slow,
}

fn fold_table() -> &'static [Fold] {
    static TABLE: OnceLock<Vec<Fold>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..TABLE_LIMIT)
            .map(|code| {
                let Some(c) = char::from_u32(code) else {
                    return Fold::Sep;
                };
                if c == '\u{AD}' {
                    return Fold::SoftHyphen;
                }
                let mut acts = Vec::new();
                fold_general(c, &mut |a| acts.push(a));
                let chars: Vec<char> = acts
                    .iter()
                    .filter_map(|a| match a {
                        Act::Char(ch) => Some(*ch),
                        _ => None,
                    })
                    .collect();
                match acts.as_slice() {
                    [] | [Act::Skip] => Fold::Skip,
                    [Act::Mark(_)] => Fold::Mark,
                    _ if acts.iter().all(|a| *a == Act::Sep) => Fold::Sep,
                    _ if chars.len() == acts.len() && chars.len() <= 3 => {
                        let mut c = ['\0'; 3];
                        c[..chars.len()].copy_from_slice(&chars);
                        Fold::Chars {
                            n: chars.len() as u8,
                            c,
                        }
                    }
                    _ => Fold::Slow,
                }
            })
            .collect()
    })
}

/// ASCII letters and digits (false for every other byte, and all non-ASCII).
static ASCII_WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        tokenize(text, |t| out.push(t.text.to_owned()));
        out
    }

    #[test]
    fn lower_cases_and_splits_on_punctuation() {
        assert_eq!(
            words("The Human-Rights COUNCIL, (A/HRC/34) 2024."),
            [
                "the", "human", "rights", "council", "a", "hrc", "34", "2024"
            ]
        );
        assert_eq!(normalize("Hello, World"), "hello world ");
        assert!(words(" \n\t—…«»“”’ ").is_empty());
    }

    #[test]
    fn folds_latin_diacritics() {
        assert_eq!(
            words("Développement États Ça ÜBER naïve São Ñandú"),
            [
                "developpement",
                "etats",
                "ca",
                "uber",
                "naive",
                "sao",
                "nandu"
            ]
        );
        // Decomposed input (NFD) folds the same way as composed.
        assert_eq!(words("De\u{301}veloppement"), ["developpement"]);
        assert_eq!(
            words("Œuvre cœur Straße Łódź Ørsted İstanbul"),
            ["oeuvre", "coeur", "strasse", "lodz", "orsted", "istanbul"]
        );
    }

    #[test]
    fn unfolds_ligatures_and_compatibility_forms() {
        assert_eq!(
            words("ﬁnancial ﬂows ＵＮ２０２４ km²"),
            ["financial", "flows", "un2024", "km2"]
        );
    }

    #[test]
    fn folds_cyrillic_yo_but_keeps_short_i() {
        assert_eq!(words("Ёлка ещё"), ["елка", "еще"]);
        assert_eq!(words("Е\u{308}ЛКА"), ["елка"]);
        assert_eq!(words("Мой край"), ["мой", "край"]);
        assert_ne!(words("мой"), words("мои"));
        assert_eq!(words("ГОСУДАРСТВ"), ["государств"]);
    }

    #[test]
    fn normalises_arabic_alef_forms_taa_marbuta_and_alef_maqsura() {
        assert_eq!(words("أحمد إسلام آمن ٱلله"), ["احمد", "اسلام", "امن", "الله"]);
        assert_eq!(words("مدرسة"), words("مدرسه"));
        assert_eq!(words("على"), words("علي"));
    }

    #[test]
    fn removes_arabic_tatweel_and_harakat() {
        assert_eq!(words("الأمـــم"), words("الامم"));
        // fatha, damma, kasra, shadda, sukun, tanwin, superscript alef
        assert_eq!(words("الْمُتَّحِدَةُ"), words("المتحده"));
        assert_eq!(words("كِتَابٌ"), ["كتاب"]);
        assert_eq!(words("هٰذا"), ["هذا"]);
        assert_eq!(words("٢٠٢٤"), ["2024"]);
        // Presentation forms (as some PDFs hold them) become the letters.
        assert_eq!(words("\u{FEDF}\u{FE8E} \u{FEFB}"), words("لا لا"));
    }

    #[test]
    fn han_runs_become_one_token_per_character() {
        let mut out = Vec::new();
        tokenize("联合国大会 A 国", |t| {
            out.push((t.text.to_owned(), t.kind))
        });
        use TokenKind::*;
        assert_eq!(
            out,
            [
                ("联".into(), Han),
                ("合".into(), Han),
                ("国".into(), Han),
                ("大".into(), Han),
                ("会".into(), Han),
                ("a".into(), Word),
                ("国".into(), Han),
            ]
        );
        // Latin next to Han without a space still splits.
        assert_eq!(words("COVID疫情"), ["covid", "疫", "情"]);
        assert_eq!(words("疫情2024年"), ["疫", "情", "2024", "年"]);
        // Kana are written without spaces too.
        assert_eq!(words("です"), ["で", "す"]);
    }

    #[test]
    fn offsets_point_into_the_original() {
        let text = "L'État, 联合国";
        let mut spans = Vec::new();
        tokenize(text, |t| spans.push(&text[t.start..t.end]));
        assert_eq!(spans, ["L", "État", "联", "合", "国"]);
    }

    #[test]
    fn joins_words_hyphenated_at_a_line_end() {
        assert_eq!(words("develop-\nment"), ["development"]);
        assert_eq!(words("develop- \r\n  ment goals"), ["development", "goals"]);
        assert_eq!(words("госу-\nдарство"), ["государство"]);
        // Not at a line end, or the next line starts a capitalised word or a
        // number: a real hyphen.
        assert_eq!(words("self-determination"), ["self", "determination"]);
        assert_eq!(words("Inter-\nAmerican"), ["inter", "american"]);
        assert_eq!(words("2010-\n2015"), ["2010", "2015"]);
        let text = "develop-\nment";
        let mut spans = Vec::new();
        tokenize(text, |t| spans.push(&text[t.start..t.end]));
        assert_eq!(spans, [text], "the token spans the whole broken word");
    }

    #[test]
    fn soft_hyphens_and_zero_width_characters_are_invisible() {
        assert_eq!(words("devel\u{AD}opment"), ["development"]);
        assert_eq!(words("devel\u{AD}\nOpment"), ["development"]);
        assert_eq!(words("ab\u{200B}cd"), ["abcd"]);
    }

    #[test]
    fn skipping_unwanted_lengths_keeps_positions() {
        let text = "The Council, the COUNCIL and développement-\nally; self-help 中国 councils\n";
        let mut all = Vec::new();
        let n = tokenize(text, |t| all.push((t.text.to_owned(), t.index, t.start)));
        let lengths = Lengths {
            exact: 1 << 7,
            long: false,
            from: usize::MAX,
        };
        let mut some = Vec::new();
        let m = tokenize_matching(text, Some(lengths), |t| {
            some.push((t.text.to_owned(), t.index, t.start))
        });
        assert_eq!(n, m);
        let wanted: Vec<_> = all.iter().filter(|t| t.0.len() == 7).cloned().collect();
        assert_eq!(
            some.iter()
                .filter(|t| t.0.len() == 7)
                .cloned()
                .collect::<Vec<_>>(),
            wanted
        );
        assert_eq!(wanted.len(), 2, "{all:?}");
        // Words that are not plain ASCII are never skipped.
        assert!(some.iter().any(|t| t.0 == "developpementally"));
        assert!(some.iter().any(|t| t.0 == "中"));
    }

    #[test]
    fn the_fast_table_agrees_with_the_general_rule() {
        // Every character below the table limit, alone and inside a word.
        for code in 0x80..TABLE_LIMIT {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            if c == '\u{AD}' {
                continue;
            }
            let text = format!("a{c}b");
            let mut general = String::new();
            let mut word = String::from("a");
            fold_general(c, &mut |act| match act {
                Act::Char(ch) => word.push(ch),
                Act::Han(_) | Act::Sep => {
                    general.push_str(&word);
                    general.push(' ');
                    word.clear();
                }
                Act::Skip | Act::Mark(_) => {}
            });
            word.push('b');
            general.push_str(&word);
            general.push(' ');
            let general = general.split_whitespace().collect::<Vec<_>>().join(" ");
            let fast = normalize(&text);
            assert_eq!(fast.trim_end(), general, "U+{code:04X} {c:?}");
        }
    }
}
