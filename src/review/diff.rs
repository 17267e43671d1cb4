//! What changes between two templates, by meaning: balancers and listeners ([`balancers`]) and
//! the ECS side of services ([`services`]) by service, then every resource by logical ID and
//! type, parameters, outputs — with the risky changes marked.
//!
//! Just past 400 lines: the change record, its counts and the walk that fills it are one
//! contract (the JSON form of `diff`); the per-area comparisons are in the submodules.

mod balancers;
mod services;

pub use balancers::listener_summary;

use super::view::{ContainerView, LOAD_BALANCER, Resource, ServiceView, StackView, TASK_DEFINITION, scalar};
use balancers::balancer_changes;
use schemars::JsonSchema;
use serde::Serialize;
use services::service_changes;
use std::collections::{BTreeMap, BTreeSet};

/// Properties whose change makes CloudFormation replace the resource (a new physical
/// resource; for a balancer, a new DNS name). `*`: every property change replaces it.
pub const REPLACING_PROPERTIES: &[(&str, &[&str])] = &[
    (LOAD_BALANCER, &["Scheme", "LoadBalancerName"]),
    ("AWS::EC2::SecurityGroup", &["GroupDescription", "GroupName", "VpcId"]),
    ("AWS::ECS::Service", &["ServiceName", "Cluster", "LaunchType", "Role", "SchedulingStrategy"]),
    ("AWS::IAM::Role", &["RoleName", "Path"]),
    ("AWS::Logs::LogGroup", &["LogGroupName"]),
];

/// Why a change is risky, as a stable code for scripts (`diff --format json`); reports for
/// people show the sentence of the change's `warning` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    /// A port becomes reachable from the internet (an internal port made public).
    ExposureWidened,
    /// A new internet-facing port.
    PortOpened,
    /// A port stops being reachable from the internet.
    ExposureNarrowed,
    /// TLS is no longer terminated: the port carries plain text.
    TlsOff,
    /// Traffic from the balancer to the container is no longer encrypted.
    ReencryptionOff,
    /// HTTP(S) becomes TCP/TLS: the X-Forwarded-* headers are gone.
    HeadersLost,
    /// TCP/TLS becomes HTTP(S): non-HTTP traffic (websockets) stops working.
    HttpOnly,
    /// A bound certificate gives way to a self-signed one.
    CertificateUnbound,
    /// The TLS policy admits older TLS versions or weaker ciphers.
    WeakerTlsPolicy,
    /// A balancer is deleted.
    BalancerDeleted,
    /// A balancer is replaced: a new DNS name.
    BalancerReplaced,
    /// A resource changes type, which replaces it.
    TypeChanged,
    /// A whole service is removed: its tasks stop.
    ServiceRemoved,
    /// The two sides name different apps: names derived from the app differ on every resource.
    AppNameDiffers,
    /// A parameter loses `NoEcho`: its value shows in the console and in API answers.
    SecretShown,
}

/// What a change is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Subject {
    /// A balancer's listener, by service and balancer port.
    Listener {
        /// The compose service.
        service: String,
        /// The balancer port.
        port: u16,
    },
    /// A service's balancer as a whole (health check, timeouts, TLS policy, identity).
    Balancer {
        /// The compose service.
        service: String,
    },
    /// A service's ECS side: its task definition's containers and its desired count.
    Service {
        /// The compose service.
        service: String,
    },
    /// Any resource, by logical ID.
    Resource {
        /// The logical ID.
        logical_id: String,
        /// Its CloudFormation type (the new one when it changed).
        resource_type: String,
    },
    /// A template parameter.
    Parameter {
        /// Its name.
        name: String,
    },
    /// A template output.
    Output {
        /// Its name.
        name: String,
    },
    /// Another top-level key of the template (`Description`, `Metadata`).
    Template {
        /// The key.
        key: String,
    },
}

/// What happened to the subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// It is new.
    Added,
    /// It is gone.
    Removed,
    /// It is updated in place.
    Changed,
    /// A task definition's new revision: ECS replaces the service's tasks in a rolling deployment.
    Revised,
    /// It is deleted and created anew (a balancer gets a new DNS name).
    Replaced,
}

