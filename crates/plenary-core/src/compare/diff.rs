//! The comparison itself. Paragraphs are aligned first (Patience diff on
//! paragraph hashes: unchanged paragraphs, whatever their spacing, match in
//! one step); the stretches between aligned paragraphs are then compared
//! word by word (Myers on token hashes, paragraph breaks as tokens so that
//! words align within their paragraphs), after the paragraphs that moved
//! elsewhere have been taken out. This keeps a 300-page comparison to the
//! work its changes need, and its output to readable paragraph rows.

use std::ops::Range;
use std::time::Instant;

use similar::{Algorithm, DiffTag, capture_diff_slices, capture_diff_slices_deadline};

use super::clean::{Cleaned, HyphenVocab, clean};
use super::moves::{self, Candidate, Move};
use super::structure::{self, Location};
use super::tokens::{HASH_SEED, Token, hash_str, tokenize_into};
use super::{
    Change, ChangeKind, CompareOptions, Comparison, MERGE_GAP_TOKENS, Row, RowKind, Side, Span,
    VersionText, Word, WordOp, summary,
};

/// The key of a paragraph break in a word comparison.
const BREAK_KEY: u64 = 0x9e37_79b9_7f4a_7c15;

/// One version, cleaned and tokenized.
pub(super) struct Doc {
    pub c: Cleaned,
    tokens: Vec<Token>,
    tok_hash: Vec<u64>,
    para_tokens: Vec<Range<usize>>,
    para_hash: Vec<u64>,
    para_chars: Vec<Range<u32>>,
    outline: Vec<(Option<String>, Option<String>)>,
}

impl Doc {
    fn new(c: Cleaned) -> Doc {
        let mut tokens = Vec::with_capacity(c.text.len() / 5);
        let mut para_tokens = Vec::with_capacity(c.paras.len());
        let mut para_chars = Vec::with_capacity(c.paras.len());
        let (mut char_at, mut byte_at) = (0u32, 0usize);
        for r in &c.paras {
            char_at += c.text[byte_at..r.start].chars().count() as u32;
            let first = tokens.len();
            tokenize_into(&c.text, r.start, r.end, char_at, &mut tokens);
            let n = c.text[r.clone()].chars().count() as u32;
            para_chars.push(char_at..char_at + n);
            char_at += n;
            byte_at = r.end;
            para_tokens.push(first..tokens.len());
        }
        let tok_hash: Vec<u64> = tokens
            .iter()
            .map(|t| hash_str(t.text(&c.text), HASH_SEED))
            .collect();
        let para_hash = para_tokens
            .iter()
            .map(|r| {
                tok_hash[r.clone()].iter().fold(HASH_SEED, |h, t| {
                    (h ^ t).wrapping_mul(0x100_0000_01b3).rotate_left(17)
                })
            })
            .collect();
        let outline = structure::outline(c.paras.iter().map(|r| &c.text[r.clone()]));
        Doc {
            c,
            tokens,
            tok_hash,
            para_tokens,
            para_hash,
            para_chars,
            outline,
        }
    }

    fn para_of_char(&self, ch: u32) -> Option<usize> {
        let i = self.para_chars.partition_point(|r| r.end <= ch);
        (i < self.para_chars.len()).then_some(i)
    }

    fn side(&self, bytes: Range<usize>, chars: Range<u32>) -> Side {
        let r = self.c.rendition_range(chars.clone());
        let page = self.c.page_of(r.start);
        let (heading, paragraph) = self
            .para_of_char(chars.start)
            .map(|p| self.outline[p].clone())
            .unwrap_or_default();
        Side {
            text: self.c.text[bytes].to_string(),
            start: chars.start,
            end: chars.end,
            rendition_start: r.start,
            rendition_end: r.end,
            page,
            location: Location::new(heading, paragraph, page),
        }
    }

    fn span(&self, chars: Range<u32>) -> Span {
        let r = self.c.rendition_range(chars.clone());
        Span {
            start: chars.start,
            end: chars.end,
            page: self.c.page_of(r.start),
        }
    }

    /// Paragraphs `paras` (consecutive) as one span and their byte range.
    fn paras_range(&self, paras: Range<usize>) -> (Range<usize>, Range<u32>) {
        let bytes = self.c.paras[paras.start].start..self.c.paras[paras.end - 1].end;
        let chars = self.para_chars[paras.start].start..self.para_chars[paras.end - 1].end;
        (bytes, chars)
    }

    /// The character where something inserted before paragraph `p` goes.
    fn point_before_para(&self, p: usize) -> (usize, u32) {
        if p == 0 {
            (0, 0)
        } else {
            (self.c.paras[p - 1].end, self.para_chars[p - 1].end)
        }
    }
}

/// An element of a word comparison: a token, a paragraph break, or where
/// moved block `k` was (old side) or now is (new side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum El {
    Tok(usize),
    Break,
    Moved(usize),
}

/// What a paragraph of a changed stretch is to the word comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Text,
    /// The first paragraph of moved block `k`: stands for the block.
    MoveStart(usize),
    /// The block's other paragraphs.
    MoveRest,
}

#[derive(Debug, Clone, Copy)]
enum Item {
    Eq(usize, usize),
    Del(usize),
    Ins(usize),
}

/// A word comparison of some old paragraphs with some new ones.
struct Stream {
    old: Vec<El>,
    new: Vec<El>,
    items: Vec<Item>,
}

