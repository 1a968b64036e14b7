//! The words the demo's services log with: routes, business events, downstream calls,
//! user agents, stack traces. Per service where it makes the demo read true, generic
//! otherwise.

use fastrand::Rng;

use super::super::ids::hex;
pub(super) use super::super::ids::uuid;
use super::streams::StreamCtx;

pub(super) struct Request {
    pub method: &'static str,
    pub path: String,
    pub status: u16,
    pub bytes: u32,
    pub latency_ms: u32,
}

/// `(method, path)` templates: `{n}` becomes a number, `{sku}` a SKU, `{id}` a hex id.
fn routes(app: &str) -> &'static [(&'static str, &'static str)] {
    match app {
        "api-gateway" => &[
            ("GET", "/api/products/{n}"),
            ("GET", "/api/cart/{n}"),
            ("POST", "/api/cart/{n}/items"),
            ("POST", "/api/checkout"),
            ("GET", "/api/search?q={word}"),
            ("GET", "/api/users/me"),
            ("POST", "/api/auth/token"),
            ("GET", "/api/recommendations?user={n}"),
        ],
        "checkout" => &[
            ("POST", "/api/checkout"),
            ("GET", "/api/checkout/{id}/status"),
            ("POST", "/api/checkout/{id}/confirm"),
            ("GET", "/actuator/health"),
        ],
        "payments" => &[
            ("POST", "/v1/payments"),
            ("POST", "/v1/payments/{id}/capture"),
            ("GET", "/v1/payments/{id}"),
            ("POST", "/v1/refunds"),
        ],
        "orders" => &[
            ("GET", "/orders/{n}"),
            ("POST", "/orders"),
            ("GET", "/orders?customer={n}&page=1"),
        ],
        "inventory" => &[
            ("GET", "/stock/{sku}"),
            ("POST", "/reservations"),
            ("DELETE", "/reservations/{id}"),
        ],
        "cart" => &[
            ("GET", "/cart/{n}"),
            ("PUT", "/cart/{n}/items/{sku}"),
            ("DELETE", "/cart/{n}/items/{sku}"),
        ],
        "auth" => &[
            ("POST", "/oauth2/token"),
            ("GET", "/.well-known/jwks.json"),
            ("POST", "/oauth2/introspect"),
        ],
        "web-frontend" => &[
            ("GET", "/"),
            ("GET", "/p/{sku}"),
            ("GET", "/cart"),
            ("GET", "/_next/data/build-{id}/index.json"),
        ],
        "graphql-bff" => &[("POST", "/graphql")],
        "recommendations" => &[
            ("GET", "/recommendations/{n}?limit=10"),
            ("GET", "/similar/{sku}"),
        ],
        "event-ingest" => &[("POST", "/v1/events"), ("POST", "/v1/events/batch")],
        "feature-flags" => &[("GET", "/flags?env=prod"), ("GET", "/flags/{word}")],
        "geo-lookup" => &[("GET", "/geo/{ip}")],
        "rate-limiter" => &[("POST", "/check"), ("GET", "/buckets/{id}")],
        _ => &[
            ("GET", "/api/{app}/{n}"),
            ("POST", "/api/{app}"),
            ("GET", "/health"),
        ],
    }
}

const WORDS: [&str; 10] = [
    "trainers",
    "kettle",
    "usb-c",
    "raincoat",
    "espresso",
    "lamp",
    "backpack",
    "socks",
    "desk",
    "headphones",
];

fn fill(template: &str, app: &str, rng: &mut Rng) -> String {
    let mut out = template.replace("{app}", app);
    if out.contains("{n}") {
        out = out.replace("{n}", &rng.u32(1000..999_999).to_string());
    }
    if out.contains("{sku}") {
        out = out.replace("{sku}", &format!("SKU-{:06}", rng.u32(..1_000_000)));
    }
    if out.contains("{id}") {
        out = out.replace("{id}", &hex(rng, 12));
    }
    if out.contains("{word}") {
        out = out.replace("{word}", WORDS[rng.usize(..WORDS.len())]);
    }
    if out.contains("{ip}") {
        out = out.replace(
            "{ip}",
            &format!(
                "{}.{}.{}.{}",
                rng.u8(1..224),
                rng.u8(..),
                rng.u8(..),
                rng.u8(1..255)
            ),
        );
    }
    out
}

pub(super) fn request(app: &str, rng: &mut Rng) -> Request {
    let routes = routes(app);
    let (method, template) = routes[rng.usize(..routes.len())];
    let status = match rng.u32(..1000) {
        0..4 => 503,
        4..10 => 500,
        10..40 => 404,
        40..55 => 401,
        55..70 => 400,
        70..90 if method == "POST" => 201,
        90..100 if method == "DELETE" => 204,
        _ => 200,
    };
    // Mostly fast, with a long tail.
    let latency_ms = match rng.u32(..100) {
        0..80 => rng.u32(2..60),
        80..97 => rng.u32(60..400),
        _ => rng.u32(400..5000),
    };
    Request {
        method,
        path: fill(template, app, rng),
        status,
        bytes: if status == 204 {
            0
        } else {
            rng.u32(80..24_000)
        },
        latency_ms,
    }
}

