//! The Compose file grammar as Docker Compose reads it (compose-go, go-connections `nat`):
//! files Compose accepts load with the same meaning here, and files it refuses are refused
//! with a placed diagnostic, not silently read.

use compose_cfn::load::{Environment, Input};
use compose_cfn::{CompileOptions, compile};
use serde_json::Value;

fn compile_files(files: &[&str], env: &[(&str, &str)]) -> compose_cfn::Compilation {
    let inputs = files
        .iter()
        .enumerate()
        .map(|(i, text)| Input { path: format!("f{i}.yml"), bytes: text.as_bytes().to_vec() })
        .collect();
    let env = Environment::from_pairs(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    compile(inputs, &env, &CompileOptions { fallback_app: "demo".into(), ..Default::default() })
}

/// Compiles `text` as `docker-compose.yml` of the project in `dir` (where `env_file:` is read).
fn compile_in(dir: &std::path::Path, text: &str) -> compose_cfn::Compilation {
    let path = dir.join("docker-compose.yml");
    std::fs::write(&path, text).unwrap();
    let input = Input { path: path.display().to_string(), bytes: text.as_bytes().to_vec() };
    let options =
        CompileOptions { fallback_app: "demo".into(), project_dir: Some(dir.to_path_buf()), ..Default::default() };
    compile(vec![input], &Environment::default(), &options)
}

fn template(text: &str) -> Value {
    let c = compile_files(&[text], &[]);
    let t = c.template_text().unwrap_or_else(|| panic!("expected a template: {:?}", c.diagnostics));
    serde_json::from_str(&t).unwrap()
}

/// The `code` diagnostics of compiling `text`, as (message, the text their span covers).
fn found(text: &str, code: &str) -> Vec<(String, String)> {
    let c = compile_files(&[text], &[]);
    c.diagnostics
        .iter()
        .filter(|d| d.code.as_str() == code)
        .map(|d| (d.message.clone(), d.span.map(|s| text[s.start..s.end].to_string()).unwrap_or_default()))
        .collect()
}

/// The `DesiredCount` of every ECS service in a template, sorted.
fn desired_counts(template: &Value) -> Vec<u64> {
    let mut counts: Vec<u64> = template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|r| r["Properties"]["DesiredCount"].as_u64())
        .collect();
    counts.sort();
    counts
}

#[test]
fn scale_is_the_replica_count_and_may_not_contradict_deploy_replicas() {
    // Compose reads `scale:` as the count `deploy.replicas` gives (compose-go GetScale).
    let t = template("services:\n  web:\n    image: x\n    scale: 4\n    ports: [\"80:3000\"]\n");
    assert_eq!(desired_counts(&t), [4]);
    let same = "services:\n  web:\n    image: x\n    scale: 2\n    deploy: {replicas: 2}\n    ports: [\"80:3000\"]\n";
    assert_eq!(desired_counts(&template(same)), [2]);
    // Two different counts: Compose refuses ("can't set distinct values on 'scale' and
    // 'deploy.replicas'"), so no count is chosen silently here either.
    let both = "services:\n  web:\n    image: x\n    scale: 2\n    deploy: {replicas: 3}\n    ports: [\"80:3000\"]\n";
    let errors = found(both, "container-value");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.contains("two different replica counts"), "{errors:?}");
    assert_eq!(errors[0].1, "2");
}

#[test]
fn a_host_ip_is_everything_before_the_last_two_parts_as_compose_splits_it() {
    // go-connections `splitParts`: `::1:8080:80` is IP `::1`, host 8080, container 80, and
    // `[127.0.0.1]` is a bracketed IPv4 address; Compose accepts both.
    for (port, ip) in
        [("::1:8080:80", "::1"), ("[127.0.0.1]:8080:80", "127.0.0.1"), ("2001:db8::7:8080:80", "2001:db8::7")]
    {
        let text = format!("services:\n  web:\n    image: x\n    ports: [\"{port}\"]\n");
        let c = compile_files(&[&text], &[]);
        assert!(c.template.is_some(), "{port}: {:?}", c.diagnostics);
        let warned =
            c.diagnostics.iter().any(|d| d.code.as_str() == "host-ip" && d.message.contains(&format!("`{ip}`")));
        assert!(warned, "{port}: {:?}", c.diagnostics);
    }
    // `::80` has an empty IP and an empty host port (an ephemeral port in Compose): the
    // error is the missing host port, not an invalid IP ``.
    let errors = found("services:\n  web:\n    image: x\n    ports: [\"::80\"]\n", "missing-host-port");
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn the_documents_of_one_file_merge_as_successive_files() {
    // compose-go decodes every document of a file and merges each over the ones before.
    let text = "services:\n  web:\n    image: x\n    ports: [\"80:3000\"]\n  gone:\n    image: y\n---\n\
                services:\n  web:\n    ports: !override [\"81:3000\"]\n  gone: !reset\n  api:\n    image: z\n";
    let c = compile_files(&[text], &[]);
    assert!(c.template.is_some(), "{:?}", c.diagnostics);
    let json = serde_json::to_string(c.plan.as_ref().expect("a plan")).unwrap();
    assert!(json.contains("\"web\"") && json.contains("\"api\"") && !json.contains("\"gone\""), "{json}");
    let t: Value = serde_json::from_str(&c.template_text().unwrap()).unwrap();
    let ports: Vec<&str> = t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|r| r["Properties"]["Listeners"].as_array().into_iter().flatten())
        .filter_map(|l| l["LoadBalancerPort"].as_str())
        .collect();
    assert_eq!(ports, ["81"]);
}

