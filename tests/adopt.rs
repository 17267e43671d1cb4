//! Adoption of Convox's own app templates (fixtures/convox-stacks, from convox/rack): for each,
//! `compile --adopt` of its manifest, then the old stack read against the adopted template by
//! meaning — no balancer replaced or removed, no listener lost, every instance port and
//! certificate kept, no resource replaced — and every adopted template clean under cfn-lint.

mod common;

use common::{python_tool, run_in};
use compose_cfn::deploy::stack::bind;
use compose_cfn::review::diff::{Action, Subject, diff};
use compose_cfn::review::view::StackView;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn stacks() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/convox-stacks")
}

/// The fixture names: every `NAME.yml` beside its `NAME.json` and `NAME.parameters.json`.
fn names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(stacks())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".yml").map(String::from))
        .collect();
    names.sort();
    names
}

/// `compose-cfn compile --app httpd NAME.yml --adopt NAME.json --adopt-parameters …
/// --env-migrated` + extra (every fixture stack has a Convox environment: see
/// `a_convox_environment_is_refused_with_its_migration_unless_acknowledged`).
fn adopt(name: &str, extra: &[&str]) -> common::Run {
    run_in(&stacks(), &adopt_args(name, extra), &[])
}

/// The arguments of [`adopt`], to run in another directory holding the three files.
fn adopt_args(name: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["compile", "--app", "httpd", &format!("{name}.yml")].map(String::from).to_vec();
    args.extend([
        "--adopt".into(),
        format!("{name}.json"),
        "--adopt-parameters".into(),
        format!("{name}.parameters.json"),
        "--env-migrated".into(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// A successful adoption's run and template.
fn adopted(name: &str, extra: &[&str]) -> (common::Run, Value) {
    let run = adopt(name, extra);
    assert_eq!(run.code, 0, "{name}: {}", run.stderr);
    let template = serde_json::from_str(&run.stdout).unwrap();
    (run, template)
}

/// The live stack as its values make it: the Convox template with each parameter's default
/// replaced by the value the rack passed, as `deploy` reads a live stack.
fn live(name: &str) -> Value {
    bind(&read(&format!("{name}.json")), &values(name))
}

fn read(file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(stacks().join(file)).unwrap()).unwrap()
}

/// The live stack's parameter values.
fn values(name: &str) -> BTreeMap<String, String> {
    read(&format!("{name}.parameters.json"))["Stacks"][0]["Parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["ParameterKey"].as_str().unwrap().to_string(), p["ParameterValue"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn every_convox_fixture_stack_is_adopted_without_losing_a_balancer_or_listener() {
    let names = names();
    assert_eq!(names.len(), 10, "the ten convox/rack fixtures with balancers: {names:?}");
    for name in names {
        let run = adopt(&name, &[]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert!(run.stderr.contains("0 replaced, 0 removed"), "{name}: {}", run.stderr);
        let old = StackView::from_value(&live(&name)).unwrap();
        let new = StackView::parse(&run.stdout).unwrap();
        assert!(!old.balancers.is_empty(), "{name}: the Convox template has balancers");
        for (service, b) in &old.balancers {
            let a = new.balancers.get(service).unwrap_or_else(|| panic!("{name}: balancer of {service} lost"));
            assert_eq!(a.logical_id, b.logical_id, "{name}: {service}'s balancer keeps its logical ID");
            assert_eq!(a.scheme, b.scheme, "{name}: {service}'s scheme");
            let name_of = |v: &StackView| v.resources[&b.logical_id].properties.get("LoadBalancerName").cloned();
            assert_eq!(name_of(&new), name_of(&old), "{name}: {service}'s LoadBalancerName");
            assert!(name_of(&old).is_some_and(|n| n.is_string()), "{name}: a resolved physical name");
            for (port, l) in &b.listeners {
                let m = a.listeners.get(port).unwrap_or_else(|| panic!("{name}: listener {service}:{port} lost"));
                assert_eq!(m.instance_port, l.instance_port, "{name}: {service}:{port} instance port");
                assert_eq!(m.certificate, l.certificate, "{name}: {service}:{port} certificate");
                assert_eq!((&m.protocol, &m.exposure), (&l.protocol, &l.exposure), "{name}: {service}:{port}");
            }
        }
        let changes = diff(&old, &new, "live", "adopted").changes;
        let bad: Vec<_> = changes
            .iter()
            .filter(|c| match (&c.subject, c.action) {
                (Subject::Resource { resource_type, .. }, Action::Replaced) => {
                    resource_type != "AWS::ECS::TaskDefinition"
                }
                (Subject::Resource { .. } | Subject::Balancer { .. } | Subject::Listener { .. }, Action::Removed) => {
                    true
                }
                (Subject::Balancer { .. }, Action::Replaced | Action::Added) => true,
                _ => c.warning.is_some(),
            })
            .collect();
        assert!(bad.is_empty(), "{name}: {bad:#?}");
    }
}

#[test]
fn every_service_keeps_the_count_convox_scale_gave_it() {
    // web_redis.parameters.json has `WebFormation` 3,512,1024: `convox scale web --count 3 …`.
    let mut counted = 0;
    for name in names() {
        let (run, template) = adopted(&name, &[]);
        let values = values(&name);
        for (id, r) in read(&format!("{name}.json"))["Resources"].as_object().unwrap() {
            let Some(count) = r.pointer("/Properties/DesiredCount") else { continue };
            // Convox's `DesiredCount` selects the first of `<Svc>Formation` (count,cpu,memory).
            let formation = count.pointer("/Fn::Select/1/Ref").and_then(Value::as_str).unwrap();
            let count: u64 = values[formation].split(',').next().unwrap().parse().unwrap();
            let new = &template["Resources"][id]["Properties"]["DesiredCount"];
            assert_eq!(new, &Value::from(count), "{name}: {id} keeps its live count");
            assert!(
                run.stderr.contains(&format!("{id} (AWS::ECS::Service)  DesiredCount kept at its live value {count}")),
                "{name}: {}",
                run.stderr
            );
            counted += 1;
        }
    }
    assert!(counted >= 10, "every fixture's services were checked: {counted}");
    let (_, web_redis) = adopted("web_redis", &[]);
    assert_eq!(web_redis["Resources"]["ServiceWeb"]["Properties"]["DesiredCount"], 3);
    // …and `--cpu 512 --memory 1024`, which the manifest does not set.
    let web = &web_redis["Resources"]["WebTaskDefinition"]["Properties"]["ContainerDefinitions"][0];
    assert_eq!((&web["Cpu"], &web["MemoryReservation"], web.get("Memory")), (&512.into(), &1024.into(), None));
}

#[test]
fn a_certificate_the_rack_bound_stays_bound() {
    let (_, t) = adopted("balancer_labels", &[]);
    let arn = "arn:aws:iam::123456789012:server-certificate/cert-convox-test-1496268262";
    assert_eq!(t["Parameters"]["MainPort443Certificate"]["Default"], arn);
    assert_eq!(
        t["Parameters"]["MainPort443Host"]["Default"],
        live("balancer_labels")["Parameters"]["MainPort443Host"]["Default"]
    );
    let listener = &t["Resources"]["BalancerMain"]["Properties"]["Listeners"][0];
    assert_eq!(listener["SSLCertificateId"]["Ref"], "MainPort443Certificate");
    let self_signed = t["Metadata"]["ComposeCfn"]["SelfSignedCertificates"].as_array().unwrap();
    assert!(self_signed.is_empty(), "the bound certificate is not replaced by a self-signed one: {self_signed:?}");
}

#[test]
fn a_parameters_file_is_never_quoted_in_a_refusal_that_points_into_it() {
    // The certificate is dropped (no tls label), a refusal placed at its ARN in the values
    // file. Written on one line, as `describe-stacks --output json | jq -c` makes it, that line
    // holds every other value: the KMS key among them.
    let dir = tempfile::tempdir().unwrap();
    // A password just before the certificate's value, which the snippet's window would show.
    let mut values: Value = read("balancer_labels.parameters.json");
    let parameters = values["Stacks"][0]["Parameters"].as_array_mut().unwrap();
    let at = parameters.iter().position(|p| p["ParameterKey"] == "MainPort443Certificate").unwrap();
    // The value written before the key puts the password right beside the ARN.
    let arn = parameters.remove(at)["ParameterValue"].clone();
    parameters.insert(at, serde_json::json!({"ParameterValue": arn, "ParameterKey": "MainPort443Certificate"}));
    parameters.insert(at, serde_json::json!({"ParameterKey": "DbPassword", "ParameterValue": "SECRETX"}));
    let one_line = values.to_string();
    std::fs::write(dir.path().join("balancer_labels.parameters.json"), one_line).unwrap();
    std::fs::copy(stacks().join("balancer_labels.json"), dir.path().join("balancer_labels.json")).unwrap();
    let manifest = std::fs::read_to_string(stacks().join("balancer_labels.yml")).unwrap();
    let plain = manifest.replace("    - convox.port.443.protocol=tls\n", "");
    std::fs::write(dir.path().join("balancer_labels.yml"), plain).unwrap();
    let run = run_in(dir.path(), &adopt_args("balancer_labels", &[]), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("adopting would drop the certificate"), "{}", run.stderr);
    assert!(run.stderr.contains("balancer_labels.parameters.json:1:"), "placed in the values file: {}", run.stderr);
    assert!(!run.stderr.contains("SECRET"), "a value was shown:\n{}", run.stderr);
}

#[test]
fn convox_resources_are_kept_unless_removal_is_allowed() {
    let (kept, t) = adopted("web_redis", &[]);
    assert_eq!(t["Resources"]["Settings"]["Type"], "AWS::S3::Bucket", "carried over as it is");
    assert!(kept.stderr.contains("Settings (AWS::S3::Bucket)  Convox's, kept as it is"), "{}", kept.stderr);

    let (removed, t) = adopted("web_redis", &["--allow-removal"]);
    assert!(t["Resources"].get("Settings").is_none());
    assert!(removed.stderr.contains("Settings (AWS::S3::Bucket)  Convox's, REMOVED"), "{}", removed.stderr);
    assert!(!removed.stderr.contains("0 removed"), "{}", removed.stderr);
}

#[test]
fn diff_with_the_live_parameters_shows_every_instance_port_and_certificate_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut unbound_misreads = 0;
    for name in names() {
        let (_, template) = adopted(&name, &[]);
        let ours = dir.path().join(format!("{name}.json"));
        std::fs::write(&ours, template.to_string()).unwrap();
        let diff = |extra: &[&str]| {
            let mut args = vec!["diff".to_string()];
            args.extend(extra.iter().map(|s| s.to_string()));
            args.extend([format!("{name}.json"), ours.display().to_string()]);
            run_in(&stacks(), &args, &[])
        };
        let params = format!("{name}.parameters.json");
        let bound = diff(&["--old-parameters", &params]);
        assert_eq!(bound.code, 1, "{name}: resources change: {}", bound.stderr);
        for misread in ["instance port:", "certificate:", "container port:", "replaced"] {
            assert!(
                !bound.stdout.contains(misread),
                "{name}: `{misread}` with the live values bound:\n{}",
                bound.stdout
            );
        }
        // Without them the old side has the template's defaults: the ports differ.
        unbound_misreads += usize::from(diff(&[]).stdout.contains("instance port:"));
    }
    assert_eq!(unbound_misreads, 10, "every fixture's ports read from defaults differ from the live ones");

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "[\n  {\"ParameterKey\": \"X\",\n").unwrap();
    let args = ["diff", "--old-parameters", broken.to_str().unwrap(), "worker.json", "worker.json"].map(String::from);
    let run = run_in(&stacks(), &args, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("broken.json:3:1: not JSON"), "{}", run.stderr);
}

#[test]
fn a_replacement_is_refused_with_its_property_and_reason_unless_allowed() {
    // An app the rack made internal (`Internal=Yes`): its balancers' scheme is `internal`, and
    // the manifest's ports are public, so keeping them in place is impossible.
    let dir = tempfile::tempdir().unwrap();
    for file in ["multi_balancer.yml", "multi_balancer.json"] {
        std::fs::copy(stacks().join(file), dir.path().join(file)).unwrap();
    }
    let mut params = read("multi_balancer.parameters.json");
    for p in params["Stacks"][0]["Parameters"].as_array_mut().unwrap() {
        if p["ParameterKey"] == "Internal" {
            p["ParameterValue"] = "Yes".into();
        }
    }
    std::fs::write(dir.path().join("multi_balancer.parameters.json"), params.to_string()).unwrap();
    let args = |extra: &[&str]| adopt_args("multi_balancer", extra);
    let why = "Scheme changes (a Classic ELB's Scheme is set only at creation: a new balancer gets a new DNS name)";

    let refused = run_in(dir.path(), &args(&[]), &[]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stdout.is_empty(), "no template when refused: {}", refused.stdout);
    assert!(
        refused.stderr.contains(&format!("! BalancerWeb (AWS::ElasticLoadBalancing::LoadBalancer)  REPLACED: {why}"))
    );
    let error = "error[adopt]: adopting would replace BalancerWeb (Scheme changes: a Classic ELB's Scheme";
    assert!(refused.stderr.contains(error), "{}", refused.stderr);
    assert!(refused.stderr.contains("BalancerWorker (Scheme changes"), "{}", refused.stderr);
    assert!(refused.stderr.contains("multi_balancer.json:328:5"), "located at the balancer: {}", refused.stderr);
    assert!(refused.stderr.contains("--allow-replacement"), "{}", refused.stderr);

    let allowed = run_in(dir.path(), &args(&["--allow-replacement"]), &[]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(allowed.stderr.contains("2 replaced, 0 removed"), "{}", allowed.stderr);
    let t: Value = serde_json::from_str(&allowed.stdout).unwrap();
    assert_eq!(t["Resources"]["BalancerWeb"]["Properties"]["Scheme"], "internet-facing", "the manifest's scheme");
}

#[test]
fn a_convox_environment_is_refused_with_its_migration_unless_acknowledged() {
    let url = "https://convox-test-settings-1x2y3z.s3.amazonaws.com/releases/RKQSNMIKXHW/env";
    let key = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
    let dir = tempfile::tempdir().unwrap();
    for file in ["worker.yml", "worker.json", "worker.parameters.json"] {
        std::fs::copy(stacks().join(file), dir.path().join(file)).unwrap();
    }
    let args = |extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> =
            ["compile", "--app", "httpd", "worker.yml", "--adopt", "worker.json", "-o", "adopted.json"]
                .map(String::from)
                .to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let with_values = ["--adopt-parameters", "worker.parameters.json"];

    let refused = run_in(dir.path(), &args(&with_values), &[]);
    assert_eq!(refused.code, 1, "the exit of every adoption refusal: {}", refused.stderr);
    assert!(!dir.path().join("adopted.json").exists(), "no template written when refused");
    let error = format!(
        "error[adopt]: the live stack gives its services the environment `convox env` set (the file {url}, encrypted with the KMS key {key}), which Convox's task-definition function decrypted into every container"
    );
    assert!(refused.stderr.contains(&error), "{}", refused.stderr);
    assert!(refused.stderr.contains("every `convox env` variable would be lost on the first deploy"));
    // Located at the template's `Environment` parameter, not at a task definition's use of it.
    let template = std::fs::read_to_string(stacks().join("worker.json")).unwrap();
    let parameters = template.find("\"Parameters\"").unwrap();
    let line = template[..parameters + template[parameters..].find("\"Environment\"").unwrap()].lines().count();
    assert!(refused.stderr.contains(&format!("worker.json:{line}:5")), "line {line}: {}", refused.stderr);
    for help in [
        "convox env -a APP | compose-cfn convox-env -o convox.env",
        "add `env_file: convox.env`",
        "out of git",
        "--env-migrated",
    ] {
        assert!(refused.stderr.contains(help), "help `{help}`: {}", refused.stderr);
    }
    // The decisions come first, the environment's among them.
    assert!(refused.stderr.contains("! parameter Environment  Convox's environment is no longer read"));

    // The template alone: refused too, without a place to name.
    let alone = run_in(dir.path(), &args(&[]), &[]);
    assert_eq!(alone.code, 1, "{}", alone.stderr);
    assert!(alone.stderr.contains("give --adopt-parameters to see which"), "{}", alone.stderr);

    // Acknowledged: the adoption proceeds and says where the environment was.
    let migrated = run_in(dir.path(), &args(&[&with_values[..], &["--env-migrated"]].concat()), &[]);
    assert_eq!(migrated.code, 0, "{}", migrated.stderr);
    assert!(!migrated.stderr.contains("error"), "{}", migrated.stderr);
    assert!(migrated.stderr.contains(&format!("in the file {url}, encrypted with the KMS key {key}")));
    assert!(migrated.stderr.contains("0 replaced, 0 removed; `convox env` no longer read"), "{}", migrated.stderr);
    assert!(dir.path().join("adopted.json").exists());
    let json = run_in(dir.path(), &args(&[&with_values[..], &["--env-migrated", "--format", "json"]].concat()), &[]);
    let decision = format!(r#""action":"environment-not-read","url":"{url}","key":"{key}"}}"#);
    assert!(json.stderr.lines().any(|l| l.ends_with(&decision)), "{}", json.stderr);

    // The migration the help gives works: the variables become deploy-time NoEcho parameters,
    // their values never reach the template.
    std::fs::write(dir.path().join("convox.env"), "DATABASE_URL=postgres://u:s3cr3t@db/app\n").unwrap();
    let manifest = std::fs::read_to_string(dir.path().join("worker.yml")).unwrap();
    let manifest = manifest.replacen("worker:\n", "worker:\n  env_file: convox.env\n", 1);
    assert!(manifest.contains("env_file: convox.env"), "{manifest}");
    std::fs::write(dir.path().join("worker.yml"), manifest).unwrap();
    let run = run_in(dir.path(), &args(&[&with_values[..], &["--env-migrated"]].concat()), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let adopted = std::fs::read_to_string(dir.path().join("adopted.json")).unwrap();
    let t: Value = serde_json::from_str(&adopted).unwrap();
    assert_eq!(t["Parameters"]["EnvDatabaseUrl"]["NoEcho"], true, "{adopted}");
    assert!(!adopted.contains("s3cr3t"), "no value in the template");

    // The flag belongs to adoption.
    let run = run_in(dir.path(), &["compile", "worker.yml", "--env-migrated"].map(String::from), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--adopt"), "{}", run.stderr);
}

/// Convox put `convox env` over the manifest's `environment:`; Compose (and the adopted stack)
/// does the opposite. With the environment moved into `convox.env` (`--env-migrated`), each
/// variable set in both is a located warning naming the key and the file, never a value; the
/// same manifest outside an adoption says nothing new; denying the warning withholds the template.
#[test]
fn a_variable_in_environment_and_the_migrated_env_file_warns_of_the_precedence_flip() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["worker.yml", "worker.json", "worker.parameters.json"] {
        std::fs::copy(stacks().join(file), dir.path().join(file)).unwrap();
    }
    // The env file's values (which may be secrets) must never reach an output.
    let env = "AWS_SECRET_ACCESS_KEY=fr0m-c0nv0x-env\nDATABASE_URL=postgres://u:s3cr3t@db/app\n";
    std::fs::write(dir.path().join("convox.env"), env).unwrap();
    let manifest = std::fs::read_to_string(dir.path().join("worker.yml")).unwrap();
    let manifest = manifest.replacen("worker:\n", "worker:\n  env_file: convox.env\n", 1);
    let manifest = manifest.replacen(
        "   - AWS_ACCESS_KEY\n",
        "   - AWS_ACCESS_KEY\n   - DATABASE_URL=postgres://m4nifest@db/app\n",
        1,
    );
    std::fs::write(dir.path().join("worker.yml"), &manifest).unwrap();
    let args = |extra: &[&str]| adopt_args("worker", &[&["-o", "adopted.json"], extra].concat());
    let line = |needle: &str| manifest[..manifest.find(needle).unwrap()].lines().count() + 1;

    let run = run_in(dir.path(), &args(&[]), &[]);
    assert_eq!(run.code, 0, "a warning, not a refusal: {}", run.stderr);
    assert!(dir.path().join("adopted.json").exists());
    for (key, at) in [("AWS_SECRET_ACCESS_KEY", line("   - AWS_SECRET")), ("DATABASE_URL", line("   - DATABASE_URL"))] {
        let warning = format!(
            "warning[env-precedence]: `{key}` is set by `environment:` and by env_file `convox.env`: Compose (and this stack) takes `environment:`'s, Convox took `convox env`'s"
        );
        assert!(run.stderr.contains(&warning), "{key}: {}", run.stderr);
        assert!(run.stderr.contains(&format!("--> worker.yml:{at}:6")), "{key} at line {at}: {}", run.stderr);
        assert!(run.stderr.contains(&format!("remove `{key}` from `environment:` to keep the value Convox used")));
    }
    // Only the overlap: a key of the file alone, or of `environment:` alone, is not named.
    assert!(!run.stderr.contains("`AWS_ACCESS_KEY` is set"), "{}", run.stderr);
    assert_eq!(run.stderr.matches("warning[env-precedence]").count(), 2, "{}", run.stderr);
    let adopted = std::fs::read_to_string(dir.path().join("adopted.json")).unwrap();
    for secret in ["fr0m-c0nv0x-env", "s3cr3t"] {
        assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret), "{secret}: {}", run.stderr);
        assert!(!adopted.contains(secret), "{secret} in the template");
    }
    let json = run_in(dir.path(), &args(&["--format", "json"]), &[]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert!(json.stderr.contains(r#""code":"env-precedence""#), "{}", json.stderr);
    assert!(!json.stderr.contains("fr0m-c0nv0x-env") && !json.stderr.contains("s3cr3t"), "{}", json.stderr);

    // Denied (`-D env-precedence`; `-D warnings` too): an error, and no template.
    std::fs::remove_file(dir.path().join("adopted.json")).unwrap();
    let denied = run_in(dir.path(), &[vec!["-D".to_string(), "env-precedence".to_string()], args(&[])].concat(), &[]);
    assert_eq!(denied.code, 1, "{}", denied.stderr);
    assert!(denied.stderr.contains("error[env-precedence]"), "{}", denied.stderr);
    assert!(!dir.path().join("adopted.json").exists(), "no template when the warning is denied");

    // Outside an adoption, `environment:` over an env_file is ordinary Compose: nothing said.
    let plain = run_in(dir.path(), &["compile", "--app", "httpd", "worker.yml"].map(String::from), &[]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(!plain.stderr.contains("env-precedence"), "{}", plain.stderr);
}

#[test]
fn a_template_convox_did_not_make_is_refused_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.json");
    let compiled = run_in(&stacks(), &["compile".into(), "--app".into(), "httpd".into(), "worker.yml".into()], &[]);
    assert_eq!(compiled.code, 0, "{}", compiled.stderr);
    std::fs::write(&ours, &compiled.stdout).unwrap();
    let args: Vec<String> =
        ["compile", "--app", "httpd", "worker.yml", "--adopt", ours.to_str().unwrap()].map(String::from).to_vec();
    let run = run_in(&stacks(), &args, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no template on an error");
    assert!(run.stderr.contains("error[adopt]") && run.stderr.contains("not made by Convox"), "{}", run.stderr);
    let line = compiled.stdout.lines().position(|l| l.contains("\"Resources\"")).unwrap() + 1;
    assert!(run.stderr.contains(&format!("ours.json:{line}:")), "located at `Resources`:\n{}", run.stderr);

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"TemplateBody\": [\n}\n").unwrap();
    let args: Vec<String> =
        ["compile", "--app", "httpd", "worker.yml", "--adopt", broken.to_str().unwrap()].map(String::from).to_vec();
    let run = run_in(&stacks(), &args, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("broken.json:3:1"), "{}", run.stderr);
}

/// cfn-lint's findings per file, each as `(rule, section/name)`: `W3005 Resources/ServiceWeb`.
fn lint(files: &[PathBuf]) -> BTreeMap<PathBuf, Vec<(String, String)>> {
    let output = Command::new(python_tool("cfn-lint", "CFN_LINT"))
        .args(["--format", "json"])
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run cfn-lint ({e}); `bash .ci/run` installs it into target/pytools"));
    let findings: Vec<Value> = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("cfn-lint JSON: {e}\n{}", String::from_utf8_lossy(&output.stderr)));
    let mut out: BTreeMap<PathBuf, Vec<(String, String)>> = files.iter().map(|f| (f.clone(), Vec::new())).collect();
    for f in findings {
        let path: Vec<String> =
            f["Location"]["Path"].as_array().unwrap().iter().take(2).map(|p| p.to_string()).collect();
        let file = PathBuf::from(f["Filename"].as_str().unwrap());
        out.get_mut(&file)
            .unwrap_or_else(|| panic!("cfn-lint named {}", file.display()))
            .push((f["Rule"]["Id"].as_str().unwrap().to_string(), path.join("/")));
    }
    out
}

/// cfn-lint finds nothing in an adopted template but what it finds in the same place of
/// Convox's own (the rack's Lambda runtime, its bucket's legacy ACL): what is carried over
/// verbatim is the live stack's, and adoption adds no finding of its own.
#[test]
fn every_adopted_template_passes_cfn_lint() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cfn-lint-adopted");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut pairs = Vec::new();
    for name in names() {
        let original = stacks().join(format!("{name}.json"));
        for (extra, suffix) in [(&[][..], ""), (&["--allow-removal"][..], "-removal")] {
            let run = adopt(&name, extra);
            assert_eq!(run.code, 0, "{name}: {}", run.stderr);
            let file = dir.join(format!("{name}{suffix}.json"));
            std::fs::write(&file, run.stdout).unwrap();
            pairs.push((file, original.clone()));
        }
    }
    let files: Vec<PathBuf> = pairs.iter().flat_map(|(a, o)| [a.clone(), o.clone()]).collect();
    let findings = lint(&files);
    assert!(findings.values().any(|f| !f.is_empty()), "cfn-lint finds the rack's own findings: is it running?");
    for (adopted, original) in pairs {
        let new: Vec<_> = findings[&adopted].iter().filter(|f| !findings[&original].contains(f)).collect();
        assert!(new.is_empty(), "{}: findings adoption added: {new:?}", adopted.display());
    }
}

/// The JSON files of `diff --old-parameters`, `--adopt` and `--adopt-parameters` go through one
/// reader; each command reports its failures its own way: `diff` as a usage error (exit 2),
/// `--adopt` as a usage error for a file it cannot read (exit 2) and a located `adopt` error
/// for one that is not JSON (exit 1).
#[test]
fn json_inputs_that_cannot_be_read_are_refused_by_name_by_diff_and_adopt() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let diff = |file: &str| {
        run_in(&stacks(), &["diff", "--old-parameters", file, "worker.json", "worker.json"].map(String::from), &[])
    };
    let adopt = |flag: &str, file: &str| {
        let mut args = ["compile", "--app", "httpd", "worker.yml", "--adopt"].map(String::from).to_vec();
        match flag {
            "--adopt" => args.push(file.to_string()),
            _ => args.extend(["worker.json", flag, file].map(String::from)),
        }
        run_in(&stacks(), &args, &[])
    };
    // Over the cap by its size (a sparse file, never read), and a device that never ends.
    let big = path("big.json");
    std::fs::File::create(&big).unwrap().set_len(16 * 1024 * 1024 + 1).unwrap();
    let unreadable = [
        (path("missing.json"), "missing.json`: No such file or directory".to_string()),
        (big.clone(), "big.json`: it is larger than the 16777216 bytes allowed".to_string()),
        ("/dev/zero".to_string(), "`/dev/zero`: it is larger than the 16777216 bytes allowed".to_string()),
        (dir.path().display().to_string(), "`: it is a directory; give the JSON file in it".to_string()),
    ];
    for (file, expected) in &unreadable {
        for run in [diff(file), adopt("--adopt", file), adopt("--adopt-parameters", file)] {
            assert_eq!(run.code, 2, "{file}: {}", run.stderr);
            let error = run.stderr.lines().find(|l| l.starts_with("error: cannot read `"));
            assert!(error.is_some_and(|l| l.contains(expected.as_str())), "{file}: {}", run.stderr);
            assert!(run.stdout.is_empty(), "{file}: no template: {}", run.stdout);
        }
    }

    // Not JSON, on a line with non-ASCII text before the error: the column counts characters.
    let bad = path("bad.json");
    std::fs::write(&bad, "[\n  {\"ParameterKey\": \"Pässwort\", \"ParameterValue\": \"s3cr3t\" x}\n]\n").unwrap();
    let run = diff(&bad);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("bad.json:2:59: not JSON: expected `,` or `}`"), "{}", run.stderr);
    assert!(!run.stderr.contains("s3cr3t"), "a parameters file's line is not shown: {}", run.stderr);
    let run = adopt("--adopt-parameters", &bad);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("error[adopt]: "), "{}", run.stderr);
    assert!(run.stderr.contains("bad.json:2:59: not JSON: expected `,` or `}`"), "{}", run.stderr);
    assert!(!run.stderr.contains("s3cr3t"), "a parameters file's line is not shown: {}", run.stderr);
    // A template's line is shown, with a caret under the error.
    let run = adopt("--adopt", &bad);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("error[adopt]: `"), "{}", run.stderr);
    assert!(run.stderr.contains("bad.json` is not JSON: expected `,` or `}`"), "{}", run.stderr);
    assert!(run.stderr.contains("bad.json:2:59\n"), "{}", run.stderr);
    let caret = run.stderr.lines().find(|l| l.trim_end().ends_with('^')).expect("a caret line");
    let line = run.stderr.lines().find(|l| l.contains("Pässwort")).expect("the line shown");
    let column = |l: &str, at: usize| l.char_indices().position(|(i, _)| i == at).unwrap();
    assert_eq!(column(caret, caret.find('^').unwrap()), column(line, line.find(" x}").unwrap() + 1), "{}", run.stderr);
}
