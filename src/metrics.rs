//! What operators watch (issue 18): request counts and latency per route,
//! the pool, the outbox and the jobs, served at `/metrics` in the
//! Prometheus text format (version 0.0.4) to the addresses
//! `METRICS_ALLOW` lists.
//!
//! Every route of [`crate::web::ROUTES`] has its counters from the start,
//! as plain atomics: the router hands each request its route's place in
//! that table ([`RouteIndex`]), so recording is a few relaxed additions,
//! with no lock, no label hashing and no second pattern match.

use std::fmt::Write;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::jobs::JOBS;

/// Upper bounds of the latency histogram's buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Status classes counted apart: 2xx, 3xx, 4xx, 5xx (1xx counts as 2xx).
const CLASSES: [&str; 4] = ["2xx", "3xx", "4xx", "5xx"];

#[derive(Default)]
struct RouteStats {
    by_class: [AtomicU64; 4],
    /// Cumulative as Prometheus wants them: bucket i counts every request
    /// at or under `BUCKETS[i]`.
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    micros: AtomicU64,
}

impl RouteStats {
    fn record(&self, status: u16, took: Duration) {
        let class = match status {
            300..=399 => 1,
            400..=499 => 2,
            500.. => 3,
            _ => 0,
        };
        self.by_class[class].fetch_add(1, Relaxed);
        let secs = took.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.count.fetch_add(1, Relaxed);
        self.micros
            .fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Relaxed);
    }
}

#[derive(Default)]
struct JobStats {
    runs: AtomicU64,
    failures: AtomicU64,
    acted_on: AtomicU64,
}

/// A route's place in [`crate::web::ROUTES`], given to each route as its
/// resource's data.
#[derive(Debug, Clone, Copy)]
pub struct RouteIndex(pub usize);

/// The process's counters, shared by every worker thread.
pub struct Metrics {
    /// `(method, pattern)` of each route, then "unmatched" for requests no
    /// route took (404s and static misses).
    routes: Vec<(&'static str, &'static str)>,
    stats: Vec<RouteStats>,
    jobs: Vec<JobStats>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new(crate::web::ROUTES)
    }
}

impl Metrics {
    pub fn new(routes: &[(&'static str, &'static str)]) -> Metrics {
        let mut all = routes.to_vec();
        all.push(("", "unmatched"));
        Metrics {
            stats: all.iter().map(|_| RouteStats::default()).collect(),
            routes: all,
            jobs: JOBS.iter().map(|_| JobStats::default()).collect(),
        }
    }

    /// Counts one answered request under the route the router took (`None`:
    /// no route did).
    pub fn record(&self, route: Option<RouteIndex>, status: u16, took: Duration) {
        let unmatched = self.stats.len() - 1;
        let i = route.map_or(unmatched, |r| r.0.min(unmatched));
        self.stats[i].record(status, took);
    }

    /// Counts one run of a job: how many things it acted on, or that it failed.
    pub fn job_ran(&self, job: &str, outcome: Result<usize, ()>) {
        let Some(i) = JOBS.iter().position(|j| *j == job) else {
            return;
        };
        let s = &self.jobs[i];
        s.runs.fetch_add(1, Relaxed);
        match outcome {
            Ok(n) => {
                s.acted_on.fetch_add(n as u64, Relaxed);
            }
            Err(()) => {
                s.failures.fetch_add(1, Relaxed);
            }
        }
    }

