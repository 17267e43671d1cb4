//! The compose JSON Schema against the interpreter: every fixture validated (valid ones pass,
//! label errors fail on the same keys the compiler reports), and label keys and values
//! accepted by the schema exactly when the interpreter accepts them — so the two cannot drift.

mod common;

use compose_cfn::diagnostic::Code;
use compose_cfn::interpret::labels::{LABELS, LabelSpec, Scope, ValueKind, parse_value};
use compose_cfn::load::{Environment, Input};
use compose_cfn::review::{explain, schema};
use compose_cfn::{CompileOptions, compile};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

fn validator() -> jsonschema::Validator {
    jsonschema::draft7::new(&schema::compose_schema()).expect("the schema compiles as draft-07")
}

/// What the schema is expected to say about a fixture, and why.
#[derive(Debug, PartialEq)]
enum Expect {
    /// Valid for the schema (the file compiles, or fails for a reason no schema can see).
    Pass(&'static str),
    /// Fails on exactly the label keys the compiler reports.
    FailOnSameKeys,
    /// Fails on its structure (wrong YAML types), as the compiler does.
    FailStructure,
    /// Not YAML a language server can read into a value: the schema does not apply.
    NotYaml,
}

fn expectation(case: &str) -> Expect {
    use Expect::*;
    match case {
        "error-unknown-protocol"
        | "error-label-values"
        | "error-unknown-port-key"
        | "error-tls-policy"
        | "error-scale"
        | "error-health-path" => FailOnSameKeys,
        "error-wrong-types"
        | "error-not-a-mapping"
        | "error-empty-file"
        | "error-bad-ports"
        | "error-version-without-services" => FailStructure,
        "error-yaml-syntax"
        | "error-invalid-utf8"
        | "error-duplicate-yaml-key"
        | "error-alias-bomb"
        | "error-recursive-alias" => NotYaml,
        "error-certificate-target" | "error-certificate-plain-port" => {
            Pass("the error is in a --certificate option, not the file")
        }
        "error-agent-conflict" => Pass("each label is valid; that they contradict `convox.agent` is semantic"),
        "error-duplicate-balancer-port" | "error-label-container-port" | "error-label-unmapped-port" => {
            Pass("relates a label or port to the service's other ports")
        }
        "error-health-port" => Pass("443 is a valid port; that it is no container port of the service is semantic"),
        "error-interval-not-above-timeout" => Pass("compares two labels' values"),
        "error-interpolation-syntax" | "error-required-variable" | "error-unset-host-port" => {
            Pass("only interpolation shows the problem")
        }
        "error-container-values" | "error-environment-entries" | "error-section-types" => {
            Pass("container settings besides ports, labels and profiles are left to Compose's own schema")
        }
        "error-unknown-link" | "error-link-without-ports" => Pass("relates one service to the others"),
        "error-service-name-collision" => Pass("both names are valid; they collide in CloudFormation names"),
        "error-app-name" => Pass("`name:` is any string to Compose; that it is no Convox app name is this tool's rule"),
        "error-certificate-conflict" => Pass("the error is in two --certificate options, not the file"),
        "error-include" => Pass("Compose defines `include:`; this tool refuses it"),
        "error-long-service-name" => {
            Pass("the name is valid for Compose; CloudFormation limits the names made from it")
        }
        "error-unknown-tag" | "error-nested-merge-tag" => Pass("YAML tags are not part of the value a schema sees"),
        "error-too-many-ports" => Pass("each range is valid; how many ports they add up to is counted by the loader"),
        "error-wrong-target" => Pass("which labels and policies apply depends on the balancer target"),
        "error-v2-redirect" => Pass("relates a label to the protocols and exposure of the service's other ports"),
        "error-v2-target-groups" => Pass("each port is valid; how many target groups they need is counted per target"),
        "error-balancer-target" => FailStructure,
        "error-compose-secrets" => {
            Pass("each secret is valid Compose; that ECS cannot read a file or environment secret is this tool's rule")
        }
        "error-env-file" => {
            Pass("each entry is a path; whether the file exists, stays inside and parses is checked on disk")
        }
        "error-env-file-sources" => Pass(
            "each service may read a variable from its own env file; one parameter per variable is this tool's rule",
        ),
        "error-extends" => Pass("relates a service to the others (a missing one, a circle) or to another file"),
        "error-extends-file" => Pass(
            "each `extends` is well formed; whether its file exists, stays inside and has the service is checked on disk",
        ),
        "error-duplicate-targets" => {
            Pass("each entry is valid; that two share a target relates the entries of a list to each other")
        }
        other if other.starts_with("error-") => panic!("decide what the schema says about the new fixture {other}"),
        _ => Pass("the fixture compiles"),
    }
}

/// The label keys of schema errors: the last path segment in mapping form, the item's key
/// in list form, the property name for unknown keys.
fn schema_error_keys(doc: &Value, errors: &[jsonschema::ValidationError]) -> BTreeSet<String> {
    errors
        .iter()
        .filter_map(|e| {
            let path = e.instance_path().to_string();
            let segments: Vec<&str> = path.split('/').collect();
            let at = segments.iter().rposition(|s| *s == "labels")?;
            match segments.get(at + 1) {
                None => match e.kind() {
                    jsonschema::error::ValidationErrorKind::PropertyNames { error } => {
                        error.instance().as_str().map(String::from)
                    }
                    _ => None,
                },
                Some(seg) => match doc.pointer(&segments[..=at].join("/")) {
                    Some(Value::Array(items)) => {
                        let item = items[seg.parse::<usize>().ok()?].as_str()?;
                        Some(item.split_once('=').map_or(item, |(k, _)| k).to_string())
                    }
                    _ => Some(seg.replace("~1", "/").replace("~0", "~")),
                },
            }
        })
        .collect()
}

/// The label keys of the compiler's label errors, read from the lines they point at.
fn compiler_error_keys(dir: &Path) -> BTreeSet<String> {
    let run = common::compile_fixture(dir, &["--format", "json"]);
    let text = std::fs::read_to_string(dir.join("docker-compose.yml")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    run.stderr
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|d| d["severity"] == "error")
        .filter(|d| ["unknown-label", "unknown-protocol", "label-value"].contains(&d["code"].as_str().unwrap()))
        .map(|d| {
            let line = lines[d["line"].as_u64().unwrap() as usize - 1].trim().trim_start_matches("- ");
            line.split([':', '=']).next().unwrap().trim().to_string()
        })
        .collect()
}

#[test]
fn every_fixture_validates_as_expected() {
    let validator = validator();
    let mut checked = 0;
    for dir in common::fixture_dirs() {
        let case = common::case_name(&dir);
        let expect = expectation(&case);
        let bytes = std::fs::read(dir.join("docker-compose.yml")).unwrap();
        // A file of several documents is several files to Compose: each is validated.
        let docs = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|text| serde_saphyr::from_multiple::<Option<Value>>(text).ok())
            .map(|docs| docs.into_iter().map(|d| d.unwrap_or(Value::Null)).collect::<Vec<_>>());
        let Some(mut docs) = docs else {
            assert_eq!(expect, Expect::NotYaml, "{case}: not readable as YAML");
            continue;
        };
        assert_ne!(expect, Expect::NotYaml, "{case}: reads as YAML after all");
        if docs.is_empty() {
            docs.push(Value::Null);
        }
        let doc = &docs[0];
        let errors: Vec<_> = docs.iter().flat_map(|d| validator.iter_errors(d)).collect();
        let shown: Vec<String> = errors.iter().map(|e| format!("{}: {e}", e.instance_path())).collect();
        match expect {
            Expect::Pass(why) => assert!(errors.is_empty(), "{case} ({why}) fails the schema: {shown:#?}"),
            Expect::FailStructure => assert!(!errors.is_empty(), "{case} passes the schema"),
            Expect::FailOnSameKeys => {
                let compiler = compiler_error_keys(&dir);
                assert!(!compiler.is_empty(), "{case}: the compiler reports no label error");
                assert_eq!(schema_error_keys(doc, &errors), compiler, "{case}: {shown:#?}");
            }
            Expect::NotYaml => unreachable!(),
        }
        checked += 1;
    }
    assert!(checked > 40, "only {checked} fixtures checked");
}

