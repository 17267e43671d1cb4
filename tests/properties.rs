//! Property tests (issue 6), on stable Rust with proptest: cargo-fuzz needs a nightly
//! toolchain, which CI machines do not have.
//!
//! - Structured: for any compose document the generator below writes, `compile` either fails
//!   with errors that all carry a valid line and column, or produces a template that parses,
//!   has a listener for every mapped TCP port of every balanced service, and never exposes a
//!   port the manifest marks internal; and the same document, compiled again or with its
//!   services in reverse order, gives the same bytes.
//! - Raw: arbitrary bytes, and fixtures with random bytes changed, never make `compile`, the
//!   port parser or the interpolation parser panic.
//! - The structured property runs on both balancer targets: on `--balancer v2` every mapped
//!   TCP port of a balanced service has an ELBv2 listener on a balancer of that service whose
//!   scheme (and security group) matches the port's exposure, no service has more than five
//!   target groups, and the bytes are again deterministic.
//! - Every template produced also passes the `Value`-walking validator kept as a test oracle
//!   (`lower::oracle`), the one compile used before the typed model.
//! - Regressions: every input under tests/regressions/ is compiled with the same checks;
//!   proptest records the seed of any failing case in tests/regressions/properties.txt.
//!
//! The number of cases is proptest's default (256) unless PROPTEST_CASES says otherwise;
//! `.ci/run` sets it so the whole file stays near a minute.

use compose_cfn::diagnostic::Code;
use compose_cfn::load::interpolate::interpolate;
use compose_cfn::load::ports::parse_short;
use compose_cfn::load::{Environment, Input};
use compose_cfn::lower::{Target, oracle};
use compose_cfn::review::explain::explain;
use compose_cfn::{Compilation, CompileOptions, compile};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("tests/regressions/properties.txt"))),
        ..ProptestConfig::default()
    }
}

fn compile_text(bytes: &[u8]) -> Compilation {
    compile_for(bytes, None)
}

fn compile_for(bytes: &[u8], balancer: Option<Target>) -> Compilation {
    let input = Input { path: "docker-compose.yml".into(), bytes: bytes.to_vec() };
    let env = Environment::from_pairs([("PORT".to_string(), "8080".to_string())]);
    let c = compile(vec![input], &env, &CompileOptions { fallback_app: "prop".into(), balancer, ..Default::default() });
    // Every name a lowering declared is one the collision check knew of, and no other.
    if let (Some(plan), Some(template)) = (&c.plan, &c.template) {
        let mismatches = compose_cfn::lower::names::table_mismatches(plan, c.target, template);
        assert!(mismatches.is_empty(), "the names table disagrees with the template: {mismatches:?}");
    }
    c
}

// ---------------------------------------------------------------------------------------
// The generator: a model of each service, and the YAML text written from it.

/// One port item as written, and the mappings it stands for (`None` when it is invalid).
#[derive(Clone, Debug)]
struct PortItem {
    yaml: String,
    /// (published, target, tcp) per mapping; `None`: the item is malformed on purpose.
    mappings: Option<Vec<(Option<u16>, u16, bool)>>,
}

#[derive(Clone, Debug)]
struct ServiceModel {
    name: String,
    ports: Vec<PortItem>,
    /// Labels as (key, value), written in list or mapping form.
    labels: Vec<(String, String)>,
    list_labels: bool,
    /// `ulimits:` names (each set to 1) and `links:` targets, valid or not.
    ulimits: Vec<String>,
    links: Vec<String>,
}

/// A word of letters from several scripts, combining marks, an emoji and punctuation: where a
/// suggestion is computed for such a word it once sliced bytes and panicked. `"`, `\`, `$`
/// and `=` are left out so that the YAML quoting and the `key=value` split stay as modelled.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => "[a-z][a-z0-9]{0,6}",
        3 => "[a-zA-Zéñ日本ÉßΩж\u{301}\u{1F600}.,;:!?@#%&*()\\[\\]{}<>|'`~^+/ _-]{1,8}",
    ]
}

