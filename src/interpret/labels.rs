//! The Convox labels this tool understands: one table that the interpreter reads values with,
//! and that documentation, `explain` and the editor schema are generated from.
//!
//! One file past 400 lines: most of it is the table, and the value parsers it names belong
//! beside it.

/// What values a label takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// A whole number in an inclusive range.
    Integer {
        /// Smallest value accepted.
        min: u32,
        /// Largest value accepted.
        max: u32,
    },
    /// An HTTP path starting with `/`.
    Path,
    /// A container port of the same service.
    ContainerPort,
}

/// Where a label applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `convox.port.<N>.<key>`, keyed by the balancer port N.
    Port,
    /// One key for the service's balancer.
    Balancer,
    /// One key for the service's ECS service.
    Service,
}

/// One label: its key (with `<N>` for the port), what it takes, its default and its effect.
#[derive(Clone, Copy, Debug)]
pub struct LabelSpec {
    /// The key; port labels are written `convox.port.<N>.<name>`.
    pub key: &'static str,
    /// Port or balancer label.
    pub scope: Scope,
    /// Accepted values.
    pub kind: ValueKind,
    /// The default, as text (empty: none).
    pub default: &'static str,
    /// What it does.
    pub summary: &'static str,
}

impl LabelSpec {
    /// The part after `convox.port.<N>.` for port labels.
    pub fn port_key(&self) -> Option<&'static str> {
        self.key.strip_prefix("convox.port.<N>.")
    }
}

/// Listener protocols, as the `convox.port.<N>.protocol` label spells them.
pub const PROTOCOLS: &[&str] = &["http", "https", "tcp", "tls"];

/// Words people write for a protocol, and the protocol they mean: the seed's advice is
/// "use `tls` if you need websockets", and ELB itself calls TLS listeners `SSL`.
const PROTOCOL_SYNONYMS: &[(&str, &str)] =
    &[("ssl", "tls"), ("websocket", "tls"), ("websockets", "tls"), ("ws", "tls"), ("wss", "tls"), ("http2", "https")];

/// The TLS negotiation policy every https/tls listener gets unless `convox.tls.policy` says
/// otherwise: TLS 1.2 minimum (Convox left AWS's old default, which allowed TLS 1.0).
pub const DEFAULT_TLS_POLICY: &str = "ELBSecurityPolicy-TLS-1-2-2017-01";

/// The TLS policy of v2 https/tls listeners unless a label says otherwise: TLS 1.2 minimum,
/// TLS 1.3 offered, forward-secret ciphers only.
pub const DEFAULT_V2_TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// Every predefined TLS policy name of either target, in three runs: both targets, Classic
/// ELB only ([`TLS_POLICIES`] is the first two), ELBv2 only. `convox.tls.policy` and
/// `convox.port.N.ssl_policy` accept any, and the balancer checks the name fits the target
/// ([`fits_target`]), so a name of the other target is an error that says so.
pub const ANY_TLS_POLICIES: &[&str] = &[
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-2015-05",
    // Classic ELB only.
    "ELBSecurityPolicy-2015-03",
    "ELBSecurityPolicy-2015-02",
    "ELBSecurityPolicy-2014-10",
    "ELBSecurityPolicy-2014-01",
    "ELBSecurityPolicy-2011-08",
    "ELBSample-ELBDefaultCipherPolicy",
    "ELBSample-OpenSSLDefaultCipherPolicy",
    // ELBv2 only.
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06",
    "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-1-2019-08",
    "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    // Post-quantum key exchange (2025-09).
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
];

/// How many policies both targets have (the first run of [`ANY_TLS_POLICIES`]).
const SHARED_TLS_POLICIES: usize = 4;

/// AWS's predefined SSL negotiation policies for Classic Load Balancers.
pub const TLS_POLICIES: &[&str] = ANY_TLS_POLICIES.split_at(11).0;

