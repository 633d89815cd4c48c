//! A real browser for the journeys: Debian's Chromium, headless, driven over
//! WebDriver (chromedriver) with fantoccini. The accessibility checker
//! (axe-core) and the HTML checker (vnu-jar) come from npm into
//! `tests/browser/node_modules`.
//!
//! What a fresh machine lacks is installed on first use, once per test run:
//! `chromium` and `chromium-driver` with apt (as root; `.ci/run` does the
//! same) and the npm packages with `npm ci`. Browsers are started one at a
//! time, so the journeys do not fight the rest of the suite for two cores.
//!
//! Every step is photographed into `test-artifacts/browser/<test>/`; the
//! folder is removed when the test passes and kept when it fails.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::free_port;

static ONE_AT_A_TIME: Semaphore = Semaphore::const_new(1);
static INSTALLED: OnceLock<()> = OnceLock::new();

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn run(cmd: &mut Command) -> bool {
    cmd.status().map(|s| s.success()).unwrap_or(false)
}

/// Installs Chromium, ChromeDriver and the npm checkers if missing.
fn ensure_installed() {
    INSTALLED.get_or_init(|| {
        if !Path::new("/usr/bin/chromedriver").exists() {
            let ok = run(Command::new("apt-get").args([
                "install",
                "-y",
                "-q",
                "chromium",
                "chromium-driver",
            ])) || (run(Command::new("apt-get").args(["update", "-q"]))
                && run(Command::new("apt-get").args([
                    "install",
                    "-y",
                    "-q",
                    "chromium",
                    "chromium-driver",
                ])));
            assert!(
                ok,
                "the browser tests need Debian's chromium and chromium-driver: \
                 apt-get install chromium chromium-driver (bash .ci/run does it)"
            );
        }
        let dir = browser_dir();
        if !dir.join("node_modules/axe-core/axe.min.js").exists()
            || !dir.join("node_modules/vnu-jar/build/dist/vnu.jar").exists()
        {
            assert!(
                run(Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(&dir)),
                "npm ci in tests/browser failed (it fetches axe-core and vnu-jar)"
            );
        }
    });
}

struct Driver(Child);

/// chromedriver runs in a process group of its own with the Chromium it
/// starts, so that a failed test (which never reaches `finish`) leaves no
/// browser behind.
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Chrome {
    pub client: Client,
    base: String,
    shots: PathBuf,
    step: std::sync::atomic::AtomicUsize,
    _driver: Driver,
    _turn: SemaphorePermit<'static>,
}

