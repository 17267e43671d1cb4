//! The thin async layer over the AWS SDK: load configuration as the AWS CLI does, make the
//! calls, and turn answers into the plain data of [`crate::deploy`] and errors into diagnostics.
//!
//! Nothing here decides anything; every rule is in [`crate::deploy`]. Errors keep only AWS's
//! error code and message (SDK errors can carry request details, and so credentials).

pub mod certs;
pub mod cfn;
pub mod deploy;
pub mod ssl;

use crate::diagnostic::{Code, Diagnostic};
use aws_config::BehaviorVersion;
use aws_sdk_cloudformation::config::http::HttpResponse;
use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use std::fmt;
use std::time::Duration;

/// Where to reach AWS: like the AWS CLI, from the environment and the shared files, with
/// the command line's `--region` and `--endpoint-url` first.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint-url` (else `AWS_ENDPOINT_URL`, read by the SDK).
    pub endpoint_url: Option<String>,
}

/// The clients of one command run.
#[derive(Clone, Debug)]
pub struct Clients {
    /// CloudFormation.
    pub cfn: aws_sdk_cloudformation::Client,
    /// IAM (server certificates).
    pub iam: aws_sdk_iam::Client,
    /// ACM.
    pub acm: aws_sdk_acm::Client,
    /// The region in use.
    pub region: String,
}

/// An AWS failure, ready to print: a diagnostic code and a message free of request details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    /// The registry code.
    pub code: Code,
    /// AWS's error code, when it gave one.
    pub aws_code: Option<String>,
    /// What went wrong.
    pub message: String,
    /// The request went out and no usable answer came back (a timeout, a garbled answer): AWS
    /// may have acted on it. For a call that changes something, "nothing was changed" would
    /// then be a guess.
    pub unanswered: bool,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.aws_code {
            Some(c) => write!(f, "{c}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl AwsError {
    /// An error of this tool's own, with a registry code.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        AwsError { code, aws_code: None, message: message.into(), unanswered: false }
    }

    /// The diagnostic to print, with help where the code has one.
    pub fn diagnostic(&self, doing: &str) -> Diagnostic {
        let help = match self.code {
            Code::AwsEndpoint => Some(
                "check the network and the region (--region, AWS_REGION), and --endpoint-url / AWS_ENDPOINT_URL if set; nothing was changed",
            ),
            Code::AwsCredentials => {
                Some("set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as for the AWS CLI")
            }
            Code::AwsAccessDenied => {
                Some("the caller's IAM policy must allow this call (see `compose-cfn explain aws-access-denied`)")
            }
            Code::AwsThrottled => Some("wait a minute and run the command again"),
            _ => None,
        };
        let d = Diagnostic::error(self.code, None, format!("{doing}: {self}"));
        match help {
            Some(h) => d.with_help(h),
            None => d,
        }
    }

    /// True when AWS said the thing asked for does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self.aws_code.as_deref(), Some("NoSuchEntity" | "ResourceNotFoundException" | "NoSuchEntityException"))
            || (self.aws_code.as_deref() == Some("ValidationError") && self.message.contains("does not exist"))
    }
}

/// The registry code of an AWS error code.
pub fn code_for(aws_code: &str) -> Code {
    match aws_code {
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "AuthorizationError" => {
            Code::AwsAccessDenied
        }
        "Throttling" | "ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded" => {
            Code::AwsThrottled
        }
        "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidAccessKeyId" => Code::AwsCredentials,
        _ => Code::AwsRequest,
    }
}

/// The innermost cause's message: an I/O error or a provider's sentence, never the request.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut e = e;
    while let Some(next) = e.source() {
        e = next;
    }
    e.to_string()
}

/// What an answer that is not an AWS error was: its HTTP status and its length, never its
/// text (a proxy's page can quote the request, and so a credential).
fn page(raw: &HttpResponse) -> String {
    let status = raw.status().as_u16();
    match raw.body().bytes() {
        Some(body) => format!("HTTP {status} with a {}-byte page", body.len()),
        None => format!("HTTP {status}"),
    }
}

