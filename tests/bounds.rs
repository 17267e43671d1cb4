//! Issue 10, bounded work: compiling input ×8 as large costs about ×8 as much, for the inputs
//! that were quadratic (one long range, a long UDP range, the same range in two files), and
//! overlapping ranges give one warning per pair of items, not one per port.
//!
//! Cost is the CPU time of the compiling thread (not wall time: the machine is shared), the
//! median of three runs, and the bound is a generous ratio, never a time limit: linear work
//! gives ×8 to ×12, the quadratic code these tests replaced gave ×40 to ×64.

use compose_cfn::diagnostic::Code;
use compose_cfn::load::{Environment, Input};
use compose_cfn::{Compilation, CompileOptions, compile};
use std::time::Duration;

/// The most a ×8 larger input may cost, as a multiple of the smaller one's cost.
const MAX_RATIO: f64 = 24.0;

/// CPU time used so far by the calling thread.
fn thread_cpu_time() -> Duration {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec to write into; the clock id is a constant of the platform.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

fn compile_files(files: &[String]) -> Compilation {
    let inputs = files
        .iter()
        .enumerate()
        .map(|(i, text)| Input { path: format!("docker-compose.{i}.yml"), bytes: text.clone().into_bytes() })
        .collect();
    let options = CompileOptions { fallback_app: "demo".into(), ..Default::default() };
    compile(inputs, &Environment::default(), &options)
}

/// Compiles `files`, which must compile without errors.
fn compile_clean(files: &[String]) {
    let c = compile_files(files);
    assert!(!c.diagnostics.has_errors(), "{:?}", c.diagnostics.iter().next());
}

/// The median CPU time of three runs of `work`, each on its own thread with the CLI's stack.
fn cost(work: impl Fn() + Sync) -> Duration {
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .stack_size(8 << 20)
                    .spawn_scoped(scope, || {
                        let start = thread_cpu_time();
                        work();
                        thread_cpu_time() - start
                    })
                    .expect("spawn")
                    .join()
                    .expect("the work does not panic")
            })
        })
        .collect();
    times.sort();
    times[1]
}

/// Compiles `make(n)` and `make(8 * n)` and checks the cost grew at most [`MAX_RATIO`] times.
fn assert_linear(what: &str, n: u32, make: impl Fn(u32) -> Vec<String>) {
    assert_linear_work(what, n, make, |files| compile_clean(files));
}

/// Runs `work` on `make(n)` and on `make(8 * n)` and checks the cost grew at most
/// [`MAX_RATIO`] times; making the input is not counted.
fn assert_linear_work<T: Sync>(what: &str, n: u32, make: impl Fn(u32) -> T, work: impl Fn(&T) + Sync) {
    let (small, large) = (make(n), make(8 * n));
    let (small, large) = (cost(|| work(&small)), cost(|| work(&large)));
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    eprintln!("{what}: n={n} {small:?}, 8n {large:?}, ratio {ratio:.1}");
    assert!(ratio < MAX_RATIO, "{what}: ×8 input cost ×{ratio:.1} ({small:?} → {large:?})");
}

fn service(ports: &str) -> String {
    format!("services:\n  web:\n    image: x\n    ports: [\"{ports}\"]\n")
}

#[test]
fn long_ranges_of_listeners_cost_linear_time() {
    // 30000-49998 (19,999 listeners) took 95 s: the validator compared listeners pairwise. One
    // Classic ELB takes at most 100 listeners now, so the listeners are ranges of 100, one a service.
    assert_linear("TCP ranges", 1_000, |n| {
        let services: String = (0..n / 100)
            .map(|i| format!("  web{i}:\n    image: x\n    ports: [\"30000-30099:30000-30099\"]\n"))
            .collect();
        vec![format!("services:\n{services}")]
    });
}

#[test]
fn one_long_udp_range_costs_linear_time() {
    // `1-65535/udp` took 2.9 s: each mapping was compared with every one kept so far.
    assert_linear("UDP range", 8_000, |n| vec![service(&format!("1-{n}/udp"))]);
}

#[test]
fn the_same_range_in_two_files_costs_linear_time() {
    // Split over two files, 11.5 s: the merge looked for each port in the earlier file's list.
    assert_linear("merged UDP range", 4_000, |n| vec![service(&format!("1-{n}/udp")); 2]);
}

