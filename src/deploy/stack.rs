//! A live stack as plain data, and the decisions about it: can it be updated, has a change
//! finished, what would a deploy change, which listeners carry which certificate.
//!
//! Past 400 lines because of its tests: one per decision about a live stack.

use crate::review::{self, Diff, StackView};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// What `DescribeStacks` and `GetTemplate` say about one stack.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveStack {
    /// The stack name.
    pub name: String,
    /// `StackStatus`, e.g. `UPDATE_COMPLETE`.
    pub status: String,
    /// `StackStatusReason`, when AWS gives one.
    pub reason: Option<String>,
    /// Parameters by name (NoEcho values come back as `****`).
    pub parameters: BTreeMap<String, String>,
    /// Outputs by name.
    pub outputs: BTreeMap<String, String>,
    /// Tags by key.
    pub tags: BTreeMap<String, String>,
    /// The template body, when it was fetched.
    pub template: Option<Value>,
}

/// The tag this tool puts on the stacks it creates, holding the app name; `certs delete`
/// looks only at stacks with it.
pub const APP_TAG: &str = "compose-cfn:app";

/// The largest template CreateStack/UpdateStack take inline (`TemplateBody`); larger ones
/// must be uploaded to S3 first.
pub const MAX_TEMPLATE_BODY: usize = 51_200;

/// What a deploy does with the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackAction {
    /// There is no stack: create it.
    Create,
    /// Update the stack.
    Update,
}

/// Why a stack cannot be changed now, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

/// Decides whether a deploy may create or update the stack in `status` (`None`: no stack).
pub fn stack_action(name: &str, status: Option<&str>) -> Result<StackAction, Refusal> {
    let Some(status) = status else { return Ok(StackAction::Create) };
    let refuse =
        |help: String| Err(Refusal { message: format!("stack `{name}` is {status} and cannot be updated now"), help });
    match status {
        "DELETE_COMPLETE" => Ok(StackAction::Create),
        "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" => refuse(format!(
            "its creation failed, and such a stack can only be deleted: run `aws cloudformation delete-stack --stack-name {name}`, wait for it, then deploy again"
        )),
        "UPDATE_ROLLBACK_FAILED" => refuse(format!(
            "fix what the stack events name, then run `aws cloudformation continue-update-rollback --stack-name {name}` and deploy again"
        )),
        "DELETE_FAILED" => refuse(format!(
            "its deletion failed: delete it again (`aws cloudformation delete-stack --stack-name {name}`)"
        )),
        s if s.ends_with("_IN_PROGRESS") => {
            refuse("another change is under way: wait until it finishes, then try again".into())
        }
        s if s.ends_with("_COMPLETE") => Ok(StackAction::Update),
        _ => refuse("check the stack in the CloudFormation console".into()),
    }
}

/// Where a stack stands while a change runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackProgress {
    /// Still changing.
    InProgress,
    /// The change is done.
    Succeeded,
    /// The change failed (and was, or is being, rolled back).
    Failed,
}

/// Classifies a status reached after a create or update.
pub fn progress(status: &str) -> StackProgress {
    match status {
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE" => StackProgress::Succeeded,
        s if s.contains("ROLLBACK") && s.ends_with("_IN_PROGRESS") => StackProgress::InProgress,
        s if s.ends_with("_IN_PROGRESS") => StackProgress::InProgress,
        _ => StackProgress::Failed,
    }
}

/// The delay before poll number `attempt` (0-based): 1 s doubling to at most 15 s.
pub fn poll_delay(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_secs(1u64 << attempt.min(4)).min(std::time::Duration::from_secs(15))
}

/// The template with each named parameter's value written in as its default, so that the
/// review diff compares what the stack is (or will be) rather than what it may be given.
pub fn bind(template: &Value, values: &BTreeMap<String, String>) -> Value {
    let mut t = template.clone();
    if let Some(params) = t.get_mut("Parameters").and_then(Value::as_object_mut) {
        for (name, p) in params.iter_mut() {
            if let (Some(v), Some(p)) = (values.get(name), p.as_object_mut()) {
                p.insert("Default".into(), Value::String(v.clone()));
            }
        }
    }
    t
}

