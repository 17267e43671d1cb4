//! Per-stage timings of `compile` on a generated manifest: load, interpret, freeing the compose
//! model, the name check, lowering and writing, each the fastest of several runs, as `compile`
//! runs them. A tool for finding which stage grows faster than the app (the divan benches time
//! the whole compile); not a benchmark to quote on its own.
//!
//! `cargo run --release --example stages -- SERVICES RUNS`, e.g. `-- 10000 8` and `-- 1000 40`.
//! With `FLUSH=1`, each run starts after writing 128 MiB elsewhere, so that it finds nothing
//! of the previous run in the cache (as a compile in a fresh process would not).

#[path = "../benches/support/manifest.rs"]
mod manifest;

use compose_cfn::interpret;
use compose_cfn::load::{self, Environment, Input};
use compose_cfn::lower::{self, Target};
use compose_cfn::source::Sources;
use std::time::Instant;

/// The CLI's allocator (`src/main.rs`), so that the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const STAGES: [&str; 6] = ["load", "interpret", "free compose model", "name check", "lower", "write"];

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let (Some(Ok(services)), Some(Ok(runs))) = (args.next(), args.next()) else {
        eprintln!("usage: stages SERVICES RUNS");
        std::process::exit(2);
    };
    let text = manifest::manifest(services);
    let env = Environment::default();
    let options = interpret::Options {
        app: "bench".into(),
        profiles: Vec::new(),
        certificates: Vec::new(),
        target: Target::Classic,
    };
    let mut flush = std::env::var_os("FLUSH").map(|_| vec![0u8; 128 << 20]);
    let mut best = [f64::MAX; STAGES.len()];
    for run in 0..runs.max(1) {
        if let Some(buffer) = &mut flush {
            buffer.iter_mut().step_by(64).for_each(|b| *b = b.wrapping_add(run as u8));
            std::hint::black_box(&buffer);
        }
        let inputs = vec![Input { path: "docker-compose.yml".into(), bytes: text.clone().into_bytes() }];
        let mut times = [0f64; STAGES.len()];
        let mut clock = Instant::now();
        let mut lap = |stage: usize| {
            times[stage] = clock.elapsed().as_secs_f64();
            clock = Instant::now();
        };
        let mut sources = Sources::new();
        let (project, _) = load::load_project_in(&mut sources, inputs, &env, None);
        lap(0);
        let (plan, _) = interpret::interpret(&project, &options);
        lap(1);
        drop(project);
        lap(2);
        assert!(lower::names::check(&plan, Target::Classic).is_empty(), "the generated names are valid");
        lap(3);
        let lowered = lower::lower(&plan, Target::Classic).expect("the generated manifest lowers");
        lap(4);
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::sink());
        lowered.template.write_to(&mut out).expect("a sink takes anything");
        drop(out);
        lap(5);
        for (best, time) in best.iter_mut().zip(times) {
            *best = best.min(time);
        }
    }
    for (stage, time) in STAGES.iter().zip(best) {
        println!("{stage:>18} {:9.3} ms", time * 1e3);
    }
    println!("{:>18} {:9.3} ms", "sum", best.iter().sum::<f64>() * 1e3);
}
