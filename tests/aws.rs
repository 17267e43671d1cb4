//! The seed's workflow on AWS, end to end against a moto server on loopback: deploy with a
//! self-signed certificate, certs, ssl, a service with `env_file:` and Compose `secrets:`, and
//! the faults of issue 9. Where moto differs from AWS (see the reference), these tests check
//! the tool's own checks, which run before any AWS call.

#![cfg(feature = "aws")]

mod common;
mod moto;

use common::{Run, run_in};
use moto::Moto;
use std::path::Path;

const SEED: &str = "web:\n  labels:\n    - convox.port.443.protocol=https\n  ports:\n    - 80:3000\n    - 443:3000\n";

/// An app folder named `seed` holding `compose`.
fn app(compose: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("aws-test").tempdir().unwrap();
    std::fs::create_dir(dir.path().join("seed")).unwrap();
    std::fs::write(dir.path().join("seed/docker-compose.yml"), compose).unwrap();
    dir
}

fn run(moto: &Moto, dir: &Path, args: &[&str]) -> Run {
    run_env(moto, dir, args, &[])
}

fn run_env(moto: &Moto, dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> Run {
    let mut env = moto.env();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let r = run_in(&dir.join("seed"), &args, &env);
    not_printed(&r, &["fake-secret-never-printed", "PRIVATE KEY"]);
    r
}

/// Fails when a run printed any of `secrets`.
fn not_printed(r: &Run, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !r.stdout.contains(secret) && !r.stderr.contains(secret),
            "printed {secret}:\n{}{}",
            r.stdout,
            r.stderr
        );
    }
}

/// `args` followed by the `--param`s of the seed's network and cluster.
fn with_params<'a>(args: &[&'a str], params: &'a [String]) -> Vec<&'a str> {
    args.iter().copied().chain(params.iter().map(String::as_str)).collect()
}

fn ok(r: &Run, what: &str) {
    assert_eq!(r.code, 0, "{what}: exit {}\nstdout:\n{}\nstderr:\n{}", r.code, r.stdout, r.stderr);
}

fn first_deploy(moto: &Moto, dir: &Path) -> Run {
    let params = moto.seed_params();
    run(moto, dir, &with_params(&["deploy", "--stack", "seed", "--image", "web=nginx:1.27"], &params))
}

/// The ID in `Uploading certificate... OK, cert-…`.
fn id_after_ok(out: &str) -> String {
    out.split("OK, ").nth(1).expect("an ID after OK").split_whitespace().next().unwrap().to_string()
}

/// Generates a certificate for example.org in `dir` and uploads it with `certs create`; its ID.
fn create_example_certificate(moto: &Moto, dir: &Path) -> String {
    let r = run(
        moto,
        dir,
        &["certs", "self-signed", "example.org", "--cert-out", "example.org.pub", "--key-out", "example.org.key"],
    );
    ok(&r, "certs self-signed");
    let r = run(moto, dir, &["certs", "create", "example.org.pub", "example.org.key"]);
    ok(&r, "certs create");
    assert!(r.stdout.starts_with("Uploading certificate... OK, cert-"), "{}", r.stdout);
    id_after_ok(&r.stdout)
}

/// The row of `target` in `ssl`'s table.
fn ssl_row(moto: &Moto, dir: &Path, target: &str) -> String {
    let r = run(moto, dir, &["ssl", "--stack", "seed"]);
    ok(&r, "ssl");
    assert!(r.stdout.starts_with("TARGET"), "{}", r.stdout);
    r.stdout
        .lines()
        .find(|l| l.starts_with(target))
        .unwrap_or_else(|| panic!("no {target} in\n{}", r.stdout))
        .to_string()
}

