//! The Unified Social Credit Code (統一社會信用代碼, GB 32100-2015) of a
//! mainland social organization: 18 characters, the last a check character.

use super::organization::{City, OrgType};

const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The first rule a code breaks, in the order they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A character no code contains, at `position` (from 1) of the code as
    /// read without its spaces and hyphens.
    Charset {
        position: usize,
        found: char,
    },
    Length {
        found: usize,
    },
    Check,
    Department,
    Type,
    Region,
}

impl Failure {
    pub fn code(self) -> &'static str {
        match self {
            Failure::Length { .. } => "length",
            Failure::Charset { .. } => "charset",
            Failure::Check => "check",
            Failure::Department => "department",
            Failure::Type => "type",
            Failure::Region => "region",
        }
    }

    /// The message for the person who typed the code: a catalogue key, with
    /// the bad character and its position where there is one.
    pub fn message(self) -> String {
        match self {
            Failure::Charset { position, found } => {
                let position = position.to_string();
                let found = found.to_string();
                // The letters that look like digits, and the digit meant.
                let meant = match found.as_str() {
                    "O" => Some("0"),
                    "I" => Some("1"),
                    "Z" => Some("2"),
                    "S" => Some("5"),
                    _ => None,
                };
                match meant {
                    Some(digit) => crate::i18n::message(
                        "err-uscc-letter",
                        &[("position", &position), ("char", &found), ("digit", digit)],
                    ),
                    None => crate::i18n::message(
                        "err-uscc-char",
                        &[("position", &position), ("char", &found)],
                    ),
                }
            }
            Failure::Length { found } => {
                crate::i18n::message("err-uscc-length", &[("n", &found.to_string())])
            }
            Failure::Check => "err-uscc-check".into(),
            Failure::Department => "err-uscc-department".into(),
            Failure::Type => "err-uscc-type".into(),
            Failure::Region => "err-uscc-region".into(),
        }
    }
}

/// A code as typed, read as written on a certificate: full-width forms as
/// ASCII, spaces and hyphens between groups dropped, upper case.
pub fn normalize(raw: &str) -> String {
    super::money::normalize_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{2010}'..='\u{2015}'))
        .flat_map(char::to_uppercase)
        .collect()
}

fn value(c: char) -> Option<u32> {
    CHARSET.find(c).map(|i| i as u32)
}

/// The check character for the first 17 characters (all in the charset).
pub fn check_char(body: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in body.chars().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    CHARSET.chars().nth(check as usize)
}

/// Validates `raw` (any case, spaces and hyphens anywhere) for an organization of `org_type` in
/// `city`; returns the normalised code.
pub fn validate(raw: &str, org_type: OrgType, city: City) -> Result<String, Failure> {
    let code = normalize(raw);
    let chars: Vec<char> = code.chars().collect();
    if let Some((i, c)) = chars.iter().enumerate().find(|(_, c)| value(**c).is_none()) {
        return Err(Failure::Charset {
            position: i + 1,
            found: *c,
        });
    }
    if chars.len() != 18 {
        return Err(Failure::Length { found: chars.len() });
    }
    if check_char(&code[..17]) != Some(chars[17]) {
        return Err(Failure::Check);
    }
    if chars[0] != '5' {
        return Err(Failure::Department);
    }
    if org_type.uscc_type_char() != Some(chars[1]) {
        return Err(Failure::Type);
    }
    let region = &code[2..8];
    if !(region.starts_with(city.region_prefix()) || region == "440000" || region == "100000") {
        return Err(Failure::Region);
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors() -> Vec<(String, City, OrgType, String)> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/vectors/uscc.csv"
        );
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::None)
            .from_path(path)
            .unwrap();
        reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                (
                    r[0].to_string(),
                    City::from_code(&r[1]).unwrap(),
                    OrgType::from_code(&r[2]).unwrap(),
                    r[3].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn agrees_with_every_shared_vector() {
        let v = vectors();
        assert!(v.len() >= 30);
        for (code, city, org_type, expect) in v {
            let got = match validate(&code, org_type, city) {
                Ok(_) => "ok",
                Err(f) => f.code(),
            };
            assert_eq!(got, expect, "{code:?} {city:?} {org_type:?}");
        }
    }

    #[test]
    fn every_single_character_change_and_adjacent_transposition_is_caught() {
        for (code, city, org_type, expect) in vectors() {
            if expect != "ok" {
                continue;
            }
            let code = code.trim().to_uppercase();
            let chars: Vec<char> = code.chars().collect();
            for i in 0..18 {
                for replacement in CHARSET.chars().filter(|c| *c != chars[i]) {
                    let mut changed = chars.clone();
                    changed[i] = replacement;
                    let changed: String = changed.into_iter().collect();
                    assert!(
                        validate(&changed, org_type, city).is_err(),
                        "{changed} accepted"
                    );
                    assert_eq!(
                        validate(&changed, org_type, city).unwrap_err(),
                        Failure::Check,
                        "{changed}: a single change is a check failure"
                    );
                }
            }
            for i in 0..17 {
                if chars[i] == chars[i + 1] {
                    continue;
                }
                let mut swapped = chars.clone();
                swapped.swap(i, i + 1);
                let swapped: String = swapped.into_iter().collect();
                assert_eq!(
                    validate(&swapped, org_type, city),
                    Err(Failure::Check),
                    "{swapped}"
                );
            }
        }
    }

    #[test]
    fn normalises_case_and_spaces() {
        assert_eq!(
            validate(" 53440103427841382l ", OrgType::Foundation, City::Guangzhou),
            Ok("53440103427841382L".to_string())
        );
        for typed in [
            "5344 0103 4278 4138 2L",
            "534401-034278-41382L",
            "５３４４０１０３４２７８４１３８２Ｌ",
            "5344\u{3000}0103 4278 4138 2l",
        ] {
            assert_eq!(
                validate(typed, OrgType::Foundation, City::Guangzhou),
                Ok("53440103427841382L".to_string()),
                "{typed}"
            );
        }
    }

    #[test]
    fn names_the_first_bad_character_and_where_it_is() {
        let g = City::Guangzhou;
        assert_eq!(
            validate("5244 0106 49O5 1416 X3", OrgType::SocialServiceAgency, g),
            Err(Failure::Charset {
                position: 11,
                found: 'O'
            })
        );
        assert_eq!(
            validate("5244010649051416X", OrgType::SocialServiceAgency, g),
            Err(Failure::Length { found: 17 })
        );
        // A bad character is named even when the length is wrong too.
        assert_eq!(
            validate("52440106490514_6X", OrgType::SocialServiceAgency, g),
            Err(Failure::Charset {
                position: 15,
                found: '_'
            })
        );
        assert_eq!(
            Failure::Charset {
                position: 11,
                found: 'O'
            }
            .message(),
            "err-uscc-letter?position=11&char=O&digit=0"
        );
    }
}