/// Ports drawn from a small pool so that duplicates and label/port matches happen often.
fn port() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => prop::sample::select(vec![80u16, 443, 3000, 5000, 8080, 8443, 9000]),
        1 => 1u16..=65535,
    ]
}

fn port_item() -> impl Strategy<Value = PortItem> {
    let ok = |yaml: String, mappings: Vec<(Option<u16>, u16, bool)>| PortItem { yaml, mappings: Some(mappings) };
    let valid = prop_oneof![
        // HOST:CONTAINER, public.
        (port(), port()).prop_map(move |(h, c)| ok(format!("\"{h}:{c}\""), vec![(Some(h), c, true)])),
        // A bare container port (string or integer): internal.
        port().prop_map(move |c| ok(format!("\"{c}\""), vec![(None, c, true)])),
        port().prop_map(move |c| ok(c.to_string(), vec![(None, c, true)])),
        // UDP: no listener.
        (port(), port()).prop_map(move |(h, c)| ok(format!("\"{h}:{c}/udp\""), vec![(Some(h), c, false)])),
        // A host IP (a warning) and explicit /tcp.
        (port(), port()).prop_map(move |(h, c)| ok(format!("\"127.0.0.1:{h}:{c}/tcp\""), vec![(Some(h), c, true)])),
        // Short ranges.
        (1000u16..1100, 2000u16..2100, 0u16..4).prop_map(move |(h, c, k)| ok(
            format!("\"{h}-{}:{c}-{}\"", h + k, c + k),
            (0..=k).map(|i| (Some(h + i), c + i, true)).collect()
        )),
        // The long syntax.
        (port(), port()).prop_map(move |(h, c)| ok(
            format!("{{target: {c}, published: {h}, protocol: tcp}}"),
            vec![(Some(h), c, true)]
        )),
        port().prop_map(move |c| ok(format!("{{target: {c}}}"), vec![(None, c, true)])),
        // Interpolated from the environment (PORT=8080).
        port().prop_map(move |c| ok(format!("\"${{PORT}}:{c}\""), vec![(Some(8080), c, true)])),
    ];
    // Malformed on purpose, rarely, so that most documents compile and reach the template checks.
    let malformed =
        prop::sample::select(vec!["\"0\"", "\"70000:80\"", "\":80\"", "\"abc\"", "\"80:80/http\"", "\"${\"", "[80]"])
            .prop_map(|y| PortItem { yaml: y.to_string(), mappings: None });
    prop_oneof![40 => valid, 1 => malformed]
}

/// Labels for a service whose TCP balancer ports are `ports`: mostly valid, sometimes not.
fn label(ports: Vec<u16>) -> impl Strategy<Value = (String, String)> {
    // Port labels name one of the service's ports, except now and then.
    let ports = if ports.is_empty() { vec![80] } else { ports };
    let port = prop_oneof![8 => prop::sample::select(ports), 1 => port()].boxed();
    let protocols = vec!["http", "https", "tcp", "tls", "https", "tls", "htps"];
    prop_oneof![
        3 => (port.clone(), prop::sample::select(protocols)).prop_map(|(p, v)| (format!("convox.port.{p}.protocol"), v.into())),
        1 => (port.clone(), prop::sample::select(vec!["true", "false", "true", "yes"]))
            .prop_map(|(p, v)| (format!("convox.port.{p}.secure"), v.into())),
        1 => (port.clone(), prop::sample::select(vec!["true", "false"]))
            .prop_map(|(p, v)| (format!("convox.port.{p}.proxy"), v.into())),
        1 => prop::sample::select(vec!["/health", "/", "health"]).prop_map(|v| ("convox.health.path".into(), v.into())),
        1 => (1u32..70).prop_map(|v| ("convox.health.timeout".into(), v.to_string())),
        1 => (0u32..4000).prop_map(|v| ("convox.idle.timeout".into(), v.to_string())),
        1 => prop::sample::select(vec!["true", "false"]).prop_map(|v| ("convox.balancer".into(), v.into())),
        1 => Just(("convox.helth.path".to_string(), "/x".to_string())),
        2 => Just(("com.example.team".to_string(), "payments".to_string())),
        // Any text where a key or a keyword is expected.
        1 => (port.clone(), word()).prop_map(|(p, k)| (format!("convox.port.{p}.{k}"), "x".into())),
        1 => (port.clone(), word()).prop_map(|(p, v)| (format!("convox.port.{p}.protocol"), v)),
        1 => word().prop_map(|v| ("convox.tls.policy".into(), v)),
        1 => prop::sample::select(vec!["ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-2015-03"])
            .prop_map(|v| ("convox.tls.policy".into(), v.into())),
        1 => (port.clone(), prop::sample::select(vec!["443", "8443", "0"]))
            .prop_map(|(p, v)| (format!("convox.port.{p}.redirect"), v.into())),
        1 => (port, prop::sample::select(vec!["ELBSecurityPolicy-TLS13-1-2-2021-06", "TLS13"]))
            .prop_map(|(p, v)| (format!("convox.port.{p}.ssl_policy"), v.into())),
        1 => (word(), word()).prop_map(|(k, v)| (format!("convox.{k}"), v)),
        1 => (word(), word()),
    ]
}

