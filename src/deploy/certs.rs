//! Certificates on AWS as plain data: IDs as the seed shows them (`cert-…`, `acm-…`), the
//! app's self-signed certificate (one per app, reused), and the checks before one is applied.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

/// Where a certificate lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CertSource {
    /// An IAM server certificate.
    Iam,
    /// An ACM certificate.
    Acm,
}

/// One certificate as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// The ID people type: the IAM name, or `acm-` and the ARN's last group.
    pub id: String,
    /// The ARN.
    pub arn: String,
    /// IAM or ACM.
    pub source: CertSource,
    /// The main domain (the subject's common name, or ACM's domain name).
    pub domain: Option<String>,
    /// Every name it covers.
    pub names: Vec<String>,
    /// The end of its validity, when known (a pending ACM request has none).
    #[serde(serialize_with = "serialize_time")]
    pub expires: Option<OffsetDateTime>,
    /// ACM's status (`ISSUED`, `PENDING_VALIDATION`, …); `ISSUED` for IAM.
    pub status: String,
    /// True for the app self-signed certificates this tool uploads.
    pub self_signed: bool,
}

/// Serialises an optional time as RFC 3339 (or null), for the JSON listings.
pub fn serialize_time<S: serde::Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&crate::certs::rfc3339(*t)),
        None => s.serialize_none(),
    }
}

/// The seed's ID of an ACM certificate: `acm-` and the last group of the ARN's UUID.
pub fn acm_id(arn: &str) -> String {
    format!("acm-{}", arn.rsplit(['-', '/']).next().unwrap_or(arn))
}

/// The name of an uploaded certificate: `cert-` and the first 16 hex digits of its SHA-256
/// fingerprint (as `certs inspect` prints it), then, when intermediates go with it, `-` and 8
/// of the SHA-256 of their DER, in order. Convox named uploads by the second, so two uploads
/// in one second collided; this name differs for different certificates or chains and is the
/// same for the same upload, so uploading it again finds it instead of making a copy.
/// At most 38 characters of `[0-9a-z-]`, inside IAM's name rules (128 of `[\w+=,.@-]`).
pub fn upload_name(leaf: &crate::certs::Certificate, chain: &[crate::certs::Certificate]) -> String {
    let fingerprint: String = leaf.sha256.chars().filter(|c| *c != ':').take(16).collect();
    let mut name = format!("cert-{}", fingerprint.to_ascii_lowercase());
    if !chain.is_empty() {
        let ders: Vec<u8> = chain.iter().flat_map(|c| c.der().iter().copied()).collect();
        // DER is self-delimiting, so the concatenation names one sequence of certificates.
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &ders);
        name.push('-');
        name.extend(digest.as_ref()[..4].iter().map(|b| format!("{b:02x}")));
    }
    name
}

/// The name prefix of an app's self-signed certificates.
pub fn self_signed_prefix(app: &str) -> String {
    // IAM names allow letters, digits and `+=,.@_-`; app names are close, but not checked here.
    let app: String =
        app.chars().map(|c| if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) { c } else { '-' }).collect();
    format!("compose-cfn-{app}-self-signed-")
}

/// The name of a new self-signed certificate for `app`: the prefix and the day and time of
/// generation (to the second, so a regeneration the same day gets a name of its own).
pub fn self_signed_name(app: &str, now: OffsetDateTime) -> String {
    let n = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{}{:04}{:02}{:02}-{:02}{:02}{:02}",
        self_signed_prefix(app),
        n.year(),
        u8::from(n.month()),
        n.day(),
        n.hour(),
        n.minute(),
        n.second()
    )
}

/// A self-signed certificate is replaced when it has this little time left.
pub const REUSE_MARGIN: Duration = Duration::days(30);

/// The app's self-signed certificate to reuse: the one that lasts longest, if that is more
/// than [`REUSE_MARGIN`] from `now`. IAM allows 20 server certificates per account by
/// default, so generating one per deploy (as Convox first did) soon fails.
pub fn reusable_self_signed<'a>(app: &str, certs: &'a [CertInfo], now: OffsetDateTime) -> Option<&'a CertInfo> {
    let prefix = self_signed_prefix(app);
    certs
        .iter()
        .filter(|c| c.source == CertSource::Iam && c.id.starts_with(&prefix))
        .filter(|c| c.expires.is_some_and(|e| e - now > REUSE_MARGIN))
        .max_by_key(|c| c.expires)
}

/// The domain a self-signed certificate covers: the region's Classic ELB host names (Convox
/// wrote `*.*.elb.amazonaws.com`, which no client matches: a wildcard covers one label).
pub fn self_signed_domain(region: &str) -> String {
    format!("*.{region}.elb.amazonaws.com")
}

/// Finds a certificate by ID (`cert-…`, `acm-…`, the IAM name) or ARN.
pub fn find<'a>(certs: &'a [CertInfo], id: &str) -> Option<&'a CertInfo> {
    certs.iter().find(|c| c.id == id || c.arn == id)
}

/// Why a certificate cannot be applied to a listener.
pub fn check_usable(cert: &CertInfo, now: OffsetDateTime) -> Result<(), String> {
    match cert.status.as_str() {
        "ISSUED" => {}
        "PENDING_VALIDATION" => {
            return Err(format!(
                "{} is still pending validation: approve the validation e-mail or create the DNS records, then try again",
                cert.id
            ));
        }
        other => return Err(format!("{} is {other}, not issued", cert.id)),
    }
    match cert.expires {
        Some(e) if e <= now => Err(format!("{} expired on {}", cert.id, crate::certs::utc(e))),
        _ => Ok(()),
    }
}

