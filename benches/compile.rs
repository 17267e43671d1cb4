//! Compile time per manifest size, next to the "parse floor": the time to parse the same YAML
//! into a generic value and do nothing else. Run: `cargo bench --bench compile`.
//!
//! Three floors are measured, and the README names which one a ratio is against:
//! - `parse_floor_generic`: serde-saphyr (the YAML parser `compile` uses) into a
//!   `serde_json::Value`: the cheapest generic tree that parser builds, no positions kept;
//! - `parse_spanned_tree`: `load::node::parse`, the first step of `compile` itself, which keeps
//!   a span on every value and checks duplicate keys;
//! - `output_floor`: the generic parse above plus serializing the finished (typed) template to
//!   pretty JSON: reading the input and writing the output, which any compile must do.
//!
//! `compile_manifest` is `compile` plus writing its template, as the CLI does; both it and
//! `output_floor` write the JSON through the same 64 KiB buffer into `io::sink()`.
//!
//! Each benchmark generates its manifest once, outside the timed loop, with the same
//! generator as `examples/gen-manifest.rs`.

#[path = "support/manifest.rs"]
mod manifest;

use compose_cfn::load::node::{self, ParseLimits};
use compose_cfn::load::{Environment, Input};
use compose_cfn::lower::{self, Target};
use compose_cfn::source::Sources;
use compose_cfn::{CompileOptions, compile};
use divan::Bencher;

/// The allocator the CLI runs with (`src/main.rs`), so that the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// Fewer samples for the big sizes keeps a full run near a minute on a 2-core machine.
const SAMPLES: u32 = 20;

#[divan::bench(args = manifest::SIZES, sample_count = SAMPLES)]
fn compile_manifest(bencher: Bencher, services: usize) {
    let text = manifest::manifest(services);
    let env = Environment::default();
    let options = CompileOptions { fallback_app: "bench".into(), ..Default::default() };
    // The input's bytes are copied outside the timed part: `compile` takes them by value.
    bencher
        .with_inputs(|| vec![Input { path: "docker-compose.yml".into(), bytes: text.clone().into_bytes() }])
        .bench_local_values(|inputs| {
            let c = compile(inputs, &env, &options);
            assert!(c.write_template(sink()).expect("a sink takes anything"), "the generated manifest compiles");
            c
        });
}

#[divan::bench(args = manifest::SIZES, sample_count = SAMPLES)]
fn parse_floor_generic(bencher: Bencher, services: usize) {
    let text = manifest::manifest(services);
    bencher.bench_local(|| serde_saphyr::from_str::<serde_json::Value>(&text).expect("valid YAML"));
}

#[divan::bench(args = manifest::SIZES, sample_count = SAMPLES)]
fn parse_spanned_tree(bencher: Bencher, services: usize) {
    let mut sources = Sources::new();
    let id = sources.add("docker-compose.yml", manifest::manifest(services));
    bencher.bench_local(|| node::parse(sources.get(id), id, ParseLimits::default()).expect("valid YAML"));
}

#[divan::bench(args = manifest::SIZES, sample_count = SAMPLES)]
fn output_floor(bencher: Bencher, services: usize) {
    let text = manifest::manifest(services);
    let input = vec![Input { path: "docker-compose.yml".into(), bytes: text.clone().into_bytes() }];
    let options = CompileOptions { fallback_app: "bench".into(), ..Default::default() };
    let plan = compile(input, &Environment::default(), &options).plan.expect("the generated manifest interprets");
    let template = lower::lower(&plan, Target::Classic).expect("the generated manifest lowers").template;
    bencher.bench_local(|| {
        let tree = serde_saphyr::from_str::<serde_json::Value>(&text).expect("valid YAML");
        template.write_to(sink()).expect("a sink takes anything");
        tree
    });
}

/// Where both `compile_manifest` and `output_floor` write the template: through the 64 KiB
/// buffer the CLI uses for a file or stdout, into nothing, so that the same writing is timed.
fn sink() -> std::io::BufWriter<std::io::Sink> {
    std::io::BufWriter::with_capacity(64 * 1024, std::io::sink())
}
