//! Deploy-time text: manifest text whose `${…}` references (and bare environment keys) become
//! `NoEcho` template parameters filled by the deploy stage, so that no value from the compile
//! environment can reach a template, a plan, a diff or a diagnostic.

use super::names;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::interpolate::{self, Op, Segment};
use crate::source::Span;
use schemars::JsonSchema;
use serde::Serialize;

/// Text from the manifest whose variables are filled at deploy time: literal parts and
/// deploy-time parameters. A template made from it names parameters, never values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Text {
    /// The parts, in order; literal parts are never adjacent.
    pub parts: Vec<Part>,
}

/// A part of a [`Text`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Part {
    /// Written in the manifest.
    Literal {
        /// The text.
        text: String,
    },
    /// Filled by the deploy stage from its environment.
    Parameter(DeployParameter),
}

/// A `NoEcho` template parameter the deploy stage fills from one variable of its environment
/// (the template metadata's `EnvironmentParameters` entry).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub struct DeployParameter {
    /// The parameter's logical ID (`Env<Variable>`, with a suffix for modifiers).
    pub parameter: String,
    /// The variable it is filled from.
    pub variable: String,
    /// Used when the variable is unset (`${V:-default}`, `${V-default}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The deploy stage fails with this message when unset (`${V:?message}`, `${V?message}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<String>,
    /// The value is this text when the variable is set, else empty (`${V:+alt}`, `${V+alt}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
    /// True for the `:` forms, where an empty value counts as unset.
    pub empty_is_unset: bool,
    /// The `env_file:` the deploy stage reads the variable from (else its environment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_file: Option<String>,
}

impl Text {
    /// Text without parameters.
    pub fn literal(text: impl Into<String>) -> Self {
        let text = text.into();
        Text { parts: if text.is_empty() { Vec::new() } else { vec![Part::Literal { text }] } }
    }

    /// Appends literal text, merging it with a literal part before it.
    pub fn push_literal(&mut self, more: &str) {
        if more.is_empty() {
            return;
        }
        match self.parts.last_mut() {
            Some(Part::Literal { text }) => text.push_str(more),
            _ => self.parts.push(Part::Literal { text: more.to_string() }),
        }
    }

    /// Appends another text, merging literal parts where they meet.
    pub fn push_text(&mut self, more: &Text) {
        for part in &more.parts {
            match part {
                Part::Literal { text } => self.push_literal(text),
                Part::Parameter(_) => self.parts.push(part.clone()),
            }
        }
    }

    /// The text, when it has no parameters.
    pub fn as_literal(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Literal { text } => Some(text.as_str()),
                Part::Parameter(_) => None,
            })
            .collect()
    }

    /// Its parameters, in order.
    pub fn parameters(&self) -> impl Iterator<Item = &DeployParameter> {
        self.parts.iter().filter_map(|p| match p {
            Part::Parameter(d) => Some(d),
            Part::Literal { .. } => None,
        })
    }

    /// The text for people: parameters as `${Name}`, as `Fn::Sub` writes them.
    pub fn display(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Literal { text } => text.clone(),
                Part::Parameter(d) => format!("${{{}}}", d.parameter),
            })
            .collect()
    }
}

/// Deploy-time text from parsed segments: each reference becomes a parameter. A default or
/// alternative that refers to another variable has no parameter form, and is an error at `span`.
pub fn of_segments(segments: &[Segment], span: Span, diags: &mut Diagnostics) -> Option<Text> {
    let mut text = Text::default();
    for segment in segments {
        let var = match segment {
            Segment::Literal(literal) => {
                text.push_literal(literal);
                continue;
            }
            Segment::Var(var) => var,
        };
        let word = match var.op {
            Op::Default | Op::Alternative => match interpolate::literal(&var.word) {
                Some(word) => Some(word),
                None => {
                    diags.push(
                        Diagnostic::error(
                            Code::Interpolation,
                            span,
                            format!(
                                "`{}`: a default or alternative that refers to another variable cannot be filled at deploy time",
                                var.written()
                            ),
                        )
                        .with_label("a variable inside a variable")
                        .with_help("write the default out as text, or set the variable where the deploy runs"),
                    );
                    return None;
                }
            },
            _ => None,
        };
        let parameter = DeployParameter {
            parameter: names::deploy_parameter(&var.name, var.op, var.empty_is_unset, &var.word_written),
            variable: var.name.clone(),
            default: word.clone().filter(|_| var.op == Op::Default),
            required: (var.op == Op::Required).then(|| var.word_written.clone()),
            alternative: word.filter(|_| var.op == Op::Alternative),
            empty_is_unset: var.empty_is_unset,
            env_file: None,
        };
        text.parts.push(Part::Parameter(parameter));
    }
    Some(text)
}
