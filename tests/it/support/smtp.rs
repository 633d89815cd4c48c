//! A small, real SMTP server for tests: it speaks the protocol to lettre,
//! keeps every message it accepts, can refuse chosen recipients with a
//! permanent error, and can be stopped and started on the same port.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The message as it came over the wire, headers and all.
    pub raw: String,
}

impl Mail {
    fn parse(to: Vec<String>, raw: String) -> Mail {
        let parsed = mailparse::parse_mail(raw.as_bytes()).expect("valid MIME");
        let subject = parsed
            .headers
            .iter()
            .find(|h| h.get_key_ref().eq_ignore_ascii_case("subject"))
            .map(|h| h.get_value())
            .unwrap_or_default();
        let mut text = String::new();
        let mut html = String::new();
        let mut stack = vec![&parsed];
        while let Some(part) = stack.pop() {
            match part.ctype.mimetype.as_str() {
                "text/plain" => text = part.get_body().unwrap(),
                "text/html" => html = part.get_body().unwrap(),
                _ => stack.extend(part.subparts.iter()),
            }
        }
        Mail {
            to,
            subject,
            text,
            html,
            raw,
        }
    }

    /// The first link in the text body that contains `needle`.
    pub fn link_containing(&self, needle: &str) -> String {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains(needle))
            .unwrap_or_else(|| panic!("no link with {needle} in:\n{}", self.text))
            .to_string()
    }
}

#[derive(Default)]
struct Shared {
    mails: Vec<Mail>,
    refuse: Vec<String>,
}

pub struct SmtpServer {
    port: u16,
    shared: Arc<Mutex<Shared>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl SmtpServer {
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn stopped(port: u16) -> SmtpServer {
        SmtpServer {
            port,
            shared: Arc::default(),
            task: Mutex::new(None),
        }
    }

    pub async fn start(port: u16) -> SmtpServer {
        let s = Self::stopped(port);
        s.resume().await;
        s
    }

    /// Starts listening (again) on the same port.
    pub async fn resume(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        let shared = self.shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, shared.clone()));
            }
        });
        *self.task.lock().unwrap() = Some(task);
    }

    /// Stops listening: SMTP is down until `resume`.
    pub fn pause(&self) {
        if let Some(task) = self.task.lock().unwrap().take() {
            task.abort();
        }
    }

    /// Refuses mail to `address` with 550 (a permanent failure).
    pub fn refuse(&self, address: &str) {
        self.shared
            .lock()
            .unwrap()
            .refuse
            .push(address.to_lowercase());
    }

    pub fn accept_all(&self) {
        self.shared.lock().unwrap().refuse.clear();
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.shared.lock().unwrap().mails.clone()
    }

    pub fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits up to ten seconds for a mail to `address` whose text contains `needle`.
    pub async fn wait_for(&self, address: &str, needle: &str) -> Mail {
        for _ in 0..400 {
            if let Some(m) = self
                .mails_to(address)
                .into_iter()
                .rev()
                .find(|m| m.text.contains(needle))
            {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "no mail to {address} containing {needle:?}; got {:#?}",
            self.mails()
        );
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(t) = self.task.lock().unwrap().take() {
            t.abort();
        }
    }
}

async fn session(socket: tokio::net::TcpStream, shared: Arc<Mutex<Shared>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    let mut to = Vec::new();
    if write.write_all(b"220 test-smtp ready\r\n").await.is_err() {
        return;
    }
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-test-smtp\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("HELO")
            || upper.starts_with("MAIL FROM")
            || upper.starts_with("NOOP")
        {
            b"250 ok\r\n"
        } else if upper.starts_with("RSET") {
            to.clear();
            b"250 ok\r\n"
        } else if upper.starts_with("RCPT TO") {
            let address = line[8..]
                .trim()
                .trim_start_matches(':')
                .trim()
                .trim_matches(['<', '>'])
                .to_lowercase();
            if shared.lock().unwrap().refuse.contains(&address) {
                b"550 5.1.1 mailbox unavailable\r\n"
            } else {
                to.push(address);
                b"250 ok\r\n"
            }
        } else if upper.starts_with("DATA") {
            if write.write_all(b"354 go ahead\r\n").await.is_err() {
                return;
            }
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                let l = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(l);
            }
            shared
                .lock()
                .unwrap()
                .mails
                .push(Mail::parse(std::mem::take(&mut to), data));
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"502 not implemented\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}