/// True when the predefined policy `name` refuses TLS below 1.2 (AWS names them so).
pub fn requires_tls12(name: &str) -> bool {
    ["TLS-1-2-", "TLS13-1-2-", "TLS13-1-3-", "FS-1-2-"].iter().any(|m| name.contains(m))
}

/// True when the predefined policy `name` exists on `target`'s balancers.
pub fn fits_target(name: &str, target: super::plan::Target) -> bool {
    match target {
        super::plan::Target::Classic => TLS_POLICIES.contains(&name),
        super::plan::Target::V2 => {
            ANY_TLS_POLICIES[..SHARED_TLS_POLICIES].contains(&name) || ANY_TLS_POLICIES[11..].contains(&name)
        }
    }
}

/// Every label this tool reads.
pub const LABELS: &[LabelSpec] = &[
    LabelSpec {
        key: "convox.port.<N>.protocol",
        scope: Scope::Port,
        kind: ValueKind::Choice(PROTOCOLS),
        default: "tcp",
        summary: "Listener protocol on balancer port N: http, https (TLS terminated, X-Forwarded-* headers, no websockets), tcp, or tls (TLS terminated at layer 4, websockets work).",
    },
    LabelSpec {
        key: "convox.port.<N>.secure",
        scope: Scope::Port,
        kind: ValueKind::Bool,
        default: "false",
        summary: "Re-encrypt traffic to the container: instance protocol HTTPS (http/https) or SSL (tcp/tls); the health check uses it too.",
    },
    LabelSpec {
        key: "convox.port.<N>.proxy",
        scope: Scope::Port,
        kind: ValueKind::Bool,
        default: "false",
        summary: "Send the PROXY protocol header (client IP) to the container on this listener's instance port.",
    },
    LabelSpec {
        key: "convox.port.<N>.redirect",
        scope: Scope::Port,
        kind: ValueKind::Integer { min: 1, max: 65535 },
        default: "",
        summary: "--balancer v2 only: the http listener on port N answers with a permanent redirect to HTTPS on this port (an https port of the service, usually 443).",
    },
    LabelSpec {
        key: "convox.port.<N>.ssl_policy",
        scope: Scope::Port,
        kind: ValueKind::Choice(ANY_TLS_POLICIES),
        default: "",
        summary: "--balancer v2 only: the predefined ELBv2 TLS policy of the https/tls listener on port N, overriding convox.tls.policy (a Classic ELB policy is an error).",
    },
    LabelSpec {
        key: "convox.health.path",
        scope: Scope::Balancer,
        kind: ValueKind::Path,
        default: "",
        summary: "HTTP(S) health check on this path; without it the check is a TCP (or SSL) connect.",
    },
    LabelSpec {
        key: "convox.health.port",
        scope: Scope::Balancer,
        kind: ValueKind::ContainerPort,
        default: "",
        summary: "The container port whose listener is health-checked; default: the service's first TCP port.",
    },
    LabelSpec {
        key: "convox.health.timeout",
        scope: Scope::Balancer,
        kind: ValueKind::Integer { min: 2, max: 60 },
        default: "3",
        summary: "Seconds a health check may take; the interval defaults to this plus 2.",
    },
    LabelSpec {
        key: "convox.health.interval",
        scope: Scope::Balancer,
        kind: ValueKind::Integer { min: 5, max: 300 },
        default: "",
        summary: "Seconds between health checks; must exceed the timeout. Default: timeout + 2.",
    },
    LabelSpec {
        key: "convox.health.threshold.healthy",
        scope: Scope::Balancer,
        kind: ValueKind::Integer { min: 2, max: 10 },
        default: "2",
        summary: "Consecutive passing checks before an instance is healthy.",
    },
    LabelSpec {
        key: "convox.health.threshold.unhealthy",
        scope: Scope::Balancer,
        kind: ValueKind::Integer { min: 2, max: 10 },
        default: "2",
        summary: "Consecutive failing checks before an instance is unhealthy.",
    },
    LabelSpec {
        key: "convox.idle.timeout",
        scope: Scope::Balancer,
        kind: ValueKind::Integer { min: 1, max: 3600 },
        default: "3600",
        summary: "Seconds an idle connection stays open.",
    },
    LabelSpec {
        key: "convox.draining.timeout",
        scope: Scope::Balancer,
        kind: ValueKind::Integer { min: 1, max: 3600 },
        default: "60",
        summary: "Seconds in-flight requests may finish when an instance leaves the balancer.",
    },
    LabelSpec {
        key: "convox.balancer",
        scope: Scope::Balancer,
        kind: ValueKind::Bool,
        default: "true",
        summary: "`false`: no load balancer for this service; its ports stay plain host port mappings.",
    },
    LabelSpec {
        key: "convox.tls.policy",
        scope: Scope::Balancer,
        kind: ValueKind::Choice(ANY_TLS_POLICIES),
        default: DEFAULT_TLS_POLICY,
        summary: "The predefined TLS policy of the balancer's https and tls listeners: a Classic ELB policy (default ELBSecurityPolicy-TLS-1-2-2017-01), or with --balancer v2 an ELBv2 policy (default ELBSecurityPolicy-TLS13-1-2-2021-06).",
    },
    LabelSpec {
        key: "convox.scale",
        scope: Scope::Service,
        kind: ValueKind::Integer { min: 0, max: 1000 },
        default: "1",
        summary: "How many copies of the service run (ECS `DesiredCount`); overrides `deploy.replicas`.",
    },
    LabelSpec {
        key: "convox.agent",
        scope: Scope::Service,
        kind: ValueKind::Bool,
        default: "false",
        summary: "`true`: one copy on every container instance (ECS `DAEMON` scheduling), as Convox's agent mode; refuses `convox.scale`, `deploy.replicas` and a deployment maximum other than 100.",
    },
    LabelSpec {
        key: "convox.deployment.minimum",
        scope: Scope::Service,
        kind: ValueKind::Integer { min: 0, max: 100 },
        default: "100",
        summary: "Percent of the desired count that must stay healthy during a deployment (100, as Convox: no capacity lost while deploying).",
    },
    LabelSpec {
        key: "convox.deployment.maximum",
        scope: Scope::Service,
        kind: ValueKind::Integer { min: 100, max: MAXIMUM_PERCENT_CAP },
        default: "200",
        summary: "Percent of the desired count that may run during a deployment; ECS sets no upper bound (200 is its default), Convox's docs showed 300.",
    },
];