/// The first container definition of a template.
fn container(template: &Value) -> Value {
    template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find_map(|r| r["Properties"]["ContainerDefinitions"].get(0).cloned())
        .expect("a container definition")
}

#[test]
fn booleans_written_as_strings_are_read_as_compose_casts_them() {
    // compose-go casts a string to a boolean field (`"true"`, `${VAR:-false}`, and YAML 1.1's
    // yes/no/on/off with a warning); we refused them, or read them as false.
    let text = "services:\n  web:\n    image: x\n    privileged: \"${PRIV:-false}\"\n    healthcheck:\n      \
                test: [\"CMD\", \"true\"]\n      disable: \"true\"\n    ports: [\"80:3000\"]\n";
    let c = compile_files(&[text], &[("PRIV", "true")]);
    let t: Value = serde_json::from_str(&c.template_text().unwrap_or_else(|| panic!("{:?}", c.diagnostics))).unwrap();
    let web = container(&t);
    assert_eq!(web["Privileged"], true, "{web}");
    assert!(web.get("HealthCheck").is_none(), "a disabled health check is kept: {web}");
    let yes = "services:\n  web:\n    image: x\n    privileged: yes\n    ports: [\"80:3000\"]\n";
    assert_eq!(found(yes, "wrong-type").len(), 1);
    assert_eq!(container(&template(yes))["Privileged"], true);
    let maybe = "services:\n  web:\n    image: x\n    privileged: maybe\n    ports: [\"80:3000\"]\n";
    assert_eq!(
        found(maybe, "wrong-type"),
        [("`privileged` must be true or false, not `maybe`".to_string(), "maybe".to_string())]
    );
}

#[test]
fn an_env_file_format_that_would_be_misread_is_refused() {
    // `format: raw` (docker compose) keeps quotes and `$` in values, which the `.env` rules
    // the deploy stage reads with would change; another format Compose refuses. Both were
    // silently read with the `.env` rules.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("web.env"), "JSON='{\"key\": \"value\"}'\n").unwrap();
    for (format, help) in [("raw", "remove `format: raw`"), ("yaml", "Compose knows")] {
        let text = format!(
            "services:\n  web:\n    image: x\n    env_file:\n      - path: web.env\n        format: {format}\n    ports: [\"80:3000\"]\n"
        );
        let c = compile_in(dir.path(), &text);
        let d = c.diagnostics.iter().find(|d| d.code.as_str() == "env-file");
        let d = d.unwrap_or_else(|| panic!("format {format}: no env-file error: {:?}", c.diagnostics));
        assert!(d.message.contains(&format!("`format: {format}` is not supported")), "{d:?}");
        assert!(d.help.as_deref().is_some_and(|h| h.contains(help)), "{d:?}");
        assert_eq!(d.span.map(|s| &text[s.start..s.end]), Some(format));
    }
}

#[test]
fn only_dollar_brace_opens_a_reference_in_a_default() {
    // compose-go closes `${…}` at the first `}` not owed to a nested `${`: `${X:-{}` is `{`.
    use compose_cfn::load::interpolate::interpolate;
    let unset = |_: &str| None;
    assert_eq!(interpolate("${X:-{}", &unset).map(|r| r.text), Ok("{".to_string()));
    assert_eq!(interpolate("${X:-{a}}b", &unset).map(|r| r.text), Ok("{a}b".to_string()));
}

#[test]
fn a_reset_entry_of_environment_or_labels_removes_the_earlier_files_key() {
    // The merge specification's own example: `environment: {FOO: !reset null}` in a later
    // file removes FOO. We refused it ("a merge tag inside `environment` is not supported").
    let base = "services:\n  web:\n    image: x\n    ports: [\"80:3000\", \"81:3001\"]\n    environment: {A: \"1\", B: \"2\"}\n    \
                labels: {convox.port.81.protocol: http}\n";
    let over = "services:\n  web:\n    environment:\n      A: !reset null\n    labels:\n      convox.port.81.protocol: !reset\n";
    let c = compile_files(&[base, over], &[]);
    let t: Value = serde_json::from_str(&c.template_text().unwrap_or_else(|| panic!("{:?}", c.diagnostics))).unwrap();
    let web = container(&t);
    let names: Vec<&str> = web["Environment"].as_array().unwrap().iter().filter_map(|e| e["Name"].as_str()).collect();
    assert_eq!(names, ["B"]);
    // Port 81 is tcp again once its protocol label is reset.
    let listeners = t.to_string();
    assert!(!listeners.contains("\"Protocol\":\"HTTP\""), "{listeners}");
}

