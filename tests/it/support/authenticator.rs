//! The authenticator app of a test's people: it learns a second-factor key
//! when the enrolment page shows it (or from a seed), and gives the code
//! that the server's clock expects.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use baygrants::clock::{Clock, ShiftedClock};
use baygrants::domain::totp::{self, Secret};
use chrono::{DateTime, Utc};

#[derive(Clone)]
pub struct Authenticator {
    /// Per email: the key and the last step whose code was typed.
    keys: Arc<Mutex<HashMap<String, (Secret, i64)>>>,
    /// Per email: recovery codes not used yet, as the person kept them.
    recovery: Arc<Mutex<HashMap<String, Vec<String>>>>,
    /// The server's clock; `None` for a server process that keeps real time.
    clock: Option<Arc<ShiftedClock>>,
}

impl Authenticator {
    pub fn new(clock: Arc<ShiftedClock>) -> Authenticator {
        Authenticator {
            keys: Arc::default(),
            recovery: Arc::default(),
            clock: Some(clock),
        }
    }

    /// The same keys, for a server process of its own, which keeps real time.
    pub fn real_time(&self) -> Authenticator {
        Authenticator {
            keys: self.keys.clone(),
            recovery: self.recovery.clone(),
            clock: None,
        }
    }

    pub fn learn(&self, email: &str, base32: &str) {
        let secret = Secret::from_base32(base32)
            .unwrap_or_else(|| panic!("the page showed no usable key: {base32:?}"));
        self.keys
            .lock()
            .unwrap()
            .insert(email.to_lowercase(), (secret, i64::MIN));
    }

    /// Keeps the recovery codes a page showed.
    pub fn keep_recovery_codes(&self, email: &str, codes: Vec<String>) {
        if !codes.is_empty() {
            self.recovery
                .lock()
                .unwrap()
                .insert(email.to_lowercase(), codes);
        }
    }

    /// The key set up for `email`.
    pub fn secret(&self, email: &str) -> Secret {
        self.keys
            .lock()
            .unwrap()
            .get(&email.to_lowercase())
            .map(|(secret, _)| secret.clone())
            .unwrap_or_else(|| panic!("no second-factor key was set up for {email}"))
    }

    /// The recovery codes kept, not used yet.
    pub fn recovery_codes(&self, email: &str) -> Vec<String> {
        self.recovery
            .lock()
            .unwrap()
            .get(&email.to_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    pub fn knows(&self, email: &str) -> bool {
        self.keys
            .lock()
            .unwrap()
            .contains_key(&email.to_lowercase())
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.as_ref().map_or_else(Utc::now, |c| c.now())
    }

    /// The code to type now. The server takes each step's code once, so when
    /// this step's was typed already the person waits for the next one: the
    /// test's clock moves on, or real time passes.
    pub async fn code(&self, email: &str) -> String {
        let key = email.to_lowercase();
        let (secret, last) = self
            .keys
            .lock()
            .unwrap()
            .get(&key)
            .cloned()
            .unwrap_or_else(|| panic!("no second-factor key was set up for {email}"));
        let mut step = totp::step_at(self.now());
        if self.clock.is_none() && last > step + totp::WINDOW {
            // The test's own server ran ahead of real time and took a code
            // from the future: a server on real time will refuse every code
            // until then, so the person uses a recovery code, as anyone
            // whose phone disagrees with the server would.
            if let Some(code) = self
                .recovery
                .lock()
                .unwrap()
                .get_mut(&key)
                .and_then(Vec::pop)
            {
                return code;
            }
        }
        if step <= last {
            let next = (last + 1) * totp::STEP_SECONDS;
            let wait = chrono::Duration::seconds(next - self.now().timestamp());
            match &self.clock {
                Some(clock) => clock.advance(wait),
                None => tokio::time::sleep(wait.to_std().unwrap_or_default()).await,
            }
            // A frozen clock does not move: the next step is still accepted.
            step = totp::step_at(self.now()).max(last + 1);
        }
        if let Some(entry) = self.keys.lock().unwrap().get_mut(&key) {
            entry.1 = entry.1.max(step);
        }
        totp::code_for_step(&secret, step)
    }
}
