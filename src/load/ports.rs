//! The Compose `ports:` grammar — short `[[IP:][HOST]:]CONTAINER[/PROTO]`, integers and the
//! long mapping form — narrowed to what can become a load balancer listener.
//!
//! Past 400 lines because of its tests: one per form of the grammar.

use super::node::{Node, Value};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use std::net::IpAddr;

/// The transport protocol of a port mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// TCP, the default: gets a listener.
    Tcp,
    /// UDP: never gets a Classic ELB listener.
    Udp,
    /// SCTP: Compose accepts it, a load balancer cannot carry it.
    Sctp,
}

/// One container port and how it is published, as written in `ports:`.
#[derive(Clone, Debug, PartialEq)]
pub struct PortMapping {
    /// The published (host) port: the balancer port. `None` for a bare container port.
    pub published: Option<u16>,
    /// The container port.
    pub target: u16,
    /// TCP, UDP or SCTP.
    pub transport: Transport,
    /// A host IP the mapping was bound to (meaningless on a balancer).
    pub host_ip: Option<String>,
    /// Where the mapping was written (a range's ports share it).
    pub span: Span,
    /// True when `${…}` interpolation produced the text.
    pub interpolated: bool,
}

impl PortMapping {
    /// The port the balancer listens on: the published port, or the container port when
    /// the mapping is internal.
    pub fn balancer_port(&self) -> u16 {
        self.published.unwrap_or(self.target)
    }

    /// True when the mapping has no published port (reachable only inside the VPC).
    pub fn is_internal(&self) -> bool {
        self.published.is_none()
    }
}

