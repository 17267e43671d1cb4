//! The names every balancer target shares, derived from compose names — stable, because
//! stacks, overlays, dashboards and pull-request diffs depend on them: the app's name, the
//! UpperCamel form of service names, the deploy inputs (certificate, image, secret and
//! variable parameters) and the instance ports. What each target declares is named in
//! `lower::names`. Convox's names are kept where it had them.

use crate::load::interpolate::Op;

/// `my-app` → `MyApp`: each run of letters and digits, first letter upper-cased.
///
/// Convox split only on `-`; `_` and `.` are split here too, because they are not allowed
/// in CloudFormation logical IDs.
pub fn upper_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    push_upper_name(&mut out, name);
    out
}

/// `prefix` + [`upper_name`] of `name` + `suffix`, in one allocation: the shape of every
/// name derived from a service's (`Balancer` + `Web` + `SecurityGroup`).
pub fn derived(prefix: &str, name: &str, suffix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + name.len() + suffix.len());
    out.push_str(prefix);
    push_upper_name(&mut out, name);
    out.push_str(suffix);
    out
}

/// [`upper_name`] of `name` + `Port` + `port` + `suffix` (`WebPort443Certificate`), in one
/// allocation.
pub fn port_derived(name: &str, port: u16, suffix: &str) -> String {
    let mut out = String::with_capacity(name.len() + 9 + suffix.len());
    push_upper_name(&mut out, name);
    out.push_str("Port");
    let mut buf = [0u8; 5];
    let mut i = buf.len();
    let mut n = port;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[i..]).expect("ASCII digits"));
    out.push_str(suffix);
    out
}

/// Appends [`upper_name`] of `name` to `out`, so that a name built around it (`Balancer` +
/// it + `SecurityGroup`) is one allocation.
pub fn push_upper_name(out: &mut String, name: &str) {
    let mut start = true;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            start = true;
        } else if start {
            out.push(c.to_ascii_uppercase());
            start = false;
        } else {
            out.push(c);
        }
    }
}

/// The certificate ARN parameter of balancer port `port`.
pub fn certificate_parameter(service: &str, port: u16) -> String {
    port_derived(service, port, "Certificate")
}

/// The parameter holding the ARN of a Compose secret's store: `Secret` + its name in UpperCamel.
pub fn secret_parameter(secret: &str) -> String {
    derived("Secret", secret, "")
}

/// The image parameter of a service that is built rather than pulled.
pub fn image_parameter(service: &str) -> String {
    derived("", service, "Image")
}

/// The `NoEcho` parameter the deploy stage fills from `variable` (with the operator `op` and
/// its word, as written): `Env` + the variable in UpperCamel (`DB_PASSWORD` → `EnvDbPassword`).
/// A name that UpperCamel would not tell apart from another (lower-case letters, `__`, a part
/// starting with a digit) gets `Var` + a hash of the name; an operator gets its kind and a
/// hash of itself (`${TAG:-latest}` → `EnvTagDefault` + 8 hex digits). One variable with one
/// operator is one parameter, wherever and however often it is used.
pub fn deploy_parameter(variable: &str, op: Op, empty_is_unset: bool, word: &str) -> String {
    let canonical = variable.split('_').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c.is_ascii_uppercase())
            && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    });
    let mut id = format!("Env{}", upper_name(&variable.to_ascii_lowercase()));
    if !canonical {
        id.push_str(&format!("Var{:08x}", fnv1a(variable.bytes()) as u32));
    }
    let kind = match op {
        Op::Plain => return id,
        Op::Default => "Default",
        Op::Required => "Required",
        Op::Alternative => "Alternative",
    };
    let colon = if empty_is_unset { ":" } else { "" };
    format!("{id}{kind}{:08x}", fnv1a(colon.bytes().chain(word.bytes())) as u32)
}

/// FNV-1a, written out here (not taken from a crate or `std`'s hasher) because names derived
/// from it must never change between versions.
fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The longest app name: Convox named each app's stack `<rack>-<app>`, and CloudFormation
/// stack names stop at 128 characters, so half of that is left for the app.
pub const MAX_APP_NAME: usize = 63;

/// What is wrong with an app name, if anything: Convox app names are lower-case letters,
/// digits and hyphens, starting with a letter or digit. The name lands in descriptions, tags
/// and security group descriptions, whose character sets (ASCII only in the last) it fits.
pub fn app_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the app name is empty".into());
    }
    if name.chars().count() > MAX_APP_NAME {
        return Some(format!("the app name is {} characters long; the limit is {MAX_APP_NAME}", name.chars().count()));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
        return Some(format!(
            "the app name holds {}; app names are lower-case letters, digits and `-`",
            match c.is_ascii_graphic() {
                true => format!("`{c}`"),
                false => format!("the character U+{:04X}", u32::from(c)),
            }
        ));
    }
    if name.starts_with('-') {
        return Some("the app name starts with `-`; it must start with a letter or digit".into());
    }
    None
}

/// A valid app name close to `name`: lower-cased, every run of other characters (`.` as
/// Convox did for directories) turned into one `-`, trimmed to [`MAX_APP_NAME`].
pub fn suggest_app_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        match c.is_ascii_lowercase() || c.is_ascii_digit() {
            true => out.push(c),
            false if !out.is_empty() && !out.ends_with('-') => out.push('-'),
            false => {}
        }
    }
    out.truncate(MAX_APP_NAME);
    let out = out.trim_end_matches('-');
    if out.is_empty() { "app".to_string() } else { out.to_string() }
}

