//! The second factor: time-based one-time passwords (RFC 6238, with HOTP of
//! RFC 4226 underneath: HMAC-SHA-1, 30-second steps, six digits — what every
//! authenticator app does by default) and one-use recovery codes.

use chrono::{DateTime, Utc};
use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Seconds per step (RFC 6238's default).
pub const STEP_SECONDS: i64 = 30;
/// Codes one step either side of now are accepted, for clocks that drift
/// and people who type slowly (RFC 6238 §5.2 recommends at most one).
pub const WINDOW: i64 = 1;
/// Recovery codes issued at a time.
pub const RECOVERY_CODES: usize = 10;

/// A shared secret of 160 bits, the length RFC 4226 recommends for SHA-1.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    pub fn generate() -> Secret {
        let mut bytes = vec![0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Secret(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Option<Secret> {
        (bytes.len() == 20).then_some(Secret(bytes))
    }

    /// From the base32 text an authenticator app is given (spaces and case
    /// ignored, as people copy it).
    pub fn from_base32(text: &str) -> Option<Secret> {
        let clean: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        BASE32_NOPAD
            .decode(clean.as_bytes())
            .ok()
            .and_then(Secret::from_bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn base32(&self) -> String {
        BASE32_NOPAD.encode(&self.0)
    }

    /// The secret in groups of four, easier to type into an app by hand.
    pub fn base32_grouped(&self) -> String {
        let text = self.base32();
        text.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The `otpauth://` URI that authenticator apps read from a QR code.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| -> String {
            url::form_urlencoded::byte_serialize(s.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
            enc(issuer),
            enc(account),
            self.base32(),
            enc(issuer)
        )
    }
}

/// The step a moment falls in.
pub fn step_at(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// HOTP (RFC 4226 §5.3) for one counter value, as six digits.
pub fn code_for_step(secret: &Secret, step: i64) -> String {
    // A key of any length is accepted by HMAC; this cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&secret.0) else {
        return String::new();
    };
    mac.update(&step.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[19] & 0x0f);
    let binary = (u32::from(hash[offset]) & 0x7f) << 24
        | u32::from(hash[offset + 1]) << 16
        | u32::from(hash[offset + 2]) << 8
        | u32::from(hash[offset + 3]);
    format!("{:06}", binary % 1_000_000)
}

pub fn code_at(secret: &Secret, at: DateTime<Utc>) -> String {
    code_for_step(secret, step_at(at))
}

/// The step whose code `typed` is, within the window around `at`, and only
/// if it is later than `last_used` (RFC 6238 §5.2: a code is accepted once).
/// Spaces and dashes that people type or paste are ignored.
pub fn verify(secret: &Secret, typed: &str, at: DateTime<Utc>, last_used: i64) -> Option<i64> {
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(at);
    (now - WINDOW..=now + WINDOW)
        .filter(|s| *s > last_used)
        .find(|s| super::token::constant_time_eq(&code_for_step(secret, *s), &digits))
}

/// Whether what was typed looks like a recovery code rather than a TOTP code.
pub fn looks_like_recovery_code(typed: &str) -> bool {
    normalize_recovery_code(typed).len() == 10
}

/// Recovery codes: ten characters from an alphabet without look-alikes
/// (no 0/O, 1/I/L), shown as `xxxxx-xxxxx`; 50 random bits each.
const RECOVERY_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let chars: String = bytes
                .iter()
                .map(|b| char::from(RECOVERY_ALPHABET[usize::from(*b) % RECOVERY_ALPHABET.len()]))
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// What is compared: lower case, without the dash or spaces.
pub fn normalize_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Stored digest of a recovery code, bound to its user so that equal codes
/// of two users never share a digest.
pub fn recovery_digest(user_id: i64, code: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(user_id.to_be_bytes());
    h.update(normalize_recovery_code(code).as_bytes());
    h.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// RFC 6238 Appendix B: the SHA-1 seed is the ASCII "12345678901234567890";
    /// the eight-digit codes there end in the six digits we show.
    #[test]
    fn agrees_with_the_rfc_6238_test_vectors() {
        let secret = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let at = Utc.timestamp_opt(time, 0).unwrap();
            assert_eq!(code_at(&secret, at), eight[2..], "T = {time}");
        }
    }

    /// RFC 4226 Appendix D: HOTP values for counters 0 to 9.
    #[test]
    fn agrees_with_the_rfc_4226_hotp_values() {
        let secret = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(code_for_step(&secret, counter as i64), *code);
        }
    }

    #[test]
    fn a_code_is_accepted_within_one_step_and_only_once() {
        let secret = Secret::generate();
        let at = Utc.timestamp_opt(1_800_000_015, 0).unwrap();
        let now = step_at(at);
        let code = code_at(&secret, at);
        assert_eq!(verify(&secret, &code, at, 0), Some(now));
        assert_eq!(verify(&secret, &code, at, now), None, "replayed");
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(verify(&secret, &spaced, at, 0), Some(now));
        let before = code_for_step(&secret, now - 1);
        let after = code_for_step(&secret, now + 1);
        assert_eq!(verify(&secret, &before, at, 0), Some(now - 1));
        assert_eq!(verify(&secret, &after, at, 0), Some(now + 1));
        let stale = code_for_step(&secret, now - 2);
        if ![code.as_str(), before.as_str(), after.as_str()].contains(&stale.as_str()) {
            assert_eq!(verify(&secret, &stale, at, 0), None, "two steps old");
        }
        for junk in ["", "12345", "1234567", "abcdef", "１２３４５６"] {
            assert_eq!(verify(&secret, junk, at, 0), None, "{junk:?}");
        }
    }

    #[test]
    fn secrets_round_trip_through_base32_as_people_copy_them() {
        let secret = Secret::generate();
        assert_eq!(secret.base32().len(), 32);
        let copied = secret.base32_grouped().to_lowercase();
        assert_eq!(Secret::from_base32(&copied), Some(secret.clone()));
        assert_eq!(Secret::from_base32("not base32!"), None);
        assert_eq!(Secret::from_base32("MFRGG"), None, "too short");
        let uri = secret.otpauth_uri("Baygrants", "admin@example.org");
        assert!(uri.starts_with("otpauth://totp/Baygrants:admin%40example.org?secret="));
        assert!(uri.contains(&secret.base32()));
        assert!(!format!("{secret:?}").contains(&secret.base32()));
    }

    #[test]
    fn recovery_codes_are_distinct_and_forgiving_to_type() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let code = &codes[0];
        assert_eq!(code.len(), 11);
        assert!(looks_like_recovery_code(code));
        assert!(!looks_like_recovery_code("123456"));
        assert_eq!(
            recovery_digest(7, code),
            recovery_digest(7, &format!(" {} ", code.to_uppercase().replace('-', "")))
        );
        assert_ne!(recovery_digest(7, code), recovery_digest(8, code));
    }
}