/// A port string that does not parse, with the code and fix to report.
#[derive(Debug, PartialEq, Eq)]
pub struct PortError {
    /// The kind of problem.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl PortError {
    fn new(code: Code, message: impl Into<String>) -> Self {
        PortError { code, message: message.into(), help: None }
    }
    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A parsed short-syntax mapping before it is tied to a span: `(published, target)` pairs.
#[derive(Debug, PartialEq, Eq)]
pub struct ShortPorts {
    /// Published/target pairs (several for a range).
    pub pairs: Vec<(Option<u16>, u16)>,
    /// The transport suffix.
    pub transport: Transport,
    /// The host IP, if one was given.
    pub host_ip: Option<String>,
}

/// Parses the short syntax `[[IP:][HOST]:]CONTAINER[/PROTOCOL]`.
pub fn parse_short(input: &str) -> Result<ShortPorts, PortError> {
    if input.is_empty() {
        return Err(PortError::new(Code::PortSyntax, "empty port mapping: no port specified"));
    }
    if input.chars().any(char::is_whitespace) {
        return Err(PortError::new(Code::PortSyntax, format!("port mapping `{input}` contains white space"))
            .help("write the mapping without spaces, e.g. `443:3000`"));
    }
    let (addr, transport) = match input.rsplit_once('/') {
        Some((addr, proto)) => (addr, parse_transport(proto)?),
        None => (input, Transport::Tcp),
    };
    let (host_ip, rest) = split_host_ip(addr)?;
    let parts: Vec<&str> = rest.split(':').collect();
    let (host, container) = match parts.as_slice() {
        [container] if host_ip.is_none() => (None, *container),
        [host, container] => (Some(*host), *container),
        _ => {
            return Err(PortError::new(Code::PortSyntax, format!("port mapping `{input}` has too many `:` parts"))
                .help("the form is [IP:][HOST:]CONTAINER[/PROTOCOL], e.g. `127.0.0.1:80:80` or `[::1]:80:80`"));
        }
    };
    let container_range = parse_range(container, "container")?;
    let pairs = match host {
        None => (container_range.0..=container_range.1).map(|p| (None, p)).collect(),
        Some("") => {
            return Err(PortError::new(Code::MissingHostPort, format!("port mapping `{input}` has an empty host port"))
                .help("a public listener needs a host port, e.g. `80:3000`; for an internal listener write only the container port"));
        }
        Some(host) => {
            let host_range = parse_range(host, "host")?;
            let (hl, cl) = (host_range.1 - host_range.0, container_range.1 - container_range.0);
            if hl != cl && cl == 0 {
                return Err(PortError::new(
                    Code::PortPool,
                    format!("host port range `{host}` maps to the single container port {}", container_range.0),
                )
                .help("a listener needs one balancer port: map one host port, e.g. `80:80`, or equal ranges"));
            }
            if hl != cl {
                return Err(PortError::new(
                    Code::PortRangeMismatch,
                    format!(
                        "host range `{host}` has {} ports but container range `{container}` has {}",
                        hl + 1,
                        cl + 1
                    ),
                )
                .help("give host and container ranges of the same length, e.g. `9090-9091:8080-8081`"));
            }
            (host_range.0..=host_range.1)
                .zip(container_range.0..=container_range.1)
                .map(|(h, c)| (Some(h), c))
                .collect()
        }
    };
    Ok(ShortPorts { pairs, transport, host_ip })
}

fn parse_transport(proto: &str) -> Result<Transport, PortError> {
    match proto.to_ascii_lowercase().as_str() {
        "tcp" => Ok(Transport::Tcp),
        "udp" => Ok(Transport::Udp),
        "sctp" => Ok(Transport::Sctp),
        "http" | "https" | "tls" | "ssl" => Err(PortError::new(Code::PortSyntax, format!("invalid protocol `/{proto}` in a port mapping"))
            .help(format!("the suffix is the transport (`/tcp` or `/udp`); set the listener protocol with the label `convox.port.<port>.protocol={}`", proto.to_ascii_lowercase()))),
        _ => Err(PortError::new(Code::PortSyntax, format!("invalid protocol `/{proto}` in a port mapping")).help("use `/tcp` or `/udp`")),
    }
}

/// Splits a leading `IP:` (or `[IP]:`) off; `rest` is `HOST:CONTAINER` or `CONTAINER`.
///
/// As go-connections' `splitParts`, which Compose uses: the last two `:` parts are the host
/// and container ports and everything before them the IP, so an IPv6 address may be written
/// without brackets (`::1:80:80`), and an empty IP (`::80`, `:HOST:CONTAINER`) means none.
fn split_host_ip(addr: &str) -> Result<(Option<String>, &str), PortError> {
    if let Some(after) = addr.strip_prefix('[') {
        let (ip, rest) = after
            .split_once(']')
            .ok_or_else(|| PortError::new(Code::PortSyntax, format!("`{addr}`: `[` without a closing `]`")))?;
        ip.parse::<IpAddr>().map_err(|_| invalid_ip(ip))?;
        let rest = rest
            .strip_prefix(':')
            .ok_or_else(|| PortError::new(Code::PortSyntax, format!("`{addr}`: expected `:` after `[{ip}]`")))?;
        if !rest.contains(':') {
            return Err(PortError::new(Code::PortSyntax, format!("`{addr}`: a host IP needs HOST:CONTAINER after it"))
                .help(format!("e.g. `[{ip}]:8080:80`")));
        }
        return Ok((Some(ip.to_string()), rest));
    }
    if addr.matches(':').count() < 2 {
        return Ok((None, addr));
    }
    // The second `:` from the end starts HOST:CONTAINER.
    let split = addr.rmatch_indices(':').nth(1).map(|(i, _)| i).expect("two colons");
    let (ip, rest) = (&addr[..split], &addr[split + 1..]);
    if ip.is_empty() {
        return Ok((None, rest));
    }
    ip.parse::<IpAddr>().map_err(|_| invalid_ip(ip))?;
    Ok((Some(ip.to_string()), rest))
}

fn invalid_ip(ip: &str) -> PortError {
    PortError::new(Code::PortSyntax, format!("invalid IP address `{ip}` in a port mapping"))
        .help("use a numeric address such as `127.0.0.1` or `[::1]`; host names are not accepted")
}

/// Parses `N` or `A-B` into an inclusive range.
fn parse_range(text: &str, what: &str) -> Result<(u16, u16), PortError> {
    let (a, b) = match text.split_once('-') {
        Some((a, b)) if !a.is_empty() => (parse_port(a, what)?, parse_port(b, what)?),
        _ => {
            let p = parse_port(text, what)?;
            (p, p)
        }
    };
    if a > b {
        return Err(PortError::new(Code::PortRange, format!("{what} port range `{text}` runs backwards"))
            .help(format!("write the lower port first: `{b}-{a}`")));
    }
    Ok((a, b))
}

/// Parses one port number: digits only, 1–65535.
pub fn parse_port(text: &str, what: &str) -> Result<u16, PortError> {
    if text.is_empty() {
        return Err(PortError::new(Code::PortSyntax, format!("no {what} port specified")));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PortError::new(Code::PortSyntax, format!("invalid {what} port `{text}`: not a number"))
            .help("a port is a whole number from 1 to 65535"));
    }
    match text.parse::<u32>() {
        Ok(0) => Err(PortError::new(Code::PortRange, format!("{what} port 0 is not a port a listener can use"))
            .help("use a port from 1 to 65535")),
        Ok(p) if p <= 65535 => Ok(p as u16),
        _ => Err(PortError::new(Code::PortRange, format!("invalid {what} port `{text}`: above 65535"))
            .help("use a port from 1 to 65535")),
    }
}

