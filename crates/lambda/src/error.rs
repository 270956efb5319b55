//! Errors as Lambda should treat them: a retryable one (AWS or GitHub throttled or unreachable, the
//! platform's lock held) is returned as an error so Lambda retries an asynchronous event; a
//! permanent one (an invalid repository, an event rnd does not handle) is logged and answered, so
//! Lambda does not retry what cannot succeed.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum HandlerError {
    #[error("{0} (retryable)")]
    Retryable(String),
    #[error("{0}")]
    Permanent(String),
}

impl HandlerError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, HandlerError::Retryable(_))
    }
}

impl From<rnd_aws::AwsError> for HandlerError {
    fn from(error: rnd_aws::AwsError) -> Self {
        // AWS errors that reach here survived the SDK's own retries: worth another attempt later.
        HandlerError::Retryable(error.to_string())
    }
}