    /// The whole exposition: the counters kept here, then `gauges` (read
    /// at the time of the scrape).
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::with_capacity(64 * 1024);
        let w = &mut out;
        header(
            w,
            "baygrants_http_requests_total",
            "counter",
            "Requests answered, by route pattern and status class.",
        );
        for ((method, route), s) in self.routes.iter().zip(&self.stats) {
            for (class, n) in CLASSES.iter().zip(&s.by_class) {
                let n = n.load(Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        w,
                        "baygrants_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{class}\"}} {n}",
                        escape(route)
                    );
                }
            }
        }
        header(
            w,
            "baygrants_http_request_duration_seconds",
            "histogram",
            "Time from the request's arrival to its response, by route pattern.",
        );
        for ((method, route), s) in self.routes.iter().zip(&self.stats) {
            let count = s.count.load(Relaxed);
            if count == 0 {
                continue;
            }
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            for (bound, bucket) in BUCKETS.iter().zip(&s.buckets) {
                let _ = writeln!(
                    w,
                    "baygrants_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    bucket.load(Relaxed)
                );
            }
            let _ = writeln!(
                w,
                "baygrants_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                w,
                "baygrants_http_request_duration_seconds_sum{{{labels}}} {}",
                s.micros.load(Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                w,
                "baygrants_http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }

        for (name, help, value) in [
            (
                "baygrants_db_pool_size",
                "Connections the pool may open.",
                gauges.pool_max,
            ),
            (
                "baygrants_db_pool_in_use",
                "Connections lent to a request or job now.",
                gauges.pool_in_use,
            ),
            (
                "baygrants_db_pool_idle",
                "Open connections waiting in the pool.",
                gauges.pool_idle,
            ),
            (
                "baygrants_db_pool_waiting",
                "Requests or jobs waiting for a connection now.",
                gauges.pool_waiting,
            ),
            (
                "baygrants_outbox_pending",
                "Emails waiting to be sent (backlog).",
                gauges.outbox_pending,
            ),
            (
                "baygrants_outbox_failed",
                "Emails that failed for good and wait for an admin.",
                gauges.outbox_failed,
            ),
            (
                "baygrants_outbox_oldest_pending_seconds",
                "Age of the oldest email waiting to be sent (0 when none waits).",
                gauges.outbox_oldest_pending_seconds,
            ),
        ] {
            header(w, name, "gauge", help);
            let _ = writeln!(w, "{name} {value}");
        }

        for (name, help, pick) in [
            (
                "baygrants_job_runs_total",
                "Runs of each periodic job by this process.",
                (|s: &JobStats| s.runs.load(Relaxed)) as fn(&JobStats) -> u64,
            ),
            (
                "baygrants_job_failures_total",
                "Runs of each periodic job that failed.",
                |s: &JobStats| s.failures.load(Relaxed),
            ),
            (
                "baygrants_job_acted_on_total",
                "Things each job acted on (reminders sent, offers lapsed).",
                |s: &JobStats| s.acted_on.load(Relaxed),
            ),
        ] {
            header(w, name, "counter", help);
            for (job, s) in JOBS.iter().zip(&self.jobs) {
                let _ = writeln!(w, "{name}{{job=\"{job}\"}} {}", pick(s));
            }
        }
        out
    }
}

/// What the scrape reads from the pool and the database, now.
pub async fn gauges(state: &crate::AppState) -> Result<Gauges, crate::error::AppError> {
    let pool = state.pool.status();
    let mut conn = state.pool.get().await?;
    let (pending, failed, oldest) = crate::models::outbox::backlog(&mut conn).await?;
    Ok(Gauges {
        pool_max: pool.max_size as u64,
        pool_in_use: pool.size.saturating_sub(pool.available) as u64,
        pool_idle: pool.available as u64,
        pool_waiting: pool.waiting as u64,
        outbox_pending: pending.max(0) as u64,
        outbox_failed: failed.max(0) as u64,
        outbox_oldest_pending_seconds: oldest
            .map_or(0, |t| (state.clock.now() - t).num_seconds().max(0) as u64),
    })
}

/// What the scrape reads from the pool and the database.
#[derive(Debug, Default, Clone, Copy)]
pub struct Gauges {
    pub pool_max: u64,
    pub pool_in_use: u64,
    pub pool_idle: u64,
    pub pool_waiting: u64,
    pub outbox_pending: u64,
    pub outbox_failed: u64,
    pub outbox_oldest_pending_seconds: u64,
}

fn header(w: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(w, "# HELP {name} {help}");
    let _ = writeln!(w, "# TYPE {name} {kind}");
}

/// A label value as the text format wants it (our patterns hold none of
/// these, but a pattern is not ours to trust forever).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// An address or a network (`10.0.0.0/8`, `::1`) allowed to read `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(raw: &str) -> Option<Network> {
        let (addr, prefix) = match raw.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (raw.trim().parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Network { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_hold_what_their_prefix_says() {
        let local = Network::parse("127.0.0.1").unwrap();
        assert!(local.contains("127.0.0.1".parse().unwrap()));
        assert!(!local.contains("127.0.0.2".parse().unwrap()));
        assert!(local.contains("::ffff:127.0.0.1".parse().unwrap()));
        let ten = Network::parse("10.0.0.0/8").unwrap();
        assert!(ten.contains("10.200.3.4".parse().unwrap()));
        assert!(!ten.contains("11.0.0.1".parse().unwrap()));
        let all = Network::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        assert!(!all.contains("::1".parse().unwrap()));
        let v6 = Network::parse("fd00::/8").unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("fe80::1".parse().unwrap()));
        for bad in ["", "localhost", "10.0.0.0/33", "::/129", "1.2.3.4/x"] {
            assert_eq!(Network::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_request_counts_under_its_route_and_bucket() {
        let m = Metrics::new(&[("GET", "/calls/{id}"), ("POST", "/calls/{id}")]);
        m.record(Some(RouteIndex(0)), 200, Duration::from_millis(3));
        m.record(Some(RouteIndex(0)), 404, Duration::from_millis(30));
        m.record(None, 404, Duration::from_micros(10));
        let text = m.render(&Gauges::default());
        assert!(text.contains(
            "baygrants_http_requests_total{method=\"GET\",route=\"/calls/{id}\",status=\"2xx\"} 1"
        ));
        assert!(text.contains(
            "baygrants_http_requests_total{method=\"GET\",route=\"/calls/{id}\",status=\"4xx\"} 1"
        ));
        assert!(text.contains("route=\"unmatched\",status=\"4xx\"} 1"));
        // 3 ms is over 2.5 ms and under 5 ms; 30 ms is under 50 ms.
        let bucket = |le: &str| {
            format!(
                "baygrants_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/calls/{{id}}\",le=\"{le}\"}} "
            )
        };
        assert!(text.contains(&(bucket("0.0025") + "0")));
        assert!(text.contains(&(bucket("0.005") + "1")));
        assert!(text.contains(&(bucket("0.05") + "2")));
        assert!(text.contains(&(bucket("+Inf") + "2")));
        assert!(text.contains(
            "baygrants_http_request_duration_seconds_sum{method=\"GET\",route=\"/calls/{id}\"} 0.033"
        ));
        // A route nobody asked for is not listed.
        assert!(!text.contains("method=\"POST\""));
    }
}
