//! The `deploy` workflow: read the live stack, decide parameters and the self-signed
//! certificate, show the changes, create or update, and follow the stack to the end (the
//! waiting is shared with `ssl update`, in `ssl.rs`). Each step asks [`crate::deploy`] what to do.
//!
//! A little past 400 lines: the workflow's steps in the order they run, each a short async
//! call around a decision of `crate::deploy`; split, that order would be scattered.

use super::cfn::{self, Change, Event};
use super::{AwsError, Clients, certs as aws_certs};
use crate::adopt;
use crate::certs::{self, KeyChoice, SelfSignedRequest};
use crate::deploy::Metadata;
use crate::deploy::certs as dc;
use crate::deploy::params::{self, ParamInputs};
use crate::deploy::stack::{self, Follow, LiveStack, StackAction, StackProgress};
use crate::diagnostic::{Code, Diagnostic};
use crate::review::{self, Diff, StackView};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Why a workflow stopped: what to print, and the exit code.
#[derive(Debug)]
pub struct Failed {
    /// The errors (and warnings) to print.
    pub diagnostics: Vec<Diagnostic>,
    /// 1: refused or failed; 2: bad input or AWS unreachable.
    pub exit: u8,
}

impl Failed {
    pub(super) fn one(d: Diagnostic, exit: u8) -> Self {
        Failed { diagnostics: vec![d], exit }
    }

    /// An AWS error while `doing` something.
    pub fn aws(e: AwsError, doing: &str) -> Self {
        let exit = if matches!(e.code, Code::AwsEndpoint | Code::AwsCredentials) { 2 } else { 1 };
        Failed::one(e.diagnostic(doing), exit)
    }

    /// [`Failed::aws`] for a call that changes something (creating or updating a stack,
    /// uploading or deleting a certificate): when the request went out and no answer came,
    /// AWS may have acted on it, so the help says to look before running the command again.
    pub fn aws_change(e: AwsError, doing: &str, look: &str) -> Self {
        let unanswered = e.unanswered;
        let mut failed = Failed::aws(e, doing);
        if unanswered && let Some(d) = failed.diagnostics.first_mut() {
            d.help = Some(format!(
                "the request went out but no answer came: it may have been made. {look} before running the command again"
            ));
        }
        failed
    }
}

/// What to look at after a stack change that got no answer.
pub const LOOK_AT_STACK: &str = "look at the stack's status and events (`aws cloudformation describe-stack-events`)";

/// What to look at after a certificate upload or delete that got no answer.
pub const LOOK_FOR_CERTIFICATE: &str = "look for it with `compose-cfn certs`";

/// The longest wait for a stack or a certificate: a week, longer than any stack operation
/// runs, and short enough that a deadline computed from it stays in the clock's range.
pub const MAX_WAIT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Where progress goes: the CLI prints it (a spinner on a terminal, lines when piped).
pub trait Progress {
    /// A step, e.g. "Uploading the self-signed certificate".
    fn note(&mut self, text: &str);
    /// A line of detail under a step, e.g. one adoption decision.
    fn detail(&mut self, text: &str) {
        self.note(text);
    }
    /// A finding about the manifest (its span in the compiled files), e.g. a variable whose
    /// precedence an adoption flips: a warning, or an error when `-D` made it one; shown as one
    /// line unless the printer has the sources.
    fn warning(&mut self, diagnostic: &Diagnostic) {
        self.detail(&diagnostic.headline());
    }
    /// A new stack event.
    fn event(&mut self, event: &Event);
    /// The stack's status while waiting.
    fn status(&mut self, status: &str);
    /// What a deploy is about to change, shown before the write call. An `Err` (the list could
    /// not be shown, e.g. stdout is a full disk or a closed pipe) stops the deploy before it
    /// changes anything: a change nobody was shown is not made.
    fn changes(&mut self, diff: &Diff) -> Result<(), Failed>;
}

