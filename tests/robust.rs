//! Limits that must hold under hostile input (issue 6): each test builds the input, runs
//! `compile` (or the reader), and checks the diagnostic code and that the call returned.
//! No test asserts on time: a limit that stopped holding shows up as a hang (the test never
//! finishes), an abort (stack overflow), or a wrong or missing diagnostic.

#[path = "../benches/support/manifest.rs"]
mod manifest;

use compose_cfn::load::interpolate::{self, InterpolationError};
use compose_cfn::load::{self, Environment, Input, MAX_FILE_BYTES, compose::MAX_LABEL_VALUE_BYTES};
use compose_cfn::{Compilation, CompileOptions, compile};
use serde_json::Value;

/// Compiles on a thread with the 8 MiB stack the CLI's main thread has. Test threads get
/// 2 MiB, and an unoptimised build spends about 40 KiB of stack per YAML nesting level in
/// serde-saphyr, so the 64 levels the parser allows would overflow there (a release build
/// needs under 512 KiB for them).
fn compile_bytes(bytes: Vec<u8>) -> Compilation {
    let input = Input { path: "docker-compose.yml".into(), bytes };
    let options = CompileOptions { fallback_app: "demo".into(), ..Default::default() };
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn_scoped(scope, || compile(vec![input], &Environment::default(), &options))
            .expect("spawn a compile thread")
            .join()
            .expect("compile does not panic")
    })
}

/// The codes of the errors, in the order found.
fn error_codes(c: &Compilation) -> Vec<&'static str> {
    c.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code.as_str()).collect()
}

/// Compiles and expects no template and exactly these error codes.
fn expect_errors(bytes: Vec<u8>, codes: &[&str]) -> Compilation {
    let c = compile_bytes(bytes);
    assert!(c.template.is_none(), "a template despite errors");
    assert_eq!(error_codes(&c), codes, "{:#?}", c.diagnostics);
    c
}

#[test]
fn an_alias_bomb_is_refused_as_a_yaml_limit() {
    // Nine levels of nine aliases: 387 million strings if expanded.
    let mut text = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    for pair in names.windows(2) {
        let (prev, next) = (pair[0], pair[1]);
        text.push_str(&format!("{next}: &{next} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
    }
    text.push_str("services:\n  web:\n    ports: [\"80:80\"]\n    x-bomb: *i\n");
    expect_errors(text.into_bytes(), &["yaml-limit"]);
}

#[test]
fn deep_flow_nesting_is_refused_as_a_yaml_limit() {
    let depth = 1_000_000;
    let text = format!("services: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    expect_errors(text.into_bytes(), &["yaml-limit"]);
}

#[test]
fn deep_block_nesting_is_refused_as_a_yaml_limit() {
    let text: String = (0..2_000).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect();
    expect_errors(text.into_bytes(), &["yaml-limit"]);
}

#[test]
fn deeply_nested_interpolation_is_an_error_not_a_stack_overflow() {
    // 200,000 levels deep: each level was one recursion, so this aborted the process.
    let depth = 200_000;
    let value = format!("{}x{}", "${A:-".repeat(depth), "}".repeat(depth));
    let c = expect_errors(format!("services:\n  web:\n    image: \"{value}\"\n").into_bytes(), &["interpolation"]);
    assert!(c.diagnostics.iter().any(|d| d.message.contains("nested more than")), "{:#?}", c.diagnostics);
    // The bound itself: 32 levels are fine, 33 are not.
    let nested = |n: usize| format!("{}x{}", "${A:-".repeat(n), "}".repeat(n));
    assert_eq!(interpolate::interpolate(&nested(interpolate::MAX_NESTING), &|_| None).unwrap().text, "x");
    assert!(matches!(
        interpolate::interpolate(&nested(interpolate::MAX_NESTING + 1), &|_| None),
        Err(InterpolationError::Syntax { offset: 0, .. })
    ));
}

#[test]
fn files_over_16_mib_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docker-compose.yml");
    // A sparse file: its size is over the limit without writing 16 MiB.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(MAX_FILE_BYTES + 1).unwrap();
    match load::read_inputs(std::slice::from_ref(&path)) {
        Err(load::ReadError::TooLarge { len, .. }) => assert_eq!(len, MAX_FILE_BYTES + 1),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // Exactly at the limit is read (and then fails as YAML, being all NUL bytes).
    file.set_len(MAX_FILE_BYTES).unwrap();
    assert_eq!(load::read_inputs(&[path]).expect("16 MiB is allowed")[0].bytes.len() as u64, MAX_FILE_BYTES);
}

#[test]
fn the_cli_refuses_an_oversized_file_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docker-compose.yml");
    std::fs::File::create(&path).unwrap().set_len(MAX_FILE_BYTES + 1).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_compose-cfn"))
        .arg("compile")
        .arg(&path)
        .output()
        .expect("run compose-cfn");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("are refused"));
}

#[test]
fn thousands_of_services_compile_with_a_listener_for_each_port() {
    let services = 5_000;
    let c = compile_bytes(manifest::manifest(services).into_bytes());
    let template =
        c.template_text().unwrap_or_else(|| panic!("{:#?}", c.diagnostics.iter().take(5).collect::<Vec<_>>()));
    let t: Value = serde_json::from_str(&template).unwrap();
    let listeners: usize = t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|r| r["Properties"]["Listeners"].as_array())
        .map(Vec::len)
        .sum();
    assert_eq!(listeners, manifest::expected_listeners(services));
}