/// Reads one `ports:` item — integer, short string or long mapping — into mappings.
pub fn read_port_item(item: &Node, diags: &mut Vec<Diagnostic>) -> Vec<PortMapping> {
    let short = match &item.value {
        Value::Int(i) => Some(i.to_string()),
        Value::Str(_) => match item.structural(diags) {
            Some(text) => Some(text),
            None => return Vec::new(),
        },
        Value::Map(_) => return read_long(item, diags),
        Value::Invalid => return Vec::new(),
        _ => None,
    };
    let Some(text) = short else {
        diags.push(
            item.wrong_type("a port mapping", "a string like \"443:3000\", a port number, or a mapping with `target:`"),
        );
        return Vec::new();
    };
    match parse_short(&text) {
        Ok(parsed) => {
            if let Some(ip) = &parsed.host_ip {
                diags.push(host_ip_warning(ip, item.span));
            }
            parsed
                .pairs
                .into_iter()
                .map(|(published, target)| PortMapping {
                    published,
                    target,
                    transport: parsed.transport,
                    host_ip: parsed.host_ip.clone(),
                    span: item.span,
                    interpolated: item.is_interpolated(),
                })
                .collect()
        }
        Err(e) => {
            diags.push(port_diagnostic(e, item, &text));
            Vec::new()
        }
    }
}

fn port_diagnostic(e: PortError, item: &Node, text: &str) -> Diagnostic {
    if item.is_interpolated() {
        // The message would quote the substituted text: it says what the file says instead.
        let written = item.scalar_text().unwrap_or_default();
        return Diagnostic::error(
            e.code,
            item.span,
            format!("`{written}` is not a valid port mapping once its variables are substituted"),
        )
        .with_label("the variables' values do not fit here")
        .with_help(
            "a port comes from `${…}` interpolation: check that the variables it uses are set to port numbers \
             (their values are not shown, since they may be secrets)",
        );
    }
    let mut d = Diagnostic::error(e.code, item.span, e.message).with_label(format!("`{text}`"));
    let help = e.help;
    if let Some(h) = help {
        d = d.with_help(h);
    }
    d
}

fn host_ip_warning(ip: &str, span: Span) -> Diagnostic {
    Diagnostic::warning(Code::HostIp, span, format!("host IP `{ip}` has no meaning on a load balancer; it is ignored"))
        .with_label("bound to a host IP")
        .with_help("remove the IP: the balancer listens on all its addresses, and `Scheme` decides who can reach it")
}

