//! People's own Chinese text in the reader's script (issue 19): a call's
//! title, an organization's name, an application's text are entered once,
//! in Traditional or Simplified characters, and shown to each Chinese reader
//! in theirs. The conversion is MediaWiki's Chinese conversion tables
//! (the `zhconv` crate), which also handle the one-to-many characters
//! (发 → 發/髮, 后 → 後/后) by phrase. The stored text is never changed;
//! a reader who asks for the text as entered gets it (`Ctx::original`).

use super::Lang;

/// `text` in the script of a reader of `lang`; unchanged for English.
pub fn to_reader(lang: Lang, text: &str) -> String {
    match lang {
        Lang::ZhHant => zhconv::zhconv(text, zhconv::Variant::ZhHant),
        Lang::ZhHans => zhconv::zhconv(text, zhconv::Variant::ZhHans),
        Lang::En => text.to_string(),
    }
}

/// A text kept in Chinese and in English, for a reader of `lang`: the
/// English where there is one, else the Chinese in the reader's script.
pub fn pick(lang: Lang, zh: &str, en: &str) -> String {
    if lang == Lang::En && !en.trim().is_empty() {
        en.to_string()
    } else {
        to_reader(lang, zh)
    }
}

/// Loads the conversion tables, so that the first page does not wait for them.
pub fn warm() {
    let _ = to_reader(Lang::ZhHans, "粵港澳大灣區");
    let _ = to_reader(Lang::ZhHant, "粤港澳大湾区");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_chinese_reader_gets_their_script_and_english_is_left_alone() {
        assert_eq!(
            to_reader(Lang::ZhHans, "廣州長者服務中心"),
            "广州长者服务中心"
        );
        assert_eq!(
            to_reader(Lang::ZhHant, "广州长者服务中心"),
            "廣州長者服務中心"
        );
        // One Simplified character, two Traditional ones, told apart by the phrase.
        assert_eq!(to_reader(Lang::ZhHant, "头发 发展"), "頭髮 發展");
        assert_eq!(to_reader(Lang::En, "广州"), "广州");
        assert_eq!(
            to_reader(Lang::ZhHans, "Silver bridges 2026"),
            "Silver bridges 2026"
        );
    }

    #[test]
    fn english_falls_back_to_the_chinese_where_there_is_none() {
        assert_eq!(pick(Lang::En, "澳門長者", "Macau Elders"), "Macau Elders");
        assert_eq!(pick(Lang::En, "澳門長者", " "), "澳門長者");
        assert_eq!(pick(Lang::ZhHans, "澳門長者", "Macau Elders"), "澳门长者");
    }
}
