//! Library-level guarantees of `compile`: determinism, stable instance ports, and no
//! template whenever there is an error.

use compose_cfn::load::{Environment, Input};
use compose_cfn::{CompileOptions, compile};
use serde_json::Value;

fn compile_text(text: &str) -> compose_cfn::Compilation {
    let input = Input { path: "docker-compose.yml".into(), bytes: text.as_bytes().to_vec() };
    compile(vec![input], &Environment::default(), &CompileOptions { fallback_app: "demo".into(), ..Default::default() })
}

fn template(text: &str) -> String {
    let c = compile_text(text);
    c.template_text().unwrap_or_else(|| panic!("expected a template: {:?}", c.diagnostics))
}

fn instance_ports(template: &str) -> Vec<(String, String)> {
    let t: Value = serde_json::from_str(template).unwrap();
    t["Parameters"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.ends_with("Host"))
        .map(|(k, v)| (k.clone(), v["Default"].as_str().unwrap().to_string()))
        .collect()
}

/// Asserts that compiling `text` gave `compilation` a `code` diagnostic whose message contains
/// `message` and whose span covers exactly `at` of `text`.
fn assert_diagnostic_at(text: &str, compilation: &compose_cfn::Compilation, code: &str, message: &str, at: &str) {
    let shown = |d: &compose_cfn::diagnostic::Diagnostic| d.span.map(|s| &text[s.start..s.end]);
    assert!(
        compilation
            .diagnostics
            .iter()
            .any(|d| d.code.as_str() == code && d.message.contains(message) && shown(d) == Some(at)),
        "no {code} at `{at}` saying `{message}`: {:?}",
        compilation.diagnostics
    );
}