impl Chrome {
    /// A headless Chromium window `width` × `height` pixels for `test`.
    pub async fn start(base: &str, test: &str, width: u32, height: u32) -> Chrome {
        ensure_installed();
        let turn = ONE_AT_A_TIME.acquire().await.unwrap();
        let port = free_port();
        let driver = Driver(
            Command::new("/usr/bin/chromedriver")
                .arg(format!("--port={port}"))
                .process_group(0)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver did not start"),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    format!("--window-size={width},{height}"),
                ],
            }),
        );
        let mut client = None;
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let client = client.expect("no WebDriver session from chromedriver");
        // The viewport, not the window, must be `width` wide.
        let inner: Value = client
            .execute("return [window.innerWidth, window.outerWidth];", vec![])
            .await
            .unwrap();
        let (iw, ow) = (inner[0].as_u64().unwrap(), inner[1].as_u64().unwrap());
        if iw != u64::from(width) {
            let (_, h) = client.get_window_size().await.unwrap();
            client
                .set_window_size((ow + u64::from(width) - iw) as u32, h as u32)
                .await
                .unwrap();
        }
        let shots = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("test-artifacts/browser")
            .join(test);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        Chrome {
            client,
            base: base.to_string(),
            shots,
            step: Default::default(),
            _driver: driver,
            _turn: turn,
        }
    }

    /// Names the step about to happen and photographs the page as it is.
    pub async fn step(&self, what: &str) {
        let n = self.step.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        // The whole page, not just the window: grow the window to the
        // page's height for the picture, then put it back.
        let size = self.client.get_window_size().await.ok();
        let tall = self
            .client
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .ok()
            .and_then(|v| v.as_u64());
        if let (Some((w, h)), Some(tall)) = (size, tall) {
            let _ = self
                .client
                .set_window_size(w as u32, tall.clamp(h, 8000) as u32 + 120)
                .await;
        }
        let shot = self.client.screenshot().await;
        if let Some((w, h)) = size {
            let _ = self.client.set_window_size(w as u32, h as u32).await;
        }
        if let Ok(png) = shot {
            let name = format!(
                "{:02}-{}.png",
                n,
                what.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            );
            let _ = std::fs::write(self.shots.join(name), png);
        }
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    pub async fn goto_url(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.find("body").await.text().await.unwrap()
    }

    pub async fn has(&self, needle: &str) -> bool {
        self.text().await.contains(needle)
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} on {}: {e}", self.here()))
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap()
    }

    fn here(&self) -> String {
        self.shots.display().to_string()
    }

    /// Clicks a link or button and waits for the next page to load.
    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.client
            .execute("window.__leaving = true;", vec![])
            .await
            .unwrap();
        el.click().await.unwrap();
        self.settle().await;
    }

    /// Clicks a button whose answer is a file to download: the page stays.
    pub async fn click_download(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Presses Enter in the focused element and waits for the next page.
    pub async fn press_enter(&self) {
        self.client
            .execute("window.__leaving = true;", vec![])
            .await
            .unwrap();
        let el = self.client.active_element().await.unwrap();
        el.send_keys(&char::from(fantoccini::key::Key::Enter).to_string())
            .await
            .unwrap();
        self.settle().await;
    }

    /// Waits until a new document has replaced the marked one and loaded.
    async fn settle(&self) {
        for _ in 0..800 {
            let state = self
                .client
                .execute(
                    "return window.__leaving === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if matches!(state, Ok(Value::Bool(true))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no new page after 20 s ({})", self.here());
    }

    /// Types into the field named `name` inside `form` (a CSS selector), as
    /// a person does: selects pick the option with that value, checkboxes
    /// and radio buttons are clicked, text is typed after clearing.
    pub async fn fill(&self, form: &str, fields: &[(&str, &str)]) {
        let mut seen: std::collections::HashMap<&str, usize> = Default::default();
        for (name, value) in fields {
            let nth = seen.entry(name).or_default();
            let all = self.find_all(&format!("{form} [name=\"{name}\"]")).await;
            let kind = match all.first() {
                Some(el) => el.attr("type").await.unwrap().unwrap_or_default(),
                None => panic!("no field {name} in {form}"),
            };
            let tag = all[0].tag_name().await.unwrap();
            if kind == "checkbox" || kind == "radio" {
                let mut found = None;
                for el in &all {
                    if el.attr("value").await.unwrap().as_deref() == Some(value) {
                        found = Some(el);
                        break;
                    }
                }
                // A box the journey means to tick but cannot find is a
                // failure, not a skip: the journey would go on unticked.
                let el = found.unwrap_or_else(|| panic!("no {kind} {name}={value} in {form}"));
                if !el.is_selected().await.unwrap() {
                    el.click().await.unwrap();
                }
                assert!(
                    el.is_selected().await.unwrap(),
                    "{kind} {name}={value} in {form} is not ticked after a click"
                );
                continue;
            }
            let el = &all[*nth];
            *nth += 1;
            if tag == "select" {
                el.find(Locator::Css(&format!("option[value=\"{value}\"]")))
                    .await
                    .unwrap_or_else(|_| panic!("no option {value} for {name}"))
                    .click()
                    .await
                    .unwrap();
            } else if kind == "date" || kind == "datetime-local" {
                // Typing into date pickers depends on the browser's locale;
                // set the value as the picker would.
                self.client
                    .execute(
                        "arguments[0].value = arguments[1];",
                        vec![serde_json::to_value(el).unwrap(), json!(value)],
                    )
                    .await
                    .unwrap();
            } else {
                el.clear().await.unwrap();
                el.send_keys(value).await.unwrap();
            }
        }
    }

    /// Fills `form` and presses its submit button (`button` narrows it).
    pub async fn submit(&self, form: &str, fields: &[(&str, &str)], button: &str) {
        self.fill(form, fields).await;
        self.click(&format!("{form} button[type=submit]{button}"))
            .await;
    }

    /// Runs axe-core in the page; the serious and critical violations.
    pub async fn axe(&self) -> Vec<String> {
        let source =
            std::fs::read_to_string(browser_dir().join("node_modules/axe-core/axe.min.js"))
                .unwrap();
        self.client.execute(&source, vec![]).await.unwrap();
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                    .then(r => done(r.violations), e => done([{id: 'axe-error', impact: 'critical', description: String(e), nodes: []}]));",
                vec![],
            )
            .await
            .unwrap();
        result
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v| {
                let nodes: Vec<String> = v["nodes"]
                    .as_array()
                    .map(|n| {
                        n.iter()
                            .take(3)
                            .map(|n| n["html"].as_str().unwrap_or_default().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                format!(
                    "{} ({}): {} — {}",
                    v["id"].as_str().unwrap_or_default(),
                    v["impact"].as_str().unwrap_or_default(),
                    v["help"].as_str().unwrap_or_default(),
                    nodes.join(" | ")
                )
            })
            .collect()
    }

    /// The page's HTML as the server sent it (fetched again with the same
    /// cookies), for the HTML checker.
    pub async fn server_html(&self) -> String {
        let v = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch(location.href, {credentials: 'same-origin'}).then(r => r.text()).then(done, e => done(String(e)));",
                vec![],
            )
            .await
            .unwrap();
        v.as_str().unwrap().to_string()
    }

    /// True when the page does not scroll sideways and no element lies
    /// outside the viewport (or holds text in no width at all), except
    /// inside something that scrolls on its own; when every table cell reads
    /// whole (a number on one line, other text at least two characters
    /// wide); and when chart text is drawn at 11 pixels or more; with what
    /// does not fit.
    pub async fn fits_width(&self) -> (bool, String) {
        let v = self
            .client
            .execute(
                "const w = document.documentElement.clientWidth;
                 const scrolls = e => {
                   for (let p = e.parentElement; p; p = p.parentElement) {
                     const o = getComputedStyle(p).overflowX;
                     if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
                   }
                   return false;
                 };
                 // Out of the screen on either side, or squeezed to nothing
                 // while it holds text (a column pushed out of the grid).
                 const out = e => {
                   const r = e.getBoundingClientRect();
                   const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
                   return r.right > w + 1 || r.left < -1 || (text && r.width < 1 && getComputedStyle(e).display !== 'none');
                 };
                 const wide = [...document.querySelectorAll('body *')]
                   .filter(e => out(e) && !scrolls(e) && !e.closest('.visually-hidden, .skip-link, select'))
                 const shown = wide.slice(0, 5).map(e => {
                   const r = e.getBoundingClientRect();
                   return e.tagName + '.' + e.className + ' [' + Math.round(r.left) + ', ' + Math.round(r.right) + '] ' + (e.textContent || '').trim().slice(0, 30);
                 });
                 // Table cells read whole: an amount or a number on one line,
                 // any other text at least two characters wide.
                 const lines = e => {
                   const range = document.createRange();
                   range.selectNodeContents(e);
                   return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
                 };
                 const broken = [...document.querySelectorAll('main td, main th')].filter(e => {
                   const text = e.textContent.trim();
                   if (!text || e.querySelector('input, select, textarea, button, form')) return false;
                   const em = parseFloat(getComputedStyle(e).fontSize);
                   if (/^[A-Z]{0,3}[\\s\\u00a0]*[-+−]?[\\d,.\\s\\u00a0%]+$/.test(text) && /\\d/.test(text)) return lines(e) > 1;
                   return [...text].length > 2 && e.clientWidth < 2 * em;
                 }).slice(0, 5).map(e => 'cell [' + e.clientWidth + ' px, ' + lines(e) + ' lines] ' + e.textContent.trim().slice(0, 30));
                 // Chart text at least 11 pixels as drawn.
                 const small = [...document.querySelectorAll('svg.chart-svg')].flatMap(svg => {
                   const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                   return [...svg.querySelectorAll('text')]
                     .filter(t => parseFloat(getComputedStyle(t).fontSize) * scale < 11)
                     .map(t => 'chart text ' + (parseFloat(getComputedStyle(t).fontSize) * scale).toFixed(1) + ' px: ' + t.textContent.slice(0, 20));
                 }).slice(0, 3);
                 return [document.documentElement.scrollWidth <= w && wide.length === 0 && broken.length === 0 && small.length === 0,
                         shown.concat(broken, small).join(', ') + ' (viewport ' + w + ', page ' + document.documentElement.scrollWidth + ')'];",
                vec![],
            )
            .await
            .unwrap();
        (
            v[0].as_bool().unwrap(),
            v[1].as_str().unwrap_or_default().to_string(),
        )
    }

    /// Passes: the screenshots are not needed.
    /// With `KEEP_SCREENSHOTS=1` they are kept, to be looked at.
    pub async fn finish(self) {
        if std::env::var_os("KEEP_SCREENSHOTS").is_none() {
            let _ = std::fs::remove_dir_all(&self.shots);
        }
        let _ = self.client.clone().close().await;
    }
}

/// Checks pages with the Nu Html Checker; the errors, per page.
pub fn vnu(pages: &[(String, String)]) -> Vec<String> {
    ensure_installed();
    let dir = std::env::temp_dir().join(format!("baygrants-vnu-{}", free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (i, (name, html)) in pages.iter().enumerate() {
        let file = dir.join(format!("{i:02}.html"));
        std::fs::write(&file, html).unwrap();
        files.push((file, name));
    }
    let out = Command::new("java")
        .arg("-jar")
        .arg(browser_dir().join("node_modules/vnu-jar/build/dist/vnu.jar"))
        .args(["--format", "json", "--exit-zero-always"])
        .args(files.iter().map(|(f, _)| f))
        .output()
        .expect("the HTML checker needs Java: apt-get install default-jre-headless (bash .ci/run does it)");
    let report: Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|_| panic!("vnu: {}", String::from_utf8_lossy(&out.stderr)));
    let _ = std::fs::remove_dir_all(&dir);
    report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "error" || m["subType"] == "fatal")
        .map(|m| {
            let url = m["url"].as_str().unwrap_or_default();
            let page = files
                .iter()
                .find(|(f, _)| url.ends_with(&*f.file_name().unwrap().to_string_lossy()))
                .map(|(_, n)| n.as_str())
                .unwrap_or(url);
            format!(
                "{page}:{}: {} [{}]",
                m["lastLine"],
                m["message"].as_str().unwrap_or_default(),
                m["extract"].as_str().unwrap_or_default()
            )
        })
        .collect()
}
