//! One SDK client per AWS service rnd uses, built from one shared configuration.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;

use crate::calls::CallCounter;

/// How the SDK retries and times out each call.
#[derive(Debug, Clone, Copy)]
pub struct ClientOptions {
    /// Attempts per call, the first included. Throttling, 5xx and transient network errors are
    /// retried by the SDK's standard strategy (exponential backoff with full jitter).
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// One call, retries included.
    pub call_timeout: Duration,
    /// One attempt of one call.
    pub attempt_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            // Many parallel operations share one account's API rate: be patient with throttling.
            max_attempts: 8,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            call_timeout: Duration::from_secs(120),
            attempt_timeout: Duration::from_secs(30),
        }
    }
}

/// The SDK clients, cheap to clone (each is an `Arc` inside).
#[derive(Debug, Clone)]
pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub iam: aws_sdk_iam::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub ssm: aws_sdk_ssm::Client,
    /// Secrets when `platform.json` says `secrets_manager`.
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    /// Checks that the image tags manifests name were published.
    pub ecr: aws_sdk_ecr::Client,
    /// Checks the certificate `platform.json` names before anything changes.
    pub acm: aws_sdk_acm::Client,
    /// Finds tagged resources of kinds whose own service has no batch tag read.
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    /// Holds the platform's apply lock.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// Keeps the platform's DNS records when `routing.hosted_zone_id` names a zone.
    pub route53: aws_sdk_route53::Client,
    /// Keeps the idle alarms of services that sleep when idle.
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    /// Keeps the statements of rnd's function's policy that let wake groups and alarms invoke it.
    pub lambda: aws_sdk_lambda::Client,
    /// Every call made through these clients, by operation.
    pub calls: CallCounter,
}

impl Clients {
    /// Configuration from the standard places (environment, profile, instance role), with
    /// rnd's retry and timeout settings.
    pub async fn from_env(options: ClientOptions) -> Self {
        let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Clients::with_options(&config, options)
    }

    /// Configuration from the standard places, in `region` whatever they say: a platform lives
    /// in the region its `platform.json` names.
    pub async fn from_env_in(region: &str, options: ClientOptions) -> Self {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_string()))
            .load()
            .await;
        Clients::with_options(&config, options)
    }

    /// The region these clients call, if one is configured.
    pub fn region(&self) -> Option<String> {
        self.ecs.config().region().map(|r| r.to_string())
    }

    /// Clients for a loaded configuration, with rnd's retry and timeout settings; a number of
    /// attempts the person set in the standard way (`AWS_MAX_ATTEMPTS`) wins over rnd's.
    pub fn with_options(config: &SdkConfig, mut options: ClientOptions) -> Self {
        if std::env::var_os("AWS_MAX_ATTEMPTS").is_some() {
            if let Some(retry) = config.retry_config() {
                options.max_attempts = retry.max_attempts();
            }
        }
        Clients::new(&configured(config, &options))
    }

    /// Clients for an already loaded configuration, its retry and timeout settings as they are.
    pub fn new(config: &SdkConfig) -> Self {
        Clients::with_interceptors(config, &[])
    }

    /// Clients whose every call also passes through `extra` (tracing, fault injection in tests),
    /// besides the shared call counter.
    pub fn with_interceptors(config: &SdkConfig, extra: &[SharedInterceptor]) -> Self {
        let calls = CallCounter::default();
        // Each service's configuration takes the shared counter and the extra interceptors.
        macro_rules! client {
            ($sdk:ident) => {{
                let mut builder = $sdk::config::Builder::from(config).interceptor(calls.clone());
                for interceptor in extra {
                    builder.push_interceptor(interceptor.clone());
                }
                $sdk::Client::from_conf(builder.build())
            }};
        }
        Clients {
            ecs: client!(aws_sdk_ecs),
            ec2: client!(aws_sdk_ec2),
            elb: client!(aws_sdk_elasticloadbalancingv2),
            autoscaling: client!(aws_sdk_autoscaling),
            iam: client!(aws_sdk_iam),
            logs: client!(aws_sdk_cloudwatchlogs),
            ssm: client!(aws_sdk_ssm),
            secretsmanager: client!(aws_sdk_secretsmanager),
            ecr: client!(aws_sdk_ecr),
            acm: client!(aws_sdk_acm),
            tagging: client!(aws_sdk_resourcegroupstagging),
            dynamodb: client!(aws_sdk_dynamodb),
            route53: client!(aws_sdk_route53),
            cloudwatch: client!(aws_sdk_cloudwatch),
            lambda: client!(aws_sdk_lambda),
            calls,
        }
    }
}

/// `config` with rnd's retry and timeout settings.
pub fn configured(config: &SdkConfig, options: &ClientOptions) -> SdkConfig {
    config
        .to_builder()
        .retry_config(retry_config(options))
        .timeout_config(timeout_config(options))
        .build()
}

fn retry_config(options: &ClientOptions) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(options.max_attempts)
        .with_initial_backoff(options.initial_backoff)
        .with_max_backoff(options.max_backoff)
}

fn timeout_config(options: &ClientOptions) -> TimeoutConfig {
    TimeoutConfig::builder()
        .operation_timeout(options.call_timeout)
        .operation_attempt_timeout(options.attempt_timeout)
        .connect_timeout(Duration::from_secs(10))
        .build()
}
