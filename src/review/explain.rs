//! `explain`: what a label does or what a diagnostic code means, with an example — the label
//! texts come from the interpreter's [`LABELS`] table, the code texts from [`Code`].

use super::schema::values_text;
use crate::diagnostic::Code;
use crate::interpret::labels::{self, LABELS, LabelSpec, Scope, ValueKind};

/// What an `explain` argument names.
#[derive(Clone, Debug)]
pub enum Explanation {
    /// One label, as the user wrote it (`convox.port.443.protocol`).
    Label {
        /// The label's entry in the table.
        spec: &'static LabelSpec,
        /// The key as written, with the port when the user gave one.
        written: String,
    },
    /// Every label under a prefix (`convox`, `convox.health`).
    Labels {
        /// The prefix as written.
        prefix: String,
        /// The labels under it.
        specs: Vec<&'static LabelSpec>,
    },
    /// A diagnostic code.
    Code(Code),
}

/// An argument that names no label and no code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is neither a label compose-cfn reads nor a diagnostic code")]
pub struct Unknown {
    /// What was asked.
    pub input: String,
    /// The closest label or code, if any is close.
    pub suggestion: Option<String>,
}

/// Finds what `input` names: a label (port labels with any port number), a prefix of labels,
/// or a diagnostic code (also written `error[code]`).
pub fn explain(input: &str) -> Result<Explanation, Unknown> {
    let trimmed = input.trim();
    let bare = ["error[", "warning["]
        .iter()
        .find_map(|p| trimmed.strip_prefix(p).and_then(|r| r.strip_suffix(']')))
        .unwrap_or(trimmed);
    if let Some(code) = Code::ALL.iter().find(|c| c.as_str().eq_ignore_ascii_case(bare)) {
        return Ok(Explanation::Code(*code));
    }
    let key = trimmed.to_ascii_lowercase();
    if let Some(spec) = LABELS.iter().find(|s| s.key == key) {
        return Ok(Explanation::Label { spec, written: key });
    }
    if let Some(rest) = key.strip_prefix("convox.port.")
        && let Some((port, name)) = rest.split_once('.')
        && port.parse::<u16>().is_ok_and(|p| p > 0)
        && let Some(spec) = labels::port_label(name)
    {
        return Ok(Explanation::Label { spec, written: key });
    }
    let prefix = key.trim_end_matches('.');
    let specs: Vec<&LabelSpec> = LABELS.iter().filter(|s| s.key.starts_with(&format!("{prefix}."))).collect();
    if !specs.is_empty() {
        return Ok(Explanation::Labels { prefix: prefix.to_string(), specs });
    }
    Err(Unknown { input: trimmed.to_string(), suggestion: suggest(&key) })
}

/// The label or code closest to `key`, keeping the port number of a port label.
fn suggest(key: &str) -> Option<String> {
    let port = key.strip_prefix("convox.port.").and_then(|r| r.split('.').next()).filter(|p| p.parse::<u16>().is_ok());
    let candidates: Vec<String> = LABELS
        .iter()
        .map(|s| match port {
            Some(p) => s.key.replace("<N>", p),
            None => s.key.to_string(),
        })
        .chain(Code::ALL.iter().map(|c| c.as_str().to_string()))
        .collect();
    let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
    labels::nearest(key, &refs).map(str::to_string)
}

/// The value an example shows for a label: one that makes the label do something.
fn example_value(spec: &LabelSpec) -> String {
    match (spec.key, spec.kind) {
        ("convox.port.<N>.protocol", _) => "https".into(),
        (_, ValueKind::Choice(words)) => words[0].to_string(),
        (_, ValueKind::Bool) => if spec.default == "true" { "false" } else { "true" }.into(),
        (_, ValueKind::Integer { min, max }) => (min + (max - min) / 4).to_string(),
        (_, ValueKind::Path) => "/health".into(),
        (_, ValueKind::ContainerPort) => "3000".into(),
    }
}

