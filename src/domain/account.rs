//! Account inputs, parsed once into types that can only hold valid values.
//! Each refusal is a message key from the catalogues, shown beside the field.

/// A lower-cased, trimmed email address of a plausible shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("err-required");
        }
        if email.chars().count() > 254 {
            return Err("err-email-too-long");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err("err-email-invalid");
        };
        let plausible = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && domain.contains('.')
            && !domain.starts_with(['.', '-'])
            && !domain.ends_with(['.', '-'])
            && !domain.contains("..")
            && email
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\\\"".contains(c));
        if plausible {
            Ok(EmailAddress(email))
        } else {
            Err("err-email-invalid")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name: 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("err-required");
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err("err-name-too-long");
        }
        if name.chars().any(char::is_control) {
            return Err("err-name-invalid");
        }
        Ok(PersonName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10–128 characters and typed the same twice. The upper
/// bound keeps a hashing request from becoming a denial of service.
#[derive(Clone)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// The shipped list of common passwords, as long as our minimum or longer.
static COMMON: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        include_str!("common_passwords.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    });

/// Whether the password is on the list of common ones, in any letter case.
pub(crate) fn is_common(password: &str) -> bool {
    COMMON.contains(password.to_lowercase().as_str())
}

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    /// Checks the password; the error is for the field named by `.0`.
    pub fn parse(password: &str, confirmation: &str) -> Result<Self, (&'static str, &'static str)> {
        let chars = password.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(("password", "err-password-too-short"));
        }
        if chars > Self::MAX_CHARS {
            return Err(("password", "err-password-too-long"));
        }
        if is_common(password) {
            return Err(("password", "err-password-common"));
        }
        if password != confirmation {
            return Err(("password_confirm", "err-password-mismatch"));
        }
        Ok(NewPassword(password.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            EmailAddress::parse("  Chan.TaiMan@Example.ORG ")
                .unwrap()
                .as_str(),
            "chan.taiman@example.org"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "plain",
            "a@b",
            "a@@b.org",
            "a b@c.org",
            "@c.org",
            "a@.org",
            "a@org.",
            "a@b..org",
            "<a@b.org>",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} accepted");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err("err-email-too-long"));
    }

    #[test]
    fn names_are_bounded() {
        assert_eq!(PersonName::parse(" 陳大文 ").unwrap().as_str(), "陳大文");
        assert_eq!(PersonName::parse("   "), Err("err-required"));
        assert_eq!(
            PersonName::parse(&"名".repeat(101)),
            Err("err-name-too-long")
        );
        assert_eq!(PersonName::parse("a\u{0}b"), Err("err-name-invalid"));
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        for common in ["qwertyuiop", "1234567890", "Password123", "1QAZ2WSX3EDC"] {
            assert_eq!(
                NewPassword::parse(common, common).unwrap_err(),
                ("password", "err-password-common"),
                "{common}"
            );
        }
        assert!(NewPassword::parse("qwertyuiop!", "qwertyuiop!").is_ok());
        assert!(COMMON.len() > 1000, "the list is read: {}", COMMON.len());
    }

    #[test]
    fn passwords_need_length_and_matching_confirmation() {
        assert!(NewPassword::parse("correct horse", "correct horse").is_ok());
        assert_eq!(
            NewPassword::parse("short", "short").unwrap_err().1,
            "err-password-too-short"
        );
        assert_eq!(
            NewPassword::parse("長度足夠的中文密碼一二三", "長度足夠的中文密碼一二三").map(|_| ()),
            Ok(())
        );
        assert_eq!(
            NewPassword::parse("correct horse", "correct horsf").unwrap_err(),
            ("password_confirm", "err-password-mismatch")
        );
        assert_eq!(
            NewPassword::parse(&"x".repeat(129), &"x".repeat(129))
                .unwrap_err()
                .1,
            "err-password-too-long"
        );
    }
}