/// One change.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Change {
    /// What changed.
    pub subject: Subject,
    /// How.
    pub action: Action,
    /// Which aspect (`protocol`, `certificate`, `exposure`, …), for changes of one aspect.
    pub field: Option<String>,
    /// The value before.
    pub old: Option<String>,
    /// The value after.
    pub new: Option<String>,
    /// Why the change is risky, when it is: reports show these as warnings.
    pub warning: Option<String>,
    /// The same, as codes for scripts.
    pub risks: Vec<Risk>,
    /// What the change means, when that is not obvious.
    pub note: Option<String>,
    /// Where the new side says it, when it was compiled from files ([`Diff::locate`]): the
    /// line of the service's key. Only annotations use it; not part of the JSON document.
    #[serde(skip)]
    #[schemars(skip)]
    pub place: Option<Place>,
}

/// A place in a compose file, as a GitHub annotation names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Change {
    fn new(subject: Subject, action: Action) -> Self {
        Change {
            subject,
            action,
            field: None,
            old: None,
            new: None,
            warning: None,
            risks: Vec::new(),
            note: None,
            place: None,
        }
    }

    fn field(mut self, field: &str, old: Option<String>, new: Option<String>) -> Self {
        self.field = Some(field.to_string());
        self.old = old;
        self.new = new;
        self
    }

    fn warn(mut self, risk: Risk, why: impl Into<String>) -> Self {
        let why = why.into();
        self.warning = Some(match self.warning.take() {
            Some(earlier) => format!("{earlier}; {why}"),
            None => why,
        });
        self.risks.push(risk);
        self
    }

    fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// How a diff shows a value it may not show: a NoEcho parameter's.
const HIDDEN: &str = "(hidden: NoEcho)";

/// Every change between two templates.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Diff {
    /// Where the old template came from, as the user named it.
    pub old: String,
    /// Where the new template came from.
    pub new: String,
    /// The changes: listeners and balancers by service, then resources, parameters, outputs.
    pub changes: Vec<Change>,
}

impl Diff {
    /// The number of changes flagged as risky.
    pub fn warnings(&self) -> usize {
        self.changes.iter().filter(|c| c.warning.is_some()).count()
    }

    /// True when the templates mean the same.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The diff of a deploy that passes `secrets` (parameters whose values are secrets) again:
    /// each is a change unless one is listed already. AWS shows a NoEcho parameter's live value
    /// as `****`, as this tool shows the new one, so comparing them would always find them
    /// equal, and a preview would say "no changes" before a deploy that changes a password.
    pub fn with_secrets_passed_again(mut self, secrets: &[&str]) -> Self {
        const NOTE: &str = "a secret, passed again: AWS hides the live value, so whether it changes cannot be \
                            shown (CloudFormation changes nothing if it is the same)";
        let mut listed = BTreeSet::new();
        for c in &mut self.changes {
            if let Subject::Parameter { name } = &c.subject
                && secrets.contains(&name.as_str())
            {
                listed.insert(name.clone());
                c.note.get_or_insert_with(|| NOTE.into());
            }
        }
        let passed: Vec<Change> = secrets
            .iter()
            .filter(|name| !listed.contains(**name))
            .map(|name| {
                Change::new(Subject::Parameter { name: name.to_string() }, Action::Changed)
                    .field("value", Some(HIDDEN.into()), Some(HIDDEN.into()))
                    .note(NOTE)
            })
            .collect();
        // Parameters come after resources and before outputs.
        let at = self
            .changes
            .iter()
            .position(|c| matches!(c.subject, Subject::Output { .. } | Subject::Template { .. }))
            .unwrap_or(self.changes.len());
        self.changes.splice(at..at, passed);
        self
    }

    /// Gives each change of a service (its listeners, balancer and task) the place of that
    /// service in the new side's compose files, from `services` (name → place). A service the
    /// new side no longer has gets none: there is no line left to point at.
    pub fn locate(mut self, services: &BTreeMap<String, Place>) -> Self {
        for c in &mut self.changes {
            if let Subject::Listener { service, .. } | Subject::Balancer { service } | Subject::Service { service } =
                &c.subject
            {
                c.place = services.get(service).cloned();
            }
        }
        self
    }
}