pub(super) fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Service Unavailable",
    }
}

/// An address inside the task's VPC: the load balancer's nodes or a peer service.
pub(super) fn client_ip(ctx: &StreamCtx, rng: &mut Rng) -> String {
    let net = ctx.ip.split('.').nth(1).unwrap_or("0");
    format!("10.{net}.{}.{}", rng.u8(..96), rng.u8(4..251))
}

pub(super) fn upstream_ip(ctx: &StreamCtx, rng: &mut Rng) -> String {
    client_ip(ctx, rng)
}

pub(super) fn user_agent(rng: &mut Rng) -> &'static str {
    const AGENTS: [&str; 6] = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "okhttp/4.12.0",
        "shop-app/5.3.1 (Android 14; Pixel 8)",
        "ELB-HealthChecker/2.0",
    ];
    // Scanners probe for terminals that obey escape sequences in logs: the reason a log
    // viewer must sanitize what it prints.
    if rng.u32(..1500) == 0 {
        return "\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[31mscanner/1.0";
    }
    AGENTS[rng.usize(..AGENTS.len())]
}

/// What EC2 calls a private address's host.
pub(super) fn hostname(ip: &str) -> String {
    format!("ip-{}.eu-west-1.compute.internal", ip.replace('.', "-"))
}

pub(super) fn java_package(app: &str) -> String {
    format!("c.e.{}", app.replace('-', ""))
}

pub(super) fn full_package(app: &str) -> String {
    format!("com.example.{}", app.replace('-', ""))
}

/// The service this one calls and most often blames.
pub(super) fn downstream(app: &str) -> &'static str {
    match app {
        "checkout" => "payments.prod.internal:8080",
        "payments" => "fraud-scoring.prod.internal:8080",
        "orders" => "inventory.prod.internal:8080",
        "web-frontend" | "graphql-bff" => "api-gateway.prod.internal:8080",
        "search-api" => "search.eu-west-1.es.amazonaws.com",
        _ => "user-profile.prod.internal:8080",
    }
}

fn money(rng: &mut Rng) -> String {
    format!("{}.{:02}", rng.u32(5..400), rng.u32(..100))
}

/// `(logger, message)` of an INFO line saying what the service just did.
pub(super) fn business_event(app: &str, rng: &mut Rng) -> (&'static str, String) {
    let order = format!("ORD-{}", rng.u32(10_000_000..99_999_999));
    match app {
        "checkout" => (
            "web.CheckoutController",
            format!(
                "order placed order_id={order} items={} total={} EUR latency_ms={}",
                rng.u32(1..8),
                money(rng),
                rng.u32(15..400)
            ),
        ),
        "payments" => (
            "service.PaymentService",
            format!(
                "payment authorized payment_id=pay_{} amount={} currency=EUR psp=adyen",
                hex(rng, 16),
                money(rng)
            ),
        ),
        "orders" => (
            "service.OrderService",
            format!(
                "order {order} moved to {}",
                ["PAID", "PACKED", "SHIPPED"][rng.usize(..3)]
            ),
        ),
        "inventory" => (
            "service.StockService",
            format!(
                "reserved {} x SKU-{:06} for {order}",
                rng.u32(1..4),
                rng.u32(..1_000_000)
            ),
        ),
        "pricing" => (
            "service.PriceService",
            format!("price list refreshed for {} SKUs", rng.u32(100..5000)),
        ),
        "fraud-scoring" => (
            "model.Scorer",
            format!("scored {order} risk={:.3} decision=ACCEPT", rng.f64() * 0.4),
        ),
        "pdf-renderer" => (
            "render.InvoiceRenderer",
            format!(
                "rendered invoice INV-{}-{:06} pages={} in {} ms",
                2026,
                rng.u32(..1_000_000),
                rng.u32(1..40),
                rng.u32(80..4000)
            ),
        ),
        "kafka-connect" => (
            "connect.WorkerSinkTask",
            format!(
                "WorkerSinkTask{{id=s3-sink-{}}} Committing offsets asynchronously using sequence number {}",
                rng.u32(..4),
                rng.u32(1000..90_000)
            ),
        ),
        _ => (
            "web.RequestLogger",
            format!(
                "handled request in {} ms request_id={}",
                rng.u32(2..300),
                uuid(rng)
            ),
        ),
    }
}