/// The long syntax: `target` (required), `published`, `host_ip`, `protocol`, `mode`, `app_protocol`, `name`, `x-*`.
fn read_long(item: &Node, diags: &mut Vec<Diagnostic>) -> Vec<PortMapping> {
    let entries = item.as_map().unwrap_or_default();
    let mut ok = true;
    for (key, value) in entries {
        match key.name.as_str() {
            "target" | "published" | "host_ip" | "protocol" | "mode" | "app_protocol" | "name" => {}
            k if k.starts_with("x-") => {}
            k => {
                ok = false;
                diags.push(
                    Diagnostic::error(Code::PortSyntax, key.span, format!("unknown key `{k}` in a port mapping"))
                        .with_help(
                            "the long syntax takes target, published, host_ip, protocol, mode, app_protocol and name",
                        ),
                );
            }
        }
        let _ = value;
    }
    let number = |key: &str, diags: &mut Vec<Diagnostic>| -> Option<(String, &Node)> {
        let node = item.get(key)?;
        match &node.value {
            Value::Int(i) => Some((i.to_string(), node)),
            Value::Str(_) => Some((node.structural(diags)?, node)),
            _ => {
                diags.push(node.wrong_type(&format!("`{key}`"), "a port number"));
                None
            }
        }
    };
    let Some((target_text, target_node)) = number("target", diags) else {
        if item.get("target").is_none() {
            diags.push(
                Diagnostic::error(Code::PortSyntax, item.span, "port mapping has no `target`")
                    .with_help("add `target: <container port>`"),
            );
        }
        return Vec::new();
    };
    let target = match parse_port(&target_text, "container") {
        Ok(p) => Some(p),
        Err(e) => {
            diags.push(port_diagnostic(e, target_node, &target_text));
            None
        }
    };
    let published = match number("published", diags) {
        None => Some(None),
        Some((text, node)) => match parse_range(&text, "host") {
            Ok((a, b)) if a == b => Some(Some(a)),
            Ok(_) => {
                diags.push(
                    Diagnostic::error(
                        Code::PortPool,
                        node.span,
                        format!("published range `{text}` maps to one container port"),
                    )
                    .with_help("a listener needs one balancer port: publish a single port"),
                );
                None
            }
            Err(e) if text.is_empty() => {
                let _ = e;
                diags.push(
                    Diagnostic::error(Code::MissingHostPort, node.span, "`published` is empty")
                        .with_help("give the balancer port, or remove `published` for an internal listener"),
                );
                None
            }
            Err(e) => {
                diags.push(port_diagnostic(e, node, &text));
                None
            }
        },
    };
    let transport = match item.get("protocol") {
        None => Some(Transport::Tcp),
        Some(node) => match node.structural(diags).map(|p| parse_transport(&p)) {
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => {
                diags.push(port_diagnostic(e, node, &node.scalar_text().unwrap_or_default()));
                None
            }
            None => {
                diags.push(node.wrong_type("`protocol`", "tcp or udp"));
                None
            }
        },
    };
    let host_ip = item.get("host_ip").and_then(|n| n.structural(diags)).filter(|s| !s.is_empty());
    if let (Some(ip), Some(node)) = (&host_ip, item.get("host_ip")) {
        if ip.parse::<std::net::IpAddr>().is_err() {
            ok = false;
            diags.push(port_diagnostic(invalid_ip(ip), node, ip));
        } else {
            diags.push(host_ip_warning(ip, node.span));
        }
    }
    match (ok, target, published, transport) {
        (true, Some(target), Some(published), Some(transport)) => vec![PortMapping {
            published,
            target,
            transport,
            host_ip,
            span: item.span,
            interpolated: target_node.is_interpolated() || item.get("published").is_some_and(Node::is_interpolated),
        }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> Vec<(Option<u16>, u16)> {
        parse_short(input).unwrap_or_else(|e| panic!("{input}: {e:?}")).pairs
    }

    fn code(input: &str) -> Code {
        parse_short(input).expect_err(input).code
    }

    /// The accept/reject table of the Compose port grammar (shared/reference/compose-format.md).
    #[test]
    fn short_syntax_table() {
        assert_eq!(ok("3000"), vec![(None, 3000)]);
        assert_eq!(ok("3000-3005").len(), 6);
        assert_eq!(ok("3000-3005")[5], (None, 3005));
        assert_eq!(ok("8000:8000"), vec![(Some(8000), 8000)]);
        assert_eq!(ok("49100:22"), vec![(Some(49100), 22)]);
        assert_eq!(ok("9090-9091:8080-8081"), vec![(Some(9090), 8080), (Some(9091), 8081)]);
        assert_eq!(code("9090-9092:8080-8081"), Code::PortRangeMismatch);
        assert_eq!(code("8000-8010:80"), Code::PortPool);
        assert_eq!(code("80:8000-8010"), Code::PortRangeMismatch);
        assert_eq!(ok("127.0.0.1:8001:8001"), vec![(Some(8001), 8001)]);
        assert_eq!(parse_short("127.0.0.1:8001:8001").unwrap().host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(parse_short("[::1]:6001:6001").unwrap().host_ip.as_deref(), Some("::1"));
        assert_eq!(parse_short("0.0.0.0:80:80/tcp").unwrap().transport, Transport::Tcp);
        assert_eq!(parse_short("6060:6060/udp").unwrap().transport, Transport::Udp);
        assert_eq!(parse_short("6060:6060/UDP").unwrap().transport, Transport::Udp);
        assert_eq!(parse_short("80/sctp").unwrap().transport, Transport::Sctp);
        assert_eq!(code("0"), Code::PortRange);
        assert_eq!(code("0:80"), Code::PortRange);
        assert_eq!(code("65536"), Code::PortRange);
        assert_eq!(code("80:65536"), Code::PortRange);
        assert_eq!(ok("65535"), vec![(None, 65535)]);
        assert_eq!(code(""), Code::PortSyntax);
        assert_eq!(code("80:"), Code::PortSyntax);
        assert_eq!(code("abc"), Code::PortSyntax);
        assert_eq!(code("3005-3000"), Code::PortRange);
        assert_eq!(code("-1"), Code::PortSyntax);
        assert_eq!(code(" 80"), Code::PortSyntax);
        assert_eq!(code("80/http"), Code::PortSyntax);
        assert!(parse_short("80/http").unwrap_err().help.unwrap().contains("convox.port.<port>.protocol=http"));
        assert_eq!(code("localhost:80:80"), Code::PortSyntax);
        assert_eq!(code("127.0.1:8080:80"), Code::PortSyntax);
        assert_eq!(code(":80"), Code::MissingHostPort);
        assert_eq!(code("127.0.0.1::80"), Code::MissingHostPort);
        assert_eq!(code("1:2:3:4"), Code::PortSyntax);
        assert_eq!(code("[::1:80:80"), Code::PortSyntax);
        // As go-connections splits: the IP is all before the last two parts, brackets or not.
        assert_eq!(parse_short("::1:82:83").unwrap().host_ip.as_deref(), Some("::1"));
        assert_eq!(ok("::1:82:83"), vec![(Some(82), 83)]);
        assert_eq!(parse_short("[127.0.0.1]:80:80").unwrap().host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(code("::80"), Code::MissingHostPort);
        assert_eq!(code("fe80::1%eth0:80:80"), Code::PortSyntax);
        assert_eq!(code("[::1]:80"), Code::PortSyntax);
        assert_eq!(code("99999999999999999999"), Code::PortRange);
        assert_eq!(code("+80"), Code::PortSyntax);
    }
}
