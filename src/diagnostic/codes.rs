//! The registry of diagnostic codes: for each, its stable name, its one-line summary and the
//! longer text and example `compose-cfn explain CODE` prints, side by side so that a new code
//! cannot be added without them.
//!
//! Past 400 lines: a table, one entry per code with its texts.

macro_rules! codes {
    ($($variant:ident = $name:literal {
        summary: $summary:literal,
        details: $details:literal,
        example: $example:expr,
    })*) => {
        /// A stable identifier for each kind of diagnostic (shown as `error[code]`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant,)* }

        impl serde::Serialize for Code {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as written in reports, e.g. `unknown-protocol`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The code written as `name`, as `--deny` and `--allow` take it.
            pub fn parse(name: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == name)
            }

            /// One sentence on what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            /// More on the code than its summary, for `compose-cfn explain CODE`.
            pub fn details(self) -> &'static str {
                match self { $(Code::$variant => $details,)* }
            }

            /// A compose file that draws the diagnostic, where one short file can (some codes
            /// need a command-line option, invalid bytes, or a bug in this tool).
            pub fn example(self) -> Option<&'static str> {
                match self { $(Code::$variant => $example,)* }
            }
        }
    };
}

codes! {
    InvalidUtf8 = "invalid-utf8" {
        summary: "A file is not valid UTF-8 text.",
        details: "Every file read as text (a compose file, `.env`, an `env_file:`, a JSON template or parameters file) must be UTF-8; the error points at the first bad byte by line and column, with the line masked when the file holds values. Re-save the file as UTF-8.",
        example: None,
    }
    YamlSyntax = "yaml-syntax" {
        summary: "The file is not valid YAML.",
        details: "The YAML parser stopped; the caret shows where. Often an unclosed bracket or quote, or a tab used for indentation.",
        example: Some("services:\n  web:\n    ports: [\"80:3000\"\n"),
    }
    YamlLimit = "yaml-limit" {
        summary: "The YAML exceeds a safety limit (alias expansion, nesting or size).",
        details: "Aliases that expand into millions of nodes (an \"alias bomb\"), very deep nesting or a huge file are refused before they exhaust memory.",
        example: None,
    }
    DuplicateKey = "duplicate-key" {
        summary: "A mapping names the same key twice.",
        details: "YAML forbids a key twice in one mapping; Compose would silently keep the last one.",
        example: Some("services:\n  web:\n    ports: [\"80:3000\"]\n    ports: [\"81:3000\"]\n"),
    }
    WrongType = "wrong-type" {
        summary: "A value has the wrong YAML type (e.g. a list where a mapping belongs).",
        details: "A key holds the wrong kind of value, e.g. `ports:` as a string instead of a list. Warnings: a YAML 1.1 boolean (`yes`, `off`) where Compose casts one, and a number in `environment:` or `labels:` that is not written out as written (`PIN: 0123` becomes `123`; also `0x1F`, `1_000`, `1e3`, `1.50`), on which YAML parsers disagree (Compose's reads `010` as octal 8): quote it, `PIN: \"0123\"`.",
        example: Some("services:\n  web:\n    ports: \"80:3000\"\n"),
    }
    MissingServices = "missing-services" {
        summary: "The file declares no services.",
        details: "A file with `version:` keeps its services under `services:`; only a format-1 file (no `version:`) has them at the top level.",
        example: Some("version: \"3.8\"\nweb:\n  ports: [\"80:3000\"]\n"),
    }
    ObsoleteVersion = "obsolete-version" {
        summary: "The top-level `version:` key is obsolete and ignored.",
        details: "Compose ignores `version:`; with `services:` it is harmless, without it the file is read as format 1.",
        example: Some("version: \"3.8\"\nservices:\n  web:\n    ports: [\"80:3000\"]\n"),
    }
    UnknownKey = "unknown-key" {
        summary: "A key this tool does not know; it is ignored.",
        details: "A top-level key Compose does not define; it is ignored. Extension keys start with `x-`.",
        example: Some("servces:\n  web:\n    ports: [\"80:3000\"]\nservices:\n  web:\n    ports: [\"80:3000\"]\n"),
    }
    ServiceName = "service-name" {
        summary: "A service name Compose would reject, or one too long for CloudFormation's names.",
        details: "Compose service names use letters, digits, `.`, `_` and `-` and start with a letter or digit; CloudFormation names built from them stop at 255 characters, so very long names are refused too.",
        example: Some("services:\n  \"web server\":\n    ports: [\"80:3000\"]\n"),
    }
    AppName = "app-name" {
        summary: "An app name that is not lower-case letters, digits and `-`, or is too long.",
        details: "Convox app names are lower-case letters, digits and `-`, at most 63 characters; the name goes into AWS descriptions and tags. Set it with `name:`, `--app`, or the directory's name.",
        example: Some("name: My App\nservices:\n  web:\n    ports: [\"80:3000\"]\n"),
    }
    Unsupported = "unsupported" {
        summary: "A Compose feature this tool does not implement (`include:`, custom YAML tags); refused rather than ignored.",
        details: "`include:` and YAML tags other than `!reset` and `!override` would change the services in ways this tool cannot follow, so they are refused instead of ignored. Merge files with `-f` instead of `include:`.",
        example: Some("include:\n  - other.yml\nservices:\n  web:\n    ports: [\"80:3000\"]\n"),
    }
    Extends = "extends" {
        summary: "`extends:` names a service or file that is not there, goes round in a circle, or reads too many files.",
        details: "`extends: NAME` (or `{service: NAME}`) builds a service on another service of the same file, and `extends: {file: FILE, service: NAME}` on one of another file (relative to the directory of the file that names it), merged as several `-f` files merge. The file must exist inside the project directory (a link out of it is not followed), the service must be in it, a chain of `extends` (across files too) must not lead back to where it started, and names and paths are written out. One compose file's `extends` reads at most 64 other files, 16 MiB in all.",
        example: Some("services:\n  web:\n    extends: base\n    ports: [\"80:3000\"]\n"),
    }
    EnvFile = "env-file" {
        summary: "An `env_file:` that cannot be read: missing (required), outside the project, too large, or its path from `${…}`.",
        details: "The keys of an `env_file:` become deploy-time parameters (the template never carries the file's values; the deploy stage reads the file to fill them), so compiling reads the file's keys. It must be a regular file inside the project directory, at most 1 MiB, its path written out. A missing file is an error unless the entry says `required: false`, which makes it a warning.",
        example: Some("services:\n  web:\n    image: example/web\n    env_file: missing.env\n"),
    }
    Secret = "secret" {
        summary: "A Compose secret ECS cannot hand to the container: undefined, from a `file:` or `environment:`, or filling the same variable as another.",
        details: "A service's `secrets:` become ECS container `Secrets`: environment variables ECS fills at task start from an SSM parameter or a Secrets Manager secret, whose ARN the deploy passes as a template parameter, so no secret passes through the template. The secret must be defined at the top level with `external: true` (or `name:`); a `file:` or `environment:` secret would have to be copied into the template or onto the instances, so it is refused. Each secret of a service sets its own variable (`target:`, else the secret's name): two with one target are refused, as Compose refuses two secrets mounted at one path.",
        example: Some("secrets:\n  db_password:\n    file: ./db_password.txt\nservices:\n  web:\n    image: example/web\n    secrets: [db_password]\n"),
    }
    ServiceNameCollision = "service-name-collision" {
        summary: "Two service names map to the same CloudFormation name.",
        details: "CloudFormation names are built from the service name with `-`, `_` and `.` removed, so `my-api` and `my_api` would share resources. Names built from two different services can meet too (`web` with an internal balancer and `web-internal` are both `BalancerWebInternal`), and so can a service's and one every template has (`role` → `ServiceRole`): the names checked are those of the balancer target compiled for.",
        example: Some("services:\n  my-api:\n    ports: [\"80:3000\"]\n  my_api:\n    ports: [\"81:3000\"]\n"),
    }
    Interpolation = "interpolation" {
        summary: "A `$` expression is malformed.",
        details: "A `$` starts a variable: write `$$` for a literal dollar sign, and close every `${`.",
        example: Some("services:\n  web:\n    image: \"example/web:${TAG\"\n    ports: [\"80:3000\"]\n"),
    }
    RequiredVariable = "required-variable" {
        summary: "A `${VAR:?message}` variable that a structural value (port, number, keyword) needs is not set.",
        details: "`${VAR:?message}` stops the compilation when a structural value (a port, a number, a label keyword) needs VAR and it is unset or empty. In free text (image, command, environment, health path) it becomes a required deploy-time parameter instead.",
        example: Some("services:\n  web:\n    ports:\n      - \"${COMPOSE_CFN_EXAMPLE_PORT:?set the port}:3000\"\n"),
    }
    UnsetVariable = "unset-variable" {
        summary: "A variable without a default that a structural value needs is not set; it becomes empty.",
        details: "An unset variable without a default in a structural value (a port, a number, a label keyword) becomes an empty string, as in Compose; give a default with `${VAR:-value}`. In free text it becomes a deploy-time parameter and draws no warning.",
        example: Some("services:\n  web:\n    ports: [\"80${COMPOSE_CFN_EXAMPLE_SUFFIX}:3000\"]\n"),
    }
    Dotenv = "dotenv" {
        summary: "The `.env` file is not read (a link out of the project, not a regular file, too large) or has a malformed line.",
        details: "`.env` beside the first compose file is read only when it is a regular file inside the project directory (not a link out of it) of at most 1 MiB of UTF-8, with lines as Compose reads them: `NAME=value`, `export NAME=value`, quotes, ` #` comments. Its values may be secrets, so diagnostics about it show where, never what.",
        example: None,
    }
    PortSyntax = "port-syntax" {
        summary: "A port mapping does not follow Compose's port grammar.",
        details: "Ports are `[IP:]HOST:CONTAINER[/PROTOCOL]`, a bare `CONTAINER`, or the long mapping form.",
        example: Some("services:\n  web:\n    ports: [\"http:3000\"]\n"),
    }
    PortRange = "port-range" {
        summary: "A port number is 0 or above 65535, or a range runs backwards.",
        details: "Ports run from 1 to 65535.",
        example: Some("services:\n  web:\n    ports: [\"80:70000\"]\n"),
    }
    PortRangeMismatch = "port-range-mismatch" {
        summary: "Host and container port ranges have different lengths.",
        details: "`8080-8081:80-82` maps two host ports to three container ports.",
        example: Some("services:\n  web:\n    ports: [\"8080-8081:80-82\"]\n"),
    }
    PortPool = "port-pool" {
        summary: "A host port range maps to one container port; a listener needs one port.",
        details: "`8000-8010:80` lets Docker pick one host port of the range; a listener needs exactly one.",
        example: Some("services:\n  web:\n    ports: [\"8000-8010:80\"]\n"),
    }
    TooManyPorts = "too-many-ports" {
        summary: "Port ranges expand to more mappings, or the app to more listeners, than one template can hold.",
        details: "Port ranges are expanded one mapping per port, and every listener needs its own instance port: a file may expand to at most 100,000 mappings, and an app to at most 20,000 listeners (the derived instance port range). Map the ports a balancer really serves.",
        example: Some("services:\n  web:\n    ports: [\"1-65535\"]\n"),
    }
    MissingHostPort = "missing-host-port" {
        summary: "A public mapping has an empty host port.",
        details: "`:3000` has an empty host port, often an unset variable: `${PORT}:3000`.",
        example: Some("services:\n  web:\n    ports: [\":3000\"]\n"),
    }
    PortProtocol = "port-protocol" {
        summary: "A transport protocol a load balancer cannot carry.",
        details: "A Classic ELB carries TCP only; UDP ports get no listener and SCTP ports are refused.",
        example: Some("services:\n  web:\n    ports: [\"80:3000/sctp\"]\n"),
    }
    HostIp = "host-ip" {
        summary: "A host IP in a port mapping has no meaning on a load balancer.",
        details: "`127.0.0.1:80:3000` binds a host address; a load balancer listens on all of its addresses.",
        example: Some("services:\n  web:\n    ports: [\"127.0.0.1:80:3000\"]\n"),
    }
    DuplicatePort = "duplicate-port" {
        summary: "Two mappings use the same load balancer port.",
        details: "One balancer port has one listener, so it can forward to one container port only.",
        example: Some("services:\n  web:\n    ports: [\"80:3000\", \"80:4000\"]\n"),
    }
    InternalBalancer = "internal-balancer" {
        summary: "An internal port makes the whole Classic ELB internal.",
        details: "A Classic ELB is internet-facing or internal, and ECS attaches one per service: one internal port makes all of the service's ports internal. Move the internal port to a separate service, publish it, or compile with `--balancer v2`: a service then gets an internet-facing and an internal load balancer, as its ports need.",
        example: Some("services:\n  web:\n    ports: [\"80:3000\", \"3001\"]\n"),
    }
    UnknownProtocol = "unknown-protocol" {
        summary: "A `convox.port.N.protocol` value that is not http, https, tcp or tls.",
        details: "Convox silently used TCP for an unknown protocol; compose-cfn refuses it and suggests the value you probably meant.",
        example: Some("services:\n  web:\n    labels:\n      - convox.port.443.protocol=htps\n    ports: [\"443:3000\"]\n"),
    }
    UnmappedPort = "unmapped-port" {
        summary: "A `convox.port.N.*` label names a port the service does not map.",
        details: "Port labels are keyed by a balancer port the service maps; Convox ignored others silently.",
        example: Some("services:\n  web:\n    labels:\n      - convox.port.8443.protocol=https\n    ports: [\"443:3000\"]\n"),
    }
    ContainerPortLabel = "container-port-label" {
        summary: "A `convox.port.N.*` label is keyed by the container port, not the balancer port.",
        details: "With `443:3000`, the label is `convox.port.443.*`, not `convox.port.3000.*`.",
        example: Some("services:\n  web:\n    labels:\n      - convox.port.3000.protocol=https\n    ports: [\"443:3000\"]\n"),
    }
    UdpPortLabel = "udp-port-label" {
        summary: "A `convox.port.N.*` label names a UDP port, which gets no listener.",
        details: "UDP ports get no listener, so their port labels do nothing. A warning, not an error: Convox ignored such labels, and a manifest that deployed with it compiles the same.",
        example: Some("services:\n  dns:\n    labels:\n      - convox.port.53.protocol=tls\n    ports: [\"53:53/udp\"]\n"),
    }
    UnknownLabel = "unknown-label" {
        summary: "A `convox.*` label this tool does not know.",
        details: "A label under `convox.port.`, `convox.health.`, `convox.idle.`, `convox.draining.` or `convox.tls.` that compose-cfn does not know is an error; a near-miss elsewhere is a warning.",
        example: Some("services:\n  web:\n    labels:\n      - convox.port.443.protcol=https\n    ports: [\"443:3000\"]\n"),
    }
    LabelValue = "label-value" {
        summary: "A label value is not of the expected kind or is out of range.",
        details: "Run `compose-cfn explain LABEL` for the values a label takes.",
        example: Some("services:\n  web:\n    labels:\n      - convox.health.timeout=5s\n    ports: [\"80:3000\"]\n"),
    }
    DuplicateLabel = "duplicate-label" {
        summary: "A label is given twice in list form; the last one wins.",
        details: "In list form a label can be written twice; Compose keeps the last, which is rarely what was meant.",
        example: Some("services:\n  web:\n    labels:\n      - convox.port.443.protocol=tls\n      - convox.port.443.protocol=https\n    ports: [\"443:3000\"]\n"),
    }
    ProxyOnHttp = "proxy-on-http" {
        summary: "Proxy protocol on an http/https listener, which already sends X-Forwarded-For.",
        details: "http and https listeners already send the client address in X-Forwarded-For; a PROXY header would reach the app as garbage before the request.",
        example: Some("services:\n  web:\n    labels:\n      - convox.port.80.protocol=http\n      - convox.port.80.proxy=true\n    ports: [\"80:3000\"]\n"),
    }
    NoEcsMeaning = "no-ecs-meaning" {
        summary: "A Compose key with no meaning on ECS (`depends_on`, `restart`, `container_name`, `networks`, `expose`); explained once per file.",
        details: "These keys describe one Docker host: start order, restart policy, container names, Compose networks and exposed ports. On ECS each service is a task of its own that the ECS service keeps running, on bridge networking, reached through its balancer. The keys are ignored, with one warning per key and file giving the reason.",
        example: Some("services:\n  web:\n    image: example/web\n    restart: always\n    depends_on: [db]\n  db:\n    image: postgres\n    restart: always\n"),
    }
    AgentConflict = "agent-conflict" {
        summary: "`convox.agent=true` (one task per instance, ECS DAEMON) with a count or a deployment maximum other than 100.",
        details: "Agent mode runs one task on every container instance, as ECS `DAEMON` scheduling: it has no desired count, and ECS requires a daemon's maximum percent to be 100. A `convox.scale`, a `deploy.replicas` or another `convox.deployment.maximum` beside it would be silently dropped, so each is an error.",
        example: Some("services:\n  agent:\n    image: example/agent\n    labels:\n      - convox.agent=true\n      - convox.scale=2\n"),
    }
    SecureWithoutProtocol = "secure-without-protocol" {
        summary: "`convox.port.N.secure=true` on a port without a protocol label: TLS to the container, not passed through as under Convox.",
        details: "Without a protocol label the listener is TCP. With `secure=true` compose-cfn has the balancer open its own TLS connection to the container (TCP → SSL), as the label says. Convox left such a listener TCP → TCP, so a client's TLS went through to the container untouched; clients that speak TLS to the container's own certificate break after migrating. Add `convox.port.N.protocol=tls` to end TLS at the balancer, or drop `secure` to pass TLS through as Convox did.",
        example: Some("services:\n  db:\n    labels:\n      - convox.port.5432.secure=true\n    ports: [\"5432:5432\"]\n"),
    }
    UnusedTlsPolicy = "unused-tls-policy" {
        summary: "A TLS policy label no listener takes (`convox.tls.policy` without https/tls ports, `convox.port.N.ssl_policy` on a port that does not end TLS); it has no effect.",
        details: "A TLS policy chooses the protocols and ciphers a listener that ends TLS offers, so it applies only to https and tls ports. `convox.tls.policy` on a service with no such port (or without a load balancer, or on `--balancer v2` where every such port sets its own `convox.port.N.ssl_policy`), and `convox.port.N.ssl_policy` on an http or tcp port, change nothing: a warning, as Convox (which had neither label) ignored them. Label the port `convox.port.N.protocol=https` (or `tls`) if it should end TLS, or remove the label.",
        example: Some("services:\n  web:\n    labels:\n      - convox.tls.policy=ELBSecurityPolicy-TLS-1-2-2017-01\n    ports: [\"80:3000\"]\n"),
    }
    UnusedBalancerLabel = "unused-balancer-label" {
        summary: "A balancer label (`convox.health.*`, `convox.idle.timeout`, `convox.draining.timeout`) on a service that gets no load balancer (`convox.balancer=false`, or no TCP port); it has no effect.",
        details: "Health checks, the idle timeout and connection draining are settings of the service's load balancer, and a service gets one only when it maps a TCP port and does not set `convox.balancer=false` (UDP ports get no listener). On any other service these labels change nothing: a warning, as Convox ignored them there too. Map a TCP port (or remove `convox.balancer=false`) if the service should have a balancer, or remove the label.",
        example: Some("services:\n  worker:\n    labels:\n      - convox.health.path=/health\n    ports: [\"53:53/udp\"]\n"),
    }
    WrongTarget = "wrong-target" {
        summary: "A label or TLS policy of the other balancer target (`--balancer classic|v2`).",
        details: "`convox.port.N.redirect` and `convox.port.N.ssl_policy` exist only on ELBv2 balancers (`--balancer v2`); the Classic ELB policies older than TLS 1.2 exist only on Classic ELBs, and the TLS13 and FS policies only on ELBv2. `convox.port.N.secure=true` on a tcp port works only on Classic ELBs (TCP → SSL): a Network Load Balancer's TCP listener forwards only to a TCP target group, so on v2 add `convox.port.N.protocol=tls` (TLS ended at the balancer, then re-encrypted) or drop `secure` (the client's TLS passed through). Choose the target the label is for, or drop the label.",
        example: Some("services:\n  web:\n    labels:\n      - convox.port.443.protocol=https\n      - convox.port.80.redirect=443\n    ports: [\"80:3000\", \"443:3000\"]\n"),
    }
    TooManyTargetGroups = "too-many-target-groups" {
        summary: "On `--balancer v2`, a service with more than five listener ports (one target group each).",
        details: "An ECS service can be registered with at most five target groups, and v2 gives each listener port its own. Move some ports to another service, or stay on `--balancer classic`.",
        example: Some("x-compose-cfn:\n  balancer: v2\nservices:\n  web:\n    ports: [\"81:1\", \"82:2\", \"83:3\", \"84:4\", \"85:5\", \"86:6\"]\n"),
    }
    TooManyListeners = "too-many-listeners" {
        summary: "A load balancer of a service with more listeners than AWS's quota per load balancer: 100 on a Classic ELB, 50 on `--balancer v2`.",
        details: "A service's balancer has one listener per TCP port, and a port range is one port per number in it. A Classic ELB takes at most 100 listeners (AWS's default quota; each listener also adds two outputs to the template, of the 200 CloudFormation allows). An Application or Network Load Balancer takes at most 50 (an NLB's cannot be raised), and v2 gives a service's ALB or NLB, public or internal, one listener per port; five target groups per service already cap the listeners that forward, so there only an ALB with many redirect ports (`convox.port.N.redirect`, which need no target group) reaches it. Map or redirect fewer ports, or move some to another service.",
        example: Some("services:\n  web:\n    ports: [\"8000-8100:3000-3100\"]\n"),
    }
    NlbIdleTimeout = "nlb-idle-timeout" {
        summary: "On `--balancer v2`, a `convox.idle.timeout` a Network Load Balancer listener cannot take: below 60 s with tcp ports, or beside tls ports (fixed at 350 s).",
        details: "On v2 the idle timeout is the ALB's attribute (1–4000 s) and each NLB TCP listener's `tcp.idle_timeout.seconds`, which AWS accepts from 60 to 6000 s: a shorter one with tcp ports is an error. An NLB's TLS listeners keep AWS's fixed 350 s whatever the label says: a warning. Raise the timeout to 60, or move the tcp or tls ports to a service of their own.",
        example: Some("x-compose-cfn:\n  balancer: v2\nservices:\n  db:\n    labels:\n      - convox.idle.timeout=30\n    ports: [\"5432:5432\"]\n"),
    }
    BalancerTarget = "balancer-target" {
        summary: "The `x-compose-cfn` extension names no known balancer target.",
        details: "`x-compose-cfn: {balancer: classic}` or `{balancer: v2}` chooses the target; `--balancer` on the command line overrides it.",
        example: Some("x-compose-cfn:\n  balancer: alb\nservices:\n  web:\n    ports: [\"80:3000\"]\n"),
    }
    Certificate = "certificate" {
        summary: "A `--certificate` option that does not fit the manifest.",
        details: "`--certificate SERVICE:PORT=ARN` must name an https or tls listener of the manifest.",
        example: None,
    }
    NoServices = "no-services" {
        summary: "No service is enabled, so the template deploys nothing.",
        details: "Every service is disabled (check `profiles:` and `--profile`), or the file defines none that can run.",
        example: Some("services:\n  debug:\n    image: example/debug\n    profiles: [debug]\n"),
    }
    Environment = "environment" {
        summary: "An `environment:` entry that is not `KEY=VALUE` or `KEY` (or names its variable with `${…}`), or two variables that become one parameter name.",
        details: "`environment:` entries are `KEY=VALUE`, or `KEY` to take the value from the environment the deploy stage runs in (a deploy-time parameter, never a value at compile time).",
        example: Some("services:\n  web:\n    image: example/web\n    environment:\n      - \"=oops\"\n"),
    }
    ContainerValue = "container-value" {
        summary: "A container setting (memory, CPU, health check, ulimit, host, command) that does not parse or is out of range.",
        details: "Memory, CPU, health check, ulimit, host and command settings must parse and be in range for ECS.",
        example: Some("services:\n  web:\n    image: example/web\n    mem_limit: lots\n"),
    }
    UnknownLink = "unknown-link" {
        summary: "`links:` names a service that does not exist, or one without a balancer to point at.",
        details: "`links:` must name another service, one with a balancer for the link to point at.",
        example: Some("services:\n  web:\n    image: example/web\n    links: [db]\n"),
    }
    DuplicateMount = "duplicate-mount" {
        summary: "Two `volumes:` entries of a service are mounted at one container path.",
        details: "A container has one mount at each path: Docker refuses two (\"duplicate mount point\"), whether they are named volumes, bind mounts or anonymous volumes, so Compose cannot run the file either. Mount each volume at its own path, or remove the repeated entry.",
        example: Some("services:\n  db:\n    image: postgres\n    volumes: [\"data:/var/data\", \"other:/var/data\"]\n"),
    }
    UntranslatedKey = "untranslated-key" {
        summary: "A Compose key this tool does not translate to ECS; it is ignored.",
        details: "The Compose key has no ECS counterpart compose-cfn writes; it is ignored, so the deployed service differs from `docker compose up`.",
        example: Some("services:\n  web:\n    image: example/web\n    devices: [\"/dev/fuse\"]\n    ports: [\"80:3000\"]\n"),
    }
    Usage = "usage" {
        summary: "The command line is wrong, or a file could not be read or written (exit 2).",
        details: "Not a problem of the compose file: an option or argument the command cannot use, a file that does not exist or cannot be read, or an output that cannot be written. With --format json it is printed as a JSON object like every other message.",
        example: None,
    }
    UnknownProfile = "unknown-profile" {
        summary: "A profile selected with --profile or COMPOSE_PROFILES is used by no service.",
        details: "No service lists the profile under `profiles:`, so selecting it enables nothing: usually a typo. The error lists the profiles the services use.",
        example: None,
    }
    TwoComposeFiles = "two-compose-files" {
        summary: "Both compose.yaml and docker-compose.yml are in the directory; only the first is read.",
        details: "Compose reads `compose.yaml` (or `compose.yml`) in preference to `docker-compose.yml` and warns that the other is ignored; so does compose-cfn. Remove the one you do not deploy, or name the file with -f.",
        example: None,
    }
    HostPortConflict = "host-port-conflict" {
        summary: "Two services bind the same fixed host port, so ECS cannot place them on one container instance.",
        details: "Two services cannot both bind the same fixed host port on one container instance; ECS would never place the second.",
        example: Some("services:\n  a:\n    image: example/a\n    labels: {convox.balancer: \"false\"}\n    ports: [\"8080:8080\"]\n  b:\n    image: example/b\n    labels: {convox.balancer: \"false\"}\n    ports: [\"8080:9090\"]\n"),
    }
    StackLimits = "stack-limits" {
        summary: "The template exceeds a CloudFormation quota (500 resources, 200 parameters, 200 outputs, 1 MB): it is valid but cannot be deployed as one stack.",
        details: "CloudFormation refuses a stack of more than 500 resources, 200 parameters or 200 outputs, or a template over 1 MB. Each service adds two or more resources, each listener a parameter and two outputs: an app of a few dozen services reaches the limits, and is better deployed as several stacks (one compose file each).",
        example: None,
    }
    InvalidTemplate = "invalid-template" {
        summary: "The generated template broke a load balancer rule (a bug in this tool).",
        details: "The template broke a Classic ELB rule compose-cfn checks after rendering: a bug in compose-cfn; please report it with the compose file.",
        example: None,
    }
    AwsEndpoint = "aws-endpoint" {
        summary: "The AWS endpoint cannot be reached (network, region, or --endpoint-url).",
        details: "The AWS commands (deploy, ssl, certs) could not connect. Check the network, the region (--region, AWS_REGION, the profile's `region`), and --endpoint-url / AWS_ENDPOINT_URL when pointing at a stand-in. Nothing was changed.",
        example: None,
    }
    AwsCredentials = "aws-credentials" {
        summary: "No AWS credentials were found, or AWS rejected them.",
        details: "Credentials are found as the AWS CLI finds them: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws/config and ~/.aws/credentials, then instance or container roles. Credentials are never printed.",
        example: None,
    }
    AwsAccessDenied = "aws-access-denied" {
        summary: "The AWS credentials are not allowed to make a call this command needs.",
        details: "The IAM policy of the caller lacks an action: deploy needs cloudformation:*Stack*, GetTemplate and DescribeStackEvents, iam:ListServerCertificates, GetServerCertificate and UploadServerCertificate; certs and ssl need the IAM and ACM certificate actions.",
        example: None,
    }
    AwsThrottled = "aws-throttled" {
        summary: "AWS throttled the requests, even after retries.",
        details: "The SDK retries throttled calls with backoff; this error means it gave up. Wait a minute and run the command again.",
        example: None,
    }
    AwsRequest = "aws-request" {
        summary: "AWS refused a request (its error code and message are shown).",
        details: "AWS answered with an error; its code and message are shown as AWS gave them, without request details (which can carry credentials).",
        example: None,
    }
    AwsTimeout = "aws-timeout" {
        summary: "A stack change did not finish within --timeout.",
        details: "The stack may still be changing: `compose-cfn ssl --stack NAME` or the console shows where it stands. Give a longer --timeout (e.g. --timeout 1h) next time.",
        example: None,
    }
    StackState = "stack-state" {
        summary: "The stack is in a state that cannot be changed now (in progress, or failed).",
        details: "A stack being changed cannot take another change; a stack whose creation failed (ROLLBACK_COMPLETE) can only be deleted; UPDATE_ROLLBACK_FAILED needs `continue-update-rollback`. The message says which.",
        example: None,
    }
    StackFailed = "stack-failed" {
        summary: "A stack create or update failed; CloudFormation rolled it back.",
        details: "The failing stack events' reasons are shown. The stack is back to its previous template and parameters (or, after a failed create, must be deleted before the next deploy).",
        example: None,
    }
    Adopt = "adopt" {
        summary: "The live stack given to --adopt cannot be adopted as it is.",
        details: "`--adopt TEMPLATE` takes the template of a live stack a Convox rack made (the JSON `aws cloudformation get-template` prints, or the bare template) and `--adopt-parameters FILE` its parameter values (the JSON `aws cloudformation describe-stacks` prints). A template Convox did not make (no `Balancer<Service>` Classic ELB with a `LoadBalancerName`, no `<Service>Port<N>Host` parameters with `Blank…Certificate` conditions, no rack `CustomTopic`) is refused: adopt only Convox app stacks, and deploy a stack compose-cfn made without `--adopt`. A certificate bound to a listener of the live stack is kept bound; when the manifest makes that listener plain, adopting would drop it: label the port `convox.port.N.protocol=tls` (or `https`). Where keeping a resource in place is impossible (the manifest changes what AWS sets only at creation, such as a balancer's scheme), the adoption names the resource, the property and why, and `compile --adopt` and `deploy` refuse unless `--allow-replacement`. Each service keeps the task count the live stack runs (Convox's `<Service>Formation`, which `convox scale` sets) unless the manifest sets one with `convox.scale` or `deploy.replicas`, and its cpu and memory (memory as a reservation) unless the manifest sets `cpu_shares`, `mem_limit` or `mem_reservation`; each container keeps the variables the rack set in every container (`APP`, `PROCESS`, `RACK`, `AWS_REGION`, `LOG_GROUP`; not `RELEASE`) unless the manifest sets them. A Convox app's environment (`convox env`: the encrypted file its `Environment` parameter names, which the rack's task-definition function put into every container) reaches no adopted task definition, so the adoption is refused, at that parameter, unless `--env-migrated`: save the variables with `convox env -a APP | compose-cfn convox-env -o convox.env`, add `env_file: convox.env` to the services that used them, keep the file out of git, and run again with the flag.",
        example: None,
    }
    ConvoxEnv = "convox-env" {
        summary: "`convox-env` was given a line that is not what `convox env` prints, or a variable name an env file cannot set.",
        details: "`compose-cfn convox-env` turns the output of `convox env -a APP` into an env file for `env_file:`. A Convox gen1 rack kept each variable as a raw `KEY=VALUE` line, and Compose reads env files with its dotenv syntax, which expands `$`, drops ` #` comments, trailing blanks and opening quotes: used as it is, the output would change such values on the takeover deploy, silently. The command quotes every value so that it reads back unchanged (and checks that it does before writing). Each line must be `KEY=VALUE` (blank lines are skipped), each name letters, digits, `_` and `.`, and each name set once. The values are secrets: a finding names the line and the variable, never a value.",
        example: None,
    }
    EnvPrecedence = "env-precedence" {
        summary: "Adopting a Convox app with --env-migrated: a variable its `environment:` sets is also in an env_file, whose value Convox used.",
        details: "A Convox gen1 rack's task-definition function put the app's `convox env` variables into every container over the manifest's `environment:` values: `convox env` won. Compose (and compose-cfn) does the opposite: `environment:` wins over `env_file:`. So once the variables are moved into an env_file (`convox env -a APP | compose-cfn convox-env -o convox.env`, `env_file: convox.env`, `--env-migrated`), a variable set in both places silently changes value on the takeover deploy: the container gets the manifest's `environment:` value instead of the one Convox gave it. Each such variable is a warning at its `environment:` entry, naming the env file (never a value). Remove the variable from `environment:` to keep the value Convox used, or from the env file if the manifest's value is the one you want. Outside an adoption nothing is said: overriding an env_file default with `environment:` is ordinary Compose.",
        example: None,
    }
    DeployParameter = "deploy-parameter" {
        summary: "A deploy-time parameter has no value, or a --param/--image names nothing.",
        details: "Every template parameter needs a value on a create: --param NAME=VALUE, --image SERVICE=REF for built images, and the environment variables the compose file reads with ${VAR}. On an update, parameters not given keep their previous values. All missing values are listed at once, and nothing is changed.",
        example: None,
    }
    CertificateNotFound = "certificate-not-found" {
        summary: "No IAM or ACM certificate has that ID or ARN.",
        details: "`compose-cfn certs` lists the IDs: `cert-…` (IAM) and `acm-…` (ACM); an ARN works too.",
        example: None,
    }
    CertificateUnusable = "certificate-unusable" {
        summary: "The certificate cannot serve a listener: pending validation, failed or expired.",
        details: "An ACM certificate is usable once validated (the e-mail approved or the DNS records created); an expired certificate must be renewed or replaced.",
        example: None,
    }
    CertificateInUse = "certificate-in-use" {
        summary: "The certificate is applied to a listener of a stack, so it is not deleted.",
        details: "Apply another certificate first (`compose-cfn ssl update --stack NAME SERVICE:PORT ID`), then delete this one; --force deletes it anyway (AWS may refuse, or the listener breaks).",
        example: None,
    }
    SslTarget = "ssl-target" {
        summary: "The `SERVICE:PORT` is not an https/tls listener of the stack.",
        details: "`compose-cfn ssl --stack NAME` lists the https/tls listeners; a listener needs `convox.port.N.protocol=https` or `tls` in the compose file to take a certificate.",
        example: None,
    }
    CertIo = "cert-io" {
        summary: "`certs`: a file cannot be read or written, or is too large to be a certificate or key.",
        details: "The path is wrong, the directory does not exist, permissions forbid it, or the file is larger than any certificate, chain or key (a stream that does not end); `certs` exits 2.",
        example: None,
    }
    CertExists = "cert-exists" {
        summary: "`certs self-signed`: an output file exists, or the certificate and key would share one.",
        details: "Output files are never replaced silently: pass --force to replace them, and give --cert-out and --key-out different files.",
        example: None,
    }
    CertFormat = "cert-format" {
        summary: "`certs`: a file is not the PEM certificate or key it should be.",
        details: "Certificates and keys are PEM text (`-----BEGIN CERTIFICATE-----`, `-----BEGIN PRIVATE KEY-----`). Binary DER, PKCS#12 archives, damaged PEM, a key where a certificate belongs (or the reverse) and several keys in one file are refused, with the openssl command that converts the file where one does.",
        example: None,
    }
    CertEncryptedKey = "cert-encrypted-key" {
        summary: "`certs`: the private key is protected by a passphrase.",
        details: "ACM and the load balancers take a key without a passphrase: decrypt it with openssl and keep the result private.",
        example: None,
    }
    CertKeyType = "cert-key-type" {
        summary: "`certs`: a key type or size ACM or the load balancers refuse, or that clients distrust.",
        details: "ACM imports RSA keys of 1024, 2048, 3072 or 4096 bits and ECDSA keys on P-256, P-384 or P-521; RSA 1024 is imported but distrusted by browsers (a warning); RSA 2048 works with every Classic ELB listener and client.",
        example: None,
    }
    CertKeyMismatch = "cert-key-mismatch" {
        summary: "`certs`: the private key is not the one the certificate was issued for.",
        details: "The certificate's public key and the key's public key differ; the notes give both SHA-256 fingerprints, which openssl prints the same way.",
        example: None,
    }
    CertValidity = "cert-validity" {
        summary: "`certs`: a certificate has expired or is not valid yet.",
        details: "An expired or not-yet-valid leaf is refused; an intermediate outside its validity is a warning, as clients may still build another chain.",
        example: None,
    }
    CertChain = "cert-chain" {
        summary: "`certs`: the chain does not link up, or is incomplete or out of order.",
        details: "Each certificate must be issued (and signed) by the next. A stray certificate or a bad signature is an error; a missing intermediate, a leaf that is not first, certificates out of that order (ACM refuses such a chain; `certs inspect --write-leaf FILE --write-chain FILE` writes them in order), or a repeated certificate is a warning.",
        example: None,
    }
    CertDomain = "cert-domain" {
        summary: "A domain that is not a DNS name (`certs self-signed`), or one the certificate does not cover (`certs inspect --domain`).",
        details: "Domains are DNS names of letters, digits and hyphens, optionally starting with `*.`. `certs inspect --domain NAME` warns when none of the certificate's names covers NAME (`*.example.org` covers one label: `www.example.org`, not `example.org`).",
        example: None,
    }
    CertGenerate = "cert-generate" {
        summary: "`certs self-signed`: the certificate could not be generated (a bug).",
        details: "The certificate generator failed: a bug in compose-cfn or its crypto library; please report it.",
        example: None,
    }
}
