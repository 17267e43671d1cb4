//! compose-cfn: compile docker-compose files with Convox labels into AWS CloudFormation.
//!
//! The library is the pipeline; the binary is a thin layer over it:
//! [`load`] (files → spanned compose model) → [`interpret`] (Convox semantics → plan and
//! diagnostics) → [`lower`] (plan → typed [`cfn`] template for a balancer target) → JSON.
//! [`compile()`] runs them all.

pub mod adopt;
#[cfg(feature = "aws")]
pub mod aws;
pub mod certs;
pub mod cfn;
pub mod compile;
pub mod deploy;
pub mod diagnostic;
pub mod escape;
pub mod files;
pub mod interpret;
pub mod load;
pub mod lower;
pub mod review;
pub mod source;
pub mod style;

pub use compile::{Compilation, CompileOptions, compile};
