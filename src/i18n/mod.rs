//! Languages and message catalogues (Fluent files under `i18n/locales/`).
//!
//! Traditional Chinese is the default; Simplified Chinese and English follow.
//! A page asks for text by key; the catalogue test keeps the three in step.

pub mod script;

use std::borrow::Cow;
use std::collections::HashMap;

use crate::domain::code::codes;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./src/i18n/locales",
        fallback_language: "zh-Hant",
        // No Unicode isolation marks around arguments: they end up in emails and titles.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A message with arguments, kept as one string where a catalogue key is
/// expected (a form's errors, a flash): `key?name=value&…`, the values
/// URL-encoded. [`Lang::t`] reads it back in the reader's language.
pub fn message(key: &str, args: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in args {
        query.append_pair(name, value);
    }
    format!("{key}?{}", query.finish())
}

codes! {
    #[derive(Default)]
    pub enum Lang {
        #[default]
        ZhHant = "zh-Hant",
        ZhHans = "zh-Hans",
        En = "en",
    }
}

impl Lang {
    /// A language code as a person or a browser writes it: any case, spaces
    /// around it allowed. Codes read from the database use `from_code`.
    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(code.trim()))
    }

    /// The language's own name, for the switcher.
    /// What separates a label from its value: a full-width colon in
    /// Chinese (「截止：」), a colon and a space in English.
    pub fn colon(self) -> &'static str {
        match self {
            Lang::En => ": ",
            _ => "：",
        }
    }

    pub fn native_name(self) -> &'static str {
        match self {
            Lang::ZhHant => "繁體中文",
            Lang::ZhHans => "简体中文",
            Lang::En => "English",
        }
    }

    fn langid(self) -> LanguageIdentifier {
        match self {
            Lang::ZhHant => langid!("zh-Hant"),
            Lang::ZhHans => langid!("zh-Hans"),
            Lang::En => langid!("en"),
        }
    }

    /// Maps one language tag from a browser to ours: `zh-TW`, `zh-HK`,
    /// `zh-MO` and `zh-Hant-*` are Traditional; `zh-CN`, `zh-SG`, `zh-Hans-*`
    /// and bare `zh` are Simplified; `en-*` is English.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        let mut parts = tag.split(['-', '_']);
        match parts.next()? {
            "en" => Some(Lang::En),
            "zh" => {
                let rest: Vec<&str> = parts.collect();
                if rest
                    .iter()
                    .any(|p| matches!(*p, "hant" | "tw" | "hk" | "mo"))
                {
                    Some(Lang::ZhHant)
                } else {
                    Some(Lang::ZhHans)
                }
            }
            _ => None,
        }
    }

    /// Picks the best of our languages for an `Accept-Language` header.
    pub fn negotiate(accept_language: &str) -> Option<Lang> {
        let mut choices: Vec<(f32, usize, Lang)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(i, item)| {
                let mut parts = item.split(';');
                let lang = Lang::from_tag(parts.next()?)?;
                let q = parts
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .and_then(|q| q.parse::<f32>().ok())
                    })
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, i, lang))
            })
            .collect();
        choices.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        choices.first().map(|c| c.2)
    }

    /// The text for `key`, or for a message made by [`message`].
    pub fn t(self, key: &str) -> String {
        match key.split_once('?') {
            Some((key, query)) => {
                let args: Vec<(Cow<'static, str>, String)> =
                    url::form_urlencoded::parse(query.as_bytes())
                        .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                        .collect();
                self.lookup_args(key, &args)
            }
            None => LOCALES.lookup(&self.langid(), key),
        }
    }

    /// The text for `key` with named arguments.
    pub fn t_with(self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: Vec<(Cow<'static, str>, String)> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), v.clone()))
            .collect();
        self.lookup_args(key, &args)
    }

    fn lookup_args(self, key: &str, args: &[(Cow<'static, str>, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| {
                // `n` is a count: a number, so that plural variants apply.
                let value = if k == "n" {
                    FluentValue::try_number(v.as_str())
                } else {
                    FluentValue::from(v.as_str())
                };
                (k.clone(), value)
            })
            .collect();
        LOCALES.lookup_with_args(&self.langid(), key, &args)
    }

    /// Whether the catalogue of this language has `key` (no fallback); a
    /// message made by [`message`] is judged by its key.
    pub fn has(self, key: &str) -> bool {
        let key = key.split_once('?').map_or(key, |(k, _)| k);
        // Formatting without the message's arguments reports a formatting
        // error, but the message is there. (The error type is not exported.)
        match LOCALES.lookup_single_language::<&str>(&self.langid(), key, None) {
            Ok(_) => true,
            Err(e) => e.to_string().starts_with("Fluent errors"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_tags_map_to_the_right_script() {
        assert_eq!(Lang::from_tag("zh-HK"), Some(Lang::ZhHant));
        assert_eq!(Lang::from_tag("zh-Hant-MO"), Some(Lang::ZhHant));
        assert_eq!(Lang::from_tag("zh-CN"), Some(Lang::ZhHans));
        assert_eq!(Lang::from_tag("zh"), Some(Lang::ZhHans));
        assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
    }

    #[test]
    fn counts_take_the_plural_form() {
        let n = |n: &str| Lang::En.t_with("applications-missing-n", &[("n", n.into())]);
        assert_eq!(n("1"), "1 item");
        assert_eq!(n("11"), "11 items");
        assert_eq!(n("0"), "0 items");
    }

    #[test]
    fn negotiation_respects_quality() {
        assert_eq!(
            Lang::negotiate("fr, en;q=0.5, zh-CN;q=0.8"),
            Some(Lang::ZhHans)
        );
        assert_eq!(Lang::negotiate("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::negotiate("de, fr;q=0.5"), None);
        assert_eq!(Lang::negotiate("zh-TW;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(Lang::negotiate(""), None);
    }

    #[test]
    fn codes_round_trip() {
        for l in Lang::ALL {
            assert_eq!(Lang::parse(l.code()), Some(l));
        }
        assert_eq!(Lang::parse("klingon"), None);
    }

    #[test]
    fn text_differs_by_language() {
        let titles: Vec<String> = Lang::ALL.iter().map(|l| l.t("nav-login")).collect();
        assert_eq!(titles[2], "Log in");
        assert_ne!(titles[0], titles[1]);
        assert_ne!(titles[0], titles[2]);
    }

    /// Every key in any catalogue exists in all three, in the same area's
    /// file; a missing translation would otherwise silently show Traditional
    /// Chinese to an English reader.
    /// Chinese messages read as Chinese (DESIGN §0): full-width punctuation
    /// beside Chinese characters (「截止：」, not "截止:"), and no space
    /// between a name put into the sentence and the Chinese around it
    /// ("{ $org }尚未回覆", not "{ $org } 尚未回覆"). A space stays beside
    /// Latin words and numbers ("最多 { $mib } MiB"), as Chinese text
    /// usually sets them.
    #[test]
    fn chinese_messages_use_chinese_punctuation_and_no_stray_spaces() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/i18n/locales");
        let chinese = |c: char| matches!(c, '\u{3400}'..='\u{9fff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}');
        let han = |c: char| matches!(c, '\u{3400}'..='\u{9fff}');
        const NAMES: [&str; 7] = [
            "organization",
            "org",
            "partner",
            "lead",
            "name",
            "inviter",
            "title",
        ];
        let mut wrong = Vec::new();
        for lang in [Lang::ZhHant, Lang::ZhHans] {
            for entry in std::fs::read_dir(format!("{dir}/{}", lang.code())).unwrap() {
                let path = entry.unwrap().path();
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    if line.starts_with('#') {
                        continue;
                    }
                    let chars: Vec<char> = line.chars().collect();
                    let half_width = chars.windows(2).any(|w| {
                        (han(w[0]) && ":,;?!()".contains(w[1]))
                            || (":,;?!()".contains(w[0]) && han(w[1]))
                    });
                    let spaced = NAMES.iter().any(|n| {
                        let p = format!("{{ ${n} }}");
                        line.match_indices(&p).any(|(at, _)| {
                            let after = line[at + p.len()..].chars().collect::<Vec<_>>();
                            let before = line[..at].chars().rev().collect::<Vec<_>>();
                            (after.first() == Some(&' ')
                                && after.get(1).is_some_and(|c| chinese(*c)))
                                || (before.first() == Some(&' ')
                                    && before.get(1).is_some_and(|c| chinese(*c)))
                        })
                    });
                    if half_width || spaced {
                        wrong.push(format!("{}: {line}", lang.code()));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        // Nor does a template put a half-width colon after a label: it
        // writes `c.colon()`, full-width on Chinese pages.
        let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut stack = vec![std::path::PathBuf::from(templates)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "html") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    assert!(
                        !text.contains("}}: ") && !text.contains("}}:\n"),
                        "{} puts a half-width colon after a label",
                        path.display()
                    );
                }
            }
        }
    }

    #[test]
    fn catalogues_have_the_same_keys() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/i18n/locales");
        // (area file, key) for every message of a language.
        let keys_of = |lang: Lang| -> std::collections::BTreeSet<String> {
            let mut keys = std::collections::BTreeSet::new();
            for entry in std::fs::read_dir(format!("{dir}/{}", lang.code())).unwrap() {
                let path = entry.unwrap().path();
                let area = path.file_stem().unwrap().to_string_lossy().to_string();
                let text = std::fs::read_to_string(&path).unwrap();
                keys.extend(
                    text.lines()
                        .filter(|l| !l.starts_with([' ', '#', '\t', '.', '}']) && l.contains(" ="))
                        .map(|l| format!("{area}: {}", l.split(" =").next().unwrap().trim())),
                );
            }
            keys
        };
        let area_files = |lang: Lang| {
            std::fs::read_dir(format!("{dir}/{}", lang.code()))
                .unwrap()
                .count()
        };
        assert!(area_files(Lang::En) > 5, "the catalogues are split by area");
        let reference = keys_of(Lang::En);
        assert!(reference.len() > 50);
        let bare = |k: &String| k.split(": ").nth(1).unwrap().to_string();
        for key in &reference {
            assert!(Lang::En.has(&bare(key)), "English cannot resolve {key}");
        }
        for lang in [Lang::ZhHant, Lang::ZhHans] {
            let keys = keys_of(lang);
            let missing: Vec<_> = reference.difference(&keys).collect();
            let extra: Vec<_> = keys.difference(&reference).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{lang:?}: missing {missing:?}, extra {extra:?}"
            );
            for key in &reference {
                assert!(lang.has(&bare(key)), "{lang:?} cannot resolve {key}");
            }
        }
    }

    /// Every key the code or a template names literally is in every
    /// catalogue: templates' `c.t("…")` and `c.t_with("…"`, and in Rust any
    /// string literal that is an error, flash or submission-check key.
    #[test]
    fn every_key_the_code_names_is_in_every_catalogue() {
        /// The literal after each `marker`, up to its closing quote.
        fn after(text: &str, marker: &str) -> Vec<String> {
            text.match_indices(marker)
                .filter_map(|(i, _)| {
                    let rest = &text[i + marker.len()..];
                    rest.find('"').map(|end| rest[..end].to_string())
                })
                .collect()
        }
        let mut named: Vec<(String, String)> = Vec::new();
        for path in &crate::source_files::under("templates", "html") {
            let text = std::fs::read_to_string(path).unwrap();
            for marker in [".t(\"", ".t_with(\""] {
                for key in after(&text, marker) {
                    named.push((path.display().to_string(), key));
                }
            }
        }
        for path in &crate::source_files::under("src", "rs") {
            let text = std::fs::read_to_string(path).unwrap();
            for marker in ["\"err-", "\"flash-", "\"sub-"] {
                for rest in after(&text, marker) {
                    let key = format!("{}{rest}", &marker[1..]);
                    // Keys put together at run time (`format!("err-{…}")`) and
                    // the prefixes themselves are not names of messages.
                    if key.ends_with('-') || key.contains(['{', ' ']) {
                        continue;
                    }
                    named.push((path.display().to_string(), key));
                }
            }
        }
        assert!(named.len() > 300, "only {} keys found", named.len());
        let missing: std::collections::BTreeSet<String> = named
            .iter()
            .filter(|(_, key)| Lang::ALL.iter().any(|l| !l.has(key)))
            .map(|(file, key)| format!("{key} ({file})"))
            .collect();
        assert!(
            missing.is_empty(),
            "keys missing from a catalogue: {missing:#?}"
        );
    }
}
