//! What every invocation shares, built once per cold start: the settings, the AWS clients, and
//! reading credentials from SSM Parameter Store (SecureString, decrypted, never logged).

use rnd_aws::Clients;

use crate::config::Config;
use crate::error::HandlerError;

/// Reads one environment variable: the process's in production, a map in tests.
pub use rnd_app::EnvReader;

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
        let name = &crate::config::ssm_name(name);
        match rnd_aws::secrets::get_parameter(&self.clients, name).await {
            Ok(value) => Ok(value.expose().to_string()),
            Err(e) => {
                let why = format!("reading the SSM parameter {name}: {e}");
                match e.code() {
                    Some("ParameterNotFound" | "AccessDeniedException" | "ValidationException") | None => {
                        Err(HandlerError::Permanent(why))
                    }
                    Some(_) => Err(HandlerError::Retryable(why)),
                }
            }
        }
    }

    pub fn env(&self, name: &str) -> Option<String> {
        (self.env)(name)
    }
}