/// The app name Convox derived from a directory: lower-cased, dots replaced by hyphens
/// (`My.Shop` → `my-shop`), so a rack's app and this stack keep one name. Nothing else is
/// rewritten: a name still invalid after this is refused with a suggestion, not guessed at.
pub fn app_from_directory(directory: &str) -> String {
    directory.to_lowercase().replace('.', "-")
}

/// The host port range instance ports are derived in: above the well-known ports, below
/// Linux's ephemeral range (32768+) and clear of the ECS agent's reserved ports.
pub const INSTANCE_PORTS: std::ops::RangeInclusive<u16> = 10000..=29999;

/// The preferred instance port for a listener: a hash of app, service name and balancer port
/// (`app/service:port`), so that it depends on nothing else in the manifest, and two apps on
/// one cluster (Convox's model) with a `web` service do not both want the same host ports.
pub fn preferred_instance_port(app: &str, service: &str, port: u16) -> u16 {
    let port = port.to_string();
    let hash = fnv1a(app.bytes().chain([b'/']).chain(service.bytes()).chain([b':']).chain(port.bytes()));
    let span = u64::from(INSTANCE_PORTS.end() - INSTANCE_PORTS.start()) + 1;
    INSTANCE_PORTS.start() + (hash % span) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_names_become_app_names_as_convox_made_them() {
        assert_eq!(app_from_directory("foo.bar"), "foo-bar");
        assert_eq!(app_from_directory("My.Shop"), "my-shop");
        assert_eq!(app_from_directory("shop"), "shop");
        assert!(app_name_problem(&app_from_directory("Foo.Bar.Baz")).is_none());
    }

    #[test]
    fn derived_names_are_built_in_one_piece_as_format_would() {
        for port in [1, 9, 10, 443, 8080, 65535] {
            assert_eq!(port_derived("my-web", port, "Host"), format!("MyWebPort{port}Host"));
        }
        assert_eq!(derived("Balancer", "my_api.v2", "Internal"), "BalancerMyApiV2Internal");
        assert_eq!(derived("", "-", ""), "");
    }

    #[test]
    fn upper_name_matches_convox_for_dashes_and_also_splits_other_separators() {
        assert_eq!(upper_name("web"), "Web");
        assert_eq!(upper_name("my-app"), "MyApp");
        assert_eq!(upper_name("my_api"), "MyApi");
        assert_eq!(upper_name("api.v2"), "ApiV2");
        assert_eq!(upper_name("2fa"), "2fa");
    }

    #[test]
    fn deploy_parameters_are_named_after_their_variable_and_stable() {
        assert_eq!(deploy_parameter("DB_PASSWORD", Op::Plain, false, ""), "EnvDbPassword");
        assert_eq!(deploy_parameter("TAG", Op::Plain, false, ""), "EnvTag");
        // Pinned: a change renames every user's parameters.
        assert_eq!(deploy_parameter("TAG", Op::Default, true, "latest"), "EnvTagDefault47c94fbe");
        let variants = [
            deploy_parameter("TAG", Op::Default, false, "latest"),
            deploy_parameter("TAG", Op::Default, true, "latest"),
            deploy_parameter("TAG", Op::Default, true, "stable"),
            deploy_parameter("TAG", Op::Required, true, "latest"),
            deploy_parameter("TAG", Op::Alternative, true, "latest"),
            deploy_parameter("TAG", Op::Plain, false, ""),
        ];
        let distinct: std::collections::BTreeSet<&String> = variants.iter().collect();
        assert_eq!(distinct.len(), variants.len(), "{variants:?}");
        // Names UpperCamel would merge stay apart.
        let merged = ["DB_URL", "db_url", "DB__URL", "Db_Url", "A_1", "A1"];
        let ids: std::collections::BTreeSet<String> =
            merged.iter().map(|v| deploy_parameter(v, Op::Plain, false, "")).collect();
        assert_eq!(ids.len(), merged.len(), "{ids:?}");
        assert!(ids.iter().all(|id| id.chars().all(|c| c.is_ascii_alphanumeric())));
    }

    #[test]
    fn instance_ports_are_stable_and_in_range() {
        // Pinned values: a change here changes every user's instance ports on the next deploy.
        assert_eq!(preferred_instance_port("shop", "web", 80), 26322);
        assert_eq!(preferred_instance_port("shop", "web", 443), 15259);
        for (svc, port) in [("web", 80), ("web", 443), ("api", 8080), ("x", 1)] {
            assert!(INSTANCE_PORTS.contains(&preferred_instance_port("shop", svc, port)));
        }
    }

    #[test]
    fn two_apps_with_a_web_service_prefer_different_host_ports() {
        assert_ne!(preferred_instance_port("shop", "web", 80), preferred_instance_port("blog", "web", 80));
        assert_ne!(preferred_instance_port("shop", "web", 443), preferred_instance_port("blog", "web", 443));
    }

    #[test]
    fn app_names_follow_convox_and_bad_ones_get_a_valid_suggestion() {
        for good in ["web", "my-app-2", "2fa"] {
            assert_eq!(app_name_problem(good), None, "{good}");
        }
        for bad in ["My App", "a\"b", "x<y", "a\nb", "caf\u{e9}", "-x", "", "a.b", &"a".repeat(64)] {
            let problem = app_name_problem(bad);
            assert!(problem.is_some(), "{bad:?}");
            let suggestion = suggest_app_name(bad);
            assert_eq!(app_name_problem(&suggestion), None, "{bad:?} → {suggestion:?}");
        }
        assert_eq!(suggest_app_name("My.Project_1"), "my-project-1");
        assert!(app_name_problem("a\u{7f}").unwrap().contains("U+007F"));
    }
}
