//! Secret tokens for cookies and emailed links: 256 random bits, shown to
//! the user as URL-safe base64 and stored only as a SHA-256 digest.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `s` has the shape of a token we issue (43 URL-safe characters).
/// Anything else never reaches a page or a query.
pub fn is_well_formed(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_and_distinct() {
        let a = new_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, new_token());
        assert_eq!(digest(&a).len(), 32);
    }

    #[test]
    fn only_our_shape_is_a_token() {
        assert!(is_well_formed(&new_token()));
        assert!(!is_well_formed("..%2Fapplications%2F42%2Fsubmit"));
        assert!(!is_well_formed(
            "../applications/42/submit/aaaaaaaaaaaaaaaaaaaaaaaa"
        ));
        assert!(!is_well_formed(""));
    }

    #[test]
    fn comparison() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