/// What `deploy` was asked.
pub struct DeployRequest<'a> {
    /// The stack name.
    pub stack: &'a str,
    /// The compiled template.
    pub template: &'a str,
    /// `--param`.
    pub given: &'a [(String, String)],
    /// `--image`.
    pub images: &'a [(String, String)],
    /// `--preview`: show the changes, change nothing.
    pub preview: bool,
    /// Wait until the stack settles.
    pub wait: bool,
    /// The longest wait.
    pub timeout: Duration,
    /// The deploying process's environment.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Now, for certificate dates.
    pub now: OffsetDateTime,
    /// `--allow-replacement`: adopting a Convox stack may replace resources.
    pub allow_replacement: bool,
    /// `--allow-removal`: adopting a Convox stack deletes what compose-cfn does not model.
    pub allow_removal: bool,
    /// `--env-migrated`: adopting a Convox stack may stop reading its `convox env` variables.
    pub env_migrated: bool,
    /// What the template was compiled from, if it was: adopting a Convox stack keeps the live
    /// count, cpu and memory of every service whose manifest does not set them.
    pub plan: Option<&'a crate::interpret::plan::Plan>,
    /// The compiled services' `env_file:` keys their `environment:` overrides: adopting a
    /// Convox app whose `convox env` stops being read warns of each (none for a template given).
    pub env_overrides: &'a [crate::load::EnvOverride],
    /// `-D`/`--deny`/`--allow`: what the deploy's own warnings become, as for the compile's.
    pub levels: &'a crate::diagnostic::Levels,
}

/// How a deploy ended.
#[derive(Debug)]
pub enum Outcome {
    /// `--preview`: the changes it would make.
    Preview(Diff),
    /// Nothing to change; no write call was made.
    NoChange(Diff),
    /// Started; not waited for (`--no-wait`). The changes went to [`Progress::changes`].
    Started,
    /// Done, with a URL per listener. The changes went to [`Progress::changes`].
    Done(Vec<Endpoint>),
}

/// A listener's address at the end of a deploy.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Endpoint {
    /// `service:port`.
    pub target: String,
    /// The balancer's DNS name.
    pub host: String,
    /// A URL for the listener.
    pub url: String,
}

/// Reads the live stack and refuses one that cannot be changed now.
async fn settled_stack(clients: &Clients, name: &str) -> Result<(Option<LiveStack>, StackAction), Failed> {
    let live = cfn::describe(&clients.cfn, name).await.map_err(|e| Failed::aws(e, "read the stack"))?;
    let action = stack::stack_action(name, live.as_ref().map(|l| l.status.as_str()))
        .map_err(|r| Failed::one(Diagnostic::error(Code::StackState, None, r.message).with_help(r.help), 1))?;
    Ok((live, action))
}