#[test]
fn the_seed_workflow_end_to_end() {
    let moto = Moto::start();
    let dir = app(SEED);
    let d = dir.path();

    // deploy: the stack is created, web:443 gets the app's self-signed certificate.
    let r = first_deploy(&moto, d);
    ok(&r, "first deploy");
    assert!(r.stderr.contains("Uploading self-signed certificate compose-cfn-seed-self-signed-"), "{}", r.stderr);
    assert!(r.stdout.contains("Stack seed deployed."), "{}", r.stdout);
    assert!(r.stdout.contains("web:443    https://") && r.stdout.contains("web:80     tcp://"), "{}", r.stdout);
    let row = ssl_row(&moto, d, "web:443");
    assert!(row.contains("compose-cfn-seed-self-signed-") && row.contains("(self-signed)"), "{row}");
    assert!(row.contains("*.us-east-1.elb.amazonaws.com") && row.contains("from now"), "{row}");

    // A second deploy changes nothing and uploads nothing.
    let r = run(&moto, d, &["deploy", "--stack", "seed"]);
    ok(&r, "second deploy");
    assert!(r.stdout.contains("Stack seed is up to date: nothing to change."), "{}", r.stdout);
    assert!(!r.stderr.contains("Uploading"), "{}", r.stderr);
    let r = run(&moto, d, &["certs"]);
    ok(&r, "certs");
    assert_eq!(r.stdout.matches("compose-cfn-seed-self-signed-").count(), 1, "{}", r.stdout);
    let self_signed =
        r.stdout.lines().find(|l| l.contains("self-signed")).unwrap().split_whitespace().next().unwrap().to_string();

    // certs create with a certificate generated here.
    let cert = create_example_certificate(&moto, d);

    // ssl update web:443, then ssl shows it with its domain and expiry.
    let r = run(&moto, d, &["ssl", "update", "--stack", "seed", "web:443", &cert]);
    ok(&r, "ssl update");
    assert_eq!(r.stdout, "Updating certificate... OK\n");
    let row = ssl_row(&moto, d, "web:443");
    assert!(row.contains(&cert) && row.contains("example.org") && row.contains("from now"), "{row}");
    assert!(!row.contains("self-signed"), "{row}");

    // A third deploy keeps it.
    let r = run(&moto, d, &["deploy", "--stack", "seed"]);
    ok(&r, "third deploy");
    assert!(r.stdout.contains("nothing to change"), "{}", r.stdout);
    assert!(ssl_row(&moto, d, "web:443").contains(&cert));

    // certs generate; ssl update with that pending certificate is refused.
    let r = run(&moto, d, &["certs", "generate", "foo.example.org"]);
    ok(&r, "certs generate");
    assert!(r.stdout.starts_with("Requesting certificate... OK, acm-"), "{}", r.stdout);
    let acm = id_after_ok(&r.stdout);
    let r = run(&moto, d, &["ssl", "update", "--stack", "seed", "web:443", &acm]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("certificate-unusable") && r.stderr.contains("is still pending validation"),
        "{}",
        r.stderr
    );
    assert!(ssl_row(&moto, d, "web:443").contains(&cert), "the refused update changed nothing");
    let r = run(&moto, d, &["certs"]);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with(&acm) && l.contains("foo.example.org") && l.contains("pending validation")),
        "{}",
        r.stdout
    );

    // certs delete: the certificate in use is refused, the old self-signed one is deleted.
    let r = run(&moto, d, &["certs", "delete", &cert]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(&format!("{cert} is in use by web:443 of stack seed")), "{}", r.stderr);
    let r = run(&moto, d, &["certs", "delete", &self_signed]);
    ok(&r, "certs delete");
    assert_eq!(r.stdout, "Removing certificate... OK\n");
    let r = run(&moto, d, &["certs", "--format", "json"]);
    ok(&r, "certs --format json");
    let listed: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(
        ids.contains(&cert.as_str()) && ids.contains(&acm.as_str()) && !ids.contains(&self_signed.as_str()),
        "{ids:?}"
    );

    // deploy --preview of a changed manifest shows the listener change and changes nothing.
    std::fs::write(d.join("seed/docker-compose.yml"), SEED.replace("protocol=https", "protocol=tls")).unwrap();
    let r = run(&moto, d, &["deploy", "--stack", "seed", "--preview"]);
    assert_eq!(r.code, 1, "changes: exit 1\n{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("port 443") && r.stdout.contains("SSL") && r.stdout.contains("HTTPS"), "{}", r.stdout);
    // For a pull request: the warning is an annotation on the line that names the service.
    let r = run(&moto, d, &["deploy", "--stack", "seed", "--preview", "--format", "github"]);
    assert_eq!(r.code, 1, "changes: exit 1\n{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("::warning file=docker-compose.yml,line=1,col=1,") && l.contains("X-Forwarded")),
        "{}",
        r.stdout
    );
    std::fs::write(d.join("seed/docker-compose.yml"), SEED).unwrap();
    let r = run(&moto, d, &["deploy", "--stack", "seed", "--preview"]);
    assert_eq!(r.code, 0, "the preview changed nothing\n{}{}", r.stdout, r.stderr);
    let r = run(&moto, d, &["ssl", "--stack", "seed", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rows[0]["target"], "web:443");
    assert_eq!(rows[0]["certificate"], cert.as_str());
}

#[test]
fn an_unreachable_endpoint_is_a_clear_error_and_nothing_is_done() {
    let moto = Moto::start();
    let dir = app(SEED);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = format!("http://127.0.0.1:{closed}");
    for args in [
        vec!["deploy", "--stack", "seed", "--image", "web=nginx", "--endpoint-url", &down],
        vec!["certs", "--endpoint-url", &down],
        vec!["ssl", "--stack", "seed", "--endpoint-url", &down],
    ] {
        let r = run(&moto, dir.path(), &args);
        assert_eq!(r.code, 2, "{args:?}\n{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("error[aws-endpoint]") && r.stderr.contains("cannot reach the AWS endpoint"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("nothing was changed"), "{}", r.stderr);
    }
    // The real server saw nothing.
    assert!(moto.python("print(boto3.client('cloudformation', **kw).describe_stacks()['Stacks'])").trim() == "[]");
}

/// A fake endpoint on loopback that answers every request with `status` and an HTML page, as
/// a proxy or an overloaded front end does; its URL.
fn html_endpoint(status: &'static str, page: &'static str) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let answer = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = reader.get_mut().write_all(answer.as_bytes());
        }
    });
    url
}

#[test]
fn an_html_error_page_is_reported_with_its_http_status_and_never_its_text() {
    let moto = Moto::start();
    let dir = app(SEED);
    let page = "<html><body>Service Unavailable: proxy-page-text-never-printed</body></html>";
    let url = html_endpoint("503 Service Unavailable", page);
    // One attempt: the SDK retries a 503, and the answer would be the same.
    let quick = [("AWS_MAX_ATTEMPTS", "1")];
    for args in [
        vec!["certs", "--endpoint-url", &url],
        vec!["ssl", "--stack", "seed", "--endpoint-url", &url],
        vec!["certs", "generate", "example.org", "--endpoint-url", &url],
    ] {
        let r = run_env(&moto, dir.path(), &args, &quick);
        not_printed(&r, &["proxy-page-text-never-printed"]);
        assert_ne!(r.code, 0, "{args:?}");
        assert!(
            r.stderr.contains(&format!("HTTP 503 with a {}-byte page", page.len())),
            "{args:?}: the status and the page's length\n{}",
            r.stderr
        );
    }
}

#[test]
fn a_stack_that_cannot_be_updated_is_refused_before_any_change() {
    let moto = Moto::start();
    let dir = app(SEED);
    // moto leaves a stack whose creation raised an error in CREATE_IN_PROGRESS.
    moto.python(
        "cfn = boto3.client('cloudformation', **kw)\n\
         t = {'Resources': {'S': {'Type': 'AWS::ECS::Service', 'Properties': {'Cluster': 'nope', 'TaskDefinition': 'x'}}}}\n\
         try:\n    cfn.create_stack(StackName='seed', TemplateBody=json.dumps(t))\nexcept Exception:\n    pass\n\
         print(cfn.describe_stacks(StackName='seed')['Stacks'][0]['StackStatus'])",
    );
    let params = moto.seed_params();
    let r = run(&moto, dir.path(), &with_params(&["deploy", "--stack", "seed", "--image", "web=nginx"], &params));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("error[stack-state]: stack `seed` is CREATE_IN_PROGRESS and cannot be updated now"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("wait until it finishes"), "{}", r.stderr);
    assert!(!r.stderr.contains("Uploading"), "nothing is uploaded for a refused deploy: {}", r.stderr);
}

