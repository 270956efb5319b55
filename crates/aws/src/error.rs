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
        let message = match err.message() {
            Some(m) => m.to_string(),
            None => DisplayErrorContext(&err).to_string(),
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

impl From<aws_sdk_ecs::error::BuildError> for AwsError {
    fn from(err: aws_sdk_ecs::error::BuildError) -> Self {
        AwsError::missing("request", err.to_string())
    }
}
