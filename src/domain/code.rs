//! Closed sets of codes — states, kinds, currencies, roles — as Rust enums
//! stored in `TEXT` columns.
//!
//! `codes!` declares such an enum with its code for each variant. It gives
//! the enum `ALL`, `code`, `from_code`, `Display`, and diesel's mapping to
//! `TEXT`: a value the enum does not know, read from the database, is a
//! deserialization error (a failed request and a log line), never a silent
//! fallback. Text columns with `CHECK (… IN (…))` constraints are kept rather
//! than PostgreSQL enums: adding a value stays one `ALTER … CHECK` inside a
//! transaction, and the database still refuses what the enum does not list.

/// A value that is one code of a closed set: what templates hand to
/// `label` and what a form field is compared with.
pub trait AsCode {
    fn as_code(&self) -> &str;
}

impl AsCode for str {
    fn as_code(&self) -> &str {
        self
    }
}

impl AsCode for String {
    fn as_code(&self) -> &str {
        self
    }
}

impl<T: AsCode + ?Sized> AsCode for &T {
    fn as_code(&self) -> &str {
        (**self).as_code()
    }
}

macro_rules! codes {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: [$name; <[&str]>::len(&[$($code),+])] = [$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        /// Templates compare loop items (references) with a variant.
        impl PartialEq<$name> for &$name {
            fn eq(&self, other: &$name) -> bool {
                **self == *other
            }
        }

        impl $crate::domain::code::AsCode for $name {
            fn as_code(&self) -> &str {
                self.code()
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                $name::from_code(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(concat!("unknown ", stringify!($name), " {:?}"), text))
                })
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    self.code(),
                    out,
                )
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(
                bytes: <diesel::pg::Pg as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::pg::Pg,
                >>::from_sql(bytes)?;
                $name::from_code(&text).ok_or_else(|| {
                    format!(concat!("unknown ", stringify!($name), " {:?} in the database"), text)
                        .into()
                })
            }
        }
    };
}

pub(crate) use codes;

#[cfg(test)]
mod tests {
    codes! {
        pub enum Light {
            Red = "red",
            Green = "green",
        }
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for l in Light::ALL {
            assert_eq!(Light::from_code(l.code()), Some(l));
            assert_eq!(l.to_string(), l.code());
        }
        assert_eq!(Light::ALL.len(), 2);
        assert_eq!(Light::from_code("amber"), None);
        assert_eq!(Light::from_code("Red"), None);
    }

    /// Names under which states and codes travel. A comparison of one of
    /// these with a string literal is what the enums above replace.
    const CODE_NAMES: &str = "state|status|kind|role|outcome|verification|currency|lang|base|account|source|category|jurisdiction|city|org_type|recommendation|phase|purpose|decision|action|sort|payment|shown|st";

    /// The lines of a file that compare a state or code with a literal:
    /// `x.state == "draft"`, `"draft" != x.state`, or
    /// `matches!(x.state.as_str(), "draft" | …)`.
    fn string_comparisons(text: &str) -> Vec<String> {
        let names = CODE_NAMES.split('|').collect::<Vec<_>>();
        let named = |expr: &str| {
            let last = expr
                .trim()
                .trim_end_matches(".as_str()")
                .trim_end_matches(')')
                .rsplit(['.', ' ', '(', '!', '&', '*'])
                .next()
                .unwrap_or_default();
            names.contains(&last)
        };
        let mut out = Vec::new();
        for line in text.lines() {
            for op in ["==", "!="] {
                for (i, _) in line.match_indices(op) {
                    let (before, after) = (&line[..i], line[i + 2..].trim_start());
                    let literal_after = after.starts_with('"');
                    let literal_before = before.trim_end().ends_with('"');
                    let left = before.trim_end();
                    let right: String = after
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || "._()".contains(*c))
                        .collect();
                    if (literal_after && named(left)) || (literal_before && named(&right)) {
                        out.push(line.trim().to_string());
                    }
                }
            }
            if line.contains("matches!(")
                && line.contains(".as_str(),")
                && let Some(arg) = line.split("matches!(").nth(1)
                && named(arg.split(',').next().unwrap_or_default())
            {
                out.push(line.trim().to_string());
            }
        }
        out
    }

    #[test]
    fn the_scan_finds_string_comparisons_of_codes() {
        assert_eq!(string_comparisons(r#"if app.state == "draft" {"#).len(), 1);
        assert_eq!(
            string_comparisons(r#"{% if r.state != "approved" %}"#).len(),
            1
        );
        assert_eq!(string_comparisons(r#"if "owner" == m.role {"#).len(), 1);
        assert_eq!(
            string_comparisons(r#"let open = matches!(review.state.as_str(), "draft" | "x");"#)
                .len(),
            1
        );
        assert!(string_comparisons(r#"if app.state == State::Draft {"#).is_empty());
        assert!(string_comparisons(r#"if form.role == r.code() {"#).is_empty());
        assert!(string_comparisons(r#"if name == "Ada" {"#).is_empty());
    }

    /// No code or template compares a state or code with a string: they
    /// compare enums. Tests (after `#[cfg(test)]`) may spell codes out.
    #[test]
    fn no_state_or_code_is_compared_with_a_string() {
        let mut found = Vec::new();
        for (dir, ext) in [("src", "rs"), ("templates", "html")] {
            for path in crate::source_files::under(dir, ext) {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                for line in string_comparisons(code) {
                    found.push(format!("{}: {line}", path.display()));
                }
            }
        }
        assert!(found.is_empty(), "{}", found.join("\n"));
    }
}
