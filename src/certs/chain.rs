//! Ordering a bundle of certificates into a chain, leaf first, and checking that it links up.
//!
//! Only the certificates given are used: nothing is fetched and no intermediate is added.

use super::certificate::{Certificate, SignatureCheck};
use super::error::CertError;

/// A chain ordered leaf first, each certificate issued by the next.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Leaf first, then its issuer, then that issuer's issuer...
    pub certs: Vec<Certificate>,
    /// `links[i]` is the signature check of `certs[i]` by `certs[i + 1]`.
    pub links: Vec<SignatureCheck>,
    /// Certificates that appeared more than once; only the first copy is in `certs`.
    pub duplicates: Vec<Certificate>,
}

impl Chain {
    /// The end-entity certificate: the one that issued none of the others.
    pub fn leaf(&self) -> &Certificate {
        &self.certs[0]
    }

    /// Everything after the leaf, in order: what AWS calls the certificate chain.
    pub fn intermediates(&self) -> &[Certificate] {
        &self.certs[1..]
    }

    /// The issuer the chain stops short of, or `None` when it ends at a self-signed root.
    pub fn missing_issuer(&self) -> Option<&str> {
        let last = self.certs.last()?;
        (!last.self_signed).then_some(last.issuer.as_str())
    }
}

/// Orders `certs` (in any order, leaf included) into a chain.
///
/// The leaf is the first certificate, in input order, that issued none of the others.
/// Fails when a certificate is left over, or when a certificate's named issuer did not sign
/// it. A chain that stops before a root is not an error here: see [`Chain::missing_issuer`].
pub fn build_chain(certs: Vec<Certificate>) -> Result<Chain, CertError> {
    let (mut pool, duplicates) = dedupe(certs);
    if pool.is_empty() {
        return Ok(Chain { certs: pool, links: Vec::new(), duplicates });
    }
    let issued_another =
        |c: &Certificate| pool.iter().any(|other| other.sha256 != c.sha256 && other.names_as_issuer(c));
    // A bundle with a naming loop has no leaf; starting anywhere still reports it usefully.
    let leaf_at = pool.iter().position(|c| !issued_another(c)).unwrap_or(0);
    let mut ordered = vec![pool.remove(leaf_at)];
    let mut links = Vec::new();
    loop {
        let current = &ordered[ordered.len() - 1];
        if current.self_signed {
            break;
        }
        let named: Vec<usize> = (0..pool.len()).filter(|&i| current.names_as_issuer(&pool[i])).collect();
        let Some(&first) = named.first() else { break };
        // Cross-signed CAs share a name; prefer the one whose key verifies the signature.
        let checks: Vec<(usize, SignatureCheck)> =
            named.iter().map(|&i| (i, current.verify_signed_by(&pool[i]))).collect();
        let Some(&(at, check)) = checks.iter().find(|(_, c)| *c != SignatureCheck::Failed) else {
            return Err(CertError::ChainSignature {
                file: current.file.clone(),
                subject: current.name().to_string(),
                issuer: pool[first].name().to_string(),
            });
        };
        links.push(check);
        ordered.push(pool.remove(at));
    }
    if let Some(stray) = pool.first() {
        let chain = Chain { certs: ordered, links, duplicates };
        return Err(CertError::ChainBroken {
            file: stray.file.clone(),
            stray: stray.name().to_string(),
            leaf: chain.leaf().name().to_string(),
            missing_issuer: chain.missing_issuer().map(str::to_string),
        });
    }
    Ok(Chain { certs: ordered, links, duplicates })
}

fn dedupe(certs: Vec<Certificate>) -> (Vec<Certificate>, Vec<Certificate>) {
    let mut unique: Vec<Certificate> = Vec::with_capacity(certs.len());
    let mut duplicates = Vec::new();
    for cert in certs {
        if unique.iter().any(|u| u.sha256 == cert.sha256) {
            duplicates.push(cert);
        } else {
            unique.push(cert);
        }
    }
    (unique, duplicates)
}
