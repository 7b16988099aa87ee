//! What the user typed, parsed by us into a query, and the query written as an
//! FTS5 expression.
//!
//! Architecture invariant: user input never reaches FTS5 as syntax. Every
//! token in the expression we write is one the normaliser produced (letters
//! and digits only), inside double quotes, with any quote doubled; operators
//! and parentheses are ours.
//!
//! The syntax: words (all must match), `"quoted phrases"`, `word*` (prefix,
//! three characters at least; a shorter one is taken as the word), `a OR b`,
//! `-word` or `NOT word` (exclusion); `AND` is allowed and changes nothing.
//! A word with punctuation inside (`A/HRC/34`, `col:x`, `self-determination`)
//! is the phrase of its parts, as the document's text is indexed; a hyphenated
//! word also matches written as one word (`selfdetermination`), which is how
//! it is indexed when the hyphen fell at a line end. Anything else (an
//! unbalanced quote, parentheses, a dangling operator, a lone `*` or `-`, only
//! exclusions) is broken syntax: the query is then the input's plain words,
//! and says so (`fallback`).

use super::normalize::tokenize;

/// A word or phrase of the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    /// Token sequences, any of which matches (a hyphenated word has two).
    /// Never empty, and no sequence is empty.
    pub alternatives: Vec<Vec<String>>,
    /// The last token of each sequence matches as a prefix.
    pub prefix: bool,
}

/// A parsed query: every group must match (a group matches when one of its
/// terms does), and no excluded term may.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Parsed {
    pub groups: Vec<Vec<Term>>,
    pub excluded: Vec<Term>,
    /// The input's syntax was broken; these are its plain words.
    pub fallback: bool,
}

/// Shorter prefixes would expand to a large part of the vocabulary.
const MIN_PREFIX_CHARS: usize = 3;

impl Parsed {
    /// Nothing to search for (no word in the input).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The FTS5 expression. Only meaningful when not empty.
    pub fn to_fts5(&self) -> String {
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| any(g.iter().map(term_fts5).collect()))
            .collect();
        let all = groups.join(" AND ");
        if self.excluded.is_empty() {
            all
        } else {
            let none = any(self.excluded.iter().map(term_fts5).collect());
            format!("({all}) NOT {none}")
        }
    }
}

fn any(mut parts: Vec<String>) -> String {
    if parts.len() == 1 {
        parts.pop().unwrap_or_default()
    } else {
        format!("({})", parts.join(" OR "))
    }
}

fn term_fts5(term: &Term) -> String {
    any(term
        .alternatives
        .iter()
        .map(|tokens| {
            let phrase = tokens.join(" ").replace('"', "\"\"");
            if term.prefix {
                format!("\"{phrase}\"*")
            } else {
                format!("\"{phrase}\"")
            }
        })
        .collect())
}

/// Parses what the user typed; broken syntax gives its plain words, marked
/// `fallback`.
pub(crate) fn parse(input: &str) -> Parsed {
    match parse_syntax(input) {
        Ok(parsed) => parsed,
        Err(Broken) => plain_words(input),
    }
}

/// The input's words, all required, ignoring every operator: what a broken
/// query (or one FTS5 refused) is searched as.
pub(crate) fn plain_words(input: &str) -> Parsed {
    let groups = input
        .split(|c: char| c.is_whitespace() || c == '"')
        .filter_map(|chunk| term(chunk, false))
        .map(|t| vec![t])
        .collect();
    Parsed {
        groups,
        excluded: Vec::new(),
        fallback: true,
    }
}

#[derive(Debug)]
struct Broken;

#[derive(Debug, PartialEq, Eq)]
enum Lexeme {
    Text {
        text: String,
        negated: bool,
        prefix: bool,
    },
    Or,
    And,
    Not,
}

