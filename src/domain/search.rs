//! Search that reads Chinese: text is folded to one form (Traditional to
//! Simplified, full-width to half-width, upper to lower case) and cut into
//! tokens that a GIN index over `text[]` can find: every Han character and
//! every pair of neighbouring Han characters (so one- and two-character
//! queries work, which trigrams cannot), English words by their Snowball
//! stem, and registration numbers and references whole, whatever spaces or
//! case were typed.
//!
//! Folding maps each character to exactly one character, so a position in
//! the folded text is the same position in the original: that is what lets
//! the matching words be highlighted in the text people typed.

use std::collections::HashMap;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

use crate::domain::code::codes;

codes! {
    /// What a search finds.
    pub enum SearchKind {
        Organization = "organization",
        Application = "application",
        Person = "person",
        Report = "report",
    }
}

/// One Traditional character to its Simplified form, from the OpenCC and
/// MediaWiki tables the `zhconv` crate ships (the same data that switches
/// the interface between scripts). Phrase rules and one-to-many entries are
/// left out: a character folds to one character, whatever its neighbours.
static TO_SIMPLIFIED: LazyLock<HashMap<char, char>> = LazyLock::new(|| {
    zhconv::tables::expand_table(zhconv::tables::ZH_HANS_TABLE)
        .filter_map(|(from, to)| {
            let mut f = from.chars();
            let mut t = to.chars();
            match (f.next(), f.next(), t.next(), t.next()) {
                (Some(a), None, Some(b), None) if a != b => Some((a, b)),
                _ => None,
            }
        })
        .collect()
});

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Code tokens start with this, so a code never collides with a word.
const CODE_MARK: char = '#';

/// The shortest run of letters and digits taken as a code (a USCC has 18, a
/// Hong Kong s.88 file number 5 or more, a reference such as `A-123` 4).
const CODE_MIN: usize = 4;

/// One character folded: full-width forms to their ASCII twins, the
/// ideographic space to a space, Traditional to Simplified, upper to lower.
pub fn fold_char(c: char) -> char {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    let c = TO_SIMPLIFIED.get(&c).copied().unwrap_or(c);
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// The whole text folded, one character for one.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// A piece of folded text: a run of Han characters, or a word of letters
/// and digits.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Han(Vec<char>),
    Word(String),
}

fn pieces(folded: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut han: Vec<char> = Vec::new();
    let mut word = String::new();
    for c in folded.chars() {
        if is_han(c) {
            if !word.is_empty() {
                out.push(Piece::Word(std::mem::take(&mut word)));
            }
            han.push(c);
        } else if c.is_alphanumeric() {
            if !han.is_empty() {
                out.push(Piece::Han(std::mem::take(&mut han)));
            }
            word.push(c);
        } else {
            if !han.is_empty() {
                out.push(Piece::Han(std::mem::take(&mut han)));
            }
            if !word.is_empty() {
                out.push(Piece::Word(std::mem::take(&mut word)));
            }
        }
    }
    if !han.is_empty() {
        out.push(Piece::Han(han));
    }
    if !word.is_empty() {
        out.push(Piece::Word(word));
    }
    out
}

fn stem(word: &str) -> String {
    if word.chars().all(|c| c.is_ascii_alphabetic()) {
        STEMMER.stem(word).into_owned()
    } else {
        word.to_owned()
    }
}

/// The tokens a document is found by: each Han character and each pair of
/// neighbours, each word's stem. Sorted, without repeats.
pub fn document_tokens<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    for text in texts {
        for piece in pieces(&fold(text)) {
            match piece {
                Piece::Han(run) => {
                    out.extend(run.iter().map(|c| c.to_string()));
                    out.extend(run.windows(2).map(|w| w.iter().collect::<String>()));
                }
                Piece::Word(w) => out.push(stem(&w)),
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A registration number or reference as one token: letters and digits
/// only, folded. `None` when too short to be a code.
pub fn code_token(code: &str) -> Option<String> {
    let folded: String = fold(code).chars().filter(|c| c.is_alphanumeric()).collect();
    (folded.chars().count() >= CODE_MIN && folded.chars().any(|c| c.is_ascii_digit()))
        .then(|| format!("{CODE_MARK}{folded}"))
}

/// What was typed into a search box, made ready for the index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// As typed (trimmed), to show back in the box.
    pub text: String,
    /// Every one must be among a document's tokens.
    pub tokens: Vec<String>,
    /// The whole query as a code, matched exactly (ranked first).
    pub code: Option<String>,
    /// An application's number typed alone (`123` or `#123`).
    pub reference: Option<i64>,
    /// Folded Han runs and word stems, for highlighting.
    han: Vec<Vec<char>>,
    stems: Vec<String>,
}

/// Queries longer than this are cut: nobody types more into a search box.
const QUERY_MAX_CHARS: usize = 200;

impl Query {
    pub fn parse(typed: &str) -> Query {
        let text: String = typed.trim().chars().take(QUERY_MAX_CHARS).collect();
        let mut tokens = Vec::new();
        let mut han = Vec::new();
        let mut stems = Vec::new();
        for piece in pieces(&fold(&text)) {
            match piece {
                Piece::Han(run) if run.len() == 1 => {
                    tokens.push(run[0].to_string());
                    han.push(run);
                }
                Piece::Han(run) => {
                    tokens.extend(run.windows(2).map(|w| w.iter().collect::<String>()));
                    han.push(run);
                }
                Piece::Word(w) => {
                    let s = stem(&w);
                    tokens.push(s.clone());
                    stems.push(s);
                }
            }
        }
        tokens.sort_unstable();
        tokens.dedup();
        let code = code_token(&text);
        let reference = text
            .strip_prefix('#')
            .unwrap_or(&text)
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0);
        Query {
            text,
            tokens,
            code,
            reference,
            han,
            stems,
        }
    }

    /// Nothing to look for.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty() && self.code.is_none() && self.reference.is_none()
    }
}

