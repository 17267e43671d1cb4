//! Lower: a plan → a typed CloudFormation [`Template`] for one balancer target, checked by the
//! rules types cannot express ([`check`]), then serialized once.
//!
//! Each target chooses its own resources and names; `load` and `interpret` know nothing of
//! them, so a second target is a second module here.

pub mod check;
pub mod classic;
pub mod container;
pub mod names;
pub mod oracle;
pub mod v2;

use crate::cfn::Template;
use crate::interpret::Plan;

pub use crate::interpret::plan::Target;

/// Why a plan could not be lowered. Each is a bug in this tool, not in the manifest.
#[derive(Debug, thiserror::Error)]
pub enum LowerError {
    /// The template breaks a rule of CloudFormation or of the balancer.
    #[error("the generated template breaks load balancer rules:\n  {}", .0.join("\n  "))]
    Invalid(Vec<String>),
}

/// A lowered template and the CloudFormation quotas it exceeds.
#[derive(Debug)]
pub struct Lowered {
    /// The typed template, written out by [`Template::write_to`] (or [`Template::to_text`]).
    pub template: Template,
    /// Quotas the template exceeds, one sentence each: the template is valid, but
    /// CloudFormation will refuse to create a stack from it.
    pub over_limits: Vec<String>,
}

/// Lowers the plan for `target` and checks the result. Its text is not made here: the caller
/// writes it once, straight to where it goes, so the text and the typed template are never
/// both in memory.
pub fn lower(plan: &Plan, target: Target) -> Result<Lowered, LowerError> {
    let template = lower_unchecked(plan, target)?;
    let problems = check::check(&template);
    if !problems.is_empty() {
        return Err(LowerError::Invalid(problems));
    }
    let bytes = template.len_up_to(check::MAX_TEMPLATE_BYTES);
    let over_limits = check::stack_limits(&template, bytes);
    Ok(Lowered { template, over_limits })
}

/// Lowers the plan for `target` without the rule checks (references are always checked).
pub fn lower_unchecked(plan: &Plan, target: Target) -> Result<Template, LowerError> {
    match target {
        Target::Classic => classic::lower(plan),
        Target::V2 => v2::lower(plan),
    }
}
