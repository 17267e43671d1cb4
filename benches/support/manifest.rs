//! A generator of realistic compose manifests of any size, shared by the benchmarks, the
//! robustness tests and `examples/gen-manifest.rs` (which `scripts/bench-peers` runs).
//!
//! It lives under `benches/support/` and is included with `#[path]` rather than being a
//! library module, so the shipped library carries no test-only code and no feature flag
//! hides the benchmarks from `cargo build --all-targets`.
//!
//! Services cycle through four kinds seen in real Convox apps, each with 2–4 port mappings and
//! the labels such a service carries:
//! - `web`: 80 and 443 (https, health path and timeouts), plus a UDP statsd port;
//! - `api`: 8443 (tls, re-encrypted to the container) and 9090 (PROXY protocol), plus statsd;
//! - `worker`: host ports but `convox.balancer=false` (no balancer), plus statsd;
//! - `queue`: two internal ports (an internal balancer) and statsd.
//!
//! That is 1.5 listeners per service on average: the derived instance ports share the
//! 20,000-port range 10000–29999, so 10,000 services of 3 TCP listeners each could not compile.

#![allow(dead_code)]

use std::fmt::Write;

/// The sizes the issue asks to measure.
pub const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// The kind of the `i`th service: 0 web, 1 api, 2 worker, 3 queue.
fn kind(i: usize) -> usize {
    i % 4
}

/// A compose file (Compose-spec layout, `services:` at the top) with `services` services.
pub fn manifest(services: usize) -> String {
    let mut out = String::with_capacity(services * 420 + 64);
    out.push_str("name: bench\nservices:\n");
    for i in 0..services {
        service(&mut out, i);
    }
    out
}

/// The same services in reverse order, for determinism tests (order must not matter).
pub fn manifest_reversed(services: usize) -> String {
    let mut out = String::from("name: bench\nservices:\n");
    for i in (0..services).rev() {
        service(&mut out, i);
    }
    out
}

/// The TCP listeners `services` services produce: what a correct compile must contain.
pub fn expected_listeners(services: usize) -> usize {
    (0..services).map(|i| [2, 2, 0, 2][kind(i)]).sum()
}

fn service(out: &mut String, i: usize) {
    let team = ["payments", "search", "identity", "growth", "platform"][i % 5];
    // (kind, labels as written under `labels:`, items as written under `ports:`)
    let (kind, labels, ports): (&str, Vec<String>, &[&str]) = match kind(i) {
        0 => (
            "web",
            vec![
                "- convox.port.443.protocol=https".into(),
                "- convox.health.path=/health".into(),
                "- convox.health.timeout=5".into(),
                "- convox.idle.timeout=120".into(),
                format!("- com.example.team={team}"),
            ],
            &["- 80:3000", "- 443:3000", "- 8125:8125/udp"],
        ),
        1 => (
            "api",
            vec![
                "convox.port.8443.protocol: tls".into(),
                "convox.port.8443.secure: \"true\"".into(),
                "convox.port.9090.proxy: \"true\"".into(),
                "convox.draining.timeout: \"30\"".into(),
                format!("com.example.team: {team}"),
            ],
            &["- \"8443:8000\"", "- target: 9000\n        published: 9090", "- 8125:8125/udp"],
        ),
        2 => (
            "worker",
            vec![
                "- convox.balancer=false".into(),
                "- convox.start.shift=1".into(),
                format!("- com.example.team={team}"),
            ],
            &["- 5000:5000", "- 5001:5001", "- 8125:8125/udp"],
        ),
        _ => (
            "queue",
            vec![
                "- convox.port.5672.protocol=tcp".into(),
                "- convox.health.port=5672".into(),
                format!("- com.example.team={team}"),
            ],
            &["- \"5672\"", "- \"15672\"", "- 8125:8125/udp", "- 8126:8126/udp"],
        ),
    };
    let version = i % 4 + 1;
    write!(out, "  {kind}-{i}:\n    image: registry.example.com/{team}/{kind}:{version}.{i}\n    labels:\n")
        .expect("writing to a String");
    for line in labels.iter().map(String::as_str).chain(["ports:"]).chain(ports.iter().copied()) {
        let indent = if line == "ports:" { "    " } else { "      " };
        writeln!(out, "{indent}{line}").expect("writing to a String");
    }
}