/// Compares two templates; `old_name` and `new_name` say where they came from.
pub fn diff(old: &StackView, new: &StackView, old_name: &str, new_name: &str) -> Diff {
    let mut changes = Vec::new();
    if let (Some(a), Some(b)) = (&old.app, &new.app)
        && a != b
    {
        changes.push(
            Change::new(Subject::Template { key: "app".into() }, Action::Changed)
                .field("app", Some(a.clone()), Some(b.clone()))
                .warn(Risk::AppNameDiffers, "the two sides name different apps: the names and descriptions made from the app name differ, so resources show as replaced; pass the same --app to both sides"),
        );
    }
    // ECS services are matched by logical ID and shown under their service's name (the tagged
    // side's: a template made by another tool may not tag them), beside its balancer.
    let mut ecs: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for id in old.services.keys().chain(new.services.keys()).collect::<BTreeSet<_>>() {
        let tagged = |v: &StackView| v.services.get(id).map(|s| s.name.clone()).filter(|n| n != id);
        let name = tagged(new).or_else(|| tagged(old)).unwrap_or_else(|| id.clone());
        ecs.entry(name).or_default().push(id);
    }
    for service in union(old.balancers.keys().chain(ecs.keys()), new.balancers.keys()) {
        balancer_changes(&service, old.balancers.get(&service), new.balancers.get(&service), &mut changes);
        for id in ecs.get(&service).into_iter().flatten() {
            service_changes(&service, old.services.get(*id), new.services.get(*id), &mut changes);
        }
    }
    resource_changes(old, new, &mut changes);
    let covered: BTreeSet<&String> = [old, new]
        .iter()
        .flat_map(|v| v.balancers.values())
        .flat_map(|b| b.listeners.values())
        .flat_map(|l| &l.parameters)
        .collect();
    for name in union(old.parameters.keys(), new.parameters.keys()) {
        if covered.contains(&name) {
            // Instance port and certificate parameters are reported by meaning, with their listener.
            continue;
        }
        let subject = || Subject::Parameter { name: name.clone() };
        match (old.parameters.get(&name), new.parameters.get(&name)) {
            (None, Some(p)) => {
                let mut c = Change::new(subject(), Action::Added);
                if p.get("Default").is_none() {
                    c = c.note("no default: every deploy must supply a value");
                }
                changes.push(c);
            }
            (Some(_), None) => changes.push(Change::new(subject(), Action::Removed)),
            (Some(a), Some(b)) if a != b => {
                // A NoEcho parameter's default is a secret: say that it changed, never what to.
                // CloudFormation reads `"True"` and `"TRUE"` as true too: so must this test.
                let hidden =
                    |p: &serde_json::Value| p.get("NoEcho").is_some_and(|v| scalar(v).eq_ignore_ascii_case("true"));
                let default = |p: &serde_json::Value| {
                    p.get("Default").map(|d| if hidden(a) || hidden(b) { HIDDEN.into() } else { scalar(d) })
                };
                let mut c = Change::new(subject(), Action::Changed);
                if default(a) != default(b) {
                    c = c.field("default", default(a), default(b));
                }
                if hidden(a) && !hidden(b) {
                    c = c.warn(
                        Risk::SecretShown,
                        "no longer NoEcho: CloudFormation shows its value in the console and to every describe call",
                    );
                }
                changes.push(c);
            }
            _ => {}
        }
    }
    for name in union(old.outputs.keys(), new.outputs.keys()) {
        let subject = || Subject::Output { name: name.clone() };
        match (old.outputs.get(&name), new.outputs.get(&name)) {
            (None, Some(_)) => changes.push(Change::new(subject(), Action::Added)),
            (Some(_), None) => changes
                .push(Change::new(subject(), Action::Removed).note("scripts and stacks that read this output lose it")),
            (Some(a), Some(b)) if a != b => changes.push(Change::new(subject(), Action::Changed)),
            _ => {}
        }
    }
    for key in union(old.other.keys(), new.other.keys()) {
        let (a, b) = (old.other.get(&key), new.other.get(&key));
        if a != b {
            let action = match (a, b) {
                (None, _) => Action::Added,
                (_, None) => Action::Removed,
                _ => Action::Changed,
            };
            let text = |v: Option<&serde_json::Value>| v.filter(|v| v.is_string()).map(scalar);
            let mut c = Change::new(Subject::Template { key: key.clone() }, action);
            (c.old, c.new) = (text(a), text(b));
            changes.push(c);
        }
    }
    Diff { old: old_name.to_string(), new: new_name.to_string(), changes }
}