fn elements(doc: &Doc, paras: &[(usize, Mark)], moved_key: u64) -> (Vec<El>, Vec<u64>) {
    let mut els = Vec::new();
    let mut keys = Vec::new();
    for &(p, mark) in paras {
        if mark == Mark::MoveRest {
            continue;
        }
        if !els.is_empty() {
            els.push(El::Break);
            keys.push(BREAK_KEY);
        }
        if let Mark::MoveStart(k) = mark {
            els.push(El::Moved(k));
            keys.push(moved_key.wrapping_add(k as u64));
            continue;
        }
        for t in doc.para_tokens[p].clone() {
            els.push(El::Tok(t));
            keys.push(doc.tok_hash[t]);
        }
    }
    (els, keys)
}

fn word_stream(
    old: &Doc,
    old_paras: &[(usize, Mark)],
    new: &Doc,
    new_paras: &[(usize, Mark)],
    deadline: Option<Instant>,
) -> Stream {
    // Distinct keys: a move's two places never match each other.
    let (old_els, old_keys) = elements(old, old_paras, 0xa5a5_0000_0000_0000);
    let (new_els, new_keys) = elements(new, new_paras, 0x5a5a_0000_0000_0000);
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &old_keys, &new_keys, deadline);
    let mut items = Vec::with_capacity(old_els.len().max(new_els.len()));
    for op in ops {
        let (tag, o, n) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => items.extend(o.zip(n).map(|(a, b)| Item::Eq(a, b))),
            DiffTag::Delete => items.extend(o.map(Item::Del)),
            DiffTag::Insert => items.extend(n.map(Item::Ins)),
            DiffTag::Replace => {
                items.extend(o.map(Item::Del));
                items.extend(n.map(Item::Ins));
            }
        }
    }
    Stream {
        old: old_els,
        new: new_els,
        items,
    }
}

/// A change being built; `id` fixed once all are known.
struct Draft {
    kind: ChangeKind,
    row: usize,
    from_row: Option<usize>,
    similarity: Option<f32>,
    old: Side,
    new: Side,
    words: Vec<Word>,
}

struct Out<'a> {
    old: &'a Doc,
    new: &'a Doc,
    rows: Vec<Row>,
    changes: Vec<Draft>,
}

fn push_word(words: &mut Vec<Word>, op: WordOp, text: &str, change: Option<u32>) {
    if text.is_empty() {
        return;
    }
    if let Some(last) = words.last_mut()
        && last.op == op
        && last.change == change
    {
        last.text.push_str(text);
        return;
    }
    words.push(Word {
        op,
        text: text.to_string(),
        change,
    });
}

/// "Each[- High Contracting-]{+ State+} Party" → "Each [-High
/// Contracting-]{+State+} Party": where both sides of a replacement start
/// with a space, the space is unchanged text.
fn tidy(words: &mut Vec<Word>) {
    let mut i = 0;
    while i < words.len() {
        if words[i].op == WordOp::Equal {
            i += 1;
            continue;
        }
        let start = i;
        while i < words.len() && words[i].op != WordOp::Equal {
            i += 1;
        }
        let run = &words[start..i];
        let both = run.iter().any(|w| w.op == WordOp::Delete)
            && run.iter().any(|w| w.op == WordOp::Insert);
        if !both || !run.iter().all(|w| w.text.starts_with(' ')) {
            continue;
        }
        for w in &mut words[start..i] {
            w.text.remove(0);
        }
        if start > 0
            && words[start - 1].op == WordOp::Equal
            && words[start - 1].change == words[start].change
        {
            words[start - 1].text.push(' ');
        } else if start > 0 {
            let change = words[start].change;
            words.insert(
                start,
                Word {
                    op: WordOp::Equal,
                    text: " ".into(),
                    change,
                },
            );
            i += 1;
        }
    }
    words.retain(|w| !w.text.is_empty());
}

/// Byte and character range of some tokens (first to last).
fn token_range(
    tokens: &[Token],
    ids: impl Iterator<Item = usize>,
) -> Option<(Range<usize>, Range<u32>)> {
    let mut first: Option<&Token> = None;
    let mut last: Option<&Token> = None;
    for i in ids {
        let t = &tokens[i];
        first.get_or_insert(t);
        last = Some(t);
    }
    let (f, l) = (first?, last?);
    Some((f.start as usize..l.end as usize, f.char_start..l.char_end))
}