/// Converts any SDK error, keeping only what is safe to print. Every SDK client answers with
/// the same raw response type, whose status tells a throttled request (429, 503) from a proxy
/// that blocked it (403, 407) when the answer carries no AWS error code.
pub fn from_sdk<E>(e: SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            match err.code() {
                Some(c) => AwsError {
                    code: code_for(c),
                    aws_code: Some(c.to_string()),
                    message: err.message().unwrap_or("(no message)").to_string(),
                    unanswered: false,
                },
                None => AwsError::new(
                    Code::AwsRequest,
                    format!("AWS (or a proxy on the way) answered {}, not an AWS answer", page(s.raw())),
                ),
            }
        }
        SdkError::TimeoutError(_) => {
            AwsError { unanswered: true, ..AwsError::new(Code::AwsEndpoint, "the AWS endpoint did not answer in time") }
        }
        SdkError::DispatchFailure(d) => {
            let cause = root_cause(&e);
            if cause.to_ascii_lowercase().contains("credential") {
                AwsError::new(Code::AwsCredentials, format!("no usable AWS credentials: {cause}"))
            } else if d.is_io() || d.is_timeout() {
                AwsError::new(Code::AwsEndpoint, format!("cannot reach the AWS endpoint: {cause}"))
            } else {
                AwsError::new(Code::AwsEndpoint, format!("the request could not be sent: {cause}"))
            }
        }
        _ => {
            let cause = root_cause(&e);
            let code =
                if cause.to_ascii_lowercase().contains("credential") { Code::AwsCredentials } else { Code::AwsRequest };
            AwsError { unanswered: matches!(e, SdkError::ResponseError(_)), ..AwsError::new(code, cause) }
        }
    }
}

/// Loads the configuration as the AWS CLI would and makes the clients. Must run inside the
/// runtime the AWS commands start.
pub async fn connect(settings: &Settings) -> Result<Clients, AwsError> {
    check_settings(settings)?;
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(10))
            .operation_attempt_timeout(Duration::from_secs(60))
            .build(),
    );
    if let Some(r) = &settings.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    let region = config.region().map(|r| r.to_string()).ok_or_else(|| {
        AwsError::new(Code::AwsEndpoint, "no AWS region: give --region, or set AWS_REGION or the profile's region")
    })?;
    Ok(Clients {
        cfn: aws_sdk_cloudformation::Client::new(&config),
        iam: aws_sdk_iam::Client::new(&config),
        acm: aws_sdk_acm::Client::new(&config),
        region,
    })
}