const APP: &str = "services:
  web:
    labels: [convox.port.443.protocol=https, convox.health.path=/health]
    ports: [\"80:3000\", \"443:3000\"]
  api:
    labels: {convox.port.8443.protocol: tls}
    ports: [\"8443:8000\", \"9000\"]
  admin:
    ports: [\"8080:8080\"]
";

#[test]
fn the_same_input_gives_the_same_bytes_every_time() {
    let first = template(APP);
    for _ in 0..50 {
        assert_eq!(template(APP), first);
    }
}

#[test]
fn service_order_in_the_file_does_not_change_the_output() {
    let reordered = "services:
  admin:
    ports: [\"8080:8080\"]
  api:
    labels: {convox.port.8443.protocol: tls}
    ports: [\"8443:8000\", \"9000\"]
  web:
    labels: [convox.health.path=/health, convox.port.443.protocol=https]
    ports: [\"80:3000\", \"443:3000\"]
";
    assert_eq!(template(reordered), template(APP));
}

#[test]
fn adding_or_removing_a_service_keeps_every_other_instance_port() {
    let before = instance_ports(&template(APP));
    let more = format!("{APP}  extra:\n    ports: [\"80:80\", \"443:443\", \"5000-5010:5000-5010\"]\n");
    let after = instance_ports(&template(&more));
    for (name, port) in &before {
        assert!(after.contains(&(name.clone(), port.clone())), "{name} moved from {port}");
    }
    let fewer = APP.replace("  admin:\n    ports: [\"8080:8080\"]\n", "");
    let after = instance_ports(&template(&fewer));
    for (name, port) in &after {
        assert!(before.contains(&(name.clone(), port.clone())), "{name} moved to {port}");
    }
}

#[test]
fn instance_ports_are_unique_across_services() {
    let many: String =
        (0..200).map(|i| format!("  svc{i}:\n    ports: [\"80:80\", \"443:443\", \"{}:3000\"]\n", 1000 + i)).collect();
    let ports = instance_ports(&template(&format!("services:\n{many}")));
    let mut values: Vec<&String> = ports.iter().map(|(_, p)| p).collect();
    assert_eq!(values.len(), 600);
    values.sort();
    values.dedup();
    assert_eq!(values.len(), 600, "two listeners share an instance port");
}

#[test]
fn any_error_means_no_template_and_all_errors_are_reported() {
    let c = compile_text(
        "services:
  web:
    labels: [convox.port.443.protocol=htps, convox.idle.timeout=0]
    ports: [\"443:3000\", \"0\"]
",
    );
    assert!(c.template.is_none());
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["port-range", "unknown-protocol", "label-value"]);
}

#[test]
fn a_udp_health_port_and_a_udp_port_label_are_said_for_what_they_are() {
    // A label on a UDP port does nothing, as in Convox: a warning, and the template is made.
    let c = compile_text(
        "services:\n  web:\n    labels: [convox.port.6060.protocol=tcp]\n    ports: [\"443:3000\", \"6060:6060/udp\"]\n",
    );
    assert!(c.template.is_some(), "{:?}", c.diagnostics);
    let said: Vec<(&str, bool)> = c.diagnostics.iter().map(|d| (d.code.as_str(), d.is_error())).collect();
    assert_eq!(said, [("udp-port-label", false)]);
    // A UDP container port is one: the health check cannot use it because it is UDP.
    let c = compile_text(
        "services:\n  web:\n    labels: [convox.health.port=5000]\n    ports: [\"443:3000\", \"8000:10000\", \"5000/udp\"]\n",
    );
    let [d] = &c.diagnostics.iter().collect::<Vec<_>>()[..] else { panic!("{:?}", c.diagnostics) };
    assert_eq!(d.message, "`convox.health.port` is 5000, a UDP port of `web`: a balancer checks a TCP port");
    assert_eq!(d.help.as_deref(), Some("the service's TCP container ports are 3000, 10000"));
}

#[test]
fn a_later_file_adds_to_the_lists_of_an_earlier_one_as_compose_merges_them() {
    // Compose appends sequences (volumes unique by container path), but replaces commands.
    let base = "services:\n  web:\n    image: nginx\n    command: [a]\n    volumes: [\"data:/var/data\", \"cache:/var/cache\"]\n    extra_hosts: [\"a.example:10.0.0.1\"]\nvolumes: {data: {}, cache: {}, logs: {}}\n";
    let over = "services:\n  web:\n    command: [b]\n    volumes: [\"logs:/var/log/app\", {type: volume, source: logs, target: /var/cache/}]\n    extra_hosts: [\"b.example:10.0.0.2\"]\n";
    let inputs = [("docker-compose.yml", base), ("docker-compose.override.yml", over)]
        .map(|(path, text)| Input { path: path.into(), bytes: text.as_bytes().to_vec() })
        .to_vec();
    let c =
        compile(inputs, &Environment::default(), &CompileOptions { fallback_app: "demo".into(), ..Default::default() });
    let t: Value = serde_json::from_str(&c.template_text().unwrap_or_else(|| panic!("{:?}", c.diagnostics))).unwrap();
    let container = &t["Resources"]["WebTaskDefinition"]["Properties"]["ContainerDefinitions"][0];
    let mounts: Vec<(&str, &str)> = container["MountPoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["SourceVolume"].as_str().unwrap(), m["ContainerPath"].as_str().unwrap()))
        .collect();
    assert_eq!(mounts, [("data", "/var/data"), ("logs", "/var/log/app"), ("logs", "/var/cache/")]);
    let hosts: Vec<&str> =
        container["ExtraHosts"].as_array().unwrap().iter().map(|h| h["Hostname"].as_str().unwrap()).collect();
    assert_eq!(hosts, ["a.example", "b.example"]);
    assert_eq!(container["Command"], serde_json::json!(["b"]));
}

#[test]
fn a_later_files_profiles_add_to_the_earlier_ones() {
    let base = "services:\n  web:\n    image: nginx\n    profiles: [debug]\n    ports: [\"80:80\"]\n";
    let over = "services:\n  web:\n    profiles: [test]\n";
    for selected in ["debug", "test"] {
        let inputs = [("docker-compose.yml", base), ("docker-compose.override.yml", over)]
            .map(|(path, text)| Input { path: path.into(), bytes: text.as_bytes().to_vec() })
            .to_vec();
        let options =
            CompileOptions { fallback_app: "demo".into(), profiles: vec![selected.into()], ..Default::default() };
        let c = compile(inputs, &Environment::default(), &options);
        let plan = c.plan.as_ref().expect("a plan");
        assert_eq!(plan.services.len(), 1, "`{selected}` enables web: {:?}", c.diagnostics);
    }
}

#[test]
fn no_certificate_or_key_material_reaches_the_template() {
    let pem = "-----BEGIN PRIVATE KEY-----";
    let c = compile_text(&format!("services:\n  web:\n    labels:\n      note: \"{pem}\"\n    ports: [\"80:3000\"]\n"));
    assert!(!c.template_text().expect("compiles").contains("PRIVATE KEY"), "other labels never reach the template");
}

#[test]
fn the_readme_documents_every_label_and_every_diagnostic_code() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for label in compose_cfn::interpret::labels::LABELS {
        let key = label.key.replace("threshold.unhealthy", "threshold.healthy");
        assert!(readme.contains(&format!("`{key}`")), "README lacks label {}", label.key);
    }
    for code in compose_cfn::diagnostic::Code::ALL {
        assert!(readme.contains(&format!("`{}`", code.as_str())), "README lacks diagnostic code {}", code.as_str());
    }
}

#[test]
fn the_docs_show_the_seed_template_as_compile_prints_it() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/template-example.md")).unwrap();
    let start =
        readme.find("```json\n").expect("docs/template-example.md pastes the seed template") + "```json\n".len();
    let shown = &readme[start..start + readme[start..].find("```").unwrap()];
    let seed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/seed-ssl/docker-compose.yml")).unwrap();
    let input = Input { path: "fixtures/seed-ssl/docker-compose.yml".into(), bytes: seed.into_bytes() };
    let options = CompileOptions { fallback_app: "seed-ssl".into(), ..Default::default() };
    let compiled = compile(vec![input], &Environment::default(), &options).template_text().unwrap();
    assert_eq!(shown, compiled, "docs/template-example.md is stale: paste the output of compile again");
}

#[test]
fn signed_numbers_are_not_ports_or_label_numbers() {
    let c = compile_text(
        "services:\n  web:\n    labels: {convox.port.+443.protocol: https, convox.idle.timeout: \"+5\"}\n    ports: [\"443:3000\"]\n",
    );
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["unknown-label", "label-value"]);
}

#[test]
fn instance_ports_avoid_host_ports_that_unbalanced_services_bind() {
    // demo/web:80 prefers 11099 (FNV-1a, as pinned in names.rs); a service without a balancer binds it.
    let text = "services:
  web:
    ports: [\"80:3000\"]
  sidecar:
    labels: {convox.balancer: \"false\"}
    ports: [\"11099:11099\"]
";
    let ports = instance_ports(&template(text));
    assert_eq!(ports, [("WebPort80Host".to_string(), "11100".to_string())]);
}

#[test]
fn services_sharing_a_host_port_get_one_warning_per_port() {
    let services: String =
        (0..5).map(|i| format!("  s{i}:\n    image: example/dns\n    ports: [\"53:53/udp\"]\n")).collect();
    let c = compile_text(&format!("services:\n{services}"));
    assert!(c.template.is_some(), "a shared fixed port is a warning, not an error");
    let warnings: Vec<&str> =
        c.diagnostics.iter().filter(|d| d.code.as_str() == "host-port-conflict").map(|d| d.message.as_str()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("`s0`, `s1` and 3 more services"), "{}", warnings[0]);
}

#[test]
fn apps_beyond_cloudformation_quotas_compile_with_a_warning() {
    let small = compile_text(APP);
    assert!(!small.diagnostics.iter().any(|d| d.code.as_str() == "stack-limits"));
    // 200 services of two listeners: 400+ parameters, 600+ resources, 800+ outputs.
    let many: String =
        (0..200).map(|i| format!("  svc{i}:\n    image: example/x\n    ports: [\"80:80\", \"443:443\"]\n")).collect();
    let big = compile_text(&format!("services:\n{many}"));
    assert!(big.template.is_some());
    let over: Vec<&str> =
        big.diagnostics.iter().filter(|d| d.code.as_str() == "stack-limits").map(|d| d.message.as_str()).collect();
    assert_eq!(over.len(), 4, "{over:?}");
    assert!(over[0].contains("more than the 500 CloudFormation allows"), "{over:?}");
    assert!(over[3].contains("over 1000000 bytes, the most"), "{over:?}");
    // The quotas hold whatever the balancer target.
    let v2 = compile_text(&format!("x-compose-cfn: {{balancer: v2}}\nservices:\n{many}"));
    assert!(v2.template.is_some(), "{:?}", v2.diagnostics);
    let over: Vec<&str> =
        v2.diagnostics.iter().filter(|d| d.code.as_str() == "stack-limits").map(|d| d.message.as_str()).collect();
    assert!(over.iter().any(|m| m.contains("resources, more than the 500")), "{over:?}");
    assert!(over.iter().any(|m| m.contains("over 1000000 bytes")), "{over:?}");
}

#[test]
fn built_images_record_dockerfile_target_and_args_but_never_a_value_from_the_environment() {
    let text = "services:
  web:
    build: {context: ./web, dockerfile: Dockerfile.prod, target: release, args: {TOKEN: \"${TOKEN}\", MODE: prod, CI: null}}
  worker:
    build: ./worker
    dockerfile: Dockerfile.worker
";
    let input = Input { path: "docker-compose.yml".into(), bytes: text.as_bytes().to_vec() };
    let env = Environment::from_pairs([("TOKEN".to_string(), "tok-value-1234".to_string())]);
    let c = compile(vec![input], &env, &CompileOptions { fallback_app: "demo".into(), ..Default::default() });
    let template = c.template_text().unwrap_or_else(|| panic!("{:?}", c.diagnostics));
    assert!(!template.contains("tok-value-1234"), "a build argument's value from the environment leaked");
    let t: Value = serde_json::from_str(&template).unwrap();
    let built = t["Metadata"]["ComposeCfn"]["BuiltImages"].as_array().unwrap();
    assert_eq!(built[0]["Service"], "web");
    assert_eq!(built[0]["Dockerfile"], "Dockerfile.prod");
    assert_eq!(built[0]["Target"], "release");
    assert_eq!(
        built[0]["Args"],
        serde_json::json!([{"Name": "CI"}, {"Name": "MODE", "Value": "prod"}, {"Name": "TOKEN", "Value": "${TOKEN}"}])
    );
    assert_eq!(built[1]["Dockerfile"], "Dockerfile.worker");
    assert_eq!(built[1]["Build"], "./worker", "the existing keys stay");
}

#[test]
fn link_variables_follow_the_linked_services_link_environment_without_its_secret_values() {
    let text = "services:
  web:
    image: example/web
    links: [\"database:db\"]
  database:
    image: postgres
    environment: {LINK_SCHEME: postgres, LINK_USERNAME: app, LINK_PASSWORD: \"${PGPASS}\", LINK_PATH: /shop}
    ports: [\"5432\"]
";
    let input = Input { path: "docker-compose.yml".into(), bytes: text.as_bytes().to_vec() };
    let env = Environment::from_pairs([("PGPASS".to_string(), "pw-value-5678".to_string())]);
    let c = compile(vec![input], &env, &CompileOptions { fallback_app: "demo".into(), ..Default::default() });
    let template = c.template_text().unwrap_or_else(|| panic!("{:?}", c.diagnostics));
    assert!(!template.contains("pw-value-5678"), "the linked password's value leaked");
    let t: Value = serde_json::from_str(&template).unwrap();
    let env = &t["Resources"]["WebTaskDefinition"]["Properties"]["ContainerDefinitions"][0]["Environment"];
    let var = |name: &str| env.as_array().unwrap().iter().find(|e| e["Name"] == name).unwrap()["Value"].clone();
    assert_eq!(var("DB_SCHEME"), "postgres");
    assert_eq!(var("DB_USERNAME"), "app");
    assert_eq!(var("DB_PATH"), "/shop");
    assert_eq!(var("DB_PASSWORD"), serde_json::json!({"Ref": "EnvPgpass"}));
    let url = var("DB_URL").to_string();
    assert!(url.starts_with("{\"Fn::Join\":[\"\",[\"postgres://\",{\"Fn::Sub\":\"app:${EnvPgpass}\"},\"@\""), "{url}");
    assert!(url.ends_with("\":5432\",\"/shop\"]]}"), "{url}");
}

#[test]
fn two_secrets_or_volumes_at_one_target_are_errors_at_the_second() {
    // Both used to compile, the template keeping the first of each silently.
    let c = compile_text(
        "secrets:\n  db: {external: true}\n  old: {external: true}\nservices:\n  web:\n    image: x\n    secrets:\n      - db\n      - source: old\n        target: db\n    volumes:\n      - data:/var/data\n      - ./here:/var/data/\n      - /var/data\n",
    );
    let mut errors: Vec<(&str, &str, usize)> = c
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code.as_str(), d.message.as_str(), d.related.len()))
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("duplicate-mount", "two volumes are mounted at `/var/data/`", 1),
            ("duplicate-mount", "two volumes are mounted at `/var/data`", 1),
            ("secret", "two secrets set the variable `db`", 1),
        ]
    );
    // The same secret twice is the same variable twice.
    let c = compile_text("secrets:\n  db: {external: true}\nservices:\n  web:\n    image: x\n    secrets: [db, db]\n");
    assert_eq!(c.diagnostics.iter().filter(|d| d.is_error()).count(), 1);
    // Distinct targets still compile.
    let c = compile_text(
        "secrets:\n  db: {external: true}\nservices:\n  web:\n    image: x\n    secrets: [db]\n    volumes: [\"a:/a\", \"b:/b\"]\n",
    );
    assert!(!c.diagnostics.has_errors(), "{:?}", c.diagnostics.iter().next());
}

/// On v2 the health path is asked of the container port `convox.health.port` names (default:
/// the first TCP port's), as the Classic ELB's single check was: ECS replaces a task that fails
/// any of its target groups' checks, so an HTTP request to a database's port would stop every
/// task. Other target groups keep the default check: TCP on an NLB, `/` with any answer on an ALB.
#[test]
fn v2_asks_the_health_path_only_of_the_health_checked_container_port() {
    let checks = |labels: &str| -> Vec<String> {
        let t: Value = serde_json::from_str(&template(&format!(
            "x-compose-cfn: {{balancer: v2}}\nservices:\n  web:\n    image: example/web\n    labels: [convox.port.443.protocol=https, convox.health.path=/health{labels}]\n    ports: [\"443:3000\", \"80:3000\", \"5432:5432\"]\n"
        )))
        .unwrap();
        let mut out: Vec<String> = t["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup")
            .map(|(id, r)| {
                let p = &r["Properties"];
                format!(
                    "{id} {} {}",
                    p["HealthCheckProtocol"].as_str().unwrap(),
                    p["HealthCheckPath"].as_str().unwrap_or("-")
                )
            })
            .collect();
        out.sort();
        out
    };
    assert_eq!(
        checks(""),
        ["WebPort443TargetGroup HTTP /health", "WebPort5432TargetGroup TCP -", "WebPort80TargetGroup HTTP /health"]
    );
    assert_eq!(
        checks(", convox.health.port=5432"),
        ["WebPort443TargetGroup HTTP /", "WebPort5432TargetGroup HTTP /health", "WebPort80TargetGroup TCP -"]
    );
}

/// On v2 `convox.idle.timeout` reaches an NLB's TCP listeners (`tcp.idle_timeout.seconds`,
/// 60–6000 s) as well as the ALB; a shorter one with tcp ports is an error at the label, and
/// beside tls ports, whose idle timeout AWS fixes at 350 s, a warning.
#[test]
fn v2_idle_timeout_reaches_nlb_tcp_listeners_or_says_why_not() {
    // Port 5432 is tcp, 6432 tls.
    let text = |seconds: u32| {
        format!(
            "x-compose-cfn: {{balancer: v2}}\nservices:\n  db:\n    image: example/db\n    labels: [convox.idle.timeout={seconds}, convox.port.6432.protocol=tls]\n    ports: [\"5432:5432\", \"6432:5432\"]\n"
        )
    };
    let t: Value = serde_json::from_str(&template(&text(120))).unwrap();
    assert_eq!(
        t["Resources"]["DbPort5432Listener"]["Properties"]["ListenerAttributes"],
        serde_json::json!([{"Key": "tcp.idle_timeout.seconds", "Value": "120"}])
    );
    let short_text = text(30);
    let short = compile_text(&short_text);
    assert!(short.template.is_none());
    // The error points at the label (in list form, the whole item).
    let message = "shorter than a Network Load Balancer's TCP listeners take";
    assert_diagnostic_at(&short_text, &short, "nlb-idle-timeout", message, "convox.idle.timeout=30");
    let tls = compile_text(&text(120));
    assert!(tls.template.is_some());
    assert!(
        tls.diagnostics
            .iter()
            .any(|d| d.code.as_str() == "nlb-idle-timeout" && d.message.contains("keep a fixed 350 s")),
        "{:?}",
        tls.diagnostics
    );
}

/// An ELBv2 load balancer takes at most 50 listeners; only an ALB's redirect ports, which need
/// no target group, can pass that: an error at the 51st port of that balancer, not a template
/// AWS refuses on deploy.
#[test]
fn v2_refuses_a_load_balancer_of_more_than_50_listeners() {
    // Port 443 and `n` http ports from 8000 redirecting to it, all on the public ALB.
    let text = |n: u16| {
        let labels: String = (8000..8000 + n)
            .map(|p| format!("      - convox.port.{p}.protocol=http\n      - convox.port.{p}.redirect=443\n"))
            .collect();
        format!(
            "x-compose-cfn: {{balancer: v2}}\nservices:\n  web:\n    image: example/web\n    labels:\n      - convox.port.443.protocol=https\n{labels}    ports: [\"443:3000\", \"8000-{}:3000-{}\"]\n",
            8000 + n - 1,
            3000 + n - 1
        )
    };
    let fifty = compile_text(&text(49));
    assert!(fifty.template.is_some(), "{:?}", fifty.diagnostics);
    let over_text = text(50);
    let over = compile_text(&over_text);
    assert!(over.template.is_none());
    let message = "public Application Load Balancer of `web` needs 51 listeners (50 of them redirects)";
    assert_diagnostic_at(&over_text, &over, "too-many-listeners", message, "\"8000-8049:3000-3049\"");
}

/// A TLS policy label no listener takes is a warning at the label, never silence: on either
/// target `convox.tls.policy` without an https/tls port (or without a balancer), on v2 one that
/// every https/tls port overrides, and on v2 `convox.port.N.ssl_policy` on a port that does not
/// end TLS. The template is still written, and a policy that applies draws nothing.
#[test]
fn tls_policy_labels_that_no_listener_takes_are_warnings_at_the_label() {
    let classic = "convox.tls.policy=ELBSecurityPolicy-TLS-1-2-2017-01";
    let v2 = "convox.tls.policy=ELBSecurityPolicy-TLS13-1-2-2021-06";
    let own = |port: u16| format!("convox.port.{port}.ssl_policy=ELBSecurityPolicy-TLS13-1-2-2021-06");
    let manifest = |balancer: &str, labels: &[&str], ports: &str| {
        let labels: String = labels.iter().map(|l| format!("      - {l}\n")).collect();
        format!(
            "x-compose-cfn: {{balancer: {balancer}}}\nservices:\n  web:\n    image: example/web\n    labels:\n{labels}    ports: [{ports}]\n"
        )
    };
    let (own_80, own_443, own_5432) = (own(80), own(443), own(5432));
    // (target, labels, ports, the message, the label it is at)
    let cases = [
        (
            "classic",
            vec![classic],
            "\"80:3000\"",
            "`convox.tls.policy` has no effect: no port of `web` is https or tls",
            classic,
        ),
        ("v2", vec![v2], "\"80:3000\"", "`convox.tls.policy` has no effect: no port of `web` is https or tls", v2),
        (
            "classic",
            vec!["convox.balancer=false", classic],
            "\"80:3000\"",
            "`web` has `convox.balancer=false`",
            classic,
        ),
        ("v2", vec![v2], "", "`web` maps no TCP port, so it has no load balancer", v2),
        (
            "v2",
            vec![v2, "convox.port.443.protocol=https", &own_443],
            "\"443:3000\"",
            "every https/tls port of `web` sets its own `convox.port.N.ssl_policy`",
            v2,
        ),
        (
            "v2",
            vec!["convox.port.80.protocol=http", &own_80],
            "\"80:3000\"",
            "`convox.port.80.ssl_policy` has no effect: port 80 is http, and only an https or tls listener negotiates TLS",
            &own_80,
        ),
        (
            "v2",
            vec![&own_5432],
            "\"5432:5432\"",
            "`convox.port.5432.ssl_policy` has no effect: port 5432 is tcp",
            &own_5432,
        ),
    ];
    for (target, labels, ports, message, at) in &cases {
        let text = manifest(target, labels, ports);
        let c = compile_text(&text);
        assert!(c.template.is_some(), "{text}: {:?}", c.diagnostics);
        assert_diagnostic_at(&text, &c, "unused-tls-policy", message, at);
    }
    // Policies that apply: the balancer's on port 443, its own on port 8443.
    let labels = [v2, "convox.port.443.protocol=https", "convox.port.8443.protocol=tls", &own(8443)];
    let c = compile_text(&manifest("v2", &labels, "\"443:3000\", \"8443:3001\""));
    assert!(!c.diagnostics.iter().any(|d| d.code.as_str() == "unused-tls-policy"), "{:?}", c.diagnostics);
}

/// Balancer labels on a service that gets no balancer (`convox.balancer=false`, only UDP ports,
/// or no ports) are a warning at each label, never silence, on either target; the template is
/// still written, and the same labels on a service with a TCP port draw nothing.
#[test]
fn balancer_labels_on_a_service_without_a_balancer_are_warnings_at_the_label() {
    let labels = [
        "convox.health.path=/health",
        "convox.health.port=3000",
        "convox.health.timeout=5",
        "convox.health.interval=10",
        "convox.health.threshold.healthy=3",
        "convox.health.threshold.unhealthy=4",
        "convox.idle.timeout=120",
        "convox.draining.timeout=20",
    ];
    let manifest = |target: &str, extra: &str, ports: &str| {
        let labels: String = labels.iter().map(|l| format!("      - {l}\n")).collect();
        format!(
            "x-compose-cfn: {{balancer: {target}}}\nservices:\n  web:\n    image: example/web\n    labels:\n{extra}{labels}    ports: [{ports}]\n"
        )
    };
    let disabled = "      - convox.balancer=false\n";
    // (extra labels, ports, why the labels have no effect)
    let cases = [
        (disabled, "\"80:3000\"", "`web` has `convox.balancer=false`, so it has no load balancer"),
        ("", "\"53:3000/udp\"", "`web` maps no TCP port (UDP ports get no listener), so it has no load balancer"),
        ("", "", "`web` maps no TCP port, so it has no load balancer"),
    ];
    for target in ["classic", "v2"] {
        for (extra, ports, why) in &cases {
            let text = manifest(target, extra, ports);
            let c = compile_text(&text);
            assert!(c.template.is_some(), "{text}: {:?}", c.diagnostics);
            for label in labels {
                let key = label.split('=').next().unwrap();
                let message = format!("`{key}` has no effect: {why}");
                assert_diagnostic_at(&text, &c, "unused-balancer-label", &message, label);
            }
        }
        let c = compile_text(&manifest(target, "", "\"80:3000\""));
        assert!(c.template.is_some(), "{:?}", c.diagnostics);
        assert!(c.diagnostics.is_empty(), "{target}: {:?}", c.diagnostics);
    }
}

/// A Classic ELB takes at most 100 listeners, and a port range maps a listener per port: an
/// error at the mapping of the 101st, not a template AWS refuses on deploy.
#[test]
fn classic_refuses_a_load_balancer_of_more_than_100_listeners() {
    let text = |n: u16| {
        format!(
            "services:\n  web:\n    image: example/web\n    ports: [\"443:3000\", \"8000-{}:4000-{}\"]\n",
            8000 + n - 1,
            4000 + n - 1
        )
    };
    let hundred = compile_text(&text(99));
    assert!(hundred.template.is_some(), "{:?}", hundred.diagnostics);
    assert!(!hundred.diagnostics.iter().any(|d| d.code.as_str() == "too-many-listeners"), "{:?}", hundred.diagnostics);
    let over_text = text(100);
    let over = compile_text(&over_text);
    assert!(over.template.is_none(), "{:?}", over.diagnostics);
    let message =
        "the Classic ELB of `web` needs 101 listeners (one per TCP port), and a Classic ELB takes at most 100";
    assert_diagnostic_at(&over_text, &over, "too-many-listeners", message, "\"8000-8099:4000-4099\"");
}