/// The largest `convox.deployment.maximum` accepted. ECS documents no upper bound; this cap
/// only keeps the value a sane figure (100 copies of every task at once) for a label typo.
pub const MAXIMUM_PERCENT_CAP: u32 = 10_000;

/// Prefixes whose every label this tool owns: an unknown key under one is an error.
pub const OWNED_PREFIXES: &[&str] =
    &["convox.port.", "convox.health.", "convox.idle.", "convox.draining.", "convox.tls.", "convox.deployment."];

/// The spec of a label that applies to the whole service (balancer or ECS service scope).
pub fn service_label(key: &str) -> Option<&'static LabelSpec> {
    LABELS.iter().find(|l| l.scope != Scope::Port && l.key == key)
}

/// The spec of a port-scope label by its last part (`protocol`, `secure`, `proxy`).
pub fn port_label(name: &str) -> Option<&'static LabelSpec> {
    LABELS.iter().find(|l| l.port_key() == Some(name))
}

/// A parsed label value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelValue {
    /// A choice (a path is deploy-time text, read apart).
    Text(String),
    /// A boolean.
    Bool(bool),
    /// A number (also container ports).
    Number(u32),
}

/// Why a value does not fit its label, with a suggested fix.
#[derive(Debug, PartialEq, Eq)]
pub struct ValueError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// Parses `value` as `spec` requires.
/// `key` is the label as written (`convox.port.443.secure`), for messages.
pub fn parse_value(spec: &LabelSpec, key: &str, value: &str) -> Result<LabelValue, ValueError> {
    match spec.kind {
        ValueKind::Choice(choices) => {
            if choices.contains(&value) {
                return Ok(LabelValue::Text(value.to_string()));
            }
            let shown = if choices.len() > 4 {
                format!("one of AWS's predefined policies, e.g. {}", choices[0])
            } else {
                choices.join(", ")
            };
            let synonym = PROTOCOL_SYNONYMS
                .iter()
                .find(|(word, _)| choices == PROTOCOLS && value.eq_ignore_ascii_case(word))
                .map(|(_, meant)| *meant);
            let help = match synonym.or_else(|| nearest(value, choices)) {
                Some(s) => format!("did you mean `{s}`? valid values: {shown}"),
                None => format!("valid values: {shown}"),
            };
            Err(ValueError { message: format!("`{value}` is not a valid value for `{}`", key), help })
        }
        ValueKind::Bool => match value {
            "true" => Ok(LabelValue::Bool(true)),
            "false" => Ok(LabelValue::Bool(false)),
            _ => Err(ValueError {
                message: format!("`{}` takes `true` or `false`, not `{value}`", key),
                help: format!(
                    "write `{}`",
                    if matches!(value.to_ascii_lowercase().as_str(), "yes" | "on" | "1" | "y" | "true") {
                        "true"
                    } else {
                        "false"
                    }
                ),
            }),
        },
        ValueKind::Integer { min, max } => match digits(value).and_then(|d| d.parse::<u32>().ok()).ok_or(()) {
            Ok(n) if (min..=max).contains(&n) => Ok(LabelValue::Number(n)),
            Ok(n) => Err(ValueError {
                message: format!("`{}` is {n}, outside {min}–{max}", key),
                help: format!("use a whole number from {min} to {max}"),
            }),
            Err(_) => Err(ValueError {
                message: format!("`{}` must be a whole number, not `{value}`", key),
                help: format!("use a whole number from {min} to {max}, without units"),
            }),
        },
        ValueKind::Path => health_path(key, value),
        ValueKind::ContainerPort => match super::super::load::ports::parse_port(value, "container") {
            Ok(p) => Ok(LabelValue::Number(u32::from(p))),
            Err(e) => Err(ValueError {
                message: format!("`{}`: {}", key, e.message),
                help: "give one of the service's container ports".into(),
            }),
        },
    }
}

