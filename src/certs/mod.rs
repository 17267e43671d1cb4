//! Certificates: parsing, key matching, chain checks and self-signed generation.
