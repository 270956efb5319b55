//! Handing a verified push to an asynchronous invocation of this same function
//! (`InvocationType=Event`): Lambda queues it, retries it on a retryable error, and the webhook's
//! answer goes back to GitHub at once. The function needs `lambda:InvokeFunction` on itself.

use aws_sdk_lambda::error::DisplayErrorContext;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use serde_json::json;

use crate::app::App;
use crate::error::HandlerError;
use crate::incoming::DeployRequest;

pub async fn hand_off(app: &App, deploy: &DeployRequest) -> Result<(), HandlerError> {
    let function = app.env("AWS_LAMBDA_FUNCTION_NAME").ok_or_else(|| {
        HandlerError::Permanent("AWS_LAMBDA_FUNCTION_NAME is not set: not running in Lambda".into())
    })?;
    // The standard service-specific endpoint variable, read through the app so tests can set it.
    let mut config = aws_sdk_lambda::config::Builder::from(&app.sdk_config);
    if let Some(endpoint) = app.env("AWS_ENDPOINT_URL_LAMBDA") {
        config = config.endpoint_url(endpoint);
    }
    let client = aws_sdk_lambda::Client::from_conf(config.build());
    let payload = json!({ "rnd_deploy": deploy }).to_string();
    client
        .invoke()
        .function_name(function)
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(payload))
        .send()
        .await
        .map_err(|e| {
            HandlerError::Retryable(format!(
                "handing the deployment to an asynchronous invocation: {}",
                DisplayErrorContext(&e)
            ))
        })?;
    tracing::info!(commit = %deploy.commit, "deployment handed off");
    Ok(())
}
