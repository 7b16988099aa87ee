//! The units a comparison is made of: words for scripts written with spaces
//! (Latin, Cyrillic, Arabic), one token per character for Han, kana and
//! Hangul (Chinese is compared by characters, not by spaces), and each
//! punctuation mark on its own. Whitespace is never a token, so a change of
//! spacing is no change.

/// A token of a cleaned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte range in the cleaned text.
    pub start: u32,
    pub end: u32,
    /// Character range in the cleaned text.
    pub char_start: u32,
    pub char_end: u32,
    /// Where the whitespace before it starts (bytes; `start` when none, or
    /// when the token starts a paragraph).
    pub gap: u32,
}

impl Token {
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start as usize..self.end as usize]
    }

    /// The token with the whitespace before it.
    pub fn with_gap<'a>(&self, text: &'a str) -> &'a str {
        &text[self.gap as usize..self.end as usize]
    }
}

/// Han (with its extensions and compatibility ideographs), kana and Hangul.
pub fn is_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30ff // hiragana, katakana
        | 0x3100..=0x312f // bopomofo
        | 0x31f0..=0x31ff // katakana extension
        | 0x3400..=0x4dbf // CJK extension A
        | 0x4e00..=0x9fff // CJK unified ideographs
        | 0xac00..=0xd7af // Hangul syllables
        | 0x1100..=0x11ff // Hangul jamo
        | 0xf900..=0xfaff // compatibility ideographs
        | 0xff66..=0xff9d // half-width katakana
        | 0x20000..=0x3134f // CJK extensions B to G
    )
}

/// Letters, digits and the marks that belong to them (Arabic harakat,
/// combining accents); not ideographs, which are tokens on their own.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    (c.is_alphanumeric() || is_mark(c)) && !is_ideograph(c)
}

fn is_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036f // combining diacritics
        | 0x0483..=0x0489 // Cyrillic combining
        | 0x0610..=0x061a | 0x064b..=0x065f | 0x0670 | 0x06d6..=0x06ed // Arabic marks
        | 0x0640 // tatweel
        | 0x200c | 0x200d // joiners
    )
}

/// The tokens of `text[range]` (a paragraph), appended to `out`. Offsets are
/// absolute; `char_at` is the character index of `range.start`.
pub fn tokenize_into(text: &str, start: usize, end: usize, char_at: u32, out: &mut Vec<Token>) {
    let mut chars = text[start..end].char_indices().peekable();
    let mut char_index = char_at;
    let mut gap: Option<u32> = None;
    while let Some((i, c)) = chars.next() {
        let at = (start + i) as u32;
        let first_char = char_index;
        char_index += 1;
        if c.is_whitespace() {
            gap.get_or_insert(at);
            continue;
        }
        let mut token_end = at + c.len_utf8() as u32;
        if is_word_char(c) {
            while let Some(&(j, d)) = chars.peek() {
                if is_word_char(d) {
                    token_end = (start + j + d.len_utf8()) as u32;
                    char_index += 1;
                    chars.next();
                } else {
                    break;
                }
            }
        }
        out.push(Token {
            start: at,
            end: token_end,
            char_start: first_char,
            char_end: char_index,
            gap: gap.take().unwrap_or(at),
        });
    }
}

/// The tokens of a whole text (tests, and callers without paragraphs).
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    tokenize_into(text, 0, text.len(), 0, &mut out);
    out
}

/// A 64-bit FNV-1a hash of a token's text: what paragraphs are compared by.
pub fn hash_str(s: &str, mut h: u64) -> u64 {
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h ^= 0xff;
    h.wrapping_mul(0x100_0000_01b3)
}

pub const HASH_SEED: u64 = 0xcbf2_9ce4_8422_2325;

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        tokenize(s).iter().map(|t| t.text(s)).collect()
    }

    #[test]
    fn words_and_punctuation() {
        assert_eq!(
            texts("The follow-up (A/79/1), 12.5%"),
            [
                "The", "follow", "-", "up", "(", "A", "/", "79", "/", "1", ")", ",", "12", ".",
                "5", "%"
            ]
        );
    }

    #[test]
    fn chinese_and_japanese_by_character() {
        assert_eq!(texts("缔约国会议。"), ["缔", "约", "国", "会", "议", "。"]);
        assert_eq!(texts("締約国 テスト"), ["締", "約", "国", "テ", "ス", "ト"]);
        // Latin inside Chinese stays a word.
        assert_eq!(
            texts("第5条CCW议定书"),
            ["第", "5", "条", "CCW", "议", "定", "书"]
        );
    }

    #[test]
    fn arabic_and_russian_words() {
        assert_eq!(
            texts("الدول الأطراف، مُؤتمر"),
            ["الدول", "الأطراف", "،", "مُؤتمر"]
        );
        assert_eq!(
            texts("Статья 5. Государства-участники"),
            ["Статья", "5", ".", "Государства", "-", "участники"]
        );
    }

    #[test]
    fn offsets_and_gaps() {
        let s = "é  bc";
        let t = tokenize(s);
        assert_eq!((t[1].char_start, t[1].char_end), (3, 5));
        assert_eq!(t[1].with_gap(s), "  bc");
        assert_eq!(t[0].with_gap(s), "é");
    }
}