fn lex(input: &str) -> Result<Vec<Lexeme>, Broken> {
    let mut out = Vec::new();
    let mut rest = input;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(out);
        }
        let (negated, body) = match rest.strip_prefix('-') {
            Some(after) if after.starts_with('"') => (true, after),
            _ => (false, rest),
        };
        if let Some(quoted) = body.strip_prefix('"') {
            let close = quoted.find('"').ok_or(Broken)?;
            let text = quoted[..close].to_owned();
            let after = &quoted[close + 1..];
            let stars = after.len() - after.trim_start_matches('*').len();
            out.push(Lexeme::Text {
                text,
                negated,
                prefix: stars > 0,
            });
            rest = &after[stars..];
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        match word {
            "OR" => out.push(Lexeme::Or),
            "AND" => out.push(Lexeme::And),
            "NOT" => out.push(Lexeme::Not),
            _ => {
                if word.contains(['(', ')']) {
                    return Err(Broken);
                }
                let (negated, word) = match word.strip_prefix('-') {
                    Some(w) => (true, w),
                    None => (false, word),
                };
                let text = word.trim_end_matches('*');
                if text.is_empty() {
                    return Err(Broken);
                }
                out.push(Lexeme::Text {
                    text: text.to_owned(),
                    negated,
                    prefix: text.len() < word.len(),
                });
            }
        }
    }
}

