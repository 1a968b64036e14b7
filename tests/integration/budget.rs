//! The API budget against the test layer's emulation of ECS's token buckets: a pane's
//! progressive load (list pages, then describe batches) goes as fast as AWS's bucket lets
//! it without one throttle, and steady state keeps to the share. Each test runs its own
//! proxy in front of the shared moto, so its buckets touch no other test.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ecsdash::domain::budget::{ApiLimits, ApiRate, Budget, Category, Priority, with_priority};
use ecsdash::domain::{Backend, ListQuery};
use futures::StreamExt;
use serde_json::{Value, json};

use crate::support::{self, Moto, REGION};

/// A proxy of its own, killed when dropped.
struct OwnProxy {
    child: Child,
    moto: Moto,
}

impl Drop for OwnProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn own_proxy(moto: &Moto) -> OwnProxy {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/aws_proxy.py");
    // The venv scripts/test.sh makes has cbor2, for CloudWatch's protocol.
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python");
    let python = if std::path::Path::new(venv).exists() {
        venv
    } else {
        "python3"
    };
    let child = Command::new(python)
        .args([
            script,
            "--port",
            &port.to_string(),
            "--upstream",
            &moto.direct,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python runs the test layer");
    let own = OwnProxy {
        child,
        moto: Moto {
            proxy: format!("http://127.0.0.1:{port}"),
            direct: moto.direct.clone(),
        },
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the proxy did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    own
}

async fn proxy_json(moto: &Moto, method: &str, path: &str, body: &str) -> Value {
    let (status, text) = support::http(&moto.proxy, method, path, &[], body).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_progressive_load_fits_aws_bucket_and_steady_state_keeps_to_the_share() {
    let Some(moto) = support::moto() else { return };
    let cluster = support::cluster_with_services(&moto, 150).await;

    // AWS's service-read bucket, made small so the test is short: 20 at once, 10/s.
    let proxy = own_proxy(&moto).await;
    let rates = json!({"buckets": true, "latency_ms": 20, "rates": {"service_read": [20, 10]}});
    proxy_json(&proxy.moto, "POST", "/_proxy/limits", &rates.to_string()).await;
    let limits = ApiLimits::default().with(
        Category::ServiceRead,
        ApiRate {
            burst: 20,
            per_second: 10,
        },
    );
    let budget = Arc::new(Budget::new(limits, 25));
    let backend = support::backend(&proxy.moto, REGION)
        .await
        .with_budget(Arc::clone(&budget));

    // The load: 2 pages and 15 describes (17 calls) at the full rate.
    let query = ListQuery::Services {
        cluster: cluster.clone(),
    };
    let started = Instant::now();
    let (arns, first_page_after) = with_priority(Priority::Load, async {
        let first = backend.list_page(&query, None).await.expect("first page");
        let first_page_after = started.elapsed();
        let mut arns = first.arns;
        let mut token = first.next;
        while let Some(t) = token {
            let page = backend.list_page(&query, Some(t)).await.expect("a page");
            arns.extend(page.arns);
            token = page.next;
        }
        (arns, first_page_after)
    })
    .await;
    assert_eq!(arns.len(), 150);
    assert!(
        first_page_after < Duration::from_secs(2),
        "{first_page_after:?}"
    );
    let batches: Vec<Vec<String>> = arns.chunks(10).map(<[String]>::to_vec).collect();
    let described: Vec<usize> = futures::stream::iter(batches)
        .map(|b| {
            let backend = &backend;
            let cluster = &cluster;
            with_priority(Priority::Load, async move {
                backend
                    .describe_services(cluster, &b)
                    .await
                    .expect("described")
                    .len()
            })
        })
        .buffer_unordered(3)
        .collect()
        .await;
    assert_eq!(described.iter().sum::<usize>(), 150);
    let limits = proxy_json(&proxy.moto, "GET", "/_proxy/limits", "").await;
    assert_eq!(limits["throttled"]["service_read"], 0, "{limits}");
    assert_eq!(budget.rates(Category::ServiceRead).throttles, 0);

    // Steady state: describing as fast as the budget allows for 8 s keeps to 25% of
    // 10/s (plus the one second the share's bucket holds, and what the load left owing).
    let since = proxy_json(&proxy.moto, "GET", "/_proxy/timeline", "").await["now"]
        .as_f64()
        .expect("now");
    let steady_until = Instant::now() + Duration::from_secs(8);
    with_priority(Priority::Visible, async {
        while Instant::now() < steady_until {
            backend
                .describe_services(&cluster, &arns[..10])
                .await
                .expect("described");
        }
    })
    .await;
    let path = format!("/_proxy/timeline?target=DescribeServices&since={since}");
    let timeline = proxy_json(&proxy.moto, "GET", &path, "").await;
    let calls = timeline["requests"].as_array().expect("requests").len();
    assert!(
        calls <= 8 * 10 / 4 + 3,
        "{calls} calls in 8 s at a 2.5/s share"
    );
    assert!(
        calls >= 8 * 10 / 4 - 6,
        "the share is used, not starved: {calls}"
    );
    let limits = proxy_json(&proxy.moto, "GET", "/_proxy/limits", "").await;
    assert_eq!(limits["throttled"]["service_read"], 0, "{limits}");
}