/// Deploys: compiles nothing (the template is given), decides, shows, changes, follows.
pub async fn deploy(
    clients: &Clients,
    req: &DeployRequest<'_>,
    progress: &mut dyn Progress,
) -> Result<Outcome, Failed> {
    let mut new: Value = serde_json::from_str(req.template).map_err(|e| {
        Failed::one(Diagnostic::error(Code::AwsRequest, None, format!("the template is not JSON: {e}")), 2)
    })?;
    let (live, action) = settled_stack(clients, req.stack).await?;
    let live_template = match &live {
        Some(_) => {
            cfn::template(&clients.cfn, req.stack).await.map_err(|e| Failed::aws(e, "read the stack's template"))?
        }
        None => serde_json::json!({"Resources": {}}),
    };
    let live_values = live.as_ref().map(|l| l.parameters.clone()).unwrap_or_default();
    if review::convox::is_adoptable(&live_template) {
        new = adopt_convox(&live_template, &live_values, &new, req, progress)?;
    }
    // Sent without indentation: CloudFormation takes at most 51,200 bytes inline.
    let body = serde_json::to_string(&new).unwrap_or_default();
    if body.len() > stack::MAX_TEMPLATE_BODY {
        return Err(Failed::one(
            Diagnostic::error(
                Code::StackLimits,
                None,
                format!(
                    "the template is {} bytes; CloudFormation takes at most {} inline",
                    body.len(),
                    stack::MAX_TEMPLATE_BODY
                ),
            )
            .with_help(
                "split the app into several stacks (one compose file each); deploying through S3 is not supported yet",
            ),
            2,
        ));
    }
    let metadata = Metadata::of(&new).unwrap_or_default();
    let plan = params::decide_parameters(&ParamInputs {
        template: &params::defaults(&new),
        metadata: &metadata,
        given: req.given,
        images: req.images,
        live: live.as_ref().map(|l| &l.parameters),
        env: req.env,
    })
    .map_err(|problems| Failed {
        diagnostics: vec![
            Diagnostic::error(
                Code::DeployParameter,
                None,
                format!(
                    "{} deploy-time value{} missing or wrong; nothing was changed:\n  {}",
                    problems.len(),
                    if problems.len() == 1 { " is" } else { "s are" },
                    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
                ),
            )
            .with_help("give --param NAME=VALUE, --image SERVICE=REF, or set the environment variables named"),
        ],
        exit: 2,
    })?;
    let self_signed = if plan.needs_self_signed() {
        self_signed_certificate(clients, &metadata.app, req, progress).await?
    } else {
        None
    };
    let diff = stack::deploy_diff(
        &live_template,
        &live_values,
        &new,
        &plan.shown(&live_values, self_signed.as_deref()),
        req.stack,
    )
    .map_err(|e| Failed::one(Diagnostic::error(Code::AwsRequest, None, format!("the live template: {e}")), 1))?
    .with_secrets_passed_again(&plan.secret_names());
    if req.preview {
        return Ok(Outcome::Preview(diff));
    }
    // With a secret among the values the diff is never empty: CloudFormation compares them.
    if action == StackAction::Update && diff.is_empty() {
        return Ok(Outcome::NoChange(diff));
    }
    let change = Change {
        name: req.stack,
        template: Some(&body),
        values: &plan.values,
        self_signed: self_signed.as_deref(),
        app: &metadata.app,
    };
    let seen = seen_events(clients, req.stack, action).await;
    progress.changes(&diff)?;
    match action {
        StackAction::Create => {
            progress.note(&format!("Creating stack {}", req.stack));
            cfn::create(&clients.cfn, &change)
                .await
                .map_err(|e| Failed::aws_change(e, "create the stack", LOOK_AT_STACK))?
        }
        StackAction::Update => {
            progress.note(&format!("Updating stack {}", req.stack));
            if !cfn::update(&clients.cfn, &change)
                .await
                .map_err(|e| Failed::aws_change(e, "update the stack", LOOK_AT_STACK))?
            {
                return Ok(Outcome::NoChange(Diff { changes: Vec::new(), ..diff }));
            }
        }
    }
    if !req.wait {
        return Ok(Outcome::Started);
    }
    let done = wait(clients, req.stack, seen, req.timeout, progress).await?;
    Ok(Outcome::Done(endpoints(&new, &done.outputs)))
}