impl Out<'_> {
    /// The text an item contributes: a token with the space before it, or
    /// a paragraph break.
    fn item_text(&self, s: &Stream, item: Item) -> (WordOp, &str) {
        let (old, new) = (self.old, self.new);
        match item {
            Item::Eq(_, n) => match s.new[n] {
                El::Tok(t) => (WordOp::Equal, new.tokens[t].with_gap(&new.c.text)),
                El::Break => (WordOp::Equal, "\n"),
                El::Moved(_) => (WordOp::Equal, ""),
            },
            Item::Del(o) => match s.old[o] {
                El::Tok(t) => (WordOp::Delete, old.tokens[t].with_gap(&old.c.text)),
                El::Break => (WordOp::Delete, "\n"),
                El::Moved(_) => (WordOp::Equal, ""),
            },
            Item::Ins(n) => match s.new[n] {
                El::Tok(t) => (WordOp::Insert, new.tokens[t].with_gap(&new.c.text)),
                El::Break => (WordOp::Insert, "\n"),
                El::Moved(_) => (WordOp::Equal, ""),
            },
        }
    }

    fn old_tok(s: &Stream, item: Item) -> Option<usize> {
        match item {
            Item::Eq(o, _) | Item::Del(o) => match s.old[o] {
                El::Tok(t) => Some(t),
                El::Break | El::Moved(_) => None,
            },
            Item::Ins(_) => None,
        }
    }

    fn new_tok(s: &Stream, item: Item) -> Option<usize> {
        match item {
            Item::Eq(_, n) | Item::Ins(n) => match s.new[n] {
                El::Tok(t) => Some(t),
                El::Break | El::Moved(_) => None,
            },
            Item::Del(_) => None,
        }
    }

    /// Rows and changes of a changed stretch. `points`: where, in each
    /// version, the stretch is when a side of it is empty. Returns the rows
    /// made, each with the first old and new paragraph it holds.
    fn stretch(&mut self, s: &Stream, points: ((usize, u32), (usize, u32))) {
        let items = &s.items;
        let moved = |it: &Item| match *it {
            Item::Del(o) => match s.old[o] {
                El::Moved(k) => Some((true, k)),
                _ => None,
            },
            Item::Ins(n) => match s.new[n] {
                El::Moved(k) => Some((false, k)),
                _ => None,
            },
            Item::Eq(..) => None,
        };
        let changed = |it: &Item| !matches!(it, Item::Eq(..)) && moved(it).is_none();
        // Runs of changed items that change a token (not only breaks);
        // a moved block's place ends a run.
        let mut groups: Vec<Range<usize>> = Vec::new();
        let mut i = 0;
        while i < items.len() {
            if !changed(&items[i]) {
                i += 1;
                continue;
            }
            let start = i;
            let mut tokens = false;
            while i < items.len() && changed(&items[i]) {
                tokens |= match items[i] {
                    Item::Del(o) => matches!(s.old[o], El::Tok(_)),
                    Item::Ins(n) => matches!(s.new[n], El::Tok(_)),
                    Item::Eq(..) => false,
                };
                i += 1;
            }
            if !tokens {
                continue;
            }
            if let Some(last) = groups.last_mut() {
                let between = &items[last.end..start];
                let joinable = between.len() <= MERGE_GAP_TOKENS
                    && between
                        .iter()
                        .all(|it| matches!(it, Item::Eq(o, _) if s.old[*o] != El::Break));
                if joinable {
                    last.end = i;
                    continue;
                }
            }
            groups.push(start..i);
        }

        // Which group each item is in.
        let mut group_of: Vec<Option<usize>> = vec![None; items.len()];
        for (g, r) in groups.iter().enumerate() {
            for slot in &mut group_of[r.clone()] {
                *slot = Some(g);
            }
        }
        let first_change = self.changes.len();
        // The changes.
        for r in &groups {
            let old_ids = items[r.clone()]
                .iter()
                .filter_map(|&it| Self::old_tok(s, it));
            let new_ids = items[r.clone()]
                .iter()
                .filter_map(|&it| Self::new_tok(s, it));
            let deleted = items[r.clone()]
                .iter()
                .any(|&it| matches!(it, Item::Del(o) if matches!(s.old[o], El::Tok(_))));
            let inserted = items[r.clone()]
                .iter()
                .any(|&it| matches!(it, Item::Ins(n) if matches!(s.new[n], El::Tok(_))));
            let old_side = match token_range(&self.old.tokens, old_ids) {
                Some((b, c)) => self.old.side(b, c),
                None => {
                    let (b, c) = Self::point(
                        s,
                        &items[..r.start],
                        &items[r.end..],
                        true,
                        self.old,
                        points.0,
                    );
                    self.old.side(b..b, c..c)
                }
            };
            let new_side = match token_range(&self.new.tokens, new_ids) {
                Some((b, c)) => self.new.side(b, c),
                None => {
                    let (b, c) = Self::point(
                        s,
                        &items[..r.start],
                        &items[r.end..],
                        false,
                        self.new,
                        points.1,
                    );
                    self.new.side(b..b, c..c)
                }
            };
            let mut words = Vec::new();
            for &it in &items[r.clone()] {
                let (op, text) = self.item_text(s, it);
                push_word(&mut words, op, text, None);
            }
            tidy(&mut words);
            if let Some(w) = words.first_mut() {
                w.text = w.text.trim_start().to_string();
            }
            self.changes.push(Draft {
                kind: match (deleted, inserted) {
                    (true, true) => ChangeKind::Replace,
                    (false, true) => ChangeKind::Insert,
                    _ => ChangeKind::Delete,
                },
                row: 0,
                from_row: None,
                similarity: None,
                old: old_side,
                new: new_side,
                words,
            });
        }

        // The rows: split where both versions break the paragraph, and
        // around the places of moved blocks, which get their own rows.
        let mut start = 0;
        for end in 0..=items.len() {
            let place = items.get(end).and_then(moved);
            let boundary = end == items.len()
                || place.is_some()
                || matches!(items[end], Item::Eq(o, _) if s.old[o] == El::Break);
            if !boundary {
                continue;
            }
            if end > start {
                self.stretch_row(s, start..end, &group_of, first_change);
            }
            match place {
                Some((true, k)) => self.moved_from_row(k),
                Some((false, k)) => self.moved_to_row(k),
                None => {}
            }
            start = end + 1;
        }
    }

    /// Where an empty side of a change is: after the previous token of
    /// that version in the stretch, else before the next, else `default`.
    fn point(
        s: &Stream,
        before: &[Item],
        after: &[Item],
        old: bool,
        doc: &Doc,
        default: (usize, u32),
    ) -> (usize, u32) {
        let tok = |it: &Item| {
            if old {
                Self::old_tok(s, *it)
            } else {
                Self::new_tok(s, *it)
            }
        };
        if let Some(t) = before.iter().rev().find_map(tok) {
            let t = &doc.tokens[t];
            return (t.end as usize, t.char_end);
        }
        if let Some(t) = after.iter().find_map(tok) {
            let t = &doc.tokens[t];
            return (t.start as usize, t.char_start);
        }
        default
    }

    fn stretch_row(
        &mut self,
        s: &Stream,
        range: Range<usize>,
        group_of: &[Option<usize>],
        first_change: usize,
    ) {
        let items = &s.items[range.clone()];
        let mut words = Vec::new();
        let mut changes: Vec<u32> = Vec::new();
        for (k, &it) in items.iter().enumerate() {
            let g = group_of[range.start + k].map(|g| (first_change + g) as u32);
            let (mut op, mut text) = self.item_text(s, it);
            if g.is_none() && text == "\n" {
                // A paragraph split or joined, nothing else: no change.
                op = WordOp::Equal;
                text = " ";
            }
            if words.is_empty() {
                text = text.trim_start();
            }
            if let Some(g) = g
                && changes.last() != Some(&g)
            {
                changes.push(g);
            }
            push_word(&mut words, op, text, g);
        }
        tidy(&mut words);
        let old_ids = || items.iter().filter_map(|&it| Self::old_tok(s, it));
        let new_ids = || items.iter().filter_map(|&it| Self::new_tok(s, it));
        let old_span = token_range(&self.old.tokens, old_ids()).map(|(_, c)| self.old.span(c));
        let new_span = token_range(&self.new.tokens, new_ids()).map(|(_, c)| self.new.span(c));
        let row = self.rows.len();
        for &c in &changes {
            self.changes[c as usize].row = row;
        }
        self.rows.push(Row {
            kind: if changes.is_empty() {
                RowKind::Equal
            } else {
                RowKind::Changed
            },
            old: old_span,
            new: new_span,
            words,
            changes,
        });
    }

    fn equal_row(&mut self, o: usize, n: usize) {
        let text = &self.new.c.text[self.new.c.paras[n].clone()];
        self.rows.push(Row {
            kind: RowKind::Equal,
            old: Some(self.old.span(self.old.para_chars[o].clone())),
            new: Some(self.new.span(self.new.para_chars[n].clone())),
            words: vec![Word {
                op: WordOp::Equal,
                text: text.to_string(),
                change: None,
            }],
            changes: Vec::new(),
        });
    }

    /// A moved block's change (its rows come when its places are reached).
    fn move_draft(&mut self, m: &Move, deadline: Option<Instant>) {
        let (ob, oc) = self.old.paras_range(m.old.clone());
        let (nb, nc) = self.new.paras_range(m.new.clone());
        let old_paras: Vec<(usize, Mark)> = m.old.clone().map(|p| (p, Mark::Text)).collect();
        let new_paras: Vec<(usize, Mark)> = m.new.clone().map(|p| (p, Mark::Text)).collect();
        let s = word_stream(self.old, &old_paras, self.new, &new_paras, deadline);
        let mut words = Vec::new();
        for &it in &s.items {
            let (op, text) = self.item_text(&s, it);
            push_word(&mut words, op, text, None);
        }
        tidy(&mut words);
        self.changes.push(Draft {
            kind: ChangeKind::Move,
            row: 0,
            from_row: None,
            similarity: Some(m.similarity as f32),
            old: self.old.side(ob, oc),
            new: self.new.side(nb, nc),
            words,
        });
    }

    /// Where moved text was.
    fn moved_from_row(&mut self, id: usize) {
        let draft = &self.changes[id];
        let span = self.old.span(draft.old.start..draft.old.end);
        let text = draft.old.text.clone();
        self.changes[id].from_row = Some(self.rows.len());
        self.rows.push(Row {
            kind: RowKind::MovedFrom,
            old: Some(span),
            new: None,
            words: vec![Word {
                op: WordOp::Delete,
                text,
                change: Some(id as u32),
            }],
            changes: vec![id as u32],
        });
    }

    fn moved_to_row(&mut self, id: usize) {
        let draft = &self.changes[id];
        let words = draft
            .words
            .iter()
            .map(|w| Word {
                change: Some(id as u32),
                ..w.clone()
            })
            .collect();
        let span = Span {
            start: draft.new.start,
            end: draft.new.end,
            page: draft.new.page,
        };
        self.changes[id].row = self.rows.len();
        self.rows.push(Row {
            kind: RowKind::MovedTo,
            old: None,
            new: Some(span),
            words,
            changes: vec![id as u32],
        });
    }
}

