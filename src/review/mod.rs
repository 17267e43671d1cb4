//! Review: what a pull request changes on the load balancers, in the terms a reviewer reads.
//!
//! [`table`] turns a plan into one row per listener; [`template`] reads templates (JSON, YAML,
//! `get-template` output) and [`view`] reads them back into balancers, listeners and services
//! (a Convox rack's as its stack has it, through [`convox`]); [`diff`] compares two of them by meaning and marks the
//! risky changes; [`report`] prints plans and diffs for people, scripts and pull requests
//! (the pull-request comment through the minijinja templates of [`markdown`]);
//! [`explain`] and [`schema`] are generated from the interpreter's label table. No I/O here.

pub mod convox;
pub mod diff;
pub mod document;
pub mod explain;
pub mod markdown;
pub mod report;
pub mod schema;
pub mod table;
pub mod template;
pub mod view;

pub use diff::{Diff, diff};
pub use view::StackView;

use crate::compile::Compilation;

/// The template of a compilation read for review, or `None` when it failed (its diagnostics say why).
pub fn view_of(compilation: &Compilation) -> Option<StackView> {
    compilation.template_value().map(|t| template::to_view(&t).expect("compile produces a valid template"))
}