#[test]
fn overlapping_ranges_give_one_warning_per_pair_of_items() {
    let text = "services:\n  web:\n    image: x\n    ports: [\"1000-1999:1000-1999\", \"1500-2499:1500-2499\", \"8000-8009:3000-3009\", \"8005:80\"]\n  a:\n    image: x\n    ports: [\"5000-5999:5000-5999/udp\"]\n  b:\n    image: x\n    ports: [\"5500-6499:5500-6499/udp\"]\n";
    let c = compile_files(&[text.to_string()]);
    let of = |code: Code| c.diagnostics.iter().filter(|d| d.code == code).collect::<Vec<_>>();
    let repeats = of(Code::DuplicatePort);
    let messages: Vec<&str> = repeats.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "ports 1500-1999 (500 in all) are mapped twice",
            "balancer port 8005 is mapped twice, to container ports 3005 and 80",
        ]
    );
    assert!(!repeats[0].is_error() && repeats[1].is_error());
    let shared = of(Code::HostPortConflict);
    assert_eq!(shared.len(), 1, "{shared:#?}");
    assert_eq!(
        shared[0].message,
        "host ports 5500-5999/udp (500 in all) are bound by `a` and `b`: ECS never places their tasks on the same instance"
    );
}

#[test]
fn overlapping_ranges_with_different_targets_are_one_error() {
    let text = service("1000-1049:3000-3049\", \"1000-1049:5000-5049");
    let c = compile_files(&[text]);
    let errors: Vec<&str> = c.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.as_str()).collect();
    assert_eq!(errors, ["balancer ports 1000-1049 (50 in all) are mapped twice, to different container ports"]);
}

#[test]
fn messages_stay_short_however_many_ports_a_service_maps() {
    // 100 labels naming unmapped ports of a service with 10,000 listeners: each error listed
    // every balancer port (2,000 such labels printed 140 MB). Scattered ports are listed as at
    // most eight runs.
    let mut text = String::from("services:\n  web:\n    image: x\n    ports: [\"30000-39999:30000-39999\"");
    text.extend((0..20).map(|i| format!(", \"{}:3000\"", 1000 + 2 * i)));
    text.push_str("]\n    labels:\n");
    text.extend((0..100).map(|i| format!("      convox.port.{}.protocol: tcp\n", 2000 + i)));
    let c = compile_files(&[text]);
    // Besides the one error that the balancer has too many listeners.
    let unmapped = c.diagnostics.iter().filter(|d| d.code == Code::UnmappedPort);
    let helps: Vec<&str> = unmapped.filter_map(|d| d.help.as_deref()).collect();
    assert_eq!(helps.len(), 100, "{:?}", helps.first());
    assert_eq!(
        helps[0],
        "the service's balancer ports are 1000, 1002, 1004, 1006, 1008, 1010, 1012, 1014, … (13 more ranges); map port 2000 or fix the label"
    );
    let rendered = compose_cfn::diagnostic::render_human(&c.diagnostics, &c.sources, false);
    assert!(rendered.len() < 100 * 1024, "{} bytes for 100 errors", rendered.len());
}

#[test]
fn a_wrong_link_in_each_of_many_services_is_not_searched_or_listed_in_full() {
    // 5,000 services with a wrong link each took 22 s (an edit distance to every service per
    // link) and listed all 5,000 names in every error. Past 256 services there is no
    // did-you-mean, and the help names eight services.
    let services = 300;
    let text: String = std::iter::once("services:\n".to_string())
        .chain((0..services).map(|i| format!("  svc{i:03}:\n    image: x\n    links: [\"svc{i:03}x\"]\n")))
        .collect();
    let c = compile_files(&[text]);
    let helps: Vec<&str> =
        c.diagnostics.iter().filter(|d| d.code == Code::UnknownLink).filter_map(|d| d.help.as_deref()).collect();
    // The help is the same for every service, so it is given once per run.
    assert_eq!(helps.len(), 1);
    assert_eq!(c.diagnostics.iter().filter(|d| d.code == Code::UnknownLink).count(), services);
    assert_eq!(
        helps[0],
        "the services are svc000, svc001, svc002, svc003, svc004, svc005, svc006, svc007, … (292 more)"
    );
    // A small project still gets a suggestion.
    let small = "services:\n  web:\n    image: x\n    links: [\"dbb\"]\n  db:\n    image: x\n";
    let c = compile_files(&[small.to_string()]);
    let help = c.diagnostics.iter().find(|d| d.code == Code::UnknownLink).and_then(|d| d.help.clone());
    assert_eq!(help.as_deref(), Some("did you mean `db`?"));
}