#[test]
fn an_update_cloudformation_rejects_is_exit_1_with_its_reason_after_the_diff() {
    let moto = Moto::start();
    let dir = app(SEED);
    ok(&first_deploy(&moto, dir.path()), "first deploy");
    let r = run(&moto, dir.path(), &["deploy", "--stack", "seed", "--param", "Cluster=missing"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("update the stack: ClusterNotFoundException"), "{}", r.stderr);
    assert!(r.stdout.contains("Cluster") && r.stdout.contains("missing"), "the diff is shown first: {}", r.stdout);
    // AWS keeps the stack as it was after a rejected update; moto has already written the
    // new parameters by then, so the stack's state is not checked here.
}

#[test]
fn unknown_targets_and_certificates_are_refused_with_what_exists() {
    let moto = Moto::start();
    let dir = app(SEED);
    let d = dir.path();
    ok(&first_deploy(&moto, d), "first deploy");
    let r = run(&moto, d, &["ssl", "update", "--stack", "seed", "web:8443", "cert-1"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("error[ssl-target]: stack `seed` has no https/tls listener web:8443"), "{}", r.stderr);
    assert!(r.stderr.contains("its https/tls listeners: web:443"), "{}", r.stderr);
    let r = run(&moto, d, &["ssl", "update", "--stack", "seed", "web:80", "cert-1"]);
    assert!(r.code == 1 && r.stderr.contains("no https/tls listener web:80"), "{}", r.stderr);
    let r = run(&moto, d, &["ssl", "update", "--stack", "seed", "web", "cert-1"]);
    assert!(r.code == 2 && r.stderr.contains("expected SERVICE:PORT"), "{}", r.stderr);
    let r = run(&moto, d, &["ssl", "update", "--stack", "seed", "web:443", "cert-nope"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("error[certificate-not-found]: no certificate `cert-nope`"), "{}", r.stderr);
    let r = run(&moto, d, &["certs", "delete", "cert-nope"]);
    assert!(r.code == 1 && r.stderr.contains("certificate-not-found"), "{}", r.stderr);
    let r = run(&moto, d, &["ssl", "--stack", "other"]);
    assert!(r.code == 1 && r.stderr.contains("there is no stack `other`"), "{}", r.stderr);
}

/// The seed's template with two environment-sourced parameters in the shape the `secrets`
/// branch writes (`Services`, `Default`, `Required`, `EmptyIsUnset`).
fn template_with_environment(moto: &Moto, dir: &Path) -> String {
    let r = run(moto, dir, &["compile"]);
    ok(&r, "compile");
    let mut t: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for p in ["EnvWebApiToken", "EnvWebDbPassword", "EnvWebMode"] {
        t["Parameters"][p] = serde_json::json!({"Type": "String", "NoEcho": true});
    }
    t["Metadata"]["ComposeCfn"]["EnvironmentParameters"] = serde_json::json!([
        {"Parameter": "EnvWebApiToken", "Variable": "API_TOKEN", "Services": ["web"], "EmptyIsUnset": false},
        {"Parameter": "EnvWebDbPassword", "Variable": "DB_PASSWORD", "Services": ["web"],
         "Required": "the database password", "EmptyIsUnset": true},
        {"Parameter": "EnvWebMode", "Variable": "MODE", "Services": ["web"], "Default": "production", "EmptyIsUnset": true}
    ]);
    let path = dir.join("template.json");
    std::fs::write(&path, serde_json::to_string_pretty(&t).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn missing_environment_parameters_are_listed_together_and_nothing_changes() {
    let moto = Moto::start();
    let dir = app(SEED);
    let template = template_with_environment(&moto, dir.path());
    let r = run_env(&moto, dir.path(), &["deploy", "--template", &template, "--stack", "seed"], &[("DB_PASSWORD", "")]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    for needed in [
        "error[deploy-parameter]: 6 deploy-time values are missing or wrong; nothing was changed",
        "EnvWebApiToken: set the environment variable API_TOKEN (it is not set)",
        "EnvWebDbPassword: set the environment variable DB_PASSWORD (the database password)",
        "WebImage: the stack is new: give the image with --image web=REF",
        "Cluster: no value: give it with --param Cluster=VALUE",
    ] {
        assert!(r.stderr.contains(needed), "{needed}:\n{}", r.stderr);
    }
    assert!(!r.stderr.contains("EnvWebMode"), "MODE has a default: {}", r.stderr);
    assert!(!r.stderr.contains("Uploading"), "{}", r.stderr);
    let certs = moto
        .python("print(len(boto3.client('iam', **kw).list_server_certificates()['ServerCertificateMetadataList']))");
    assert_eq!(certs.trim(), "0", "no certificate was uploaded");

    // Given, the values reach the stack and are never printed.
    let params = moto.seed_params();
    let args = with_params(&["deploy", "--template", &template, "--stack", "seed", "--image", "web=nginx"], &params);
    let r = run_env(&moto, dir.path(), &args, &[("DB_PASSWORD", "s3cr3t-db"), ("API_TOKEN", "")]);
    ok(&r, "deploy with the environment");
    not_printed(&r, &["s3cr3t-db", "production"]);
    let passed = moto.python(
        "p = boto3.client('cloudformation', **kw).describe_stacks(StackName='seed')['Stacks'][0]['Parameters']\n\
         print(sorted((x['ParameterKey'], x['ParameterValue']) for x in p if x['ParameterKey'].startswith('Env')))",
    );
    // moto does not mask NoEcho values as AWS does, which lets the test see what was passed.
    assert_eq!(
        passed.trim(),
        "[('EnvWebApiToken', ''), ('EnvWebDbPassword', 's3cr3t-db'), ('EnvWebMode', 'production')]"
    );
}

#[test]
fn racing_ssl_updates_leave_one_whole_change() {
    let moto = Moto::start();
    let dir = app(SEED);
    let d = dir.path();
    ok(&first_deploy(&moto, d), "first deploy");
    let mut ids = Vec::new();
    for domain in ["a.example.org", "b.example.org"] {
        let (pubf, keyf) = (format!("{domain}.pub"), format!("{domain}.key"));
        ok(&run(&moto, d, &["certs", "self-signed", domain, "--cert-out", &pubf, "--key-out", &keyf]), "generate");
        let r = run(&moto, d, &["certs", "create", &pubf, &keyf]);
        ok(&r, "certs create");
        ids.push(id_after_ok(&r.stdout));
        std::thread::sleep(std::time::Duration::from_millis(1100)); // upload names are per second
    }
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| run(&moto, d, &["ssl", "update", "--stack", "seed", "web:443", &ids[0]]));
        let b = s.spawn(|| run(&moto, d, &["ssl", "update", "--stack", "seed", "web:443", &ids[1]]));
        (a.join().unwrap(), b.join().unwrap())
    });
    // Each either applied its certificate or was refused as a concurrent change (AWS refuses an
    // update while another runs; moto applies updates at once, so here both may succeed).
    for r in [&a, &b] {
        assert!(
            r.code == 0 || (r.code == 1 && r.stderr.contains("stack-state")),
            "exit {}:\n{}{}",
            r.code,
            r.stdout,
            r.stderr
        );
    }
    assert!(a.code == 0 || b.code == 0, "one of them applies");
    let row = ssl_row(&moto, d, "web:443");
    assert!(ids.iter().any(|id| row.contains(id.as_str())), "{row}");
}

#[test]
fn missing_credentials_or_region_are_clear_errors() {
    let moto = Moto::start();
    let dir = app(SEED);
    for (dropped, code, says) in [
        ("AWS_SECRET_ACCESS_KEY", "error[aws-credentials]", "no usable AWS credentials"),
        ("AWS_REGION", "error[aws-endpoint]", "no AWS region: give --region"),
    ] {
        let env: Vec<(String, String)> = moto.env().into_iter().filter(|(k, _)| k != dropped).collect();
        let r = run_in(&dir.path().join("seed"), &["certs".to_string()], &env);
        assert_eq!(r.code, 2, "{dropped}: {}", r.stderr);
        assert!(r.stderr.contains(code) && r.stderr.contains(says), "{dropped}: {}", r.stderr);
        not_printed(&r, &["AKIAFAKEFAKEFAKE1234"]);
    }
}

#[test]
fn environment_parameters_compiled_from_the_compose_file_come_from_the_deploy_environment() {
    let moto = Moto::start();
    let compose = format!(
        "{SEED}  environment:\n    - DB_PASSWORD=${{DB_PASSWORD:?the database password}}\n    - MODE=${{MODE:-production}}\n"
    );
    let dir = app(&compose);
    let params = moto.seed_params();
    let args = with_params(&["deploy", "--stack", "seed", "--image", "web=nginx"], &params);
    let r = run(&moto, dir.path(), &args);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("set the environment variable DB_PASSWORD (the database password)"), "{}", r.stderr);
    assert!(!r.stderr.contains("variable MODE"), "MODE has a default: {}", r.stderr);
    let r = run_env(&moto, dir.path(), &args, &[("DB_PASSWORD", "s3cr3t-db")]);
    ok(&r, "deploy with DB_PASSWORD");
    not_printed(&r, &["s3cr3t-db"]);
    let passed = moto.python(
        "p = boto3.client('cloudformation', **kw).describe_stacks(StackName='seed')['Stacks'][0]['Parameters']\n\
         print(sorted(x['ParameterValue'] for x in p if x['ParameterKey'].startswith('Env')))",
    );
    assert_eq!(passed.trim(), "['production', 's3cr3t-db']");
}

/// The seed with `env_file:` (two files sharing a key) and a Compose secret.
const SEED_WITH_SECRETS: &str = "secrets:\n  db_password:\n    external: true\nservices:\n  web:\n    image: nginx:1.27\n    env_file:\n      - web.env\n      - path: web.local.env\n    environment:\n      RAILS_ENV: production\n    secrets:\n      - db_password\n    labels:\n      - convox.port.443.protocol=https\n    ports:\n      - 80:3000\n      - 443:3000\n";

/// The `(key, value)` pairs a boto3 script printed as a JSON list, sorted.
fn pairs(out: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> =
        serde_json::from_str::<Vec<(String, String)>>(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    v.sort();
    v
}

#[test]
fn a_service_with_env_files_and_secrets_deploys_with_their_values_never_printed() {
    let moto = Moto::start();
    let dir = app(SEED_WITH_SECRETS);
    let d = dir.path();
    // Compose reads env files in order, a later one winning, and `environment:` wins over both.
    let env_files = [
        (
            "web.env",
            "DATABASE_URL=postgres://app:Zq7FileSecret-1@db/app\nAPI_TOKEN=Zq7Earlier-2\nRAILS_ENV=development\n",
        ),
        ("web.local.env", "API_TOKEN=\"Zq7Later-3\"\n"),
    ];
    for (name, text) in env_files {
        std::fs::write(d.join("seed").join(name), text).unwrap();
    }
    let values = ["Zq7FileSecret-1", "Zq7Earlier-2", "Zq7Later-3", "development"];
    let arn = moto.python(
        "ssm = boto3.client('ssm', **kw)\n\
         ssm.put_parameter(Name='/seed/db-password', Value='Zq7SsmSecret-4', Type='SecureString')\n\
         print(ssm.get_parameter(Name='/seed/db-password')['Parameter']['ARN'])",
    );
    let arn = arn.trim();
    assert!(arn.starts_with("arn:aws:ssm:us-east-1:") && arn.ends_with(":parameter/seed/db-password"), "{arn}");
    let params = moto.seed_params();
    let args = with_params(&["deploy", "--stack", "seed"], &params);

    // Without the secret's ARN nothing happens, and the error says how to give it.
    let r = run(&moto, d, &args);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("SecretDbPassword: no value: give it with --param SecretDbPassword=VALUE"),
        "{}",
        r.stderr
    );
    not_printed(&r, &values);
    assert_eq!(moto.python("print(boto3.client('cloudformation', **kw).describe_stacks()['Stacks'])").trim(), "[]");

    let secret = format!("SecretDbPassword={arn}");
    let args: Vec<&str> = args.iter().copied().chain(["--param", &secret]).collect();
    let r = run(&moto, d, &args);
    ok(&r, "deploy with env files and a secret");
    assert!(r.stdout.contains("Stack seed deployed."), "{}", r.stdout);
    not_printed(&r, &values);
    not_printed(&r, &["Zq7SsmSecret-4"]);
    // moto does not mask NoEcho values as AWS does, which lets the test see what was passed.
    let passed = moto.python(
        "p = boto3.client('cloudformation', **kw).describe_stacks(StackName='seed')['Stacks'][0]['Parameters']\n\
         print(json.dumps([(x['ParameterKey'], x['ParameterValue']) for x in p \
         if x['ParameterKey'].startswith(('Env', 'Secret'))]))",
    );
    let expected = [
        ("EnvApiToken", "Zq7Later-3"),
        ("EnvDatabaseUrl", "postgres://app:Zq7FileSecret-1@db/app"),
        ("SecretDbPassword", arn),
    ];
    assert_eq!(pairs(&passed), expected.map(|(k, v)| (k.to_string(), v.to_string())));
    // The task reads the secret from its ARN (moto's task definitions drop `ExecutionRoleArn`,
    // and moto does not create `AWS::IAM::RolePolicy` resources: the execution role's policy
    // is checked on the template, by `lower::classic`'s tests and the snapshots).
    let task = moto.python(
        "ecs = boto3.client('ecs', **kw)\n\
         arn = ecs.list_task_definitions()['taskDefinitionArns'][0]\n\
         t = ecs.describe_task_definition(taskDefinition=arn)['taskDefinition']\n\
         c = t['containerDefinitions'][0]\n\
         print(json.dumps({'secrets': c.get('secrets', []), \
         'env': sorted(e['name'] + '=' + e['value'] for e in c.get('environment', []))}))",
    );
    let task: serde_json::Value = serde_json::from_str(task.trim()).unwrap();
    assert_eq!(task["secrets"], serde_json::json!([{"name": "db_password", "valueFrom": arn}]));
    let env: Vec<&str> = task["env"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert!(env.contains(&"RAILS_ENV=production") && env.contains(&"API_TOKEN=Zq7Later-3"), "{env:?}");
}

/// Runs the binary in the app's `seed` directory with stdout a pipe whose read end is closed
/// before the command starts, so that its first write fails (EPIPE).
fn run_with_closed_stdout(moto: &Moto, dir: &Path, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    std::process::Command::new(env!("CARGO_BIN_EXE_compose-cfn"))
        .args(args)
        .current_dir(dir.join("seed"))
        .env_clear()
        .envs(moto.env())
        .stdout(writer)
        .output()
        .unwrap()
}

#[test]
fn a_closed_pipe_on_stdout_is_one_line_and_exit_2_for_the_aws_commands() {
    let moto = Moto::start();
    let dir = app(SEED);
    ok(&first_deploy(&moto, dir.path()), "first deploy");
    for args in [vec!["certs"], vec!["ssl", "--stack", "seed"], vec!["deploy", "--stack", "seed"]] {
        let out = run_with_closed_stdout(&moto, dir.path(), &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let lines: Vec<&str> = err.lines().filter(|l| l.contains("standard output")).collect();
        assert_eq!(lines, ["error: cannot write to standard output: the reader closed the pipe"], "{args:?}");
    }
    // A deploy whose change list cannot be shown makes no change: the image is still to change.
    let out = run_with_closed_stdout(&moto, dir.path(), &["deploy", "--stack", "seed", "--image", "web=nginx:1.28"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("Updating stack"), "the update was sent: {err}");
    // A one-step command that fails says why on stderr even when its step line cannot be written.
    let out = run_with_closed_stdout(&moto, dir.path(), &["certs", "delete", "cert-nosuch"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "the command's own failure: {err}");
    assert!(err.contains("error[") && err.contains("cert-nosuch"), "{err}");
    let preview = run(&moto, dir.path(), &["deploy", "--stack", "seed", "--image", "web=nginx:1.28", "--preview"]);
    assert_eq!(preview.code, 1, "the change is still to make:\n{}{}", preview.stdout, preview.stderr);
    assert!(preview.stdout.contains("nginx:1.28"), "{}", preview.stdout);
}

/// The seed on Application Load Balancers (`--balancer v2`, issue 12): moto models ALBs and
/// their HTTPS listeners, so the v2 stack goes through deploy, ssl and ssl update like the
/// Classic one. (moto's CloudFormation treats every ELBv2 balancer as an ALB, so an NLB with a
/// TLS listener cannot be deployed here; the `tls` variant is covered by the template checks:
/// cfn-lint, checkov and the v2 property test.)
#[test]
fn the_seed_on_application_load_balancers() {
    let moto = Moto::start();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v2-seed-redirect/docker-compose.yml");
    let dir = app(&std::fs::read_to_string(fixture).unwrap());
    let d = dir.path();

    let r = first_deploy(&moto, d);
    ok(&r, "first v2 deploy");
    assert!(r.stderr.contains("Uploading self-signed certificate compose-cfn-seed-self-signed-"), "{}", r.stderr);
    assert!(r.stdout.contains("Stack seed deployed."), "{}", r.stdout);
    let template = moto.python(
        "cf = boto3.client('cloudformation', **kw)\nprint(cf.get_template(StackName='seed')['TemplateBody'] if isinstance(cf.get_template(StackName='seed')['TemplateBody'], str) else json.dumps(cf.get_template(StackName='seed')['TemplateBody']))",
    );
    assert!(template.contains("AWS::ElasticLoadBalancingV2::LoadBalancer"), "not a v2 stack:\n{template}");
    assert!(!template.contains("AWS::ElasticLoadBalancing::LoadBalancer\""), "a Classic ELB in a v2 stack");
    let row = ssl_row(&moto, d, "web:443");
    assert!(row.contains("compose-cfn-seed-self-signed-") && row.contains("(self-signed)"), "{row}");

    // Nothing changes on a second deploy; a certificate applied with ssl update is shown and kept.
    let r = run(&moto, d, &["deploy", "--stack", "seed"]);
    ok(&r, "second v2 deploy");
    assert!(r.stdout.contains("nothing to change"), "{}", r.stdout);
    let cert = create_example_certificate(&moto, d);
    let r = run(&moto, d, &["ssl", "update", "--stack", "seed", "web:443", &cert]);
    ok(&r, "ssl update on v2");
    let row = ssl_row(&moto, d, "web:443");
    assert!(row.contains(&cert) && row.contains("example.org"), "{row}");
    // The redirecting http port takes no certificate.
    let r = run(&moto, d, &["ssl", "update", "--stack", "seed", "web:80", &cert]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("ssl-target"), "{}", r.stderr);
}

/// Creates stack `httpd` from Convox's own template for `fixtures/convox-stacks/NAME.json`
/// with the values of `NAME.parameters.json` (a rack passed every parameter), on this network.
/// Where moto cannot run the template, it is changed as little as it needs: the rack's custom
/// resources and Lambda go (Lambda-backed task definitions become plain ones), `AWS::NoValue`
/// items leave lists (moto reads them as `None`), and `DesiredCount` is a number (moto does not
/// convert the `Fn::Select` of a list parameter). Returns the balancers' names and DNS names.
fn create_convox_stack(moto: &Moto, name: &str, params: &[String]) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/convox-stacks");
    let value = |key: &str| {
        params.iter().find_map(|p| p.strip_prefix(&format!("{key}="))).unwrap_or_else(|| panic!("no {key}")).to_string()
    };
    let (vpc, subnets) = (value("VpcId"), value("Subnets"));
    moto.python(&format!(
        r#"t = json.load(open({template:?}))
def drop(v):
    if isinstance(v, dict):
        return {{k: ([drop(a) for a in x] if k == 'Fn::If' else drop(x)) for k, x in v.items()}}
    if isinstance(v, list):
        return [drop(x) for x in v if x != {{'Ref': 'AWS::NoValue'}}]
    return v
t = drop(t)
res = t['Resources']
for k in [k for k, r in res.items() if r['Type'].startswith('Custom::') or r['Type'] == 'AWS::Lambda::Function' or k == 'CustomTopicRole']:
    if res[k]['Type'] == 'Custom::ECSTaskDefinition':
        svc = k[:-len('ECSTaskDefinition')].lower()
        res[k] = {{'Type': 'AWS::ECS::TaskDefinition', 'Properties': {{'ContainerDefinitions': [{{'Name': svc, 'Image': 'nginx:1.27', 'Memory': 256}}]}}}}
    else:
        del res[k]
for r in res.values():
    if 'DependsOn' in r:
        r['DependsOn'] = [d for d in r['DependsOn'] if d in res and res[d]['Type'] != 'AWS::ECS::TaskDefinition']
    if r['Type'] == 'AWS::ECS::Service':
        r['Properties']['DesiredCount'] = 1
t['Outputs'] = {{k: o for k, o in t['Outputs'].items() if 'Registry' not in k}}
values = {{p['ParameterKey']: p['ParameterValue'] for p in json.load(open({params:?}))['Stacks'][0]['Parameters']}}
values.update(Cluster='apps', VPC={vpc:?}, Subnets={subnets:?}, SubnetsPrivate={subnets:?}, VPCCIDR='172.31.0.0/16')
cf = boto3.client('cloudformation', **kw)
cf.create_stack(StackName='httpd', TemplateBody=json.dumps(t), Parameters=[dict(ParameterKey=k, ParameterValue=v) for k, v in values.items()], Capabilities=['CAPABILITY_IAM'])
s = cf.describe_stacks(StackName='httpd')['Stacks'][0]
assert s['StackStatus'] == 'CREATE_COMPLETE', s"#,
        template = dir.join(format!("{name}.json")).display().to_string(),
        params = dir.join(format!("{name}.parameters.json")).display().to_string(),
    ));
    balancers(moto)
}

/// The balancers' names and DNS names, as `create_convox_stack` prints them.
fn balancers(moto: &Moto) -> String {
    moto.python(
        "elb = boto3.client('elb', **kw)\nprint(' '.join(sorted(b['LoadBalancerName'] + '=' + b['DNSName'] for b in elb.describe_load_balancers()['LoadBalancerDescriptions'])))",
    )
    .trim()
    .to_string()
}

#[test]
fn a_convox_made_stack_is_adopted_and_its_balancers_keep_their_dns_names() {
    let moto = Moto::start();
    let params = moto.seed_params();
    let before = create_convox_stack(&moto, "multi_balancer", &params);
    assert!(before.contains("httpd-web-") && before.contains("httpd-worker-"), "{before}");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/convox-stacks/multi_balancer.yml");
    let dir = app(&std::fs::read_to_string(manifest).unwrap());
    let d = dir.path();
    let deploy =
        ["deploy", "--app", "httpd", "--stack", "httpd", "--image", "web=nginx:1.27", "--image", "worker=nginx:1.27"];
    let live_template = || {
        moto.python(
            "cf = boto3.client('cloudformation', **kw)\nb = cf.get_template(StackName='httpd')['TemplateBody']\nprint(b if isinstance(b, str) else json.dumps(b))\nprint(cf.describe_stacks(StackName='httpd')['Stacks'][0]['StackStatus'])",
        )
    };
    let created = live_template();
    assert!(created.trim_end().ends_with("CREATE_COMPLETE") && !created.contains("ComposeCfn"), "{created}");

    // The app's `convox env` variables (the `Environment` file the rack's function decrypted
    // into every task definition) would reach no task definition: the preview and the deploy
    // refuse without --env-migrated, say where they are and how to move them, and change nothing.
    let url = "https://convox-test-settings-1x2y3z.s3.amazonaws.com/releases/RKQSNMIKXHW/env";
    for extra in [&["--preview"][..], &[]] {
        let r = run(&moto, d, &[&deploy[..], extra].concat());
        assert_eq!(r.code, 1, "{extra:?}: refused like a replacement:\n{}{}", r.stdout, r.stderr);
        let error = format!(
            "error[adopt]: stack `httpd`: the live stack gives its services the environment `convox env` set (the file {url}, encrypted with the KMS key arn:aws:kms:"
        );
        assert!(r.stderr.contains(&error), "{extra:?}: {}", r.stderr);
        assert!(r.stderr.contains("nothing was changed"), "{extra:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("`convox env -a APP | compose-cfn convox-env -o convox.env`"),
            "{extra:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("! parameter Environment  Convox's environment is no longer read"));
        assert!(!r.stdout.contains("deployed"), "{extra:?}: {}", r.stdout);
    }
    assert_eq!(live_template(), created, "the refusals changed nothing on the stack");
    assert_eq!(balancers(&moto), before);
    let deploy = [&deploy[..], &["--env-migrated"]].concat();

    // Moved into `convox.env`, a variable the manifest's `environment:` also sets changes value
    // (Convox gave `convox env` the precedence, Compose gives `environment:`): a located
    // warning at the entry, naming the key and the file, never a value; the preview goes on.
    let manifest = std::fs::read_to_string(d.join("seed/docker-compose.yml")).unwrap();
    let flipped =
        manifest.replacen("web:\n", "web:\n  env_file: convox.env\n  environment:\n    - RAILS_ENV=production\n", 1);
    let flip = app(&flipped);
    std::fs::write(flip.path().join("seed/convox.env"), "RAILS_ENV=fake-secret-never-printed\n").unwrap();
    let r = run(&moto, flip.path(), &[&deploy[..], &["--preview"]].concat());
    assert_eq!(r.code, 1, "a preview with changes exits 1:\n{}{}", r.stdout, r.stderr);
    let warning = "warning[env-precedence]: `RAILS_ENV` is set by `environment:` and by env_file `convox.env`: Compose (and this stack) takes `environment:`'s, Convox took `convox env`'s";
    assert!(r.stderr.contains(warning), "{}", r.stderr);
    assert!(r.stderr.contains("--> docker-compose.yml:4:7"), "at the entry: {}", r.stderr);
    assert_eq!(balancers(&moto), before, "a preview changes nothing");
    // In the machine formats too: one JSON object, one annotation, each at the entry, no value.
    let r = run(&moto, flip.path(), &[&deploy[..], &["--preview", "--format", "json"]].concat());
    let found: Vec<serde_json::Value> = r
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["code"] == "env-precedence")
        .collect();
    assert_eq!(found.len(), 1, "{}", r.stderr);
    let w = &found[0];
    assert_eq!(
        (&w["severity"], &w["file"], &w["line"], &w["column"]),
        (&"warning".into(), &"docker-compose.yml".into(), &4.into(), &7.into()),
        "{w}"
    );
    let r = run(&moto, flip.path(), &[&deploy[..], &["--preview", "--format", "github"]].concat());
    let annotation = "::warning file=docker-compose.yml,line=4,col=7,endLine=4,endColumn=27,title=compose-cfn env-precedence::`RAILS_ENV` is set by `environment:`";
    assert!(r.stderr.contains(annotation), "{}", r.stderr);
    for out in [&r.stdout, &r.stderr] {
        assert!(!out.contains("fake-secret"), "a value was printed: {out}");
    }
    assert_eq!(balancers(&moto), before, "previews change nothing");
    // `-D env-precedence` makes it an error, as for `compile`: the deploy stops, nothing changes.
    let r = run(&moto, flip.path(), &[&["-D", "env-precedence"][..], &deploy[..]].concat());
    assert_eq!(r.code, 1, "denied: exit 1\n{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(&warning.replacen("warning[", "error[", 1)), "{}", r.stderr);
    assert!(r.stderr.contains("a warning made an error (-D) stops the deploy; nothing was changed"), "{}", r.stderr);
    assert!(!r.stdout.contains("deployed"), "{}", r.stdout);
    assert_eq!(live_template(), created, "the denied deploy changed nothing");
    assert_eq!(balancers(&moto), before);

    // The preview names every decision with its reason, and changes nothing.
    let r = run(&moto, d, &[&deploy[..], &["--preview"]].concat());
    assert_eq!(r.code, 1, "a preview with changes exits 1:\n{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("Stack httpd was made by Convox: adopting it"), "{}", r.stderr);
    assert!(
        r.stderr.contains("BalancerWeb (AWS::ElasticLoadBalancing::LoadBalancer)  updated in place"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("kept from the live stack: LoadBalancerName"), "{}", r.stderr);
    assert!(r.stderr.contains("Settings (AWS::S3::Bucket)  Convox's, kept as it is"), "{}", r.stderr);
    assert!(!r.stdout.contains("replaced"), "no balancer replaced in the diff:\n{}", r.stdout);
    assert_eq!(balancers(&moto), before, "a preview changes nothing");

    let r = run(&moto, d, &deploy);
    ok(&r, "adopting deploy");
    assert!(r.stderr.contains(&format!("its `convox env` variables, in the file {url}")), "{}", r.stderr);
    assert!(r.stdout.contains("Stack httpd deployed."), "{}", r.stdout);
    assert_eq!(balancers(&moto), before, "same balancers, same DNS names");
    let template = moto.python(
        "cf = boto3.client('cloudformation', **kw)\nb = cf.get_template(StackName='httpd')['TemplateBody']\nprint(b if isinstance(b, str) else json.dumps(b))",
    );
    assert!(template.contains("ComposeCfn"), "the stack now runs compose-cfn's template");
    assert!(template.contains("\"Settings\""), "Convox's bucket was kept");

    // Every later deploy keeps what the adoption kept: a freshly compiled template alone
    // would drop the balancers' names. Convox's environment was left behind at the adoption:
    // no flag is needed any more.
    let deploy: Vec<&str> = deploy.into_iter().filter(|a| *a != "--env-migrated").collect();
    let r = run(&moto, d, &deploy);
    ok(&r, "deploy after adoption");
    assert!(!r.stderr.contains("parameter Environment"), "{}", r.stderr);
    assert!(r.stderr.contains("Stack httpd was adopted from Convox: keeping what the adoption kept"), "{}", r.stderr);
    assert!(r.stdout.contains("nothing to change"), "{}", r.stdout);
    assert_eq!(balancers(&moto), before, "same balancers, same DNS names");
}

#[path = "certs/support.rs"]
mod support;

/// `certs create` uploads the chain `certs inspect --write-chain` writes: the intermediates,
/// without the self-signed root at the end of the file given, and says so on stderr.
#[test]
fn certs_create_uploads_the_chain_without_its_self_signed_root() {
    let moto = Moto::start();
    let dir = app(SEED);
    let d = dir.path().join("seed");
    let root = support::root("Test Root CA");
    let intermediate = support::intermediate("Test Intermediate CA", &root);
    let leaf = support::leaf(&["www.example.org"], &intermediate);
    let (root_pem, intermediate_pem) = (root.pem(), intermediate.pem());
    std::fs::write(d.join("leaf.pem"), &leaf.cert).unwrap();
    std::fs::write(d.join("leaf.key"), &leaf.key).unwrap();
    // Root first: the file's order does not matter, the root at the chain's end does.
    std::fs::write(d.join("chain.pem"), format!("{root_pem}{intermediate_pem}")).unwrap();
    std::fs::write(d.join("intermediate.pem"), &intermediate_pem).unwrap();
    let uploaded = |id: &str| {
        moto.python(&format!(
            "c = boto3.client('iam', **kw).get_server_certificate(ServerCertificateName={id:?})['ServerCertificate']\nprint(c.get('CertificateChain', ''))"
        ))
    };
    let begins = |pem: &str| pem.matches("-----BEGIN CERTIFICATE-----").count();

    let r = run(&moto, dir.path(), &["certs", "create", "leaf.pem", "leaf.key", "--chain", "chain.pem"]);
    ok(&r, "certs create with the root");
    assert!(
        r.stderr
            .contains("note: the self-signed root `Test Root CA` is not uploaded: AWS wants the intermediates only"),
        "{}",
        r.stderr
    );
    let first = r.stdout.clone();
    let chain = uploaded(&id_after_ok(&r.stdout));
    assert_eq!(begins(&chain), 1, "the intermediate only:\n{chain}");
    assert_eq!(chain.trim(), intermediate_pem.trim());

    // A chain without its root is the same upload, without a note: it is found, not sent again.
    let r = run(&moto, dir.path(), &["certs", "create", "leaf.pem", "leaf.key", "--chain", "intermediate.pem"]);
    ok(&r, "certs create without the root");
    assert!(!r.stderr.contains("note: the self-signed root"), "{}", r.stderr);
    assert!(r.stdout.contains("(uploaded before: the same certificate and chain)"), "{}", r.stdout);
    assert_eq!(uploaded(&id_after_ok(&r.stdout)).trim(), intermediate_pem.trim());
    // The leaf alone is another upload, under a name of its own.
    let r = run(&moto, dir.path(), &["certs", "create", "leaf.pem", "leaf.key"]);
    ok(&r, "certs create without a chain");
    assert!(id_after_ok(&r.stdout) != id_after_ok(&first), "{}", r.stdout);

    // A key file with a byte that is not text outside its block is refused before any upload.
    let mut garbled = leaf.key.clone().into_bytes();
    garbled.extend_from_slice(b"\n\xff\xfe\n");
    std::fs::write(d.join("garbled.key"), garbled).unwrap();
    let r = run(&moto, dir.path(), &["certs", "create", "leaf.pem", "garbled.key", "--chain", "intermediate.pem"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("error[cert-format]: garbled.key is damaged PEM: byte"), "{}", r.stderr);
    assert!(!r.stdout.contains("OK, cert-"), "nothing uploaded: {}", r.stdout);
}

/// Upload names come from the certificate, not the clock: two certificates uploaded in one
/// second get names of their own, and the same certificate uploaded again is found under its
/// name and said to be there, not uploaded twice.
#[test]
fn certs_create_names_differ_by_certificate_and_the_same_one_is_uploaded_once() {
    let moto = Moto::start();
    let dir = app(SEED);
    let mut ids = Vec::new();
    for domain in ["a.example.org", "b.example.org"] {
        let (cert, key) = (format!("{domain}.pub"), format!("{domain}.key"));
        let r = run(&moto, dir.path(), &["certs", "self-signed", domain, "--cert-out", &cert, "--key-out", &key]);
        ok(&r, "certs self-signed");
        let r = run(&moto, dir.path(), &["certs", "create", &cert, &key]);
        ok(&r, "certs create");
        ids.push(id_after_ok(&r.stdout));
    }
    assert_ne!(ids[0], ids[1], "two certificates, two names");
    let fingerprint = run(&moto, dir.path(), &["certs", "inspect", "a.example.org.pub"]).stdout;
    let hex: String = ids[0].trim_start_matches("cert-").chars().collect();
    assert!(
        fingerprint.to_ascii_lowercase().replace(':', "").contains(&hex),
        "the name is the start of the fingerprint `certs inspect` shows: {hex}\n{fingerprint}"
    );

    let r = run(&moto, dir.path(), &["certs", "create", "a.example.org.pub", "a.example.org.key"]);
    ok(&r, "the same certificate again");
    assert_eq!(
        r.stdout,
        format!("Uploading certificate... OK, {} (uploaded before: the same certificate and chain)\n", ids[0])
    );
    let names = moto.python(
        "print(sorted(m['ServerCertificateName'] for m in boto3.client('iam', **kw).list_server_certificates()['ServerCertificateMetadataList']))",
    );
    ids.sort();
    assert_eq!(names.trim(), format!("{ids:?}").replace('"', "'"), "one copy of each");
}
