//! Typed configuration read from the environment once, at start, and passed
//! down explicitly. Every bad value is reported, not just the first.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use url::Url;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub db_pool_size: usize,
    pub bind: String,
    pub base_url: Url,
    /// `None`: emails are written as `.eml` files into `mail_dir`.
    pub smtp_url: Option<String>,
    pub mail_dir: PathBuf,
    pub mail_from: Mailbox,
    pub cookie_secure: bool,
    pub session_idle: chrono::Duration,
    pub session_absolute: chrono::Duration,
    /// How often the outbox worker looks for due emails.
    pub outbox_poll: Duration,
    /// Run the outbox worker inside `serve`.
    pub run_worker: bool,
    /// Adds `x-query-count` to every response (tests and benchmarks).
    pub query_count_header: bool,
    /// Who may read `/metrics`: addresses or networks, by the connection's
    /// own peer address (a forwarded-for header is not trusted).
    pub metrics_allow: Vec<crate::metrics::Network>,
}

/// Every variable that was set to something unusable, with why.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration:")?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/baygrants";

impl Config {
    pub fn from_env() -> Result<Self, ConfigErrors> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Builds the configuration from any variable source (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        let mut errors = Vec::new();

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        match Url::parse(&database_url) {
            Ok(u) if matches!(u.scheme(), "postgres" | "postgresql") && u.path().len() > 1 => {}
            _ => errors.push(format!(
                "DATABASE_URL={database_url:?} is not a postgres://user@host:port/database URL"
            )),
        }
        let bind = get("BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        if bind.parse::<std::net::SocketAddr>().is_err() {
            errors.push(format!(
                "BIND={bind:?} is not an address such as 127.0.0.1:8080"
            ));
        }
        let base_url_raw = get("BASE_URL").unwrap_or_else(|| format!("http://{bind}"));
        let base_url = match Url::parse(&base_url_raw) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            _ => {
                errors.push(format!(
                    "BASE_URL={base_url_raw:?} is not an http(s) URL such as https://grants.example.org"
                ));
                fallback_url()
            }
        };
        let smtp_url = get("SMTP_URL");
        if let Some(s) = &smtp_url {
            match Url::parse(s) {
                Ok(u) if matches!(u.scheme(), "smtp" | "smtps") => {}
                _ => errors.push(format!(
                    "SMTP_URL={s:?} is not an smtp:// or smtps:// URL (e.g. smtps://user:pass@mail.example.org)"
                )),
            }
        }
        let mail_dir = PathBuf::from(get("MAIL_DIR").unwrap_or_else(|| "mail".into()));
        let mail_from_raw =
            get("MAIL_FROM").unwrap_or_else(|| "Baygrants <no-reply@baygrants.localhost>".into());
        let mail_from = mail_from_raw.parse::<Mailbox>().unwrap_or_else(|_| {
            errors.push(format!(
                "MAIL_FROM={mail_from_raw:?} is not an address such as \"Baygrants <no-reply@example.org>\""
            ));
            fallback_mailbox()
        });
        let cookie_secure = parse_bool(
            &get,
            "COOKIE_SECURE",
            base_url.scheme() == "https",
            &mut errors,
        );
        let session_idle_minutes =
            parse_num(&get, "SESSION_IDLE_MINUTES", 120, 1..=10_080, &mut errors);
        let session_absolute_hours =
            parse_num(&get, "SESSION_ABSOLUTE_HOURS", 12, 1..=720, &mut errors);
        let db_pool_size = parse_num(&get, "DB_POOL_SIZE", 16, 1..=1000, &mut errors);
        let outbox_poll_ms = parse_num(&get, "OUTBOX_POLL_MS", 2000, 10..=600_000, &mut errors);
        let run_worker = parse_bool(&get, "RUN_WORKER", true, &mut errors);
        let query_count_header = parse_bool(&get, "QUERY_COUNT_HEADER", false, &mut errors);
        let metrics_allow_raw = get("METRICS_ALLOW").unwrap_or_else(|| "127.0.0.1,::1".into());
        let metrics_allow = if metrics_allow_raw.trim() == "none" {
            Vec::new()
        } else {
            metrics_allow_raw
                .split(',')
                .filter_map(|part| {
                    let net = crate::metrics::Network::parse(part);
                    if net.is_none() {
                        errors.push(format!(
                            "METRICS_ALLOW has {part:?}, which is not an address or network such as 10.0.0.0/8 (or say none)"
                        ));
                    }
                    net
                })
                .collect()
        };

        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        Ok(Config {
            database_url,
            db_pool_size: db_pool_size as usize,
            bind,
            base_url,
            smtp_url,
            mail_dir,
            mail_from,
            cookie_secure,
            session_idle: chrono::Duration::minutes(session_idle_minutes as i64),
            session_absolute: chrono::Duration::hours(session_absolute_hours as i64),
            outbox_poll: Duration::from_millis(outbox_poll_ms),
            run_worker,
            query_count_header,
            metrics_allow,
        })
    }

    /// An absolute link to `path_and_query` (which starts with `/`).
    pub fn link(&self, path_and_query: &str) -> String {
        let base = self.base_url.as_str().trim_end_matches('/');
        format!("{base}{path_and_query}")
    }
}

fn fallback_url() -> Url {
    Url::parse("http://127.0.0.1:8080").unwrap_or_else(|_| unreachable!("constant URL parses"))
}

fn fallback_mailbox() -> Mailbox {
    "no-reply@baygrants.localhost"
        .parse()
        .unwrap_or_else(|_| unreachable!("constant mailbox parses"))
}

fn parse_bool(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: bool,
    errors: &mut Vec<String>,
) -> bool {
    match get(key).map(|v| v.to_ascii_lowercase()) {
        None => default,
        Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => true,
        Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => false,
        Some(v) => {
            errors.push(format!("{key}={v:?} is not true or false"));
            default
        }
    }
}

fn parse_num(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    errors: &mut Vec<String>,
) -> u64 {
    match get(key) {
        None => default,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                errors.push(format!(
                    "{key}={v:?} is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ));
                default
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_point_at_the_local_database() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.link("/login"), "http://127.0.0.1:8080/login");
        assert!(c.smtp_url.is_none());
        assert!(!c.cookie_secure);
    }

    #[test]
    fn every_bad_value_is_named() {
        let err = config(&[
            ("DATABASE_URL", "mysql://x"),
            ("BIND", "nowhere"),
            ("SMTP_URL", "http://mail"),
            ("COOKIE_SECURE", "perhaps"),
            ("SESSION_IDLE_MINUTES", "-5"),
        ])
        .unwrap_err();
        let text = err.to_string();
        for key in [
            "DATABASE_URL",
            "BIND",
            "SMTP_URL",
            "COOKIE_SECURE",
            "SESSION_IDLE_MINUTES",
        ] {
            assert!(text.contains(key), "{key} missing from {text}");
        }
        assert_eq!(err.0.len(), 5);
    }

    #[test]
    fn https_base_url_makes_cookies_secure_by_default() {
        let c = config(&[("BASE_URL", "https://grants.example.org/")]).unwrap();
        assert!(c.cookie_secure);
        assert_eq!(c.link("/x"), "https://grants.example.org/x");
    }
}