/// A template of `n` ELBv2 balancers, each of its own service, with a listener and a target
/// group each.
fn v2_template(n: u32) -> String {
    let resources: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#""Balancer{i}": {{"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {{"Tags": [{{"Key": "Service", "Value": "s{i}"}}]}}}},
"Listener{i}": {{"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {{"LoadBalancerArn": {{"Ref": "Balancer{i}"}}, "Port": 80, "Protocol": "HTTP", "DefaultActions": [{{"Type": "forward", "TargetGroupArn": {{"Ref": "Group{i}"}}}}]}}}},
"Group{i}": {{"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {{"Port": 3000, "Protocol": "HTTP"}}}}"#
            )
        })
        .collect();
    format!("{{\"Resources\": {{{}}}}}", resources.join(",\n"))
}

#[test]
fn reading_back_many_v2_balancers_costs_linear_time() {
    // `diff` of a template with 10,000 balancers and listeners took 90 s: each service's view
    // scanned every resource for its listeners.
    assert_linear_work("v2 balancers read back", 400, v2_template, |text| {
        let view = compose_cfn::review::StackView::parse(text).expect("a template");
        assert_eq!(view.balancers.len(), text.matches("V2::LoadBalancer\"").count());
    });
}

#[test]
fn many_resets_in_a_later_file_cost_linear_time() {
    // 20,000 `!reset` services took 36 s: each rebuilt the index of the services before it.
    assert_linear("reset services", 1_000, |n| {
        let base: String = (0..n).map(|i| format!("  s{i}:\n    image: x\n")).collect();
        let resets: String = (0..n).map(|i| format!("  s{i}: !reset\n")).collect();
        vec![format!("services:\n  web:\n    image: x\n{base}"), format!("services:\n{resets}")]
    });
}

/// `n` top-level secrets, `external: true`, with `uses` of them used by the one service.
fn secrets_file(n: u32, uses: u32) -> String {
    let defs: String = (0..n).map(|i| format!("  k{i}:\n    external: true\n")).collect();
    let used: String = (0..uses).map(|i| format!("      - k{i}\n")).collect();
    let list = if uses == 0 { String::new() } else { format!("    secrets:\n{used}") };
    format!("secrets:\n{defs}services:\n  web:\n    image: x\n{list}")
}

#[test]
fn the_same_secrets_in_two_files_cost_linear_time() {
    // Two files of 40,000 secrets took 6 s: each secret of the earlier file was looked for
    // in the later one by a scan.
    assert_linear("merged secrets", 6_000, |n| vec![secrets_file(n, 0); 2]);
}

#[test]
fn a_service_using_many_secrets_costs_linear_time() {
    // 40,000 secrets took 10.6 s: each use scanned the definitions and the variables so far.
    assert_linear("used secrets", 4_000, |n| vec![secrets_file(n, n)]);
}

#[test]
fn a_service_mounting_many_volumes_costs_linear_time() {
    // 40,000 volumes took 5.9 s: each was compared with every path mounted before it.
    assert_linear("volumes", 4_000, |n| {
        let volumes: String = (0..n).map(|i| format!("      - v{i}:/data/{i}\n")).collect();
        vec![format!("services:\n  web:\n    image: x\n    volumes:\n{volumes}")]
    });
}

/// One line of JSON (a compose file may be JSON) holding `n` services, each with a key that
/// draws a warning: `n` findings on one line `n` services long.
fn one_line_of_services(n: u32) -> Vec<String> {
    let services: Vec<String> =
        (0..n).map(|i| format!("\"s{i}\": {{\"image\": \"x\", \"x_key_{}\": 1}}", i % 3)).collect();
    vec![format!("{{\"services\": {{{}}}}}\n", services.join(", "))]
}

#[test]
fn many_findings_on_one_long_line_cost_linear_time_to_show() {
    // The renderer was handed the whole line for each finding: 4,000 findings on a 203 kB
    // line took 12 s, a minified JSON file of 1.6 MB almost five minutes.
    assert_linear_work("findings on one long line", 150, one_line_of_services, |files| {
        let c = compile_files(files);
        let shown = compose_cfn::diagnostic::render_human(&c.diagnostics, &c.sources, false);
        assert!(shown.matches("untranslated-key").count() >= 150, "every finding is shown");
    });
}