fn union<'a>(a: impl Iterator<Item = &'a String>, b: impl Iterator<Item = &'a String>) -> BTreeSet<String> {
    a.chain(b).cloned().collect()
}

fn resource_changes(old: &StackView, new: &StackView, out: &mut Vec<Change>) {
    for id in union(old.resources.keys(), new.resources.keys()) {
        let subject = |r: &Resource| Subject::Resource { logical_id: id.clone(), resource_type: r.kind.clone() };
        match (old.resources.get(&id), new.resources.get(&id)) {
            (None, Some(r)) => out.push(Change::new(subject(r), Action::Added)),
            (Some(r), None) => out.push(Change::new(subject(r), Action::Removed)),
            (Some(a), Some(b)) if a.kind != b.kind => out.push(
                Change::new(subject(b), Action::Replaced)
                    .field("Type", Some(a.kind.clone()), Some(b.kind.clone()))
                    .warn(Risk::TypeChanged, "a new type replaces the resource"),
            ),
            (Some(a), Some(b)) => {
                let differing = |x: &serde_json::Map<String, serde_json::Value>,
                                 y: &serde_json::Map<String, serde_json::Value>| {
                    union(x.keys(), y.keys()).into_iter().filter(|k| x.get(k) != y.get(k)).collect::<Vec<_>>()
                };
                let properties = differing(&a.properties, &b.properties);
                // `Condition`, `DeletionPolicy`, `DependsOn`, …: no change of the resource, but
                // of the stack, and a new `Condition` can delete it; a diff that left them out
                // said "no changes" of such a template.
                let attributes = differing(&a.attributes, &b.attributes);
                if properties.is_empty() && attributes.is_empty() {
                    continue;
                }
                let changed: Vec<String> = properties.iter().chain(&attributes).cloned().collect();
                let replacing = REPLACING_PROPERTIES.iter().find(|(t, _)| *t == b.kind).map_or(&[][..], |(_, p)| *p);
                let forcing: Vec<String> = properties
                    .iter()
                    .filter(|k| replacing.contains(&"*") || replacing.contains(&k.as_str()))
                    .cloned()
                    .collect();
                let names = |v: &[String]| v.join(", ");
                let mut c = if b.kind == TASK_DEFINITION && !properties.is_empty() {
                    // Not a replacement to fear: the service rolls its tasks onto the new revision.
                    Change::new(subject(b), Action::Revised)
                        .field("properties", None, Some(names(&changed)))
                        .note("ECS starts tasks of the new revision, then stops the old ones")
                } else if forcing.is_empty() {
                    Change::new(subject(b), Action::Changed).field("properties", None, Some(names(&changed)))
                } else {
                    let mut c =
                        Change::new(subject(b), Action::Replaced).field("properties", None, Some(names(&changed)));
                    c = c.note(format!("{} cannot change in place", names(&forcing)));
                    if b.kind == LOAD_BALANCER {
                        c = c.warn(Risk::BalancerReplaced, "the balancer is replaced: it gets a new DNS name, so CNAMEs and clients of the old name break");
                    }
                    c
                };
                if attributes.iter().any(|k| k == "Condition") {
                    const CONDITION: &str =
                        "its Condition decides whether it exists: where that is false, CloudFormation deletes it";
                    let note = c.note.take().map_or_else(|| CONDITION.to_string(), |n| format!("{n}; {CONDITION}"));
                    c = c.note(note);
                }
                out.push(c);
            }
            (None, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_no_echo_default_is_said_to_change_never_shown() {
        // `deploy` binds the values it passes as defaults: a secret's value must not reach the diff.
        let side = |value: &str| {
            let template = json!({"Parameters": {"EnvToken": {"Type": "String", "NoEcho": true, "Default": value}}});
            StackView::from_value(&template).unwrap()
        };
        let d = diff(&side("old-secret"), &side("new-secret"), "a", "b");
        assert_eq!(d.changes.len(), 1);
        let shown = format!("{:?}", d.changes);
        assert!(!shown.contains("old-secret") && !shown.contains("new-secret"), "{shown}");
    }

    #[test]
    fn a_parameter_that_loses_no_echo_is_a_risk() {
        let side = |p: serde_json::Value| StackView::from_value(&json!({"Parameters": {"DbPassword": p}})).unwrap();
        let hidden = side(json!({"Type": "String", "NoEcho": true, "Default": "s3cret"}));
        let shown = side(json!({"Type": "String", "Default": "s3cret"}));
        let d = diff(&hidden, &shown, "a", "b");
        assert_eq!(d.changes.len(), 1, "{:#?}", d.changes);
        assert_eq!(d.changes[0].risks, vec![Risk::SecretShown], "{:#?}", d.changes);
        assert!(!format!("{:?}", d.changes).contains("s3cret"), "{:#?}", d.changes);
        // Hiding a value is no risk.
        let d = diff(&shown, &hidden, "a", "b");
        assert!(d.changes.iter().all(|c| c.risks.is_empty()), "{:#?}", d.changes);
    }

    #[test]
    fn a_resource_attribute_change_is_a_change() {
        let side = |attributes: serde_json::Value| {
            let mut r =
                json!({"Type": "AWS::ElasticLoadBalancing::LoadBalancer", "Properties": {"Scheme": "internal"}});
            r.as_object_mut().unwrap().extend(attributes.as_object().unwrap().clone());
            StackView::from_value(&json!({"Resources": {"Balancer": r}})).unwrap()
        };
        let before = side(json!({}));
        let after = side(json!({"Condition": "Never", "DeletionPolicy": "Delete"}));
        let d = diff(&before, &after, "a", "b");
        assert_eq!(d.changes.len(), 1, "{:#?}", d.changes);
        let c = &d.changes[0];
        assert_eq!((c.action, c.new.as_deref()), (Action::Changed, Some("Condition, DeletionPolicy")));
        assert!(c.note.as_deref().is_some_and(|n| n.contains("CloudFormation deletes it")), "{c:?}");
        assert!(diff(&after, &after, "a", "b").is_empty());
    }

    #[test]
    fn a_no_echo_written_in_capitals_hides_the_default_too() {
        for no_echo in [json!("True"), json!("TRUE"), json!(true)] {
            let side = |value: &str| {
                let p = json!({"Type": "String", "NoEcho": no_echo.clone(), "Default": value});
                StackView::from_value(&json!({"Parameters": {"DbPassword": p}})).unwrap()
            };
            let d = diff(&side("old-secret"), &side("new-secret"), "a", "b");
            let shown = format!("{:?}", d.changes);
            assert!(!shown.contains("-secret"), "NoEcho {no_echo}: {shown}");
        }
    }

    #[test]
    fn an_ecs_service_is_matched_by_logical_id_whether_tagged_or_not() {
        // A Convox rack does not tag its ECS services; the adopted template does.
        let side = |tags: serde_json::Value| {
            let service = json!({"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 2, "Tags": tags}});
            StackView::from_value(&json!({"Resources": {"ServiceWeb": service}})).unwrap()
        };
        let (untagged, tagged) = (side(json!([])), side(json!([{"Key": "Service", "Value": "web"}])));
        let d = diff(&untagged, &tagged, "live", "adopted");
        assert!(d.changes.iter().all(|c| !matches!(c.subject, Subject::Service { .. })), "{:#?}", d.changes);
    }
}
