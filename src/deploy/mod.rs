//! The AWS workflow's decisions — parameters to pass, stack states, certificates to reuse or
//! refuse, what a deploy changes — as pure functions over plain data, with no I/O.
//!
//! The AWS layer (`crate::aws`, behind the `aws` feature) fetches the live state into these
//! types, asks these functions what to do, and does it; so every rule here is unit-tested
//! without a server, and the same rules hold against AWS and against the loopback test stand-in.

pub mod certs;
pub mod metadata;
pub mod params;
pub mod stack;

pub use certs::{CertInfo, CertSource};
pub use metadata::Metadata;
pub use params::{ParamPlan, ParamProblem, ParamValue, decide_parameters};
pub use stack::{LiveStack, StackAction, StackProgress, TlsTarget};