/// True when a certificate name (possibly `*.example.org`) covers `domain`.
pub fn covers(name: &str, domain: &str) -> bool {
    let (name, domain) = (name.to_ascii_lowercase(), domain.to_ascii_lowercase());
    match name.strip_prefix("*.") {
        Some(rest) => domain.split_once('.').is_some_and(|(first, tail)| !first.is_empty() && tail == rest),
        None => name == domain,
    }
}

/// The `domains` none of `names` covers.
pub fn uncovered<'a>(names: &[String], domains: &'a [String]) -> Vec<&'a str> {
    domains.iter().filter(|d| !names.iter().any(|n| covers(n, d))).map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

    fn iam(id: &str, days_left: i64) -> CertInfo {
        CertInfo {
            id: id.into(),
            arn: format!("arn:aws:iam::123456789012:server-certificate/{id}"),
            source: CertSource::Iam,
            domain: Some("example.org".into()),
            names: vec!["example.org".into()],
            expires: Some(NOW + Duration::days(days_left)),
            status: "ISSUED".into(),
            self_signed: false,
        }
    }

    #[test]
    fn ids_follow_the_seed() {
        assert_eq!(
            acm_id("arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-01234567890a"),
            "acm-01234567890a"
        );
        assert_eq!(self_signed_name("my app", NOW), "compose-cfn-my-app-self-signed-20260601-120000");
    }

    #[test]
    fn upload_names_follow_the_fingerprint_and_the_chain_within_iams_rules() {
        let generate = |domain: &str| {
            let request = crate::certs::SelfSignedRequest {
                domains: vec![domain.into()],
                days: 30,
                key: crate::certs::KeyChoice::EcdsaP256,
            };
            crate::certs::self_signed(&request, NOW, "c.pem").unwrap().certificate
        };
        let (a, b, issuer) = (generate("a.example"), generate("a.example"), generate("ca.example"));
        let name = upload_name(&a, &[]);
        assert_eq!(name, upload_name(&a, &[]), "the same certificate, the same name");
        let fingerprint = a.sha256.replace(':', "").to_ascii_lowercase();
        assert_eq!(name, format!("cert-{}", &fingerprint[..16]), "the start of the fingerprint");
        assert_ne!(name, upload_name(&b, &[]), "another certificate for the same name, another name");
        let chained = upload_name(&a, std::slice::from_ref(&issuer));
        assert!(chained.starts_with(&format!("{name}-")) && chained.len() == name.len() + 9, "{chained}");
        assert_ne!(chained, upload_name(&a, &[issuer.clone(), issuer]), "another chain, another name");
        for n in [name, chained] {
            assert!(n.len() <= 128 && n.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)), "{n}");
        }
    }

    #[test]
    fn the_longest_lasting_self_signed_certificate_is_reused_while_it_has_a_month_left() {
        let p = self_signed_prefix("shop");
        let certs = vec![
            iam(&format!("{p}a"), 200),
            iam(&format!("{p}b"), 300),
            iam("cert-1", 900),
            iam(&format!("{}c", self_signed_prefix("other")), 900),
        ];
        assert_eq!(reusable_self_signed("shop", &certs, NOW).unwrap().id, format!("{p}b"));
        let soon = vec![iam(&format!("{p}a"), 30), iam(&format!("{p}b"), 10)];
        assert_eq!(reusable_self_signed("shop", &soon, NOW), None);
        assert_eq!(
            reusable_self_signed("shop", &[iam(&format!("{p}a"), 31)], NOW).map(|c| c.expires.is_some()),
            Some(true)
        );
    }

    #[test]
    fn pending_and_expired_certificates_are_refused() {
        assert_eq!(check_usable(&iam("cert-1", 10), NOW), Ok(()));
        let mut pending = iam("acm-1", 10);
        pending.status = "PENDING_VALIDATION".into();
        pending.expires = None;
        assert!(check_usable(&pending, NOW).unwrap_err().contains("acm-1 is still pending validation"));
        assert!(check_usable(&iam("cert-2", -1), NOW).unwrap_err().contains("cert-2 expired on"));
        let mut failed = iam("acm-2", 10);
        failed.status = "FAILED".into();
        assert!(check_usable(&failed, NOW).is_err());
    }

    #[test]
    fn wildcards_cover_one_label() {
        assert!(covers("*.example.org", "www.example.org"));
        assert!(covers("Example.org", "example.ORG"));
        assert!(!covers("*.example.org", "example.org"));
        assert!(!covers("*.example.org", "a.b.example.org"));
        let names = vec!["*.example.org".to_string()];
        let domains = vec!["www.example.org".to_string(), "example.org".to_string()];
        assert_eq!(uncovered(&names, &domains), ["example.org"]);
    }

    #[test]
    fn find_takes_an_id_or_an_arn() {
        let certs = [iam("cert-1", 10)];
        assert!(find(&certs, "cert-1").is_some());
        assert!(find(&certs, "arn:aws:iam::123456789012:server-certificate/cert-1").is_some());
        assert!(find(&certs, "cert-2").is_none());
    }
}