/// The live stack was made by Convox: the template adopted so that no balancer is replaced,
/// every decision shown, and the deploy refused when it would replace or remove something
/// that was not allowed (`--allow-replacement`, `--allow-removal`); a preview is not refused
/// for a replacement (it shows it), but is for Convox's environment unless `--env-migrated`:
/// the live template does not show those variables, so no diff can show their loss.
fn adopt_convox(
    live_template: &Value,
    live_values: &BTreeMap<String, String>,
    new: &Value,
    req: &DeployRequest<'_>,
    progress: &mut dyn Progress,
) -> Result<Value, Failed> {
    let refuse =
        |message: String, help: &str| Failed::one(Diagnostic::error(Code::Adopt, None, message).with_help(help), 1);
    let params = Value::Array(
        live_values.iter().map(|(k, v)| serde_json::json!({"ParameterKey": k, "ParameterValue": v})).collect(),
    );
    let adopt_error =
        |e: adopt::AdoptError| refuse(format!("stack `{}`: {e}", req.stack), "see `compose-cfn explain adopt`");
    let live = adopt::Live::read(live_template, Some(&params)).map_err(adopt_error)?;
    let adoption =
        adopt::adopt(&live, new, adopt::AdoptOptions::for_plan(req.plan, req.allow_removal)).map_err(adopt_error)?;
    progress.note(&match review::convox::is_convox(live_template) {
        true => format!("Stack {} was made by Convox: adopting it", req.stack),
        false => format!("Stack {} was adopted from Convox: keeping what the adoption kept", req.stack),
    });
    for d in &adoption.decisions {
        progress.detail(&d.line());
    }
    let mut refused = Vec::new();
    if let Err(e) = adoption.check_environment(req.env_migrated) {
        refused.push((e, adopt::ENV_MIGRATION));
    }
    if let Err(e) = adoption.check_replacements(req.allow_replacement || req.preview) {
        refused.push((e, "change the manifest so that they stay, or pass --allow-replacement"));
    }
    if refused.is_empty() {
        // Levels apply as they do to the compile's warnings: one made an error stops the deploy.
        let findings = req.levels.apply(adopt::env_precedence(&adoption, req.env_overrides).into_iter().collect());
        for finding in findings.iter() {
            progress.warning(finding);
        }
        if !findings.has_errors() {
            return Ok(adoption.template);
        }
        let denied = Diagnostic::error(
            Code::Adopt,
            None,
            format!("stack `{}`: a warning made an error (-D) stops the deploy; nothing was changed", req.stack),
        )
        .with_help("resolve what it says, or let it stay a warning");
        return Err(Failed { diagnostics: vec![denied], exit: 1 });
    }
    let diagnostics = refused
        .into_iter()
        .map(|(e, help)| {
            Diagnostic::error(Code::Adopt, None, format!("stack `{}`: {e}; nothing was changed", req.stack))
                .with_help(help)
        })
        .collect();
    Err(Failed { diagnostics, exit: 1 })
}

/// The app's self-signed certificate: reused, or (unless previewing) generated, uploaded
/// and waited for. `None` only in a preview that would upload one.
async fn self_signed_certificate(
    clients: &Clients,
    app: &str,
    req: &DeployRequest<'_>,
    progress: &mut dyn Progress,
) -> Result<Option<String>, Failed> {
    let existing = aws_certs::list_self_signed(&clients.iam, app)
        .await
        .map_err(|e| Failed::aws(e, "list the app's self-signed certificates"))?;
    if let Some(c) = dc::reusable_self_signed(app, &existing, req.now) {
        progress.note(&format!("Using self-signed certificate {}", c.id));
        return Ok(Some(c.arn.clone()));
    }
    if req.preview {
        return Ok(None);
    }
    let name = dc::self_signed_name(app, req.now);
    let request = SelfSignedRequest {
        domains: vec![dc::self_signed_domain(&clients.region)],
        days: 365,
        key: KeyChoice::Rsa2048,
    };
    let generated = certs::self_signed(&request, req.now, &name).map_err(|e| {
        Failed::one(Diagnostic::error(Code::AwsRequest, None, format!("generate the self-signed certificate: {e}")), 1)
    })?;
    progress.note(&format!("Uploading self-signed certificate {name}"));
    let arn = aws_certs::upload(&clients.iam, &name, &generated.cert_pem, generated.key_pem.expose(), None)
        .await
        .map_err(|e| Failed::aws_change(e, "upload the self-signed certificate", LOOK_FOR_CERTIFICATE))?;
    aws_certs::wait_served(&clients.iam, &name, deadline_after(req.timeout))
        .await
        .map_err(|e| Failed::aws(e, "wait for the self-signed certificate"))?;
    Ok(Some(arn))
}