/// The longest health-check path: the ELB API caps the whole target, `HTTPS:65535` plus the
/// path, at 1,024 characters.
pub const MAX_HEALTH_PATH: usize = 1024 - "HTTPS:65535".len();

/// A health-check path as the ELB API takes it: `/` first, printable ASCII, within
/// [`MAX_HEALTH_PATH`]. Anything else would compile, then fail at deploy time.
fn health_path(key: &str, value: &str) -> Result<LabelValue, ValueError> {
    let printable = |c: char| c.is_ascii_graphic();
    // Bad characters percent-encoded: what the user most likely meant.
    let encoded: String = value
        .trim()
        .chars()
        .flat_map(|c| match printable(c) {
            true => vec![c.to_string()],
            false => c.to_string().bytes().map(|b| format!("%{b:02X}")).collect(),
        })
        .collect();
    let suggestion = format!("/{}", encoded.trim_start_matches('/'));
    let help = match suggestion.len() <= MAX_HEALTH_PATH {
        true => format!("e.g. `{suggestion}`"),
        false => format!("use a path of at most {MAX_HEALTH_PATH} characters"),
    };
    if value.chars().count() > MAX_HEALTH_PATH {
        return Err(ValueError {
            message: format!(
                "`{key}` is {} characters long; the ELB health-check target (`HTTPS:PORT` and the path) holds at most 1024",
                value.chars().count()
            ),
            help: format!("use a path of at most {MAX_HEALTH_PATH} characters"),
        });
    }
    if let Some(c) = value.chars().find(|c| !printable(*c)) {
        return Err(ValueError {
            message: format!(
                "`{key}` holds the character U+{:04X}; a health-check path is printable ASCII without spaces",
                u32::from(c)
            ),
            help: format!("percent-encode it: {help}"),
        });
    }
    if !value.starts_with('/') {
        return Err(ValueError { message: format!("`{key}` must be a path starting with `/`, not `{value}`"), help });
    }
    Ok(LabelValue::Text(value.to_string()))
}

