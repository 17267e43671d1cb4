//! Peak heap memory of `compile` per manifest size, measured by a counting global allocator.
//! Run: `cargo bench --bench peak_memory`. Prints one line per size: the input's size, the
//! peak bytes live during `compile` and the writing of its template (as the CLI writes it)
//! above what was live before, that peak per input byte, the template's size, and the peak
//! per template byte (the target of issue 11: at most 2).

#[path = "support/manifest.rs"]
mod manifest;

use compose_cfn::load::{Environment, Input};
use compose_cfn::{CompileOptions, compile};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting bytes live and the most ever live.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters nothing here.
    let env = Environment::default();
    let options = CompileOptions { fallback_app: "bench".into(), ..Default::default() };
    println!(
        "{:>8} {:>12} {:>14} {:>10} {:>14} {:>12}",
        "services", "input bytes", "peak bytes", "per byte", "template bytes", "peak/template"
    );
    for services in manifest::SIZES {
        let text = manifest::manifest(services);
        let len = text.len();
        let input = Input { path: "docker-compose.yml".into(), bytes: text.into_bytes() };
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let c = compile(vec![input], &env, &options);
        // Written as the CLI writes it: through a 64 KiB buffer, here into nothing.
        let sink = std::io::BufWriter::with_capacity(64 * 1024, std::io::sink());
        assert!(c.write_template(sink).expect("a sink takes anything"), "the generated manifest compiles");
        let peak = PEAK.load(Ordering::Relaxed) - before;
        let mut template_bytes = 0;
        if let Some(t) = &c.template {
            template_bytes = t.len_up_to(usize::MAX);
        }
        drop(c);
        println!(
            "{services:>8} {len:>12} {peak:>14} {:>10.1} {template_bytes:>14} {:>12.2}",
            peak as f64 / len as f64,
            peak as f64 / template_bytes as f64
        );
    }
}