/// A compose file that uses `spec` (port labels on port 443), which compiles without error.
pub fn label_example(spec: &LabelSpec) -> String {
    let mut labels = Vec::new();
    // Re-encryption and the TLS policy only matter on a listener that terminates TLS.
    if matches!(spec.key, "convox.port.<N>.secure" | "convox.tls.policy") {
        labels.push("convox.port.443.protocol=https".to_string());
    }
    labels.push(format!("{}={}", spec.key.replace("<N>", "443"), example_value(spec)));
    let labels: String = labels.iter().map(|l| format!("      - {l}\n")).collect();
    format!("services:\n  web:\n    labels:\n{labels}    ports:\n      - 443:3000\n")
}

/// More on a code than its one-line summary, and a compose file that draws it (where one
/// short file can: some codes need a command-line option, invalid bytes, or a bug).
pub fn code_details(code: Code) -> (&'static str, Option<&'static str>) {
    match code {
        Code::InvalidUtf8 => ("Compose files are UTF-8 text; re-save the file as UTF-8.", None),
        Code::YamlSyntax => (
            "The YAML parser stopped; the caret shows where. Often an unclosed bracket or quote, or a tab used for indentation.",
            Some("services:\n  web:\n    ports: [\"80:3000\"\n"),
        ),
        Code::YamlLimit => (
            "Aliases that expand into millions of nodes (an \"alias bomb\"), very deep nesting or a huge file are refused before they exhaust memory.",
            None,
        ),
        Code::DuplicateKey => (
            "YAML forbids a key twice in one mapping; Compose would silently keep the last one.",
            Some("services:\n  web:\n    ports: [\"80:3000\"]\n    ports: [\"81:3000\"]\n"),
        ),
        Code::WrongType => (
            "A key holds the wrong kind of value, e.g. `ports:` as a string instead of a list.",
            Some("services:\n  web:\n    ports: \"80:3000\"\n"),
        ),
        Code::MissingServices => (
            "A file with `version:` keeps its services under `services:`; only a format-1 file (no `version:`) has them at the top level.",
            Some("version: \"3.8\"\nweb:\n  ports: [\"80:3000\"]\n"),
        ),
        Code::ObsoleteVersion => (
            "Compose ignores `version:`; with `services:` it is harmless, without it the file is read as format 1.",
            Some("version: \"3.8\"\nservices:\n  web:\n    ports: [\"80:3000\"]\n"),
        ),
        Code::UnknownKey => (
            "A top-level key Compose does not define; it is ignored. Extension keys start with `x-`.",
            Some("servces:\n  web:\n    ports: [\"80:3000\"]\nservices:\n  web:\n    ports: [\"80:3000\"]\n"),
        ),
        Code::ServiceName => (
            "Compose service names use letters, digits, `.`, `_` and `-` and start with a letter or digit; CloudFormation names built from them stop at 255 characters, so very long names are refused too.",
            Some("services:\n  \"web server\":\n    ports: [\"80:3000\"]\n"),
        ),
        Code::AppName => (
            "Convox app names are lower-case letters, digits and `-`, at most 63 characters; the name goes into AWS descriptions and tags. Set it with `name:`, `--app`, or the directory's name.",
            Some("name: My App\nservices:\n  web:\n    ports: [\"80:3000\"]\n"),
        ),
        Code::Unsupported => (
            "`include:` and YAML tags other than `!reset` and `!override` would change the services in ways this tool cannot follow, so they are refused instead of ignored. Merge files with `-f` instead of `include:`.",
            Some("include:\n  - other.yml\nservices:\n  web:\n    ports: [\"80:3000\"]\n"),
        ),
        Code::ServiceNameCollision => (
            "CloudFormation names are built from the service name with `-`, `_` and `.` removed, so `my-api` and `my_api` would share resources.",
            Some("services:\n  my-api:\n    ports: [\"80:3000\"]\n  my_api:\n    ports: [\"81:3000\"]\n"),
        ),
        Code::Interpolation => (
            "A `$` starts a variable: write `$$` for a literal dollar sign, and close every `${`.",
            Some("services:\n  web:\n    image: \"example/web:${TAG\"\n    ports: [\"80:3000\"]\n"),
        ),
        Code::RequiredVariable => (
            "`${VAR:?message}` stops the compilation when a structural value (a port, a number, a label keyword) needs VAR and it is unset or empty. In free text (image, command, environment, health path) it becomes a required deploy-time parameter instead.",
            Some("services:\n  web:\n    ports:\n      - \"${COMPOSE_CFN_EXAMPLE_PORT:?set the port}:3000\"\n"),
        ),
        Code::UnsetVariable => (
            "An unset variable without a default in a structural value (a port, a number, a label keyword) becomes an empty string, as in Compose; give a default with `${VAR:-value}`. In free text it becomes a deploy-time parameter and draws no warning.",
            Some("services:\n  web:\n    ports: [\"80${COMPOSE_CFN_EXAMPLE_SUFFIX}:3000\"]\n"),
        ),
        Code::Dotenv => (
            "`.env` beside the first compose file is read only when it is a regular file inside the project directory (not a link out of it) of at most 1 MiB of UTF-8, with lines as Compose reads them: `NAME=value`, `export NAME=value`, quotes, ` #` comments. Its values may be secrets, so diagnostics about it show where, never what.",
            None,
        ),
        Code::PortSyntax => (
            "Ports are `[IP:]HOST:CONTAINER[/PROTOCOL]`, a bare `CONTAINER`, or the long mapping form.",
            Some("services:\n  web:\n    ports: [\"http:3000\"]\n"),
        ),
        Code::PortRange => ("Ports run from 1 to 65535.", Some("services:\n  web:\n    ports: [\"80:70000\"]\n")),
        Code::PortRangeMismatch => (
            "`8080-8081:80-82` maps two host ports to three container ports.",
            Some("services:\n  web:\n    ports: [\"8080-8081:80-82\"]\n"),
        ),
        Code::PortPool => (
            "`8000-8010:80` lets Docker pick one host port of the range; a listener needs exactly one.",
            Some("services:\n  web:\n    ports: [\"8000-8010:80\"]\n"),
        ),
        Code::MissingHostPort => (
            "`:3000` has an empty host port, often an unset variable: `${PORT}:3000`.",
            Some("services:\n  web:\n    ports: [\":3000\"]\n"),
        ),
        Code::PortProtocol => (
            "A Classic ELB carries TCP only; UDP ports get no listener and SCTP ports are refused.",
            Some("services:\n  web:\n    ports: [\"80:3000/sctp\"]\n"),
        ),
        Code::HostIp => (
            "`127.0.0.1:80:3000` binds a host address; a load balancer listens on all of its addresses.",
            Some("services:\n  web:\n    ports: [\"127.0.0.1:80:3000\"]\n"),
        ),
        Code::DuplicatePort => (
            "One balancer port has one listener, so it can forward to one container port only.",
            Some("services:\n  web:\n    ports: [\"80:3000\", \"80:4000\"]\n"),
        ),
        Code::InternalBalancer => (
            "A Classic ELB is internet-facing or internal, and ECS attaches one per service: one internal port makes all of the service's ports internal.",
            Some("services:\n  web:\n    ports: [\"80:3000\", \"3001\"]\n"),
        ),
        Code::UnknownProtocol => (
            "Convox silently used TCP for an unknown protocol; compose-cfn refuses it and suggests the value you probably meant.",
            Some("services:\n  web:\n    labels:\n      - convox.port.443.protocol=htps\n    ports: [\"443:3000\"]\n"),
        ),
        Code::UnmappedPort => (
            "Port labels are keyed by a balancer port the service maps; Convox ignored others silently.",
            Some(
                "services:\n  web:\n    labels:\n      - convox.port.8443.protocol=https\n    ports: [\"443:3000\"]\n",
            ),
        ),
        Code::ContainerPortLabel => (
            "With `443:3000`, the label is `convox.port.443.*`, not `convox.port.3000.*`.",
            Some(
                "services:\n  web:\n    labels:\n      - convox.port.3000.protocol=https\n    ports: [\"443:3000\"]\n",
            ),
        ),
        Code::UdpPortLabel => (
            "UDP ports get no listener, so their port labels do nothing.",
            Some("services:\n  dns:\n    labels:\n      - convox.port.53.protocol=tls\n    ports: [\"53:53/udp\"]\n"),
        ),
        Code::UnknownLabel => (
            "A label under `convox.port.`, `convox.health.`, `convox.idle.`, `convox.draining.` or `convox.tls.` that compose-cfn does not know is an error; a near-miss elsewhere is a warning.",
            Some("services:\n  web:\n    labels:\n      - convox.port.443.protcol=https\n    ports: [\"443:3000\"]\n"),
        ),
        Code::LabelValue => (
            "Run `compose-cfn explain LABEL` for the values a label takes.",
            Some("services:\n  web:\n    labels:\n      - convox.health.timeout=5s\n    ports: [\"80:3000\"]\n"),
        ),
        Code::DuplicateLabel => (
            "In list form a label can be written twice; Compose keeps the last, which is rarely what was meant.",
            Some(
                "services:\n  web:\n    labels:\n      - convox.port.443.protocol=tls\n      - convox.port.443.protocol=https\n    ports: [\"443:3000\"]\n",
            ),
        ),
        Code::ProxyOnHttp => (
            "http and https listeners already send the client address in X-Forwarded-For; a PROXY header would reach the app as garbage before the request.",
            Some(
                "services:\n  web:\n    labels:\n      - convox.port.80.protocol=http\n      - convox.port.80.proxy=true\n    ports: [\"80:3000\"]\n",
            ),
        ),
        Code::Certificate => {
            ("`--certificate SERVICE:PORT=ARN` must name an https or tls listener of the manifest.", None)
        }
        Code::NoServices => (
            "Every service is disabled (check `profiles:` and `--profile`), or the file defines none that can run.",
            Some("services:\n  debug:\n    image: example/debug\n    profiles: [debug]\n"),
        ),
        Code::Environment => (
            "`environment:` entries are `KEY=VALUE`, or `KEY` to take the value from the environment the deploy stage runs in (a deploy-time parameter, never a value at compile time).",
            Some("services:\n  web:\n    image: example/web\n    environment:\n      - \"=oops\"\n"),
        ),
        Code::ContainerValue => (
            "Memory, CPU, health check, ulimit, host and command settings must parse and be in range for ECS.",
            Some("services:\n  web:\n    image: example/web\n    mem_limit: lots\n"),
        ),
        Code::UnknownLink => (
            "`links:` must name another service, one with a balancer for the link to point at.",
            Some("services:\n  web:\n    image: example/web\n    links: [db]\n"),
        ),
        Code::UntranslatedKey => (
            "The Compose key has no ECS counterpart compose-cfn writes; it is ignored, so the deployed service differs from `docker compose up`.",
            Some("services:\n  web:\n    image: example/web\n    restart: always\n    ports: [\"80:3000\"]\n"),
        ),
        Code::HostPortConflict => (
            "Two services cannot both bind the same fixed host port on one container instance; ECS would never place the second.",
            Some(
                "services:\n  a:\n    image: example/a\n    labels: {convox.balancer: \"false\"}\n    ports: [\"8080:8080\"]\n  b:\n    image: example/b\n    labels: {convox.balancer: \"false\"}\n    ports: [\"8080:9090\"]\n",
            ),
        ),
        Code::TooManyPorts => (
            "Port ranges are expanded one mapping per port, and every listener needs its own instance port: a file may expand to at most 100,000 mappings, and an app to at most 20,000 listeners (the derived instance port range). Map the ports a balancer really serves.",
            Some("services:\n  web:\n    ports: [\"1-65535\"]\n"),
        ),
        Code::StackLimits => (
            "CloudFormation refuses a stack of more than 500 resources, 200 parameters or 200 outputs, or a template over 1 MB. Each service adds two or more resources, each listener a parameter and two outputs: an app of a few dozen services reaches the limits, and is better deployed as several stacks (one compose file each).",
            None,
        ),
        Code::InvalidTemplate => (
            "The template broke a Classic ELB rule compose-cfn checks after rendering: a bug in compose-cfn; please report it with the compose file.",
            None,
        ),
        Code::AwsEndpoint => (
            "The AWS commands (deploy, ssl, certs) could not connect. Check the network, the region (--region, AWS_REGION, the profile's `region`), and --endpoint-url / AWS_ENDPOINT_URL when pointing at a stand-in. Nothing was changed.",
            None,
        ),
        Code::AwsCredentials => (
            "Credentials are found as the AWS CLI finds them: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws/config and ~/.aws/credentials, then instance or container roles. Credentials are never printed.",
            None,
        ),
        Code::AwsAccessDenied => (
            "The IAM policy of the caller lacks an action: deploy needs cloudformation:*Stack*, GetTemplate and DescribeStackEvents, iam:ListServerCertificates, GetServerCertificate and UploadServerCertificate; certs and ssl need the IAM and ACM certificate actions.",
            None,
        ),
        Code::AwsThrottled => (
            "The SDK retries throttled calls with backoff; this error means it gave up. Wait a minute and run the command again.",
            None,
        ),
        Code::AwsRequest => (
            "AWS answered with an error; its code and message are shown as AWS gave them, without request details (which can carry credentials).",
            None,
        ),
        Code::AwsTimeout => (
            "The stack may still be changing: `compose-cfn ssl --stack NAME` or the console shows where it stands. Give a longer --timeout (e.g. --timeout 1h) next time.",
            None,
        ),
        Code::StackState => (
            "A stack being changed cannot take another change; a stack whose creation failed (ROLLBACK_COMPLETE) can only be deleted; UPDATE_ROLLBACK_FAILED needs `continue-update-rollback`. The message says which.",
            None,
        ),
        Code::StackFailed => (
            "The failing stack events' reasons are shown. The stack is back to its previous template and parameters (or, after a failed create, must be deleted before the next deploy).",
            None,
        ),
        Code::DeployParameter => (
            "Every template parameter needs a value on a create: --param NAME=VALUE, --image SERVICE=REF for built images, and the environment variables the compose file reads with ${VAR}. On an update, parameters not given keep their previous values. All missing values are listed at once, and nothing is changed.",
            None,
        ),
        Code::CertificateNotFound => {
            ("`compose-cfn certs` lists the IDs: `cert-…` (IAM) and `acm-…` (ACM); an ARN works too.", None)
        }
        Code::CertificateUnusable => (
            "An ACM certificate is usable once validated (the e-mail approved or the DNS records created); an expired certificate must be renewed or replaced.",
            None,
        ),
        Code::CertificateInUse => (
            "Apply another certificate first (`compose-cfn ssl update --stack NAME SERVICE:PORT ID`), then delete this one; --force deletes it anyway (AWS may refuse, or the listener breaks).",
            None,
        ),
        Code::SslTarget => (
            "`compose-cfn ssl --stack NAME` lists the https/tls listeners; a listener needs `convox.port.N.protocol=https` or `tls` in the compose file to take a certificate.",
            None,
        ),
    }
}