/// `text` when it is only ASCII digits: Rust's integer parsing also takes a leading `+`,
/// which no Convox label value or port has ever had.
pub fn digits(text: &str) -> Option<&str> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

/// The candidate closest to `word` (case-insensitively equal, or within a small edit distance).
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    if let Some(c) = candidates.iter().find(|c| c.to_ascii_lowercase() == lower) {
        return Some(c);
    }
    // An abbreviation (`db` for `database`: same first letter, the rest in order) is a
    // likelier intent than a short edit.
    // By characters, never by bytes: a word starting with `é` has no 1-byte prefix.
    let first = lower.chars().next();
    let abbreviates = |c: &str| {
        let mut rest = c.chars();
        lower.chars().nth(1).is_some() && c.chars().next() == first && lower.chars().all(|w| rest.any(|x| x == w))
    };
    if let Some(c) = candidates.iter().find(|c| abbreviates(&c.to_ascii_lowercase())) {
        return Some(c);
    }
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Whether `a` and `b` are within `limit` edits (Levenshtein, by characters). Stops as soon as
/// a row of the table has no cell within the limit: most labels of other Convox features are
/// ruled out after a few characters rather than compared in full.
pub fn within_edits(a: &str, b: &str, limit: usize) -> bool {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        let mut best = row[0];
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            best = best.min(row[j + 1]);
            prev = cur;
        }
        if best > limit {
            return false;
        }
    }
    row[b.len()] <= limit
}

