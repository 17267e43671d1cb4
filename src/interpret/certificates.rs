//! Certificates bound on the command line: the `--certificate SERVICE:PORT=ARN` option, the
//! ARN rule the template's parameters share, and binding them to https/tls listeners.

use super::plan::Balancer;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::Service;
use std::collections::BTreeMap;

/// A certificate ARN bound to one listener on the command line (`--certificate web:443=ARN`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateBinding {
    /// The compose service.
    pub service: String,
    /// The balancer port.
    pub port: u16,
    /// An ACM or IAM certificate ARN.
    pub arn: String,
}

/// The errors never quote the value: a private key or a token pasted where the ARN goes would
/// otherwise reach the job's log.
impl std::str::FromStr for CertificateBinding {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (target, arn) = s.split_once('=').ok_or("expected SERVICE:PORT=ARN, e.g. web:443=arn:aws:acm:…")?;
        let (service, port) = target.rsplit_once(':').ok_or("endpoint must be SERVICE:PORT, e.g. web:443")?;
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or("the part after `:` is not a port number from 1 to 65535, e.g. web:443")?;
        if !is_certificate_arn(arn) {
            return Err(
                "the part after `=` is not a certificate ARN: expected arn:aws:acm:REGION:ACCOUNT:certificate/ID or arn:aws:iam::ACCOUNT:server-certificate/NAME".into()
            );
        }
        Ok(CertificateBinding { service: service.to_string(), port, arn: arn.to_string() })
    }
}

/// The regular expression (for the template's `AllowedPattern`) that admits ACM and IAM
/// certificate ARNs in every partition.
pub const CERTIFICATE_ARN_PATTERN: &str = r"^arn:aws[a-z-]*:(acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+|iam::[0-9]{12}:server-certificate/[A-Za-z0-9+=,.@_/-]+)$";

/// True for ACM (`arn:aws:acm:REGION:ACCOUNT:certificate/ID`) and IAM
/// (`arn:aws:iam::ACCOUNT:server-certificate/NAME`) ARNs; the same rule as [`CERTIFICATE_ARN_PATTERN`].
pub fn is_certificate_arn(arn: &str) -> bool {
    let account = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    let Some(rest) = arn.strip_prefix("arn:aws") else {
        return false;
    };
    let Some((partition_tail, rest)) = rest.split_once(':') else {
        return false;
    };
    if !partition_tail.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        return false;
    }
    let parts: Vec<&str> = rest.splitn(4, ':').collect();
    match parts.as_slice() {
        ["acm", region, acct, resource] => {
            !region.is_empty()
                && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && account(acct)
                && resource
                    .strip_prefix("certificate/")
                    .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        }
        ["iam", "", acct, resource] => {
            account(acct)
                && resource.strip_prefix("server-certificate/").is_some_and(|name| {
                    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_/-".contains(&b))
                })
        }
        _ => false,
    }
}

pub(super) fn bind_certificates(
    balancers: &mut [Balancer],
    bindings: &[CertificateBinding],
    services: &[&Service],
    diags: &mut Diagnostics,
) {
    let mut bound: BTreeMap<(&str, u16), &str> = BTreeMap::new();
    for binding in bindings {
        // The same listener twice: the same ARN is harmless, two ARNs are a mistake that
        // would otherwise be settled silently by the order of the options.
        match bound.insert((&binding.service, binding.port), &binding.arn) {
            Some(first) if first != binding.arn => {
                diags.push(
                    Diagnostic::error(
                        Code::Certificate,
                        None,
                        format!(
                            "--certificate {}:{} is given twice, with two different ARNs",
                            binding.service, binding.port
                        ),
                    )
                    .with_help(format!("keep one of `{first}` and `{}`", binding.arn)),
                );
                continue;
            }
            Some(_) => continue,
            None => {}
        }
        let listener = balancers
            .iter_mut()
            .filter(|b| b.service == binding.service)
            .flat_map(|b| b.listeners.iter_mut())
            .find(|l| l.balancer_port == binding.port);
        let exists = listener.is_some();
        match listener.and_then(|l| l.certificate.as_mut()) {
            Some(cert) => cert.arn = Some(binding.arn.clone()),
            None => {
                let targets: Vec<String> = balancers
                    .iter()
                    .flat_map(|b| {
                        b.listeners
                            .iter()
                            .filter(|l| l.certificate.is_some())
                            .map(move |l| format!("{}:{}", b.service, l.balancer_port))
                    })
                    .collect();
                let mut help = if targets.is_empty() {
                    "no listener uses https or tls, so none takes a certificate".to_string()
                } else {
                    format!("listeners that take a certificate: {}", targets.join(", "))
                };
                // Convox's `ssl update` turned a plain listener into SSL with the certificate;
                // here the listener's protocol is written in the file, so say which label.
                if exists {
                    let port = binding.port;
                    let label = format!(
                        "{port} is a plain TCP listener: add the label `convox.port.{port}.protocol=tls` (or `https`) to `{}` so that it takes a certificate",
                        binding.service
                    );
                    help = if targets.is_empty() { label } else { format!("{label}; {help}") };
                }
                let mut d = Diagnostic::error(
                    Code::Certificate,
                    None,
                    format!(
                        "--certificate {}:{}: no https or tls listener on that service and port",
                        binding.service, binding.port
                    ),
                )
                .with_help(help);
                // The option has no place in a file, but the service it names does.
                if let Some(service) = services.iter().find(|s| s.name.value == binding.service) {
                    d = d.with_related(service.name.span, format!("service `{}` is defined here", binding.service));
                }
                diags.push(d);
            }
        }
    }
}