impl Explanation {
    /// The explanation as text for a terminal.
    pub fn render(&self) -> String {
        match self {
            Explanation::Label { spec, written } => {
                let mut out = format!("{written}\n");
                if written != spec.key {
                    out.push_str(&format!("  (label {}, N = the balancer port)\n", spec.key));
                }
                out.push_str(&format!("\n{}\n\n", spec.summary));
                out.push_str(&format!("values:  {}\n", values_text(spec.kind)));
                let default = if spec.default.is_empty() { "none" } else { spec.default };
                out.push_str(&format!("default: {default}\n"));
                let scope = match spec.scope {
                    Scope::Port => "one listener (keyed by its balancer port)",
                    Scope::Balancer => "the service's balancer",
                    Scope::Service => "the service's ECS service",
                };
                out.push_str(&format!("applies: {scope}\n\nexample:\n{}", indent(&label_example(spec))));
                out
            }
            Explanation::Labels { prefix, specs } => {
                let width = specs.iter().map(|s| s.key.len()).max().unwrap_or(0);
                let mut out = format!("labels under {prefix} that compose-cfn reads:\n\n");
                for s in specs {
                    out.push_str(&format!("  {:<width$}  {}\n", s.key, values_text(s.kind)));
                }
                out.push_str("\nrun `compose-cfn explain LABEL` for one of them\n");
                out
            }
            Explanation::Code(code) => {
                let (more, example) = code_details(*code);
                let mut out = format!("{}\n\n{}\n{more}\n", code.as_str(), code.summary());
                if let Some(example) = example {
                    out.push_str(&format!("\nexample:\n{}", indent(example)));
                }
                out
            }
        }
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
