//! What every invocation shares, built once per cold start: the settings, the AWS clients, and
//! reading credentials from SSM Parameter Store (SecureString, decrypted, never logged).

use aws_sdk_ssm::error::{DisplayErrorContext, ProvideErrorMetadata};
use rnd_aws::Clients;

use crate::config::Config;
use crate::error::HandlerError;

/// Reads one environment variable: the process's in production, a map in tests.
pub type EnvReader = std::sync::Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub struct App {
    pub config: Config,
    pub clients: Clients,
    /// For clients rnd-aws does not hold (Lambda, to hand a push off).
    pub sdk_config: aws_config::SdkConfig,
    /// The process environment in production; a map in tests. Read for Slack settings.
    pub env: EnvReader,
}

impl App {
    /// The value of the SSM SecureString parameter `name`. Missing or unreadable is permanent
    /// (a deployment-time mistake), throttling retryable.
    pub async fn parameter(&self, name: &str) -> Result<String, HandlerError> {
        let answer = self
            .clients
            .ssm
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| {
                let code = e.code().unwrap_or_default().to_string();
                let why = format!("reading the SSM parameter {name}: {}", DisplayErrorContext(&e));
                match code.as_str() {
                    "ParameterNotFound" | "AccessDeniedException" | "ValidationException" => {
                        HandlerError::Permanent(why)
                    }
                    _ => HandlerError::Retryable(why),
                }
            })?;
        answer
            .parameter()
            .and_then(|p| p.value())
            .map(str::to_string)
            .ok_or_else(|| HandlerError::Permanent(format!("the SSM parameter {name} has no value")))
    }

    pub fn env(&self, name: &str) -> Option<String> {
        (self.env)(name)
    }
}