#[test]
fn a_single_huge_port_range_is_refused_not_expanded_into_a_hang() {
    // One short line, 65,535 listeners: more than there are instance ports to give them, and
    // than one Classic ELB takes.
    let c = expect_errors(
        b"services:\n  web:\n    ports: [\"1-65535\"]\n".to_vec(),
        &["too-many-listeners", "too-many-ports"],
    );
    assert!(c.diagnostics.iter().any(|d| d.message.contains("65535 TCP listeners")));
}

#[test]
fn port_ranges_cannot_expand_a_small_file_past_the_mapping_limit() {
    // 5,000 UDP ranges (no listeners) would be 327 million mappings.
    let text: String = std::iter::once("services:\n".to_string())
        .chain((0..5_000).map(|i| format!("  s{i}:\n    ports: [\"1-65535/udp\"]\n")))
        .collect();
    let c = expect_errors(text.into_bytes(), &["too-many-ports"]);
    assert!(c.diagnostics.iter().any(|d| d.message.contains("100000 mappings")));
}

#[test]
fn twenty_thousand_listeners_fit_and_one_more_does_not() {
    // 200 services of 100 listeners each (a Classic ELB takes no more), then one more listener.
    let full: String = (0..200).map(|i| format!("  s{i}:\n    ports: [\"1-100:1-100\"]\n")).collect();
    let c = compile_bytes(format!("services:\n{full}").into_bytes());
    assert!(c.template.is_some(), "20,000 listeners fit the instance ports: {:?}", error_codes(&c));
    expect_errors(format!("services:\n{full}  more:\n    ports: [\"1:1\"]\n").into_bytes(), &["too-many-ports"]);
}

#[test]
fn megabyte_label_values_are_rejected_with_a_clear_error() {
    let big = "x".repeat(1024 * 1024);
    for labels in [format!("[\"com.example.note={big}\"]"), format!("{{convox.health.path: \"/{big}\"}}")] {
        let text = format!("services:\n  web:\n    ports: [\"80:80\"]\n    labels: {labels}\n");
        let c = expect_errors(text.into_bytes(), &["label-value"]);
        let d = c.diagnostics.iter().find(|d| d.is_error()).unwrap();
        assert!(d.message.contains("bytes long"), "{}", d.message);
        assert!(d.help.as_deref().unwrap().contains(&MAX_LABEL_VALUE_BYTES.to_string()));
        // The report names the place and stays short: it does not echo the megabyte.
        let report = compose_cfn::diagnostic::render_json(&c.diagnostics, &c.sources);
        assert!(report.contains("\"line\":4"), "{report}");
        assert!(report.len() < 4096, "the report is {} bytes", report.len());
    }
}

#[test]
fn invalid_utf8_is_reported_at_its_first_bad_byte() {
    let mut bytes = b"services:\n  web:\n    image: caf".to_vec();
    let offset = bytes.len();
    bytes.extend_from_slice(&[0xe9, b'\n']); // Latin-1 'é'
    let c = expect_errors(bytes, &["invalid-utf8"]);
    let d = c.diagnostics.iter().next().unwrap();
    assert!(d.message.ends_with("is not valid UTF-8"), "{}", d.message);
    // Shown as line 3, column 15 (the span), not as a byte offset in the message.
    assert_eq!(d.span.map(|s| s.start), Some(offset));
}

#[test]
fn many_errors_are_all_reported() {
    // Every service has a bad port: 10,000 errors, each with its own line, none lost.
    let services = 10_000;
    let text: String = std::iter::once("services:\n".to_string())
        .chain((0..services).map(|i| format!("  s{i}:\n    ports: [\"0\"]\n")))
        .collect();
    let c = compile_bytes(text.into_bytes());
    assert_eq!(error_codes(&c).len(), services);
    let human = compose_cfn::diagnostic::render_human(&c.diagnostics, &c.sources, false);
    assert!(human.contains(&format!(":{}:13", 2 * services + 1)), "the last error names its line");
}

#[test]
fn a_long_unknown_label_key_is_handled() {
    // A label key of 100,000 characters near a `convox.` label: the typo check stays bounded.
    let key = format!("convox.health.{}", "p".repeat(100_000));
    let text = format!("services:\n  web:\n    ports: [\"80:80\"]\n    labels: [\"{key}=1\"]\n");
    let c = expect_errors(text.into_bytes(), &["unknown-label"]);
    assert!(c.template.is_none());
}

#[test]
fn a_generated_app_compiles_to_the_same_bytes_50_times_and_in_reverse_order() {
    // tests/compile.rs does this for one hand-written app; here for 100 generated services,
    // where instance-port hash collisions (resolved in service-name order) become likely.
    let services = 100;
    let first = compile_bytes(manifest::manifest(services).into_bytes()).template_text().expect("compiles");
    for _ in 0..50 {
        assert!(compile_bytes(manifest::manifest(services).into_bytes()).template_text().as_ref() == Some(&first));
    }
    let reversed = compile_bytes(manifest::manifest_reversed(services).into_bytes()).template_text();
    assert!(reversed.as_ref() == Some(&first), "service order changed the template");
}