fn service(name: String) -> impl Strategy<Value = ServiceModel> {
    prop::collection::vec(port_item(), 0..5).prop_flat_map(move |ports| {
        let balancer_ports: Vec<u16> = ports
            .iter()
            .flat_map(|p| p.mappings.iter().flatten())
            .filter(|m| m.2)
            .map(|m| m.0.unwrap_or(m.1))
            .collect();
        let name = name.clone();
        let names = prop_oneof![3 => prop::sample::select(vec!["nofile", "nproc", "nofle"]).prop_map(String::from), 1 => word()];
        (
            prop::collection::vec(label(balancer_ports), 0..5),
            any::<bool>(),
            prop::collection::vec(names, 0..2),
            prop::collection::vec(word(), 0..2),
        )
            .prop_map(move |(labels, list_labels, ulimits, links)| {
            // In mapping form a repeated key is a YAML error: mostly keep only the last one.
            let labels = match list_labels {
                true => labels,
                false => labels
                    .iter()
                    .enumerate()
                    .filter(|(i, (k, _))| !labels[i + 1..].iter().any(|(later, _)| later == k))
                    .map(|(_, l)| l.clone())
                    .collect(),
            };
            ServiceModel { name: name.clone(), ports: ports.clone(), labels, list_labels, ulimits, links }
        })
    })
}

/// Unique, valid names mostly; now and then an invalid one or a pair that collides.
fn names() -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set(
        prop_oneof![
            8 => "[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?",
            1 => prop::sample::select(vec!["my-api", "my_api", "-bad", "web.v2"]).prop_map(String::from),
            1 => word(),
        ],
        1..6,
    )
    .prop_map(|set| set.into_iter().collect())
}

fn document() -> impl Strategy<Value = Vec<ServiceModel>> {
    names().prop_flat_map(|names| names.into_iter().map(service).collect::<Vec<_>>())
}