/// An INFO line of a queue worker.
pub(super) fn worker_event(app: &str, rng: &mut Rng) -> String {
    match app {
        "search-indexer" => format!(
            "indexed batch of {} documents into products-v12 in {} ms",
            rng.u32(50..500),
            rng.u32(40..900)
        ),
        "notifications" => format!(
            "sent {} notification to user {} template={}",
            ["push", "email", "sms"][rng.usize(..3)],
            rng.u32(1000..999_999),
            ["order_shipped", "order_confirmed", "password_reset"][rng.usize(..3)]
        ),
        "image-resizer" => format!(
            "resized s3://media-uploads/{}.jpg to [128, 512, 1024] in {} ms",
            hex(rng, 16),
            rng.u32(40..1500)
        ),
        "webhooks-dispatcher" => format!(
            "delivered webhook evt_{} to https://hooks.partner-{}.example/ecs status=200",
            hex(rng, 12),
            rng.u32(1..40)
        ),
        "audit-log-shipper" => format!(
            "shipped {} audit records to s3://audit-archive/batch-{}.json.gz",
            rng.u32(10..2000),
            hex(rng, 10)
        ),
        "clickstream-consumer" => format!(
            "consumed batch partition={} offset={} records={}",
            rng.u32(..24),
            rng.u64(1_000_000..90_000_000),
            rng.u32(100..5000)
        ),
        "orders-cdc" => format!(
            "captured change table=orders op={} lsn=0/{}",
            ["INSERT", "UPDATE"][rng.usize(..2)],
            hex(rng, 8).to_uppercase()
        ),
        "warehouse-loader" => format!(
            "COPY analytics.events FROM s3://events-staging/{} rows={}",
            hex(rng, 8),
            rng.u32(1000..500_000)
        ),
        "metrics-aggregator" => format!("flushed 1m rollups series={}", rng.u32(500..20_000)),
        "email-renderer" => format!(
            "rendered template=order_confirmation locale={} in {} ms",
            ["de_DE", "en_GB", "fr_FR", "nl_NL"][rng.usize(..4)],
            rng.u32(5..200)
        ),
        "batch-report" => format!(
            "processed chunk {} of the daily sales report ({} rows)",
            rng.u32(1..200),
            rng.u32(1000..50_000)
        ),
        _ => format!(
            "processed message id={} in {} ms",
            uuid(rng),
            rng.u32(3..800)
        ),
    }
}

/// A Java exception with its frames, as one event (tabs and all).
pub(super) fn java_trace(app: &str, rng: &mut Rng) -> String {
    let pkg = full_package(app);
    let line = |rng: &mut Rng| rng.u32(30..400);
    let (exception, cause) = match rng.u32(..3) {
        0 => (
            format!(
                "org.springframework.web.client.ResourceAccessException: I/O error on POST request for \"http://{}/\": Read timed out",
                downstream(app)
            ),
            "java.net.SocketTimeoutException: Read timed out\n\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)\n\tat java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:304)",
        ),
        1 => (
            "org.springframework.dao.DataAccessResourceFailureException: unable to obtain isolated JDBC connection".to_string(),
            "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.\n\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)",
        ),
        _ => (
            "java.lang.NullPointerException: Cannot invoke \"java.math.BigDecimal.add(java.math.BigDecimal)\" because \"discount\" is null".to_string(),
            "",
        ),
    };
    let mut out = format!(
        "{exception}\n\tat {pkg}.service.{}Service.process({}Service.java:{})\n\tat {pkg}.web.{}Controller.handle({}Controller.java:{})\n\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)\n\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)\n\tat org.apache.tomcat.util.threads.TaskThread$WrappingRunnable.run(TaskThread.java:61)\n\tat java.base/java.lang.Thread.run(Thread.java:1583)",
        camel(app),
        camel(app),
        line(rng),
        camel(app),
        camel(app),
        line(rng)
    );
    if !cause.is_empty() {
        out.push_str(&format!(
            "\nCaused by: {cause}\n\t... {} common frames omitted",
            rng.u32(40..120)
        ));
    }
    out
}

pub(super) fn camel(app: &str) -> String {
    app.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A Python traceback, as one event.
pub(super) fn python_trace(app: &str, rng: &mut Rng) -> String {
    let module = app.replace('-', "_");
    let (frame, error) = match rng.u32(..3) {
        0 => (
            "    payload = json.loads(message.body)\n  File \"/usr/local/lib/python3.12/json/__init__.py\", line 346, in loads\n    return _default_decoder.decode(s)",
            "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
        ),
        1 => (
            "    response = client.put_object(Bucket=bucket, Key=key, Body=body)\n  File \"/usr/local/lib/python3.12/site-packages/botocore/client.py\", line 1023, in _make_api_call\n    raise error_class(parsed_response, operation_name)",
            "botocore.exceptions.ClientError: An error occurred (SlowDown) when calling the PutObject operation (reached max retries: 4): Please reduce your request rate.",
        ),
        _ => ("    return row[\"customer_id\"]", "KeyError: 'customer_id'"),
    };
    format!(
        "Traceback (most recent call last):\n  File \"/app/{module}/worker.py\", line {}, in handle\n    result = self.process(message)\n  File \"/app/{module}/tasks.py\", line {}, in process\n{frame}\n{error}",
        rng.u32(40..200),
        rng.u32(10..120)
    )
}
