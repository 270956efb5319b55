//! Errors of AWS calls, with the call, the resource and AWS's error code.

use std::fmt::Debug;

use aws_sdk_ecs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// One AWS call that failed, after the SDK's retries.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AwsError {
    #[error("{operation} {resource}: {message}")]
    Call {
        /// The API call, e.g. `CreateService`.
        operation: &'static str,
        /// The rnd resource (or AWS identifier) it was about.
        resource: String,
        /// AWS's error code, when AWS answered with one.
        code: Option<String>,
        message: String,
    },
    /// Something rnd needs is missing or malformed (a reference never created, a response
    /// without an identifier).
    #[error("{resource}: {message}")]
    Missing { resource: String, message: String },
    #[error("{resource}: no answer within {seconds} s")]
    Timeout { resource: String, seconds: u64 },
}

impl AwsError {
    pub(crate) fn call<E, R>(
        operation: &'static str,
        resource: impl Into<String>,
        err: SdkError<E, R>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: Debug + Send + Sync + 'static,
    {
        let code = err.code().map(str::to_string);
        let message = match (plain_reason(&err), err.message()) {
            (Some(reason), _) => reason,
            (None, Some(m)) => m.to_string(),
            (None, None) => DisplayErrorContext(&err).to_string(),
        };
        AwsError::Call {
            operation,
            resource: resource.into(),
            code,
            message,
        }
    }

    pub(crate) fn missing(resource: impl Into<String>, message: impl Into<String>) -> Self {
        AwsError::Missing {
            resource: resource.into(),
            message: message.into(),
        }
    }

    /// AWS's error code, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Call { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Whether the error code contains any of `fragments` (codes differ per service:
    /// `NoSuchEntity`, `ResourceNotFoundException`, `InvalidGroup.NotFound`, …).
    pub(crate) fn code_is(&self, fragments: &[&str]) -> bool {
        self.code()
            .is_some_and(|c| fragments.iter().any(|f| c.contains(f)))
    }

    /// The resource does not exist: deleting it is done.
    pub(crate) fn is_not_found(&self) -> bool {
        self.code_is(&["NotFound", "NoSuchEntity", "ResourceNotFound"])
    }
}

/// One sentence saying what to set, for the failures a person fixes in their own setup (no or
/// expired credentials, an unreachable endpoint), instead of the SDK's nested error dump.
fn plain_reason<E, R>(err: &SdkError<E, R>) -> Option<String>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    if let Some(code) = err.code() {
        return service_reason(code);
    }
    let text = DisplayErrorContext(err).to_string().to_lowercase();
    setup_reason(&text, err)
}

/// AWS's answer to credentials it does not accept.
fn service_reason(code: &str) -> Option<String> {
    Some(
        match code {
            "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
                "the AWS credentials have expired: log in again (`aws sso login` for an SSO profile) \
             or refresh them"
            }
            "UnrecognizedClientException" | "InvalidClientTokenId" | "AuthFailure" | "InvalidAccessKeyId" => {
                "AWS does not recognise these credentials: check AWS_PROFILE or AWS_ACCESS_KEY_ID, and \
             that the account has the platform's region enabled"
            }
            "SignatureDoesNotMatch" => {
                "the secret key does not belong to the access key: check AWS_SECRET_ACCESS_KEY"
            }
            _ => return None,
        }
        .to_string(),
    )
}

/// A failure before AWS answered: credentials could not be loaded, or the endpoint not reached.
fn setup_reason<E, R>(text: &str, err: &SdkError<E, R>) -> Option<String> {
    if text.contains("credentials") {
        return Some(if text.contains("expired") || text.contains("sso") {
            "the AWS SSO session has expired or is not logged in: run `aws sso login` (with \
             --profile, or AWS_PROFILE set, for a named profile)"
                .to_string()
        } else {
            "no AWS credentials were found: set AWS_PROFILE (and run `aws sso login` for an SSO \
             profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                .to_string()
        });
    }
    if text.contains("no region") || text.contains("region must be set") {
        return Some("no AWS region is configured: set AWS_REGION".to_string());
    }
    let unreachable = match err {
        SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout() => true,
        SdkError::TimeoutError(_) => true,
        _ => false,
    };
    unreachable.then(|| {
        let why = if text.contains("connection refused") {
            "the connection was refused"
        } else if text.contains("dns") {
            "its name did not resolve"
        } else {
            "it did not answer"
        };
        format!("cannot reach AWS ({why}): check the network, and AWS_ENDPOINT_URL if it is set")
    })
}

impl From<aws_sdk_ecs::error::BuildError> for AwsError {
    fn from(err: aws_sdk_ecs::error::BuildError) -> Self {
        AwsError::missing("request", err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_aws_refuses_say_what_to_do() {
        for code in ["ExpiredToken", "ExpiredTokenException"] {
            assert!(service_reason(code).unwrap().contains("aws sso login"), "{code}");
        }
        for code in ["UnrecognizedClientException", "InvalidClientTokenId"] {
            assert!(service_reason(code).unwrap().contains("AWS_PROFILE"), "{code}");
        }
        assert!(service_reason("SignatureDoesNotMatch")
            .unwrap()
            .contains("AWS_SECRET_ACCESS_KEY"));
        // AWS's own message stays for everything else (it names the resource and the cause).
        assert_eq!(service_reason("AccessDeniedException"), None);
    }

    #[test]
    fn an_expired_sso_session_is_told_from_missing_credentials() {
        let err: SdkError<aws_sdk_ecs::operation::list_clusters::ListClustersError, ()> =
            SdkError::timeout_error("unused");
        let expired = "an error occurred while loading credentials: the sso session has expired";
        assert!(setup_reason(expired, &err)
            .unwrap()
            .starts_with("the AWS SSO session"));
        let missing = "an error occurred while loading credentials: no providers in chain";
        assert!(setup_reason(missing, &err)
            .unwrap()
            .starts_with("no AWS credentials"));
        assert!(setup_reason("operation timed out", &err)
            .unwrap()
            .starts_with("cannot reach AWS"));
    }
}