fn parse_syntax(input: &str) -> Result<Parsed, Broken> {
    let mut parsed = Parsed::default();
    // What the next text may be joined to, and how.
    let mut pending_or = false;
    let mut pending_not = false;
    let mut pending_and = false;
    let mut last_negated = false;
    let mut any_text = false;
    for lexeme in lex(input)? {
        match lexeme {
            Lexeme::Or => {
                if !any_text || last_negated || pending_or || pending_not || pending_and {
                    return Err(Broken);
                }
                pending_or = true;
            }
            Lexeme::And => {
                if !any_text || pending_or || pending_not || pending_and {
                    return Err(Broken);
                }
                pending_and = true;
            }
            Lexeme::Not => {
                if pending_or || pending_not {
                    return Err(Broken);
                }
                pending_not = true;
            }
            Lexeme::Text {
                text,
                negated,
                prefix,
            } => {
                let negated = negated || pending_not;
                if negated && pending_or {
                    return Err(Broken);
                }
                // A term with no letters or digits (a dash, an ellipsis) is
                // nothing to search for; it joins nothing.
                if let Some(term) = term(&text, prefix) {
                    if negated {
                        parsed.excluded.push(term);
                    } else if pending_or {
                        match parsed.groups.last_mut() {
                            Some(group) => group.push(term),
                            None => parsed.groups.push(vec![term]),
                        }
                    } else {
                        parsed.groups.push(vec![term]);
                    }
                }
                any_text = true;
                last_negated = negated;
                pending_or = false;
                pending_not = false;
                pending_and = false;
            }
        }
    }
    if pending_or || pending_not || pending_and {
        return Err(Broken);
    }
    if parsed.groups.is_empty() && !parsed.excluded.is_empty() {
        // Only exclusions: FTS5 cannot search for "everything but".
        return Err(Broken);
    }
    Ok(parsed)
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// The term for a word or phrase, or `None` if it has no token.
fn term(text: &str, mut prefix: bool) -> Option<Term> {
    let tokens = query_tokens(text);
    if tokens.is_empty() {
        return None;
    }
    // A Han character is a whole token: nothing starts with it but itself.
    if prefix
        && let Some(last) = tokens.last()
        && (last.chars().any(super::normalize::is_han) || last.chars().count() < MIN_PREFIX_CHARS)
    {
        prefix = false;
    }
    let mut alternatives = vec![tokens];
    // `self-determination` is also indexed as `selfdetermination` when the
    // hyphen fell at a line end.
    let joined: String = text
        .char_indices()
        .filter(|&(i, c)| {
            !(is_hyphen(c)
                && text[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphabetic)
                && text[i + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphabetic))
        })
        .map(|(_, c)| c)
        .collect();
    if joined != text {
        let tokens = query_tokens(&joined);
        if !tokens.is_empty() && !alternatives.contains(&tokens) {
            alternatives.push(tokens);
        }
    }
    Some(Term {
        alternatives,
        prefix,
    })
}

/// A query's tokens for `text`, by the same normaliser as documents (a
/// run of Han characters is thus a phrase of its characters).
fn query_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    tokenize(text, |t| tokens.push(t.text.to_owned()));
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts(input: &str) -> (String, bool) {
        let p = parse(input);
        (p.to_fts5(), p.fallback)
    }

    #[test]
    fn words_are_all_required_and_quoted() {
        assert_eq!(
            fts("Développement durable"),
            ("\"developpement\" AND \"durable\"".into(), false)
        );
        assert_eq!(fts("AND"), ("\"and\"".into(), true));
        assert_eq!(fts("a AND b"), ("\"a\" AND \"b\"".into(), false));
    }

    #[test]
    fn phrases_prefixes_or_and_exclusions() {
        assert_eq!(
            fts("\"human rights\" council*"),
            ("\"human rights\" AND \"council\"*".into(), false)
        );
        assert_eq!(
            fts("draft OR proposal report"),
            ("(\"draft\" OR \"proposal\") AND \"report\"".into(), false)
        );
        assert_eq!(
            fts("report -draft NOT \"working paper\""),
            (
                "(\"report\") NOT (\"draft\" OR \"working paper\")".into(),
                false
            )
        );
        assert_eq!(
            fts("\"États membres\"*"),
            ("\"etats membres\"*".into(), false)
        );
        // Too short a prefix is the word itself.
        assert_eq!(fts("un*"), ("\"un\"".into(), false));
    }

    #[test]
    fn punctuation_inside_a_word_makes_a_phrase() {
        assert_eq!(fts("A/HRC/WG.6/34"), ("\"a hrc wg 6 34\"".into(), false));
        assert_eq!(fts("col:x"), ("\"col x\"".into(), false));
        assert_eq!(
            fts("self-determination"),
            (
                "(\"self determination\" OR \"selfdetermination\")".into(),
                false
            )
        );
    }

    #[test]
    fn han_runs_become_phrases_of_characters() {
        assert_eq!(fts("联合国"), ("\"联 合 国\"".into(), false));
        assert_eq!(fts("国"), ("\"国\"".into(), false));
        // A Han character is a whole token: a prefix of it is itself.
        assert_eq!(fts("国*"), ("\"国\"".into(), false));
        assert_eq!(fts("\"联合国 2024\""), ("\"联 合 国 2024\"".into(), false));
    }

    #[test]
    fn broken_syntax_falls_back_to_plain_words() {
        for (input, expected) in [
            ("\"unbalanced", "\"unbalanced\""),
            ("AND OR (", "\"and\" AND \"or\""),
            ("NEAR(", "\"near\""),
            ("a OR", "\"a\" AND \"or\""),
            ("OR a", "\"or\" AND \"a\""),
            ("-only", "\"only\""),
            ("a OR -b", "\"a\" AND \"or\" AND \"b\""),
            ("x NOT", "\"x\" AND \"not\""),
        ] {
            assert_eq!(fts(input), (expected.into(), true), "{input}");
        }
        let star = parse("*");
        assert!(star.fallback && star.is_empty());
    }

    #[test]
    fn user_text_cannot_inject_fts5_syntax() {
        for input in [
            "a\" OR \"b",
            "x\"\"y",
            "title:secret",
            "^start",
            "{col1 col2}: x",
            "a + b",
            "NEAR(a b, 3)",
        ] {
            let parsed = parse(input);
            for term in parsed.groups.iter().flatten().chain(&parsed.excluded) {
                for tokens in &term.alternatives {
                    for t in tokens {
                        assert!(
                            t.chars().all(char::is_alphanumeric),
                            "{input:?} gave token {t:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn an_input_without_words_is_empty() {
        let p = parse(" — … ");
        assert!(p.is_empty() && !p.fallback);
    }
}
