//! Prints a generated compose manifest of N services (default 1000) to stdout, for
//! `scripts/bench-peers` and for trying the compiler on large inputs by hand:
//! `cargo run --release --example gen-manifest -- 1000 > /tmp/big.yml`.

#[path = "../benches/support/manifest.rs"]
mod manifest;

use std::io::Write;

fn main() {
    let services = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => 1000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("usage: gen-manifest [SERVICES]: {e}");
            std::process::exit(2);
        }
    };
    std::io::stdout().write_all(manifest::manifest(services).as_bytes()).expect("write to stdout");
}
