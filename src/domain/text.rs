//! Free text as people type it: trimmed, bounded, and free of control
//! characters (line breaks only where the field is a paragraph).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// The trimmed text, or the catalogue key of what is wrong with it.
pub fn checked(raw: &str, max_chars: usize, lines: Lines) -> Result<String, &'static str> {
    let v = raw.trim();
    if v.chars().count() > max_chars {
        return Err("err-too-long");
    }
    let allowed =
        |c: char| !c.is_control() || (lines == Lines::Many && matches!(c, '\n' | '\r' | '\t'));
    if !v.chars().all(allowed) {
        return Err("err-text-invalid");
    }
    Ok(v.to_string())
}

/// As `checked`, and not empty.
pub fn required(raw: &str, max_chars: usize, lines: Lines) -> Result<String, &'static str> {
    let v = checked(raw, max_chars, lines)?;
    if v.is_empty() {
        Err("err-required")
    } else {
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_control_characters() {
        assert_eq!(checked("  hello ", 10, Lines::One), Ok("hello".into()));
        assert_eq!(checked("a\nb", 10, Lines::One), Err("err-text-invalid"));
        assert_eq!(checked("a\nb", 10, Lines::Many), Ok("a\nb".into()));
        assert_eq!(checked("a\u{0}b", 10, Lines::Many), Err("err-text-invalid"));
        assert_eq!(
            checked(&"字".repeat(11), 10, Lines::One),
            Err("err-too-long")
        );
        assert_eq!(required("   ", 10, Lines::One), Err("err-required"));
        assert_eq!(
            checked("<script>alert(1)</script>", 100, Lines::One),
            Ok("<script>alert(1)</script>".into()),
            "stored as typed, escaped when shown"
        );
    }
}