/// The instant `timeout` from now; a timeout past the clock's range waits as long as it can
/// (the CLI takes at most a week, but the library takes any `Duration`).
fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout).or_else(|| now.checked_add(MAX_WAIT)).unwrap_or(now)
}

/// The IDs of the events already there, so that only new ones are shown.
pub(super) async fn seen_events(clients: &Clients, name: &str, action: StackAction) -> HashSet<String> {
    if action == StackAction::Create {
        return HashSet::new();
    }
    cfn::events(&clients.cfn, name).await.map(|e| e.into_iter().map(|e| e.id).collect()).unwrap_or_default()
}

/// Follows the stack until it settles, showing new events; fails with the failing events'
/// reasons on a rollback, or after `timeout`.
pub(super) async fn wait(
    clients: &Clients,
    name: &str,
    seen: HashSet<String>,
    timeout: Duration,
    progress: &mut dyn Progress,
) -> Result<LiveStack, Failed> {
    let deadline = deadline_after(timeout);
    let mut follow = Follow::after(seen);
    for attempt in 0.. {
        let page = cfn::events(&clients.cfn, name).await.map_err(|e| Failed::aws(e, "read the stack events"))?;
        for e in follow.new_events(page) {
            progress.event(&e);
        }
        let live = cfn::describe(&clients.cfn, name).await.map_err(|e| Failed::aws(e, "read the stack"))?.ok_or_else(
            || Failed::one(Diagnostic::error(Code::StackFailed, None, format!("stack `{name}` is gone")), 1),
        )?;
        progress.status(&live.status);
        match stack::progress(&live.status) {
            StackProgress::Succeeded => return Ok(live),
            StackProgress::Failed => {
                return Err(Failed::one(
                    Diagnostic::error(
                        Code::StackFailed,
                        None,
                        follow.failure(name, &live.status, live.reason.as_deref()),
                    )
                    .with_help("fix what the events name and deploy again; `compose-cfn explain stack-failed`"),
                    1,
                ));
            }
            StackProgress::InProgress => {}
        }
        if Instant::now().checked_add(stack::poll_delay(attempt)).is_none_or(|next| next > deadline) {
            return Err(Failed::one(
                Diagnostic::error(
                    Code::AwsTimeout,
                    None,
                    format!("stack `{name}` is still {} after {}s", live.status, timeout.as_secs()),
                )
                .with_help("the change goes on: check it later with `compose-cfn ssl --stack NAME`, or give a longer --timeout"),
                1,
            ));
        }
        tokio::time::sleep(stack::poll_delay(attempt)).await;
    }
    unreachable!("the loop returns")
}

/// A URL per listener from the template's balancers and the stack's host outputs.
pub fn endpoints(template: &Value, outputs: &BTreeMap<String, String>) -> Vec<Endpoint> {
    let Ok(view) = StackView::from_value(template) else { return Vec::new() };
    let mut out = Vec::new();
    for b in view.balancers.values() {
        let host = view.outputs.iter().find_map(|(name, o)| {
            let att = o.get("Value")?.get("Fn::GetAtt")?.as_array()?;
            (att.first()?.as_str()? == b.logical_id && att.get(1)?.as_str()? == "DNSName")
                .then(|| outputs.get(name))
                .flatten()
        });
        let Some(host) = host else { continue };
        for l in b.listeners.values() {
            let scheme = match l.protocol.as_str() {
                "HTTP" => "http",
                "HTTPS" => "https",
                "SSL" => "tls",
                _ => "tcp",
            };
            let url = match (scheme, l.port) {
                ("http", 80) | ("https", 443) => format!("{scheme}://{host}/"),
                _ => format!("{scheme}://{host}:{}", l.port),
            };
            out.push(Endpoint { target: format!("{}:{}", b.service, l.port), host: host.clone(), url });
        }
    }
    out
}