/// Values worth trying on a label: the edges of its kind and the mistakes people make.
fn samples(kind: ValueKind) -> Vec<String> {
    let mut out: Vec<String> = ["", " ", "x", "true", "false", "yes", "True", "1", "0", "-1", "5s", "/", "$"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    match kind {
        ValueKind::Choice(words) => {
            for w in words {
                out.extend([w.to_string(), w.to_uppercase(), format!("{w} "), format!("{w}x"), w[1..].to_string()]);
            }
        }
        ValueKind::Integer { min, max } => {
            for n in [min.saturating_sub(1), min, min + 1, (min + max) / 2, max - 1, max, max + 1, max * 10] {
                out.extend([n.to_string(), format!("0{n}"), format!("{n}.5"), format!(" {n}")]);
            }
        }
        ValueKind::Path => {
            out.extend(["/health", "health", "/a b", "/a\tb", "//x", "/é", "/a\u{85}b", "/a\u{7f}"].map(String::from));
            // The ELB API's length limit, and one past it.
            let longest = compose_cfn::interpret::labels::MAX_HEALTH_PATH;
            out.extend([format!("/{}", "h".repeat(longest - 1)), format!("/{}", "h".repeat(longest))]);
        }
        ValueKind::ContainerPort => {
            out.extend(["3000", "03000", "65535", "65536", "99999999999", "80/tcp"].map(String::from));
        }
        ValueKind::Bool => out.extend(["TRUE", "no", "off"].map(String::from)),
    }
    out
}

fn labels_doc(labels: Value) -> Value {
    json!({"services": {"web": {"labels": labels, "ports": ["443:3000"]}}})
}

#[test]
fn the_schema_accepts_a_label_value_exactly_when_the_interpreter_does() {
    let validator = validator();
    for spec in LABELS {
        let key = spec.key.replace("<N>", "443");
        for value in samples(spec.kind) {
            let interpreter = parse_value(spec, &key, &value).is_ok();
            // A `$` is interpolated before the interpreter sees it: the schema accepts it as is.
            let expected = interpreter || value.contains('$');
            let mapping = validator.is_valid(&labels_doc(json!({ key.clone(): value })));
            let list = validator.is_valid(&labels_doc(json!([format!("{key}={value}")])));
            assert_eq!(mapping, expected, "mapping form {key}: {value:?}");
            assert_eq!(list, expected, "list form {key}={value:?}");
        }
        // YAML numbers and booleans reach the interpreter as their text.
        let typed: Vec<Value> =
            (0..=70).chain([299, 300, 301, 3599, 3600, 3601, 65535, 65536]).map(Value::from).collect();
        for value in typed.into_iter().chain([json!(true), json!(false), json!(2.5), json!(null)]) {
            let text = match &value {
                Value::Null => String::new(),
                other => other.to_string(),
            };
            let expected = parse_value(spec, &key, &text).is_ok();
            assert_eq!(validator.is_valid(&labels_doc(json!({ key.clone(): value }))), expected, "{key}: {value}");
        }
    }
}

/// A value `spec` accepts, to try keys with.
fn valid_value(spec: &LabelSpec) -> String {
    let value = match spec.kind {
        ValueKind::Choice(words) => words[0].to_string(),
        ValueKind::Bool => "true".into(),
        ValueKind::Integer { min, .. } => min.to_string(),
        ValueKind::Path => "/health".into(),
        ValueKind::ContainerPort => "3000".into(),
    };
    assert!(parse_value(spec, spec.key, &value).is_ok());
    value
}

#[test]
fn the_schema_accepts_a_label_key_exactly_when_the_interpreter_does() {
    let validator = validator();
    let mut keys: Vec<(String, String)> = Vec::new();
    for port in ["0", "1", "443", "0443", "65535", "65536", "https", "", "4 43"] {
        for spec in LABELS.iter().filter(|s| s.scope == Scope::Port) {
            keys.push((spec.key.replace("<N>", port), valid_value(spec)));
        }
        for name in ["protcol", "tls", "", "protocol.x"] {
            keys.push((format!("convox.port.{port}.{name}"), "x".into()));
        }
    }
    for spec in LABELS.iter().filter(|s| s.scope == Scope::Balancer) {
        keys.push((spec.key.to_string(), valid_value(spec)));
        keys.push((format!("{}x", spec.key), "1".into()));
        keys.push((spec.key.to_uppercase(), "1".into()));
    }
    for other in
        ["convox.health", "convox.tls", "convox.balancr", "convox.cron.nightly", "com.example.team", "convox.port"]
    {
        keys.push((other.to_string(), "x".into()));
    }
    for (key, value) in keys {
        let text = format!("services:\n  web:\n    labels:\n      {key:?}: {value:?}\n    ports: [\"443:3000\"]\n");
        let result = compile(
            vec![Input { path: "docker-compose.yml".into(), bytes: text.into_bytes() }],
            &Environment::default(),
            &CompileOptions { fallback_app: "app".into(), ..CompileOptions::default() },
        );
        let interpreter = !result.diagnostics.iter().any(|d| d.is_error() && d.code == Code::UnknownLabel);
        let schema = validator.is_valid(&labels_doc(json!({ key.clone(): value })));
        assert_eq!(schema, interpreter, "key {key:?}");
    }
}

#[test]
fn every_label_is_described_in_the_schema_with_its_summary() {
    let text = serde_json::to_string(&schema::compose_schema()).unwrap();
    for spec in LABELS {
        let summary = serde_json::to_string(spec.summary).unwrap();
        assert!(text.contains(summary.trim_matches('"')), "{} is not described", spec.key);
    }
}

fn compile_text(text: &str) -> compose_cfn::Compilation {
    compile(
        vec![Input { path: "docker-compose.yml".into(), bytes: text.as_bytes().to_vec() }],
        &Environment::default(),
        &CompileOptions { fallback_app: "app".into(), ..CompileOptions::default() },
    )
}

#[test]
fn every_label_example_compiles_and_passes_the_schema() {
    let validator = validator();
    for spec in LABELS {
        let example = explain::label_example(spec);
        let result = compile_text(&example);
        assert!(!result.diagnostics.has_errors(), "{}: {example}\n{:?}", spec.key, result.diagnostics);
        let doc: Value = serde_saphyr::from_str(&example).unwrap();
        assert!(validator.is_valid(&doc), "{}: {example}", spec.key);
    }
}

/// Codes of the AWS commands that do not start with `aws-`.
const AWS_CODES: &[&str] = &[
    "stack-state",
    "stack-failed",
    "deploy-parameter",
    "certificate-not-found",
    "certificate-unusable",
    "certificate-in-use",
    "ssl-target",
];

#[test]
fn every_code_example_draws_its_code() {
    let mut without = Vec::new();
    for code in Code::ALL {
        match code.example() {
            Some(example) => {
                let result = compile_text(example);
                assert!(
                    result.diagnostics.iter().any(|d| d.code == *code),
                    "{}: the example does not draw it: {:#?}",
                    code.as_str(),
                    result.diagnostics
                );
            }
            None => without.push(code.as_str()),
        }
    }
    // These need invalid bytes, a huge file, a `.env` file, a command-line option (`adopt`,
    // `env-precedence`: a live template for --adopt), another command's input (`convox-env`:
    // `convox env` output, tested in tests/cli.rs and src/adopt/convox_env.rs), two files, an app of hundreds of services,
    // or a bug; the
    // `cert-*` codes are about certificate files, not compose files, and the AWS codes are
    // drawn by tests/aws.rs against a loopback stand-in.
    let compose: Vec<&str> = without
        .iter()
        .copied()
        .filter(|c| !c.starts_with("cert-") && !c.starts_with("aws-") && !AWS_CODES.contains(c))
        .collect();
    assert_eq!(
        compose,
        [
            "invalid-utf8",
            "yaml-limit",
            "dotenv",
            "certificate",
            "usage",
            "unknown-profile",
            "two-compose-files",
            "stack-limits",
            "invalid-template",
            "adopt",
            "convox-env",
            "env-precedence"
        ]
    );
}