/// What a deploy changes: the review diff of the live template with its parameter values
/// and the new template with the values about to be passed.
pub fn deploy_diff(
    live: &Value,
    live_values: &BTreeMap<String, String>,
    new: &Value,
    new_values: &BTreeMap<String, String>,
    stack: &str,
) -> Result<Diff, review::view::ViewError> {
    let old = review::template::to_view(&bind(live, live_values))?;
    let new = review::template::to_view(&bind(new, new_values))?;
    Ok(review::diff(&old, &new, &format!("stack {stack}"), "this deploy"))
}

/// An https/tls listener of a stack and its certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsTarget {
    /// `service:port`.
    pub target: String,
    /// The parameter holding its certificate ARN, when it is a parameter.
    pub parameter: Option<String>,
    /// The certificate ARN in effect (`None` when empty).
    pub arn: Option<String>,
}

/// The https/tls listeners of a template, with the certificate each carries given the
/// stack's parameter values; sorted by service and port.
pub fn tls_targets(template: &Value, values: &BTreeMap<String, String>) -> Vec<TlsTarget> {
    let Ok(view) = StackView::from_value(template) else { return Vec::new() };
    let mut out = Vec::new();
    for b in view.balancers.values() {
        let listeners = view
            .resources
            .get(&b.logical_id)
            .and_then(|r| r.properties.get("Listeners"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for l in b.listeners.values().filter(|l| matches!(l.protocol.as_str(), "HTTPS" | "SSL")) {
            let raw = listeners
                .iter()
                .find(|r| r.get("LoadBalancerPort").map(review::view::scalar).as_deref() == Some(&l.port.to_string()));
            let cert = raw.and_then(|r| r.get("SSLCertificateId"));
            // An ELBv2 listener is a resource of its own: the view names the parameter it
            // references (its only one), or the ARN written into it.
            let parameter = match raw {
                Some(_) => cert.and_then(|c| c.get("Ref")).and_then(Value::as_str).map(String::from),
                None => l.parameters.first().cloned(),
            };
            let literal = match (cert, &l.certificate) {
                (Some(Value::String(s)), _) => Some(s.clone()),
                (None, review::view::Certificate::Arn(s)) if raw.is_none() => Some(s.clone()),
                _ => None,
            };
            let arn = match &parameter {
                Some(p) => values
                    .get(p)
                    .cloned()
                    .or_else(|| view.parameters.get(p).and_then(|d| d.get("Default")).map(review::view::scalar)),
                None => literal,
            }
            .filter(|a| !a.is_empty());
            out.push(TlsTarget { target: format!("{}:{}", b.service, l.port), parameter, arn });
        }
    }
    out
}

/// One use of a certificate: which stack's which listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Use {
    /// The stack.
    pub stack: String,
    /// `service:port`.
    pub target: String,
}

/// The listeners of `stacks` (with their templates) using the certificate `arn`.
pub fn uses_of(arn: &str, stacks: &[LiveStack]) -> Vec<Use> {
    stacks
        .iter()
        .flat_map(|s| {
            let targets = s.template.as_ref().map(|t| tls_targets(t, &s.parameters)).unwrap_or_default();
            targets
                .into_iter()
                .filter(|t| t.arn.as_deref() == Some(arn))
                .map(|t| Use { stack: s.name.clone(), target: t.target })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// One stack event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackEvent {
    /// Its ID, to tell new events from seen ones.
    pub id: String,
    /// `HH:MM:SS` UTC.
    pub time: String,
    /// The resource's logical ID.
    pub logical_id: String,
    /// Its type.
    pub resource_type: String,
    /// Its status, e.g. `CREATE_FAILED`.
    pub status: String,
    /// Why, when AWS says.
    pub reason: Option<String>,
}

/// Follows a stack change through pages of events: which are new, and why it failed.
#[derive(Clone, Debug, Default)]
pub struct Follow {
    seen: HashSet<String>,
    failures: Vec<String>,
}

impl Follow {
    /// Starts after the events with these IDs (those before the change).
    pub fn after(seen: HashSet<String>) -> Self {
        Follow { seen, failures: Vec::new() }
    }

    /// The events of `page` (newest first, as AWS lists them) not seen yet, oldest first;
    /// failed ones are remembered with their reasons.
    pub fn new_events(&mut self, page: Vec<StackEvent>) -> Vec<StackEvent> {
        let mut fresh: Vec<StackEvent> = page.into_iter().filter(|e| self.seen.insert(e.id.clone())).collect();
        fresh.reverse();
        for e in fresh.iter().filter(|e| e.status.ends_with("_FAILED")) {
            self.failures.push(format!(
                "{} {}: {}",
                e.logical_id,
                e.status,
                e.reason.as_deref().unwrap_or("no reason given")
            ));
        }
        fresh
    }

    /// Why stack `name` ended in `status`: the failed events' reasons, else the stack's own.
    pub fn failure(&self, name: &str, status: &str, reason: Option<&str>) -> String {
        let reasons = if self.failures.is_empty() {
            reason.unwrap_or("no reason given").to_string()
        } else {
            self.failures.join("\n  ")
        };
        format!("stack `{name}` ended {status}:\n  {reasons}")
    }
}

/// An AWS error message that says the stack is busy with another change.
pub fn is_concurrent_update(message: &str) -> bool {
    message.contains("_IN_PROGRESS state and can not be updated")
        || message.contains("cannot be updated")
        || message.contains("An update is in progress")
}

/// An AWS error message that says an update would change nothing.
pub fn is_no_update(message: &str) -> bool {
    message.contains("No updates are to be performed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_settled_stacks_are_updated_and_refusals_say_what_to_do() {
        assert_eq!(stack_action("s", None), Ok(StackAction::Create));
        for ok in ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"] {
            assert_eq!(stack_action("s", Some(ok)), Ok(StackAction::Update), "{ok}");
        }
        let r = stack_action("s", Some("ROLLBACK_COMPLETE")).unwrap_err();
        assert!(r.message.contains("ROLLBACK_COMPLETE") && r.help.contains("delete-stack --stack-name s"), "{r:?}");
        let r = stack_action("s", Some("UPDATE_ROLLBACK_FAILED")).unwrap_err();
        assert!(r.help.contains("continue-update-rollback"), "{r:?}");
        for busy in ["UPDATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS", "DELETE_IN_PROGRESS"] {
            assert!(stack_action("s", Some(busy)).unwrap_err().help.contains("wait"), "{busy}");
        }
        assert!(stack_action("s", Some("WHATEVER")).is_err());
    }

    #[test]
    fn progress_tells_success_from_rollback() {
        assert_eq!(progress("CREATE_COMPLETE"), StackProgress::Succeeded);
        assert_eq!(progress("UPDATE_COMPLETE"), StackProgress::Succeeded);
        assert_eq!(progress("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"), StackProgress::InProgress);
        assert_eq!(progress("ROLLBACK_IN_PROGRESS"), StackProgress::InProgress);
        assert_eq!(progress("ROLLBACK_COMPLETE"), StackProgress::Failed);
        assert_eq!(progress("UPDATE_ROLLBACK_COMPLETE"), StackProgress::Failed);
        assert_eq!(progress("CREATE_FAILED"), StackProgress::Failed);
    }

    #[test]
    fn polls_back_off_to_fifteen_seconds() {
        let delays: Vec<u64> = (0..7).map(|a| poll_delay(a).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 15, 15, 15]);
    }

    fn template(cert_default: Option<&str>) -> Value {
        let mut cert = json!({"Type": "String"});
        if let Some(d) = cert_default {
            cert["Default"] = json!(d);
        }
        json!({
            "Parameters": {"WebPort443Certificate": cert, "WebPort443Host": {"Type": "Number", "Default": "20000"}},
            "Resources": {"BalancerWeb": {
                "Type": "AWS::ElasticLoadBalancing::LoadBalancer",
                "Properties": {
                    "Listeners": [
                        {"LoadBalancerPort": "80", "Protocol": "HTTP", "InstancePort": "3000", "InstanceProtocol": "HTTP"},
                        {"LoadBalancerPort": "443", "Protocol": "SSL", "InstancePort": {"Ref": "WebPort443Host"},
                         "InstanceProtocol": "TCP", "SSLCertificateId": {"Ref": "WebPort443Certificate"}}
                    ],
                    "Tags": [{"Key": "Service", "Value": "web"}]
                }
            }}
        })
    }

    #[test]
    fn tls_targets_read_the_certificate_from_the_parameter_values() {
        let values: BTreeMap<String, String> = [("WebPort443Certificate".into(), "arn:a".into())].into();
        let t = tls_targets(&template(None), &values);
        assert_eq!(
            t,
            [TlsTarget {
                target: "web:443".into(),
                parameter: Some("WebPort443Certificate".into()),
                arn: Some("arn:a".into())
            }]
        );
        assert_eq!(tls_targets(&template(Some("arn:d")), &BTreeMap::new())[0].arn.as_deref(), Some("arn:d"));
        assert_eq!(tls_targets(&template(None), &BTreeMap::new())[0].arn, None);
    }

    #[test]
    fn uses_name_the_stack_and_target() {
        let values: BTreeMap<String, String> = [("WebPort443Certificate".into(), "arn:a".into())].into();
        let stacks = [
            LiveStack { name: "one".into(), parameters: values, template: Some(template(None)), ..Default::default() },
            LiveStack { name: "two".into(), template: Some(template(None)), ..Default::default() },
        ];
        assert_eq!(uses_of("arn:a", &stacks), [Use { stack: "one".into(), target: "web:443".into() }]);
        assert!(uses_of("arn:b", &stacks).is_empty());
    }

    #[test]
    fn the_deploy_diff_sees_a_certificate_change_through_parameters() {
        let old: BTreeMap<String, String> = [("WebPort443Certificate".into(), "arn:old".into())].into();
        let new: BTreeMap<String, String> = [("WebPort443Certificate".into(), "arn:new".into())].into();
        let t = template(None);
        assert!(deploy_diff(&t, &old, &t, &old, "s").unwrap().is_empty());
        let d = deploy_diff(&t, &old, &t, &new, "s").unwrap();
        assert_eq!(d.changes.len(), 1, "{d:?}");
        assert_eq!(d.changes[0].field.as_deref(), Some("certificate"));
        assert_eq!((d.changes[0].old.as_deref(), d.changes[0].new.as_deref()), (Some("arn:old"), Some("arn:new")));
    }

    #[test]
    fn a_secret_passed_again_is_a_change_a_preview_shows_without_its_value() {
        // AWS shows the live NoEcho value as `****`, and the new one is shown so: equal.
        let mut t = template(None);
        t["Parameters"]["EnvApiToken"] = serde_json::json!({"Type": "String", "NoEcho": true});
        let live: BTreeMap<String, String> = [("EnvApiToken".into(), "****".into())].into();
        let d = deploy_diff(&t, &live, &t, &live, "s").unwrap();
        assert!(d.is_empty(), "{d:?}");
        let d = d.with_secrets_passed_again(&["EnvApiToken"]);
        assert_eq!(d.changes.len(), 1, "{d:?}");
        let c = &d.changes[0];
        assert!(matches!(&c.subject, crate::review::diff::Subject::Parameter { name } if name == "EnvApiToken"));
        assert_eq!((c.old.as_deref(), c.new.as_deref()), (Some("(hidden: NoEcho)"), Some("(hidden: NoEcho)")));
        assert!(c.note.as_deref().is_some_and(|n| n.contains("cannot be shown")), "{c:?}");
        // Listed once, also when the template change lists it already.
        assert_eq!(d.clone().with_secrets_passed_again(&["EnvApiToken"]).changes.len(), 1);
    }

    fn event(id: &str, status: &str, reason: Option<&str>) -> StackEvent {
        StackEvent {
            id: id.into(),
            time: "00:00:00".into(),
            logical_id: format!("R{id}"),
            resource_type: "AWS::X".into(),
            status: status.into(),
            reason: reason.map(String::from),
        }
    }

    #[test]
    fn following_shows_each_event_once_oldest_first_and_collects_failures() {
        let mut f = Follow::after(["0".to_string()].into());
        let page = vec![
            event("2", "CREATE_FAILED", Some("no such cluster")),
            event("1", "CREATE_IN_PROGRESS", None),
            event("0", "X", None),
        ];
        let ids: Vec<String> = f.new_events(page.clone()).into_iter().map(|e| e.id).collect();
        assert_eq!(ids, ["1", "2"]);
        assert!(f.new_events(page).is_empty(), "seen events are not shown again");
        assert_eq!(
            f.failure("s", "ROLLBACK_COMPLETE", Some("ignored")),
            "stack `s` ended ROLLBACK_COMPLETE:\n  R2 CREATE_FAILED: no such cluster"
        );
        assert_eq!(
            Follow::default().failure("s", "UPDATE_ROLLBACK_COMPLETE", Some("rolled back")),
            "stack `s` ended UPDATE_ROLLBACK_COMPLETE:\n  rolled back"
        );
    }

    #[test]
    fn busy_and_no_op_messages_are_recognised() {
        assert!(is_concurrent_update("Stack:arn is in UPDATE_IN_PROGRESS state and can not be updated."));
        assert!(is_no_update("No updates are to be performed."));
        assert!(!is_no_update("Template format error"));
    }
}