fn write_yaml(services: &[ServiceModel]) -> String {
    let mut out = String::from("services:\n");
    for s in services {
        out.push_str(&format!("  \"{}\":\n", s.name));
        if !s.ports.is_empty() {
            out.push_str("    ports:\n");
            for p in &s.ports {
                out.push_str(&format!("      - {}\n", p.yaml));
            }
        }
        if !s.labels.is_empty() {
            out.push_str("    labels:\n");
            for (k, v) in &s.labels {
                match s.list_labels {
                    true => out.push_str(&format!("      - \"{k}={v}\"\n")),
                    false => out.push_str(&format!("      \"{k}\": \"{v}\"\n")),
                }
            }
        }
        if !s.ulimits.is_empty() {
            out.push_str("    ulimits:\n");
            for name in &s.ulimits {
                out.push_str(&format!("      \"{name}\": 1\n"));
            }
        }
        if !s.links.is_empty() {
            out.push_str("    links:\n");
            for target in &s.links {
                out.push_str(&format!("      - \"{target}\"\n"));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The checks.

/// Every diagnostic's place is inside the text: a line that exists, a column within it.
fn check_places(c: &Compilation, text: &str) -> Result<(), TestCaseError> {
    let lines: Vec<&str> = text.split('\n').collect();
    for d in c.diagnostics.iter() {
        prop_assert!(d.code != Code::InvalidTemplate, "the compiler produced an invalid template: {}", d.message);
        if d.is_error() {
            prop_assert!(d.span.is_some(), "error without a place: {:?}", d);
        }
        for span in d.span.iter().chain(d.related.iter().map(|r| &r.span)) {
            prop_assert!(span.start <= span.end && span.end <= text.len(), "{:?} outside the text", span);
            let at = c.sources.get(span.source).line_col(span.start);
            prop_assert!(at.line >= 1 && at.line <= lines.len(), "line {} of {}", at.line, lines.len());
            let width = lines[at.line - 1].chars().count();
            prop_assert!(at.column >= 1 && at.column <= width + 1, "column {} on a line of {width}", at.column);
        }
    }
    Ok(())
}

/// The balancer resource of a service and its security group's ingress rules.
fn balancer_of<'a>(t: &'a Value, service: &str) -> Option<(&'a Value, &'a Vec<Value>)> {
    let resources = t["Resources"].as_object()?;
    let balancer = resources.values().find(|r| {
        r["Type"] == "AWS::ElasticLoadBalancing::LoadBalancer"
            && r["Properties"]["Tags"]
                .as_array()
                .is_some_and(|tags| tags.contains(&json!({"Key": "Service", "Value": service})))
    })?;
    let group = balancer["Properties"]["SecurityGroups"][0]["Ref"].as_str()?;
    Some((balancer, resources[group]["Properties"]["SecurityGroupIngress"].as_array()?))
}

fn check_template(services: &[ServiceModel], template: &str) -> Result<(), TestCaseError> {
    let t: Value = serde_json::from_str(template).map_err(|e| TestCaseError::fail(format!("not JSON: {e}")))?;
    // The validator compile used before the typed model, kept as an oracle: it must agree.
    let problems = oracle::validate(&t);
    prop_assert!(problems.is_empty(), "the oracle finds problems in the template: {problems:?}");
    for s in services {
        // Without errors every item was valid, so the model knows every mapping.
        let mappings: Vec<(Option<u16>, u16, bool)> =
            s.ports.iter().flat_map(|p| p.mappings.clone().expect("no errors, so no malformed item")).collect();
        let tcp: Vec<&(Option<u16>, u16, bool)> = mappings.iter().filter(|m| m.2).collect();
        // In list form the last value wins; in mapping form duplicates would have been an error.
        let balanced = s.labels.iter().rev().find(|(k, _)| k == "convox.balancer").is_none_or(|(_, v)| v != "false");
        let found = balancer_of(&t, &s.name);
        if !balanced || tcp.is_empty() {
            prop_assert!(found.is_none(), "{}: a balancer it should not have", s.name);
            continue;
        }
        let (balancer, ingress) = found.ok_or_else(|| TestCaseError::fail(format!("{}: no balancer", s.name)))?;
        let listening: BTreeSet<String> = balancer["Properties"]["Listeners"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["LoadBalancerPort"].as_str().map(String::from))
            .collect();
        let internal = tcp.iter().any(|m| m.0.is_none());
        for (published, target, _) in &tcp {
            let port = published.unwrap_or(*target).to_string();
            prop_assert!(listening.contains(&port), "{}: no listener on {port}", s.name);
        }
        if internal {
            // An internal port: the balancer is internal and only the VPC reaches any port.
            prop_assert_eq!(&balancer["Properties"]["Scheme"], "internal", "{}", s.name);
            for rule in ingress {
                prop_assert_eq!(&rule["CidrIp"], &json!({"Ref": "VpcCidr"}), "{}: {}", s.name, rule);
            }
        } else {
            prop_assert_eq!(&balancer["Properties"]["Scheme"], "internet-facing", "{}", s.name);
        }
    }
    Ok(())
}

/// The v2 checks: each mapped TCP port of a balanced service has a listener on one of the
/// service's balancers, internal ports on internal ones reached only from the VPC, public ports
/// on internet-facing ones, and at most five target groups per ECS service.
fn check_template_v2(services: &[ServiceModel], template: &str) -> Result<(), TestCaseError> {
    let t: Value = serde_json::from_str(template).map_err(|e| TestCaseError::fail(format!("not JSON: {e}")))?;
    let resources = t["Resources"].as_object().expect("resources");
    prop_assert!(
        resources.values().all(|r| r["Type"] != "AWS::ElasticLoadBalancing::LoadBalancer"),
        "a Classic ELB in a v2 template"
    );
    for r in resources.values().filter(|r| r["Type"] == "AWS::ECS::Service") {
        let groups = r["Properties"]["LoadBalancers"].as_array().map_or(0, Vec::len);
        prop_assert!(groups <= 5, "an ECS service with {groups} target groups");
    }
    let tagged = |r: &Value, service: &str| {
        r["Properties"]["Tags"]
            .as_array()
            .is_some_and(|tags| tags.contains(&json!({"Key": "Service", "Value": service})))
    };
    for s in services {
        let mappings: Vec<(Option<u16>, u16, bool)> =
            s.ports.iter().flat_map(|p| p.mappings.clone().expect("no errors, so no malformed item")).collect();
        let tcp: Vec<&(Option<u16>, u16, bool)> = mappings.iter().filter(|m| m.2).collect();
        let balanced = s.labels.iter().rev().find(|(k, _)| k == "convox.balancer").is_none_or(|(_, v)| v != "false");
        let balancers: Vec<(&String, &Value)> = resources
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer" && tagged(r, &s.name))
            .collect();
        if !balanced || tcp.is_empty() {
            prop_assert!(balancers.is_empty(), "{}: a balancer it should not have", s.name);
            continue;
        }
        for (published, target, _) in &tcp {
            let port = published.unwrap_or(*target);
            let listener = resources.values().find(|r| {
                r["Type"] == "AWS::ElasticLoadBalancingV2::Listener"
                    && r["Properties"]["Port"] == json!(port)
                    && balancers.iter().any(|(id, _)| r["Properties"]["LoadBalancerArn"] == json!({"Ref": id}))
            });
            let listener = listener.ok_or_else(|| TestCaseError::fail(format!("{}: no listener on {port}", s.name)))?;
            let id = listener["Properties"]["LoadBalancerArn"]["Ref"].as_str().expect("a Ref");
            let balancer = &resources[id]["Properties"];
            let group = balancer["SecurityGroups"][0]["Ref"].as_str().expect("a security group");
            let rules = resources[group]["Properties"]["SecurityGroupIngress"].as_array().expect("ingress");
            let rule = rules.iter().find(|r| r["FromPort"] == json!(port)).expect("a rule per listener");
            // The published port decides, unless another item maps the same port internally
            // (the first item of a balancer port wins; the model keeps both).
            let first = tcp.iter().find(|m| m.0.unwrap_or(m.1) == port).expect("this port");
            if first.0.is_none() {
                prop_assert_eq!(&balancer["Scheme"], "internal", "{}:{}", s.name, port);
                prop_assert_eq!(&rule["CidrIp"], &json!({"Ref": "VpcCidr"}), "{}:{}", s.name, port);
            } else {
                prop_assert_eq!(&balancer["Scheme"], "internet-facing", "{}:{}", s.name, port);
                prop_assert_eq!(&rule["CidrIp"], "0.0.0.0/0", "{}:{}", s.name, port);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn on_v2_compile_fails_with_placed_errors_or_keeps_every_port_on_its_scheme(services in document()) {
        let text = write_yaml(&services);
        let c = compile_for(text.as_bytes(), Some(Target::V2));
        check_places(&c, &text)?;
        match &c.template_text() {
            None => prop_assert!(c.diagnostics.has_errors(), "no template and no error"),
            Some(template) => {
                check_template_v2(&services, template)?;
                let reversed: Vec<ServiceModel> = services.iter().rev().cloned().collect();
                let again = compile_for(write_yaml(&reversed).as_bytes(), Some(Target::V2));
                prop_assert_eq!(again.template_text(), Some(template.clone()), "service order changed the template");
            }
        }
    }

    #[test]
    fn compile_fails_with_placed_errors_or_keeps_every_port(services in document()) {
        let text = write_yaml(&services);
        let c = compile_text(text.as_bytes());
        check_places(&c, &text)?;
        match &c.template_text() {
            None => prop_assert!(c.diagnostics.has_errors(), "no template and no error"),
            Some(template) => {
                check_template(&services, template)?;
                // Determinism: again, and with the services in reverse order.
                let again = compile_text(text.as_bytes());
                prop_assert_eq!(again.template_text(), Some(template.clone()));
                let reversed: Vec<ServiceModel> = services.iter().rev().cloned().collect();
                let again = compile_text(write_yaml(&reversed).as_bytes());
                prop_assert_eq!(again.template_text(), Some(template.clone()), "service order changed the template");
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let c = compile_text(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            check_places(&c, text)?;
        }
    }

    #[test]
    fn fixtures_with_random_bytes_changed_never_panic(
        fixture in prop::sample::select(fixture_texts()),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = fixture.into_bytes();
        for (at, byte) in edits {
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
        }
        let c = compile_text(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            check_places(&c, text)?;
        }
    }

    #[test]
    fn any_word_as_app_name_or_explain_topic_never_panics(app in word(), topic in word(), port in port()) {
        let text = "services:\n  web:\n    ports: [\"80:3000\"]\n";
        let input = Input { path: "docker-compose.yml".into(), bytes: text.as_bytes().to_vec() };
        let options = CompileOptions { app: Some(app), fallback_app: "prop".into(), ..Default::default() };
        let c = compile(vec![input], &Environment::default(), &options);
        prop_assert!(c.template.is_some() || c.diagnostics.has_errors(), "no template and no error");
        for topic in [topic.clone(), format!("convox.{topic}"), format!("convox.port.{port}.{topic}")] {
            if let Err(unknown) = explain(&topic) {
                prop_assert!(!unknown.to_string().is_empty());
            }
        }
    }

    #[test]
    fn the_port_parser_never_panics(input in "[0-9:/\\-\\[\\].a-zA-Z ]{0,24}|\\PC{0,16}") {
        if let Ok(parsed) = parse_short(&input) {
            prop_assert!(!parsed.pairs.is_empty());
            prop_assert!(parsed.pairs.iter().all(|(h, c)| *c >= 1 && h.is_none_or(|h| h >= 1)));
        }
    }

    #[test]
    fn the_interpolation_parser_never_panics(input in "[$ {}A-Z_:?+\\-a-z0-9]{0,40}|\\PC{0,16}") {
        let lookup = |name: &str| (name == "A").then(|| "1".to_string());
        if let Err(compose_cfn::load::interpolate::InterpolationError::Syntax { offset, .. }) = interpolate(&input, &lookup) {
            prop_assert!(offset < input.len() && input.as_bytes()[offset] == b'$', "offset {offset} is not a `$`");
        }
    }
}

/// Every fixture's compose file: the seed corpus of the mutation property.
fn fixture_texts() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut texts: Vec<String> = std::fs::read_dir(root)
        .expect("fixtures/")
        .filter_map(|e| std::fs::read(e.ok()?.path().join("docker-compose.yml")).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    texts.sort();
    texts
}

#[test]
fn every_committed_regression_input_compiles_or_fails_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/regressions/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no regression inputs in {}", dir.display());
    for path in inputs {
        let bytes = std::fs::read(&path).unwrap();
        let c = compile_text(&bytes);
        let expect_error = path.file_name().unwrap().to_string_lossy().starts_with("error-");
        assert_eq!(c.template.is_none(), expect_error, "{}: {:?}", path.display(), c.diagnostics);
        if let Some(template) = &c.template_text() {
            let problems = oracle::validate(&serde_json::from_str(template).expect("JSON"));
            assert!(problems.is_empty(), "{}: the oracle finds {problems:?}", path.display());
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            check_places(&c, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}
