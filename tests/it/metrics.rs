//! `/metrics` (issue 18): what an operator's Prometheus reads, and only
//! from the addresses the configuration allows.

use std::time::Duration;

use diesel_async::RunQueryDsl;

use crate::support::{Options, TestApp};

/// The value of the sample line that starts with `series ` (labels included).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_with_the_pool_outbox_and_jobs() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    for _ in 0..2 {
        assert_eq!(visitor.get("/calls").await.status, 200);
    }
    assert_eq!(visitor.get("/calls/987654").await.status, 404);
    assert_eq!(visitor.get("/no/such/page").await.status, 404);
    // An email that failed for good, and one waiting for its next attempt.
    let mut conn = app.state.pool.get().await.unwrap();
    diesel::sql_query(
        "INSERT INTO outbox (kind, recipient, lang, subject, body_text, body_html, status, attempts, next_attempt_at, last_error, created_at)
         VALUES ('notice', 'gone@example.org', 'en', 'S', 'T', '<p>T</p>', 'failed', 8, now(), '550', now()),
                ('notice', 'later@example.org', 'en', 'S', 'T', '<p>T</p>', 'pending', 1, now() + interval '1 hour', '451', now() - interval '10 minutes')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    drop(conn);

    // The scheduler runs every job once at start.
    let mut text = String::new();
    for _ in 0..100 {
        let page = visitor.get("/metrics").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(
            page.headers["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        text = page.body;
        if sample(&text, "baygrants_job_runs_total{job=\"report_reminders\"}") == Some(1.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let get =
        |series: &str| sample(&text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"));
    assert_eq!(
        get("baygrants_http_requests_total{method=\"GET\",route=\"/calls\",status=\"2xx\"}"),
        2.0
    );
    // The route's pattern, never the id asked for.
    assert_eq!(
        get("baygrants_http_requests_total{method=\"GET\",route=\"/calls/{id}\",status=\"4xx\"}"),
        1.0
    );
    assert!(!text.contains("987654"));
    assert_eq!(
        get("baygrants_http_requests_total{method=\"\",route=\"unmatched\",status=\"4xx\"}"),
        1.0
    );
    assert_eq!(
        get("baygrants_http_request_duration_seconds_count{method=\"GET\",route=\"/calls\"}"),
        2.0
    );
    assert_eq!(
        get(
            "baygrants_http_request_duration_seconds_bucket{method=\"GET\",route=\"/calls\",le=\"+Inf\"}"
        ),
        2.0
    );
    assert_eq!(get("baygrants_db_pool_size"), 8.0);
    assert!(get("baygrants_db_pool_idle") >= 1.0);
    assert_eq!(get("baygrants_db_pool_waiting"), 0.0);
    assert_eq!(get("baygrants_outbox_failed"), 1.0);
    assert_eq!(get("baygrants_outbox_pending"), 1.0);
    assert!(get("baygrants_outbox_oldest_pending_seconds") >= 590.0);
    for job in baygrants::jobs::JOBS {
        assert_eq!(
            get(&format!("baygrants_job_runs_total{{job=\"{job}\"}}")),
            1.0
        );
        assert_eq!(
            get(&format!("baygrants_job_failures_total{{job=\"{job}\"}}")),
            0.0
        );
    }
}

#[tokio::test]
async fn metrics_are_hidden_from_addresses_the_configuration_does_not_allow() {
    let app = TestApp::spawn_with(Options {
        vars: vec![("METRICS_ALLOW", "10.0.0.0/8, fd00::/8".into())],
        ..Options::default()
    })
    .await;
    let page = app.browser().get("/metrics").await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("baygrants_http"));
    // A forwarded-for header naming an allowed address changes nothing.
    let res = reqwest::Client::new()
        .get(format!("{}/metrics", app.base))
        .header("X-Forwarded-For", "10.1.2.3")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // A value that is no address stops the start with a clear message.
    let err = baygrants::config::Config::from_lookup(|k| {
        (k == "METRICS_ALLOW").then(|| "10.0.0.0/8,localhost".to_string())
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("METRICS_ALLOW") && err.contains("localhost"),
        "{err}"
    );
}
