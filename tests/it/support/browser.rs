//! A cookie-keeping HTTP client that behaves like a person with a browser:
//! it reads the CSRF token from the form it is about to submit.

use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::HeaderMap;
use reqwest::redirect::Policy;

use super::authenticator::Authenticator;

pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the hidden `csrf` field of the first form.
    pub fn csrf(&self) -> String {
        extract_value(&self.body, "name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no csrf field in:\n{}", self.body))
    }

    /// The value of the input named `name` in the page's main content
    /// (the header's language switcher has fields of its own).
    pub fn field(&self, name: &str) -> Option<String> {
        let main = &self.body[self.body.find("<main")?..];
        let marker = format!("name=\"{name}\"");
        let at = main.find(&marker)?;
        extract_value(&main[at..], "value=\"")
    }

    pub fn has(&self, needle: &str) -> bool {
        self.body.contains(needle)
    }

    /// The second-factor key an enrolment page shows, if it is one.
    pub fn totp_key(&self) -> Option<String> {
        let marker = "id=\"totp-secret\" class=\"secret\">";
        let start = self.body.find(marker)? + marker.len();
        let end = self.body[start..].find('<')?;
        Some(self.body[start..start + end].to_string())
    }

    /// The recovery codes a page shows (once, after enrolment or renewal).
    pub fn recovery_codes(&self) -> Vec<String> {
        let Some(list) = self.body.find("class=\"recovery-codes\"") else {
            return Vec::new();
        };
        self.body[list..]
            .split("<code>")
            .skip(1)
            .filter_map(|s| s.split("</code>").next())
            .map(str::to_string)
            .collect()
    }
}

fn extract_value(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(prefix)? + prefix.len();
    let end = html[start..].find('"')?;
    Some(
        html[start..start + end]
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

#[derive(Clone)]
pub struct Browser {
    base: String,
    pub jar: Arc<Jar>,
    client: reqwest::Client,
    /// The person's authenticator app, for accounts with a second factor.
    authenticator: Option<Authenticator>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Self::with_headers(base, HeaderMap::new())
    }

    pub fn with_headers(base: &str, headers: HeaderMap) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        Browser {
            base: base.to_string(),
            jar,
            client,
            authenticator: None,
        }
    }

    pub fn with_authenticator(mut self, authenticator: Authenticator) -> Browser {
        self.authenticator = Some(authenticator);
        self
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    async fn page(res: reqwest::Response) -> Page {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.unwrap_or_default();
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    /// GET, the body as the bytes sent (a text body's byte-order mark kept).
    pub async fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let res = self.client.get(self.url(path)).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.bytes().await.unwrap_or_default().to_vec())
    }

    pub async fn get_url(&self, url: &str) -> Page {
        self.get(url).await
    }

    /// GET, following redirects the way a browser does.
    pub async fn visit(&self, path: &str) -> Page {
        let mut page = self.get(path).await;
        for _ in 0..5 {
            if !(300..400).contains(&page.status) {
                break;
            }
            let next = page.location().to_string();
            page = self.get(&next).await;
        }
        page
    }

    /// POSTs exactly these fields (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::page(
            self.client
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// The same, for a server that may die mid-request: `None` when the
    /// connection breaks.
    pub async fn try_post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Option<u16> {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16())
    }

    /// Opens `page`, takes the CSRF token from its form, and posts `fields` to `action`.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let form = self.get(page).await;
        assert_eq!(form.status, 200, "cannot open {page}: {}", form.body);
        let token = form.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    /// Sends one file as a browser's file input does (a multipart form, the
    /// token read from `page` first).
    pub async fn upload(&self, page: &str, action: &str, name: &str, bytes: Vec<u8>) -> Page {
        let token = self.get(page).await.csrf();
        let form = reqwest::multipart::Form::new().text("csrf", token).part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
        Self::page(
            self.client
                .post(self.url(action))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Page {
        let res = self
            .submit(
                "/login",
                "/login",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(res.status, 303, "login failed: {}", res.body);
        if res.location().starts_with("/login/second-factor") {
            return self.second_factor(email, res.location()).await;
        }
        res
    }

    /// The second step of login, as a person with an authenticator app does
    /// it: sets the app up when the page shows a key, then types its code.
    /// Returns the answer: a redirect, or the page of new recovery codes.
    pub async fn second_factor(&self, email: &str, path: &str) -> Page {
        let app = self.authenticator.as_ref().unwrap_or_else(|| {
            panic!("{email} needs a second factor, but this browser has no authenticator (make it with app.browser() or with_authenticator)")
        });
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "second-factor page: {}", page.body);
        if let Some(key) = page.totp_key() {
            app.learn(email, &key);
        }
        let next = page.field("next").unwrap_or_default();
        let code = app.code(email).await;
        let res = self
            .post_raw(
                "/login/second-factor",
                &[("csrf", &page.csrf()), ("code", &code), ("next", &next)],
            )
            .await;
        app.keep_recovery_codes(email, res.recovery_codes());
        assert!(
            res.status == 303 || (res.status == 200 && res.has("recovery-codes")),
            "second factor refused ({}): {}",
            res.status,
            res.body
        );
        res
    }

    pub async fn logout(&self) -> Page {
        self.submit("/", "/logout", &[]).await
    }

    /// The value of cookie `name` as the browser would send it.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
    }

    /// Puts a cookie into the jar, as an attacker replaying it would.
    pub fn set_cookie(&self, name: &str, value: &str) {
        let url = self.base.parse().unwrap();
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), &url);
    }
}