/// Refuses a region or endpoint the SDK cannot use before it is given them: an empty endpoint
/// URL makes the SDK panic, and a malformed region fails as if AWS had refused a request.
fn check_settings(settings: &Settings) -> Result<(), AwsError> {
    if let Some(region) = &settings.region
        && (region.is_empty() || !region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
    {
        return Err(AwsError::new(
            Code::AwsEndpoint,
            format!("`{}` is not an AWS region name, such as `us-east-1`", crate::escape::terminal(region, false)),
        ));
    }
    if let Some(url) = &settings.endpoint_url {
        let scheme_and_host = url.split_once("://").filter(|(scheme, host)| {
            matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") && !host.is_empty()
        });
        if scheme_and_host.is_none() {
            return Err(AwsError::new(
                Code::AwsEndpoint,
                format!("`{}` is not an http:// or https:// URL", crate::escape::terminal(url, false)),
            ));
        }
    }
    Ok(())
}

/// Follows a listing's pages: each answer's token asks for the next page. An endpoint that
/// hands back a token it gave before, or pages without end, would keep a listing asking
/// forever; it is stopped with an error instead (no account has a thousand pages of stacks or
/// certificates: the quotas are a few thousand of each, 100 or more per page).
#[derive(Debug, Default)]
pub struct Pages {
    seen: std::collections::HashSet<String>,
}

/// The most pages a listing reads.
const MAX_PAGES: usize = 1000;

impl Pages {
    /// The token for the next page (`None`: that was the last), or an error for a loop.
    pub fn next(&mut self, token: Option<&str>, listing: &str) -> Result<Option<String>, AwsError> {
        let Some(token) = token.filter(|t| !t.is_empty()) else { return Ok(None) };
        if self.seen.len() >= MAX_PAGES || !self.seen.insert(token.to_string()) {
            return Err(AwsError::new(
                Code::AwsRequest,
                format!(
                    "{listing}: the endpoint answered page after page (a page token came back, or over {MAX_PAGES} pages); stopped"
                ),
            ));
        }
        Ok(Some(token.to_string()))
    }
}

/// Seconds since the epoch of an SDK time, as a `time` value.
pub fn to_time(t: &aws_sdk_cloudformation::primitives::DateTime) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(t.secs()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_that_got_no_answer_is_not_said_to_have_changed_nothing() {
        let timeout = AwsError { unanswered: true, ..AwsError::new(Code::AwsEndpoint, "no answer") };
        let help = |f: deploy::Failed| f.diagnostics[0].help.clone().unwrap_or_default();
        assert!(help(deploy::Failed::aws(timeout.clone(), "read the stack")).contains("nothing was changed"));
        let change = help(deploy::Failed::aws_change(timeout, "update the stack", "look at the stack"));
        assert!(change.contains("it may have been made") && !change.contains("nothing was changed"), "{change}");
        // A request that never went out changed nothing, whatever it asked.
        let refused = AwsError::new(Code::AwsEndpoint, "cannot reach the AWS endpoint: connection refused");
        assert!(help(deploy::Failed::aws_change(refused, "update the stack", "look")).contains("nothing was changed"));
        // A stack change's token is one AWS takes: a letter, then letters, digits and `-`.
        let token = cfn::request_token();
        assert!(token.len() <= 128 && token.starts_with(|c: char| c.is_ascii_alphabetic()), "{token}");
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{token}");
    }

    #[test]
    fn a_listing_stops_when_a_token_comes_back_or_pages_never_end() {
        let mut pages = Pages::default();
        assert_eq!(pages.next(Some("a"), "list").unwrap().as_deref(), Some("a"));
        assert_eq!(pages.next(Some("b"), "list").unwrap().as_deref(), Some("b"));
        assert_eq!(pages.next(None, "list").unwrap(), None);
        assert_eq!(pages.next(Some(""), "list").unwrap(), None, "an empty token ends the listing too");
        let again = pages.next(Some("a"), "list certificates").unwrap_err();
        assert!(again.message.starts_with("list certificates: the endpoint answered page after page"), "{again}");
        let mut endless = Pages::default();
        let stopped = (0..=MAX_PAGES).map(|i| endless.next(Some(&i.to_string()), "l")).position(|r| r.is_err());
        assert_eq!(stopped, Some(MAX_PAGES));
    }

    #[test]
    fn a_malformed_region_or_endpoint_is_refused_before_the_sdk_sees_it() {
        let settings = |region: Option<&str>, url: Option<&str>| Settings {
            region: region.map(String::from),
            endpoint_url: url.map(String::from),
        };
        assert!(check_settings(&settings(Some("eu-west-1"), Some("http://127.0.0.1:5000"))).is_ok());
        assert!(check_settings(&settings(None, Some("HTTPS://s3.example"))).is_ok());
        for (region, url) in
            [(Some("us east 1"), None), (Some(""), None), (None, Some("")), (None, Some("localhost:5000"))]
        {
            let e = check_settings(&settings(region, url)).unwrap_err();
            assert_eq!(e.code, Code::AwsEndpoint, "{region:?} {url:?}: exit 2, as for an unreachable endpoint");
        }
    }

    #[test]
    fn aws_error_codes_map_into_the_registry() {
        assert_eq!(code_for("AccessDenied"), Code::AwsAccessDenied);
        assert_eq!(code_for("ThrottlingException"), Code::AwsThrottled);
        assert_eq!(code_for("InvalidClientTokenId"), Code::AwsCredentials);
        assert_eq!(code_for("ValidationError"), Code::AwsRequest);
    }

    #[test]
    fn not_found_is_recognised_in_every_service_dialect() {
        let e = |c: &str, m: &str| AwsError {
            code: Code::AwsRequest,
            aws_code: Some(c.into()),
            message: m.into(),
            unanswered: false,
        };
        assert!(e("NoSuchEntity", "x").is_not_found());
        assert!(e("ResourceNotFoundException", "x").is_not_found());
        assert!(e("ValidationError", "Stack with id s does not exist").is_not_found());
        assert!(!e("ValidationError", "Template format error").is_not_found());
    }

    #[test]
    fn diagnostics_carry_the_aws_code_and_help() {
        let d = AwsError {
            code: Code::AwsAccessDenied,
            aws_code: Some("AccessDenied".into()),
            message: "no".into(),
            unanswered: false,
        }
        .diagnostic("list certificates");
        assert_eq!(d.message, "list certificates: AccessDenied: no");
        assert!(d.help.unwrap().contains("IAM policy"));
    }
}
