//! CloudFormation calls: read a stack, create or update it, follow its events until it settles.

use super::{AwsError, from_sdk};
use crate::deploy::ParamValue;
pub use crate::deploy::stack::StackEvent as Event;
use crate::deploy::stack::{APP_TAG, LiveStack};
use crate::diagnostic::Code;
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::types::{Capability, Parameter, Stack, Tag};
use serde_json::Value;
use std::collections::BTreeMap;

fn live_of(s: &Stack) -> LiveStack {
    LiveStack {
        name: s.stack_name().unwrap_or_default().to_string(),
        status: s.stack_status().map(|x| x.as_str().to_string()).unwrap_or_default(),
        reason: s.stack_status_reason().map(String::from),
        parameters: s
            .parameters()
            .iter()
            .filter_map(|p| Some((p.parameter_key()?.to_string(), p.parameter_value().unwrap_or_default().to_string())))
            .collect(),
        outputs: s
            .outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value().unwrap_or_default().to_string())))
            .collect(),
        tags: s.tags().iter().filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string()))).collect(),
        template: None,
    }
}

/// The stack named `name`, or `None` when there is none.
pub async fn describe(cfn: &Client, name: &str) -> Result<Option<LiveStack>, AwsError> {
    match cfn.describe_stacks().stack_name(name).send().await.map_err(from_sdk) {
        Ok(out) => Ok(out.stacks().first().map(live_of)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The stack's current template (JSON; this tool writes only JSON templates).
pub async fn template(cfn: &Client, name: &str) -> Result<Value, AwsError> {
    let out = cfn.get_template().stack_name(name).send().await.map_err(from_sdk)?;
    let body = out.template_body().unwrap_or("{}");
    serde_json::from_str(body).map_err(|e| {
        AwsError::new(
            Code::AwsRequest,
            format!("the template of stack `{name}` is not JSON ({e}); was it made by compose-cfn?"),
        )
    })
}

/// Every stack this tool made (tagged with the app), with its template.
pub async fn our_stacks(cfn: &Client) -> Result<Vec<LiveStack>, AwsError> {
    let mut stacks = Vec::new();
    let (mut token, mut pages) = (None, super::Pages::default());
    loop {
        let out = cfn.describe_stacks().set_next_token(token).send().await.map_err(from_sdk)?;
        stacks.extend(out.stacks().iter().map(live_of).filter(|s| s.tags.contains_key(APP_TAG)));
        token = pages.next(out.next_token(), "list the stacks")?;
        if token.is_none() {
            break;
        }
    }
    for s in &mut stacks {
        s.template = Some(template(cfn, &s.name).await?);
    }
    Ok(stacks)
}

fn parameters(values: &BTreeMap<String, ParamValue>, self_signed: Option<&str>) -> Vec<Parameter> {
    values
        .iter()
        .map(|(k, v)| {
            let p = Parameter::builder().parameter_key(k);
            match v {
                ParamValue::Plain(v) | ParamValue::Secret(v) => p.parameter_value(v),
                ParamValue::UsePrevious => p.use_previous_value(true),
                ParamValue::SelfSigned => p.parameter_value(self_signed.unwrap_or_default()),
            }
            .build()
        })
        .collect()
}

/// What a create or update sends.
pub struct Change<'a> {
    /// The stack.
    pub name: &'a str,
    /// The new template body; `None` keeps the previous template.
    pub template: Option<&'a str>,
    /// The parameters.
    pub values: &'a BTreeMap<String, ParamValue>,
    /// The self-signed certificate's ARN, for parameters that take it.
    pub self_signed: Option<&'a str>,
    /// The app, for the stack's tag.
    pub app: &'a str,
}

/// A token for one stack change, sent with each attempt of it: the SDK retries a request
/// whose answer was lost, and CloudFormation tells a retry by its token from a second change
/// ("Specify this token if you plan to retry requests", CreateStack/UpdateStack). The stack's
/// events carry it too. Letters, digits and `-`, starting with a letter, as AWS requires.
pub(super) fn request_token() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("compose-cfn-{nanos:x}-{:x}", std::process::id())
}

/// Creates the stack. The template has an IAM role, hence CAPABILITY_IAM.
pub async fn create(cfn: &Client, c: &Change<'_>) -> Result<(), AwsError> {
    cfn.create_stack()
        .stack_name(c.name)
        .client_request_token(request_token())
        .set_template_body(c.template.map(String::from))
        .set_parameters(Some(parameters(c.values, c.self_signed)))
        .capabilities(Capability::CapabilityIam)
        .tags(Tag::builder().key(APP_TAG).value(c.app).build())
        .send()
        .await
        .map_err(from_sdk)?;
    Ok(())
}

/// Updates the stack; `Ok(false)` when CloudFormation says there is nothing to update.
pub async fn update(cfn: &Client, c: &Change<'_>) -> Result<bool, AwsError> {
    let result = cfn
        .update_stack()
        .stack_name(c.name)
        .client_request_token(request_token())
        .set_template_body(c.template.map(String::from))
        .set_use_previous_template(c.template.is_none().then_some(true))
        .set_parameters(Some(parameters(c.values, c.self_signed)))
        .capabilities(Capability::CapabilityIam)
        .tags(Tag::builder().key(APP_TAG).value(c.app).build())
        .send()
        .await
        .map_err(from_sdk);
    match result {
        Ok(_) => Ok(true),
        Err(e) if crate::deploy::stack::is_no_update(&e.message) => Ok(false),
        Err(e) if crate::deploy::stack::is_concurrent_update(&e.message) => Err(AwsError {
            code: Code::StackState,
            message: format!("{} (another change started first; nothing of this one was applied)", e.message),
            ..e
        }),
        Err(e) => Err(e),
    }
}

/// The stack's events, newest first (the first page: enough for one poll).
pub async fn events(cfn: &Client, name: &str) -> Result<Vec<Event>, AwsError> {
    let out = cfn.describe_stack_events().stack_name(name).send().await.map_err(from_sdk)?;
    Ok(out
        .stack_events()
        .iter()
        .map(|e| Event {
            id: e.event_id().unwrap_or_default().to_string(),
            time: e
                .timestamp()
                .and_then(super::to_time)
                .map(|t| format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()))
                .unwrap_or_default(),
            logical_id: e.logical_resource_id().unwrap_or_default().to_string(),
            resource_type: e.resource_type().unwrap_or_default().to_string(),
            status: e.resource_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
            reason: e.resource_status_reason().map(String::from),
        })
        .collect())
}