/// Paragraphs of a changed stretch at least this alike (Dice over their word
/// bags) are one paragraph edited, compared word by word with each other.
pub const PAIR_SIMILARITY: f64 = 0.5;
/// Above this many paragraph pairs in one stretch, its words are compared
/// in one piece instead (a rewrite).
const MAX_PAIRING: usize = 250_000;

fn bag(doc: &Doc, p: usize) -> Vec<u64> {
    let mut bag = doc.tok_hash[doc.para_tokens[p].clone()].to_vec();
    bag.sort_unstable();
    bag
}

/// Which old and new paragraphs of a changed stretch are versions of each
/// other: the in-order pairing of paragraphs at least [`PAIR_SIMILARITY`]
/// alike with the greatest total similarity (indices into the two lists).
fn pair_paragraphs(
    old: &Doc,
    old_paras: &[(usize, Mark)],
    new: &Doc,
    new_paras: &[(usize, Mark)],
) -> Vec<(usize, usize)> {
    let (m, n) = (old_paras.len(), new_paras.len());
    if m == 0 || n == 0 || m * n > MAX_PAIRING {
        return Vec::new();
    }
    let bags = |doc: &Doc, paras: &[(usize, Mark)]| -> Vec<Option<Vec<u64>>> {
        paras
            .iter()
            .map(|&(p, mark)| (mark == Mark::Text).then(|| bag(doc, p)))
            .collect()
    };
    let (ob, nb) = (bags(old, old_paras), bags(new, new_paras));
    // score[i][j]: best total for old[..i] and new[..j].
    let mut score = vec![0f64; (m + 1) * (n + 1)];
    let at = |i: usize, j: usize| i * (n + 1) + j;
    let mut sims = vec![0f64; m * n];
    for i in 1..=m {
        for j in 1..=n {
            let sim = match (&ob[i - 1], &nb[j - 1]) {
                (Some(a), Some(b)) => {
                    let (x, y) = (a.len() as f64, b.len() as f64);
                    if 2.0 * x.min(y) / (x + y) < PAIR_SIMILARITY {
                        0.0
                    } else {
                        moves::dice(a, b)
                    }
                }
                _ => 0.0,
            };
            sims[(i - 1) * n + j - 1] = sim;
            let mut best = score[at(i - 1, j)].max(score[at(i, j - 1)]);
            if sim >= PAIR_SIMILARITY {
                best = best.max(score[at(i - 1, j - 1)] + sim);
            }
            score[at(i, j)] = best;
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (m, n);
    while i > 0 && j > 0 {
        let sim = sims[(i - 1) * n + j - 1];
        if sim >= PAIR_SIMILARITY && score[at(i, j)] == score[at(i - 1, j - 1)] + sim {
            pairs.push((i - 1, j - 1));
            i -= 1;
            j -= 1;
        } else if score[at(i, j)] == score[at(i - 1, j)] {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    pairs.reverse();
    pairs
}

/// A stretch of paragraphs that differ between the versions.
#[derive(Debug, Clone)]
struct Region {
    old: Range<usize>,
    new: Range<usize>,
}

enum Block {
    Equal { old: usize, new: usize, len: usize },
    Changed(usize),
}

pub(super) fn compare(
    old_pages: &[String],
    new_pages: &[String],
    options: &CompareOptions,
) -> Comparison {
    // The two versions are cleaned and tokenized side by side.
    let vocab = std::thread::scope(|scope| {
        let old_vocab = scope.spawn(|| HyphenVocab::of(old_pages));
        let mut vocab = HyphenVocab::of(new_pages);
        vocab.merge(old_vocab.join().expect("no panic in the vocabulary"));
        vocab
    });
    let (old, new) = std::thread::scope(|scope| {
        let old = scope.spawn(|| Doc::new(clean(old_pages, &vocab, options.remove_furniture)));
        let new = Doc::new(clean(new_pages, &vocab, options.remove_furniture));
        (old.join().expect("no panic in cleaning"), new)
    });

    // Paragraphs first.
    let ops = capture_diff_slices(Algorithm::Patience, &old.para_hash, &new.para_hash);
    let mut blocks = Vec::new();
    let mut regions: Vec<Region> = Vec::new();
    for op in ops {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            blocks.push(Block::Equal {
                old: o.start,
                new: n.start,
                len: o.len(),
            });
            continue;
        }
        if let Some(Block::Changed(r)) = blocks.last() {
            let r = &mut regions[*r];
            r.old.end = o.end;
            r.new.end = n.end;
        } else {
            blocks.push(Block::Changed(regions.len()));
            regions.push(Region { old: o, new: n });
        }
    }

    // Then moves between regions.
    let candidates = |doc: &Doc, pick: fn(&Region) -> Range<usize>| -> Vec<Candidate> {
        let mut out = Vec::new();
        for (k, r) in regions.iter().enumerate() {
            for p in pick(r) {
                let mut bag = doc.tok_hash[doc.para_tokens[p].clone()].to_vec();
                bag.sort_unstable();
                let words = doc.tokens[doc.para_tokens[p].clone()]
                    .iter()
                    .filter(|t| t.text(&doc.c.text).starts_with(char::is_alphanumeric))
                    .count();
                out.push(Candidate {
                    para: p,
                    region: k,
                    hash: doc.para_hash[p],
                    bag,
                    words,
                });
            }
        }
        out
    };
    let moves = moves::find(
        &candidates(&old, |r| r.old.clone()),
        &candidates(&new, |r| r.new.clone()),
    );
    let mut old_marks = vec![Mark::Text; old.para_hash.len()];
    let mut new_marks = vec![Mark::Text; new.para_hash.len()];
    for (k, m) in moves.iter().enumerate() {
        old_marks[m.old.clone()].fill(Mark::MoveRest);
        old_marks[m.old.start] = Mark::MoveStart(k);
        new_marks[m.new.clone()].fill(Mark::MoveRest);
        new_marks[m.new.start] = Mark::MoveStart(k);
    }

    let mut out = Out {
        old: &old,
        new: &new,
        rows: Vec::new(),
        changes: Vec::new(),
    };
    // Move `k` is change `k`.
    for m in &moves {
        out.move_draft(m, options.deadline.map(|d| Instant::now() + d));
    }

    for block in &blocks {
        match *block {
            Block::Equal {
                old: o,
                new: n,
                len,
            } => {
                for k in 0..len {
                    out.equal_row(o + k, n + k);
                }
            }
            Block::Changed(r) => {
                let region = &regions[r];
                let deadline = options.deadline.map(|d| Instant::now() + d);
                let old_paras: Vec<(usize, Mark)> =
                    region.old.clone().map(|p| (p, old_marks[p])).collect();
                let new_paras: Vec<(usize, Mark)> =
                    region.new.clone().map(|p| (p, new_marks[p])).collect();
                // Each edited paragraph against its own new version; what
                // pairs with nothing, in the gaps between.
                let (mut o, mut n) = (0, 0);
                let pairs = pair_paragraphs(&old, &old_paras, &new, &new_paras);
                for (po, pn) in pairs
                    .into_iter()
                    .chain([(old_paras.len(), new_paras.len())])
                {
                    for (os, ns) in [(o..po, n..pn), (po..po + 1, pn..pn + 1)] {
                        let (os, ns) = (
                            os.start..os.end.min(old_paras.len()),
                            ns.start..ns.end.min(new_paras.len()),
                        );
                        if os.is_empty() && ns.is_empty() {
                            continue;
                        }
                        let s = word_stream(
                            &old,
                            &old_paras[os.clone()],
                            &new,
                            &new_paras[ns.clone()],
                            deadline,
                        );
                        let points = (
                            old.point_before_para(region.old.start + os.start),
                            new.point_before_para(region.new.start + ns.start),
                        );
                        out.stretch(&s, points);
                    }
                    (o, n) = (po + 1, pn + 1);
                }
            }
        }
    }
    finish(out, &old, &new)
}

fn finish(out: Out, old: &Doc, new: &Doc) -> Comparison {
    let Out {
        mut rows, changes, ..
    } = out;
    // Number the changes in the order of the rows that show them.
    let mut order: Vec<usize> = (0..changes.len()).collect();
    order.sort_by_key(|&i| (changes[i].row, i));
    let mut new_id = vec![0u32; changes.len()];
    for (id, &i) in order.iter().enumerate() {
        new_id[i] = id as u32;
    }
    for row in &mut rows {
        for c in &mut row.changes {
            *c = new_id[*c as usize];
        }
        for w in &mut row.words {
            if let Some(c) = &mut w.change {
                *c = new_id[*c as usize];
            }
        }
    }
    let mut slots: Vec<Option<Draft>> = changes.into_iter().map(Some).collect();
    let changes: Vec<Change> = order
        .iter()
        .enumerate()
        .map(|(id, &i)| {
            let d = slots[i].take().expect("each change once");
            let mut c = Change {
                id: id as u32,
                kind: d.kind,
                row: d.row as u32,
                from_row: d.from_row.map(|r| r as u32),
                similarity: d.similarity,
                old: d.old,
                new: d.new,
                words: d.words,
                renumbering: false,
            };
            c.renumbering = c.is_renumbering();
            c
        })
        .collect();
    let text = |d: &Doc| VersionText {
        pages: d.c.pages(),
        chars: d.c.chars(),
        paragraphs: d.c.paras.len() as u32,
        furniture_lines: d.c.furniture_lines as u32,
    };
    Comparison {
        summary: summary::summarize(&changes),
        old: text(old),
        new: text(new),
        changes,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Which, compare};
    use super::*;

    fn cmp(old: &str, new: &str) -> Comparison {
        compare(
            &[old.to_string()],
            &[new.to_string()],
            &CompareOptions::default(),
        )
    }

    fn inline(c: &Comparison) -> String {
        let mut s = String::new();
        for w in c.changes.iter().flat_map(|c| &c.words) {
            match w.op {
                WordOp::Equal => s.push_str(&w.text),
                WordOp::Insert => s.push_str(&format!("{{+{}+}}", w.text)),
                WordOp::Delete => s.push_str(&format!("[-{}-]", w.text)),
            }
        }
        s
    }

    /// Left (equal + delete) and right (equal + insert) of all rows.
    fn sides(c: &Comparison) -> (String, String) {
        let (mut l, mut r) = (String::new(), String::new());
        for row in &c.rows {
            for w in &row.words {
                if row.kind != RowKind::MovedTo && w.op != WordOp::Insert {
                    l.push_str(&w.text);
                }
                if row.kind != RowKind::MovedFrom && w.op != WordOp::Delete {
                    r.push_str(&w.text);
                }
            }
            l.push('\n');
            r.push('\n');
        }
        (l, r)
    }

    const DOC: &str = "Article 1\n\n1. The High Contracting Parties shall meet every five years.\n\n2. Each party shall report on the measures it has taken.\n\nArticle 2\n\nThe secretariat shall circulate the reports to all parties before the meeting.\n";

    #[test]
    fn identical_texts_have_no_changes() {
        let c = cmp(DOC, DOC);
        assert_eq!(c.summary.changes, 0);
        assert!(c.rows.iter().all(|r| r.kind == RowKind::Equal));
        assert_eq!(c.rows.len(), 5);
    }

    #[test]
    fn whitespace_only_changes_are_no_changes() {
        let spaced = DOC.replace(' ', "   ").replace("\n\n", "\n \n\n");
        let c = cmp(DOC, &spaced);
        assert_eq!(c.summary.changes, 0, "{:#?}", c.changes);
    }

    #[test]
    fn a_replaced_word_is_one_replacement_located_by_article_and_paragraph() {
        let c = cmp(DOC, &DOC.replace("five years", "four years"));
        assert_eq!(c.summary.changes, 1);
        let ch = &c.changes[0];
        assert_eq!(ch.kind, ChangeKind::Replace);
        assert_eq!(
            (ch.old.text.as_str(), ch.new.text.as_str()),
            ("five", "four")
        );
        assert_eq!(ch.new.location.label, "Article 1, paragraph 1");
        assert_eq!(inline(&c), "[-five-]{+four+}");
        let row = &c.rows[ch.row as usize];
        assert_eq!(row.kind, RowKind::Changed);
        assert_eq!(row.changes, vec![0]);
        // Offsets point at the words, in both versions.
        let old_chars: Vec<char> = DOC.chars().collect();
        let at: String = old_chars[ch.old.rendition_start as usize..ch.old.rendition_end as usize]
            .iter()
            .collect();
        assert_eq!(at, "five");
        assert_eq!(c.summary.by_location[0].location, "Article 1, paragraph 1");
    }

    #[test]
    fn insertions_and_deletions() {
        let new = DOC
            .replace("the measures", "all the measures")
            .replace(" before the meeting", "");
        let c = cmp(DOC, &new);
        assert_eq!(c.summary.insertions, 1, "{:#?}", c.changes);
        assert_eq!(c.summary.deletions, 1);
        let ins = c
            .changes
            .iter()
            .find(|c| c.kind == ChangeKind::Insert)
            .unwrap();
        assert_eq!(ins.new.text, "all");
        assert_eq!(ins.old.start, ins.old.end);
        assert_eq!(ins.old.text, "");
        let del = c
            .changes
            .iter()
            .find(|c| c.kind == ChangeKind::Delete)
            .unwrap();
        assert_eq!(del.old.text, "before the meeting");
        assert_eq!(del.old.location.label, "Article 2");
        // Both sides of the rows give back both texts.
        let (l, r) = sides(&c);
        assert_eq!(
            l.split_whitespace().collect::<Vec<_>>(),
            DOC.split_whitespace().collect::<Vec<_>>()
        );
        assert_eq!(
            r.split_whitespace().collect::<Vec<_>>(),
            new.split_whitespace().collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_moved_paragraph_is_one_move() {
        let a =
            "The Conference shall adopt its rules of procedure at its first session by consensus.";
        let b =
            "The Conference may establish subsidiary bodies as it deems necessary for its work.";
        let x = "Each party shall designate a national contact point for all matters under this Protocol.";
        let y =
            "The depositary shall inform all signatory States of each instrument of ratification.";
        let old = [a, b, x, y].join("\n\n");
        let new = [b, x, y, a].join("\n\n");
        let c = cmp(&old, &new);
        assert_eq!(c.summary.changes, 1, "{:#?}", c.changes);
        assert_eq!(c.summary.moves, 1);
        let m = &c.changes[0];
        assert_eq!(m.kind, ChangeKind::Move);
        assert_eq!(m.old.text, a);
        assert_eq!(m.new.text, a);
        assert_eq!(m.similarity, Some(1.0));
        assert_eq!(
            c.rows[m.from_row.unwrap() as usize].kind,
            RowKind::MovedFrom
        );
        assert_eq!(c.rows[m.row as usize].kind, RowKind::MovedTo);
        assert!(m.from_row.unwrap() < m.row);

        // Moved, then edited: still a move, with the edit inside.
        let new = [
            b,
            x,
            y,
            &a.replace("by consensus", "by a two-thirds majority"),
        ]
        .join("\n\n");
        let c = cmp(&old, &new);
        assert_eq!(
            (c.summary.changes, c.summary.moves),
            (1, 1),
            "{:#?}",
            c.changes
        );
        let words = &c.changes[0].words;
        assert!(
            words
                .iter()
                .any(|w| w.op == WordOp::Delete && w.text.contains("consensus"))
        );
        assert!(
            words
                .iter()
                .any(|w| w.op == WordOp::Insert && w.text.contains("majority"))
        );
    }

    #[test]
    fn chinese_is_compared_by_character() {
        let old = "第一条\n\n缔约国应每五年举行一次会议。\n";
        let new = "第一条\n\n缔约国应每四年举行一次会议。\n";
        let c = cmp(old, new);
        assert_eq!(c.summary.changes, 1);
        assert_eq!(
            (
                c.changes[0].old.text.as_str(),
                c.changes[0].new.text.as_str()
            ),
            ("五", "四")
        );
        assert_eq!(c.changes[0].new.location.label, "第一条");
        assert_eq!(c.summary.words_inserted, 1);
    }

    /// Chinese wrapped at two widths, with a running header: lines are
    /// joined without spaces, and only the one changed character shows.
    #[test]
    fn chinese_wrapped_differently_is_compared_by_character() {
        let text: String = (1..=40)
            .map(|i| format!("第{i}次缔约国会议审议了公约的执行情况并决定继续加强国际合作与援助。"))
            .collect();
        let paginate = |text: &str, width: usize| -> Vec<String> {
            let chars: Vec<char> = text.chars().collect();
            let lines: Vec<String> = chars.chunks(width).map(|c| c.iter().collect()).collect();
            lines
                .chunks(20)
                .enumerate()
                .map(|(i, l)| format!("CCM/MSP/2024/CRP.1\n{}\n- {} -", l.join("\n"), i + 1))
                .collect()
        };
        let new_text = text.replacen("决定", "同意", 1);
        let c = compare(
            &paginate(&text, 34),
            &paginate(&new_text, 30),
            &CompareOptions::default(),
        );
        assert_eq!(c.summary.changes, 1, "{:#?}", c.changes);
        assert_eq!(c.changes[0].old.text, "决定");
        assert_eq!(c.changes[0].new.text, "同意");
        assert!(
            !c.rows
                .iter()
                .flat_map(|r| &r.words)
                .any(|w| w.text.contains(' '))
        );
    }

    #[test]
    fn arabic_and_russian_words() {
        let c = cmp(
            "المادة 1\n\nتجتمع الدول الأطراف كل خمس سنوات.",
            "المادة 1\n\nتجتمع الدول الأطراف كل أربع سنوات.",
        );
        assert_eq!(c.summary.changes, 1);
        assert_eq!(
            (
                c.changes[0].old.text.as_str(),
                c.changes[0].new.text.as_str()
            ),
            ("خمس", "أربع")
        );
        assert_eq!(c.changes[0].new.location.label, "المادة 1");

        let c = cmp(
            "Статья 5\n\n1. Государства-участники проводят совещание каждые пять лет.",
            "Статья 5\n\n1. Государства-участники проводят совещание каждые четыре года.",
        );
        assert_eq!(c.summary.changes, 1);
        assert_eq!(c.changes[0].old.text, "пять лет");
        assert_eq!(c.changes[0].new.text, "четыре года");
        assert_eq!(c.changes[0].new.location.label, "Статья 5, paragraph 1");
    }

    /// Two wrapped, paginated versions whose layout differs (running header
    /// with another symbol, page numbers, line breaks, hyphenation) but
    /// whose text is the same, but for one word.
    #[test]
    fn layout_and_furniture_do_not_show_as_changes() {
        let words: Vec<String> = (0..3000).map(|i| format!("w{}", i % 97)).collect();
        let paginate = |symbol: &str, width: usize, edit: bool| -> Vec<String> {
            let mut words = words.clone();
            if edit {
                words[1500] = "changed".into();
            }
            let mut lines = Vec::new();
            let mut line = String::new();
            for w in &words {
                if line.len() + w.len() + 1 > width {
                    lines.push(std::mem::take(&mut line));
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(w);
            }
            lines.push(line);
            lines
                .chunks(40)
                .enumerate()
                .map(|(p, chunk)| format!("{symbol}\n\n{}\n\n- {} -", chunk.join("\n"), p + 1))
                .collect()
        };
        let old = paginate("CCW/CONF.VI/WP.3/Rev.1", 80, false);
        let new = paginate("CCW/CONF.VI/WP.3/Rev.2", 72, true);
        let c = compare(&old, &new, &CompareOptions::default());
        assert_eq!(c.summary.changes, 1, "{:#?}", c.changes);
        assert_eq!(c.changes[0].new.text, "changed");
        assert!(c.old.furniture_lines > 0 && c.new.furniture_lines > 0);
        // The change is on the page that holds it.
        let page = new.iter().position(|p| p.contains("changed")).unwrap() as u32 + 1;
        assert_eq!(c.changes[0].new.page, page);
    }

    #[test]
    fn a_paragraph_number_changed_alone_is_renumbering() {
        const OLD: &str = "1. The States Parties shall meet every year in Geneva.\n\n\
                           2. They shall report on the measures taken to implement the Convention.\n\n\
                           3. The President shall convene the meeting and circulate the agenda.\n";
        // A paragraph removed: what followed is renumbered; paragraph 3's
        // text also changes.
        let new = "1. The States Parties shall meet every year in Geneva.\n\n\
                   2. The President shall convene the meeting and circulate the draft agenda.\n";
        let c = cmp(OLD, new);
        let renumbered: Vec<_> = c.changes.iter().filter(|c| c.renumbering).collect();
        assert_eq!(renumbered.len(), 1, "{}", inline(&c));
        assert_eq!(renumbered[0].kind, ChangeKind::Replace);
        assert_eq!(
            (
                renumbered[0].old.text.as_str(),
                renumbered[0].new.text.as_str()
            ),
            ("3", "2")
        );
        assert_eq!(c.summary.renumbered, 1);
        // The reworded text and the deletion are not renumbering.
        assert!(
            c.changes.iter().filter(|c| !c.renumbering).count() >= 2,
            "{}",
            inline(&c)
        );
        // A number in the text is not a paragraph number.
        let c = cmp(DOC, &DOC.replace("Article 2", "Article 3"));
        assert_eq!(c.summary.changes, 1);
        assert!(!c.changes[0].renumbering, "{:#?}", c.changes[0]);
        assert_eq!(c.summary.renumbered, 0);
        let v = serde_json::to_value(&c).unwrap();
        assert!(v["changes"][0].get("renumbering").is_none());
    }

    #[test]
    fn changes_touching_notes() {
        let new = DOC.replace("five years", "four years");
        let c = cmp(DOC, &new);
        let touching = |which, r: Range<u32>| c.changes_touching(which, std::slice::from_ref(&r));
        let at = new.find("four").unwrap() as u32; // ASCII: bytes are characters
        assert_eq!(touching(Which::New, at - 10..at + 1), vec![0]);
        assert_eq!(touching(Which::New, at + 4..at + 20), Vec::<u32>::new());
        assert_eq!(touching(Which::New, 0..3), Vec::<u32>::new());
        let old_at = DOC.find("five").unwrap() as u32;
        assert_eq!(touching(Which::Old, old_at + 2..old_at + 3), vec![0]);
        // Two notes, one on the change.
        assert_eq!(c.changes_touching(Which::New, &[0..3, at..at + 4]), vec![0]);
        // An insertion point touches a note around it.
        let ins = cmp(DOC, &DOC.replace("the measures", "all the measures"));
        let point = ins.changes[0].old.rendition_start;
        assert_eq!(ins.changes[0].old.rendition_end, point);
        assert_eq!(
            ins.changes_touching(Which::Old, std::slice::from_ref(&(point - 5..point + 5))),
            vec![0]
        );
    }

    #[test]
    fn serialised_shape() {
        let c = cmp(DOC, &DOC.replace("five years", "four years"));
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["summary"]["replacements"], 1);
        assert_eq!(v["changes"][0]["kind"], "replace");
        assert_eq!(v["changes"][0]["old"]["text"], "five");
        assert_eq!(
            v["changes"][0]["new"]["location"]["label"],
            "Article 1, paragraph 1"
        );
        assert_eq!(v["changes"][0]["words"][0]["op"], "delete");
        let row = &v["rows"][v["changes"][0]["row"].as_u64().unwrap() as usize];
        assert_eq!(row["kind"], "changed");
        assert_eq!(row["words"][1]["change"], 0);
        assert!(v["changes"][0].get("from_row").is_none());
    }
}