/// A stretch of text, marked when it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// `text` cut into segments with the query's words marked; at most `width`
/// characters, around the first match when the text is longer.
pub fn highlight(text: &str, q: &Query, width: usize) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let folded: Vec<char> = chars.iter().map(|c| fold_char(*c)).collect();
    let mut hit = vec![false; chars.len()];
    for run in &q.han {
        if run.is_empty() || run.len() > folded.len() {
            continue;
        }
        for start in 0..=folded.len() - run.len() {
            if folded[start..start + run.len()] == run[..] {
                hit[start..start + run.len()]
                    .iter_mut()
                    .for_each(|h| *h = true);
            }
        }
    }
    if !q.stems.is_empty() {
        let mut i = 0;
        while i < folded.len() {
            if folded[i].is_alphanumeric() && !is_han(folded[i]) {
                let start = i;
                while i < folded.len() && folded[i].is_alphanumeric() && !is_han(folded[i]) {
                    i += 1;
                }
                let word: String = folded[start..i].iter().collect();
                if q.stems.contains(&stem(&word)) {
                    hit[start..i].iter_mut().for_each(|h| *h = true);
                }
            } else {
                i += 1;
            }
        }
    }
    let (from, to) = if chars.len() <= width {
        (0, chars.len())
    } else {
        let first = hit.iter().position(|h| *h).unwrap_or(0);
        let from = first.saturating_sub(width / 4);
        (from, (from + width).min(chars.len()))
    };
    let mut out: Vec<Segment> = Vec::new();
    if from > 0 {
        out.push(Segment {
            text: "…".into(),
            hit: false,
        });
    }
    for i in from..to {
        match out.last_mut() {
            Some(s) if s.hit == hit[i] && s.text != "…" => s.text.push(chars[i]),
            _ => out.push(Segment {
                text: chars[i].to_string(),
                hit: hit[i],
            }),
        }
    }
    if to < chars.len() {
        out.push(Segment {
            text: "…".into(),
            hit: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(doc: &[&str], query: &str) -> bool {
        let tokens = document_tokens(doc.iter().copied());
        let q = Query::parse(query);
        !q.tokens.is_empty() && q.tokens.iter().all(|t| tokens.contains(t))
    }

    #[test]
    fn traditional_simplified_and_full_width_fold_to_one_form() {
        assert_eq!(fold("廣州"), "广州");
        assert_eq!(fold("广州"), "广州");
        assert_eq!(fold("ＧＵＡＮＧＺＨＯＵ"), "guangzhou");
        assert_eq!(fold("長者服務　中心"), "长者服务 中心");
        for q in ["广州", "廣州"] {
            assert!(found(&["廣州長者服務協會"], q), "{q}");
            assert!(found(&["广州长者服务协会"], q), "{q}");
        }
        assert!(found(&["Guangzhou Elderly Care"], "ＧＵＡＮＧＺＨＯＵ"));
    }

    #[test]
    fn folding_keeps_one_character_for_one() {
        let text = "香港社會服務聯會 HKCSS 澳門街坊會聯合總會 ＡＢＣ１２３";
        assert_eq!(fold(text).chars().count(), text.chars().count());
    }

    #[test]
    fn one_and_two_character_queries_work() {
        let doc = ["長者日間護理計劃"];
        assert!(!found(&doc, "老"));
        assert!(found(&doc, "長"));
        assert!(found(&doc, "長者"));
        assert!(found(&doc, "长者"));
        assert!(found(&["老人院"], "老"));
        assert!(
            !found(&doc, "者日護"),
            "者日 and 日护: 日护 is not a neighbour pair"
        );
    }

    #[test]
    fn english_words_match_their_stems() {
        assert!(found(&["Caring for elderly residents"], "care"));
        assert!(found(&["youth exchanges"], "Exchange"));
        assert!(!found(&["youth exchanges"], "elderly"));
    }

    #[test]
    fn codes_match_whatever_spaces_or_case_were_typed() {
        let code = "51440101MJL123456X";
        let token = code_token(code);
        assert!(token.is_some());
        assert_eq!(code_token("5144 0101 mjl1 2345 6x"), token);
        assert_eq!(code_token("５１４４０１０１ＭＪＬ１２３４５６Ｘ"), token);
        assert_eq!(code_token("care"), None, "a word is not a code");
    }

    #[test]
    fn highlights_mark_what_matched_in_the_original_script() {
        let q = Query::parse("广州 care");
        let segs = highlight("廣州 Caring Centre", &q, 100);
        let marked: Vec<&str> = segs
            .iter()
            .filter(|s| s.hit)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(marked, ["廣州", "Caring"]);
    }

    #[test]
    fn long_text_is_cut_around_the_first_match() {
        let text = format!("{}長者{}", "甲".repeat(200), "乙".repeat(200));
        let segs = highlight(&text, &Query::parse("長者"), 40);
        let shown: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert!(shown.contains("長者"));
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert!(shown.chars().count() <= 42);
    }

    #[test]
    fn an_empty_or_symbol_only_query_looks_for_nothing() {
        assert!(Query::parse("   ").is_empty());
        assert!(Query::parse("—，。!").is_empty());
    }
}
