//! The Lambda function's entry point: build the shared state once per cold start, then serve
//! invocations through the Lambda runtime.

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use rnd_aws::{ClientOptions, Clients};
use rnd_lambda::app::App;
use rnd_lambda::config::Config;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Logs go to CloudWatch through standard error; AWS_LAMBDA_LOG_LEVEL sets the level.
    lambda_runtime::tracing::init_default_subscriber();
    let sdk_config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let app = Arc::new(App {
        config: Config::from_env(|name| std::env::var(name).ok()),
        clients: Clients::with_options(&sdk_config, ClientOptions::default()),
        sdk_config,
        env: std::sync::Arc::new(|name| std::env::var(name).ok()),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let app = app.clone();
        async move { rnd_lambda::handle(&app, event.payload).await.map_err(Error::from) }
    }))
    .await
}