/// Levenshtein distance, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The values a label takes, in words.
pub fn values_text(kind: ValueKind) -> String {
    match kind {
        ValueKind::Choice(words) if words.len() > 4 => {
            format!("one of AWS's predefined policies: {}", words.join(", "))
        }
        ValueKind::Choice(words) => words.join(", "),
        ValueKind::Bool => "true, false".into(),
        ValueKind::Integer { min, max } => format!("a whole number from {min} to {max}"),
        ValueKind::Path => format!("a path starting with / (printable ASCII, at most {} characters)", MAX_HEALTH_PATH),
        ValueKind::ContainerPort => "a container port of the service (1–65535)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_edits_agrees_with_the_edit_distance() {
        let words = ["convox.port", "convox.health.path", "convox.healht.path", "", "é", "convox.scale", "x.y", "cron"];
        for a in words {
            for b in words {
                for limit in 0..4 {
                    assert_eq!(within_edits(a, b, limit), edit_distance(a, b) <= limit, "{a:?} {b:?} {limit}");
                }
            }
        }
    }

    #[test]
    fn each_target_has_its_own_policies_and_both_share_four() {
        use super::super::plan::Target;
        assert_eq!(TLS_POLICIES.len(), 11);
        assert_eq!(TLS_POLICIES[0], DEFAULT_TLS_POLICY);
        let on = |target| ANY_TLS_POLICIES.iter().filter(|p| fits_target(p, target)).count();
        assert_eq!((on(Target::Classic), on(Target::V2)), (11, 36));
        let both = ANY_TLS_POLICIES.iter().filter(|p| fits_target(p, Target::Classic) && fits_target(p, Target::V2));
        assert_eq!(both.count(), 4);
        assert!(fits_target(DEFAULT_V2_TLS_POLICY, Target::V2) && !fits_target(DEFAULT_V2_TLS_POLICY, Target::Classic));
        assert!(fits_target(DEFAULT_TLS_POLICY, Target::V2) && !fits_target("ELBSecurityPolicy-2015-03", Target::V2));
        let strict: Vec<&str> = ANY_TLS_POLICIES.iter().copied().filter(|p| requires_tls12(p)).collect();
        assert!(strict.contains(&DEFAULT_TLS_POLICY) && strict.contains(&DEFAULT_V2_TLS_POLICY));
        assert!(
            !strict.contains(&"ELBSecurityPolicy-TLS13-1-1-2021-06") && !strict.contains(&"ELBSecurityPolicy-2016-08")
        );
    }

    #[test]
    fn suggestions_find_the_intended_word() {
        assert_eq!(nearest("htps", PROTOCOLS), Some("https"));
        assert_eq!(nearest("HTTPS", PROTOCOLS), Some("https"));
        assert_eq!(nearest("websocket", PROTOCOLS), None);
        assert_eq!(nearest("protocl", &["protocol", "secure", "proxy"]), Some("protocol"));
        assert_eq!(nearest("db", &["database", "web"]), Some("database"));
        assert_eq!(nearest("db", &["cache", "web"]), None);
        // Any Unicode: the first letter is a character, not a byte.
        for word in ["éx", "ñame", "É", "日本語", "x\u{301}", "ée", "\u{1F600}x"] {
            assert_eq!(nearest(word, PROTOCOLS), None, "{word}");
        }
        assert_eq!(nearest("éb", &["éa", "éb2"]), Some("éb2"));
    }

    #[test]
    fn protocol_synonyms_suggest_what_the_user_means() {
        let protocol = port_label("protocol").unwrap();
        let help = |v: &str| parse_value(protocol, "convox.port.443.protocol", v).unwrap_err().help;
        assert!(help("ssl").starts_with("did you mean `tls`?"), "{}", help("ssl"));
        assert!(help("WebSocket").starts_with("did you mean `tls`?"));
        assert!(help("htps").starts_with("did you mean `https`?"));
        assert_eq!(help("gopher"), "valid values: http, https, tcp, tls");
    }

    #[test]
    fn values_are_checked_against_their_kind() {
        let timeout = service_label("convox.health.timeout").unwrap();
        assert_eq!(parse_value(timeout, "convox.health.timeout", "5"), Ok(LabelValue::Number(5)));
        assert!(parse_value(timeout, "convox.health.timeout", "61").unwrap_err().message.contains("outside 2–60"));
        assert!(parse_value(timeout, "convox.health.timeout", "5s").unwrap_err().message.contains("whole number"));
        assert!(parse_value(timeout, "convox.health.timeout", "+5").is_err(), "a sign is not part of a label number");
        let secure = port_label("secure").unwrap();
        assert_eq!(parse_value(secure, "convox.port.443.secure", "true"), Ok(LabelValue::Bool(true)));
        assert_eq!(parse_value(secure, "convox.port.443.secure", "yes").unwrap_err().help, "write `true`");
        let path = service_label("convox.health.path").unwrap();
        assert!(parse_value(path, "convox.health.path", "health").is_err());
        assert_eq!(parse_value(path, "convox.health.path", "/health"), Ok(LabelValue::Text("/health".into())));
    }

    #[test]
    fn health_paths_are_what_the_elb_api_accepts() {
        let path = service_label("convox.health.path").unwrap();
        let check = |v: &str| parse_value(path, "convox.health.path", v);
        let longest = format!("/{}", "a".repeat(MAX_HEALTH_PATH - 1));
        assert_eq!(check(&longest), Ok(LabelValue::Text(longest.clone())));
        let e = check(&format!("{longest}a")).unwrap_err();
        assert!(e.message.contains("1014 characters long") && !e.message.contains("aaaa"), "{e:?}");
        for bad in ["/h\u{7f}", "/h\u{9b}x", "/caf\u{e9}", "/h x"] {
            let e = check(bad).unwrap_err();
            assert!(e.message.contains("U+"), "{bad:?}: {e:?}");
        }
        assert_eq!(check("/caf\u{e9}").unwrap_err().help, "percent-encode it: e.g. `/caf%C3%A9`");
    }
}