#[test]
fn a_variable_in_a_mapping_key_is_said_to_stay_as_written() {
    // Compose interpolates values only: `"convox.port.${P}.protocol": https` keeps `${P}` in
    // its key. We said "`the port` is not a port number"; the fix is the list form.
    let text = "services:\n  web:\n    image: x\n    ports: [\"80:3000\"]\n    labels:\n      \"convox.port.${P}.protocol\": https\n";
    let c = compile_files(&[text], &[("P", "80")]);
    let d = c.diagnostics.iter().find(|d| d.code.as_str() == "unknown-label").expect("an unknown-label error");
    assert!(d.message.contains("a label key in mapping form is not interpolated"), "{d:?}");
    assert!(d.help.as_deref().is_some_and(|h| h.contains("`- convox.port.${P}.protocol=https`")), "{d:?}");
    // The list form is interpolated, as in Compose.
    let list = "services:\n  web:\n    image: x\n    ports: [\"80:3000\"]\n    labels:\n      - \"convox.port.${P}.protocol=https\"\n";
    assert!(compile_files(&[list], &[("P", "80")]).template.is_some());
}

#[test]
fn a_number_that_is_not_written_out_as_written_is_warned_about_at_its_value() {
    // `PIN: 0123` reached the container as "123" without a word (Compose's go-yaml reads `010`
    // as octal 8): neither is what was written. The value stays as read; only a warning says so.
    let text = "services:\n  web:\n    image: x\n    ports: [\"80:3000\"]\n    environment:\n      PIN: 0123\n      \
                ZIP: \"02134\"\n      HEX: 0x1F\n      BIG: 1_000\n      EXP: 1e3\n      PORT: 42\n      RATIO: 0.5\n    \
                labels:\n      x.code: 007\n  other:\n    extends: web\n";
    let warned = found(text, "wrong-type");
    let expected = [
        ("`PIN: 0123` is read as the number 123 and loses its leading zero", "0123"),
        ("`HEX: 0x1F` is read as the number 31, not as the text written", "0x1F"),
        ("`BIG: 1_000` is read as the number 1000, not as the text written", "1_000"),
        ("`EXP: 1e3` is read as the number 1000, not as the text written", "1e3"),
        ("`x.code: 007` is read as the number 7 and loses its leading zero", "007"),
    ];
    // Once each, though `other` inherits them all through `extends:`.
    assert_eq!(warned, expected.map(|(m, at)| (m.to_string(), at.to_string())));
    let c = compile_files(&[text], &[]);
    let pin = c.diagnostics.iter().find(|d| d.message.starts_with("`PIN")).unwrap();
    assert!(!pin.is_error());
    let help = "quote it: `PIN: \"0123\"`: YAML parsers disagree on a leading zero (Compose's reads `010` as octal 8)";
    assert_eq!(pin.help.as_deref(), Some(help));
    let env = container(&template(text))["Environment"].clone();
    assert!(env.as_array().unwrap().contains(&serde_json::json!({"Name": "PIN", "Value": "123"})), "{env}");
}

#[test]
fn an_env_file_problem_names_the_file_it_is_in() {
    // Every dotenv-syntax message began "`.env`", whichever `env_file:` held the bad line.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("config")).unwrap();
    std::fs::write(dir.path().join("config/app.env"), "TOKEN hunter2\n").unwrap();
    std::fs::write(dir.path().join("raw.env"), "KEY='unclosed\n").unwrap();
    let text = "services:\n  web:\n    image: x\n    env_file: [config/app.env, raw.env]\n    ports: [\"80:3000\"]\n";
    let c = compile_in(dir.path(), text);
    let messages: Vec<&str> =
        c.diagnostics.iter().filter(|d| d.code.as_str() == "dotenv").map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        ["`config/app.env` line: expected `=` after the name", "`raw.env`: this single quote is never closed"]
    );
}

#[test]
fn the_untranslated_key_help_names_scale_among_the_translated_keys() {
    // `scale` is read as the replica count, but the help listing what is translated left it out.
    let c = compile_files(&["services:\n  web:\n    image: x\n    scale: 2\n    stop_signal: SIGINT\n"], &[]);
    let d = c.diagnostics.iter().find(|d| d.code.as_str() == "untranslated-key").expect("an untranslated-key warning");
    assert!(d.help.as_deref().is_some_and(|h| h.contains("healthcheck, scale, deploy.replicas,")), "{d:?}");
}
