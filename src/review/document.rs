//! `diff --format json`, for scripts: one flat record per change with stable keys (`kind`,
//! `resource`, `field`, `before`, `after`, `risk`), counts per kind, risks as codes — no
//! sentences, which are for people and may be reworded. `schema --diff` is its JSON Schema.

use super::diff::{Action, Change, Diff, Risk, Subject};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// The document's version: raised whenever a key is removed or changes meaning.
pub const VERSION: u32 = 1;

/// What `diff --format json` prints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DiffDocument {
    /// [`VERSION`].
    pub version: u32,
    /// The old side, as the user named it.
    pub old: String,
    /// The new side.
    pub new: String,
    /// The number of changes of each kind (kinds without changes are absent).
    pub counts: BTreeMap<Kind, usize>,
    /// The number of changes with a risk.
    pub warnings: usize,
    /// Every change, in the order of the report.
    pub changes: Vec<Record>,
}

/// What a change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A listener: `resource` is `SERVICE:PORT`.
    Listener,
    /// A service's balancer as a whole: `resource` is the service.
    Balancer,
    /// A service's ECS task and desired count: `resource` is the service.
    Service,
    /// A CloudFormation resource: `resource` is its logical ID.
    Resource,
    /// A template parameter.
    Parameter,
    /// A template output.
    Output,
    /// Another top-level key of the template (`Description`, `Metadata`), or `app`.
    Template,
}

/// One change.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Record {
    /// What it is about.
    pub kind: Kind,
    /// Which one (see [`Kind`]).
    pub resource: String,
    /// The CloudFormation type, for resources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// `added`, `removed`, `changed` (in place), `revised` (a task definition's new revision)
    /// or `replaced` (a new physical resource).
    pub action: Action,
    /// The aspect that changed (`protocol`, `image`, `environment DATABASE_URL`, …); for a
    /// resource, `properties`.
    pub field: Option<String>,
    /// The value before (for a resource: `null`). Parameters are shown as `${Name}`; values of
    /// secrets never appear.
    pub before: Option<String>,
    /// The value after (for a resource: the changed properties, comma-separated).
    pub after: Option<String>,
    /// Why the change is risky, as codes; empty when it is not.
    pub risk: Vec<Risk>,
}

impl Record {
    fn of(c: &Change) -> Record {
        let (kind, resource, resource_type) = match &c.subject {
            Subject::Listener { service, port } => (Kind::Listener, format!("{service}:{port}"), None),
            Subject::Balancer { service } => (Kind::Balancer, service.clone(), None),
            Subject::Service { service } => (Kind::Service, service.clone(), None),
            Subject::Resource { logical_id, resource_type } => {
                (Kind::Resource, logical_id.clone(), Some(resource_type.clone()))
            }
            Subject::Parameter { name } => (Kind::Parameter, name.clone(), None),
            Subject::Output { name } => (Kind::Output, name.clone(), None),
            Subject::Template { key } => (Kind::Template, key.clone(), None),
        };
        Record {
            kind,
            resource,
            resource_type,
            action: c.action,
            field: c.field.clone(),
            before: c.old.clone(),
            after: c.new.clone(),
            risk: c.risks.clone(),
        }
    }
}

impl DiffDocument {
    /// The document of a diff.
    pub fn new(diff: &Diff) -> DiffDocument {
        let changes: Vec<Record> = diff.changes.iter().map(Record::of).collect();
        let mut counts = BTreeMap::new();
        for r in &changes {
            *counts.entry(r.kind).or_insert(0) += 1;
        }
        DiffDocument {
            version: VERSION,
            old: diff.old.clone(),
            new: diff.new.clone(),
            counts,
            warnings: diff.warnings(),
            changes,
        }
    }
}
