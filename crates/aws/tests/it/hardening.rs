//! What rnd creates is locked down, as AWS applies it: the HTTPS listener's TLS policy is a
//! current one (TLS 1.3 and 1.2), the load balancer drops invalid header fields, and GPU
//! instances keep containers away from the instance metadata service (IMDSv2 only, hop limit 1,
//! and the ECS agent blocking `awsvpc` tasks). Needs `scripts/emulator start`.

use aws_sdk_ec2::types::{Filter, LaunchTemplateHttpTokensState};
use rnd_core::plan::desired::TLS_POLICY;
use rnd_core::plan::naming::Names;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_balancers_and_gpu_instances_are_locked_down() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = rnd_aws::Clients::new(&config);
    let platform = &unique("hard");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let repo = repository(
        platform,
        &cert,
        &[
            ("web", routed("web", "v1", 8080)),
            ("vision", gpu("vision", "v1", 9000)),
        ],
    );
    let (_, report, _) = round(&clients, &repo).await;
    assert!(report.succeeded(), "{report:?}");
    let names = Names::new(platform);

    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    // The platform's balancer, whatever its index: rnd numbers them as routes fill them.
    let prefix = format!("{}-alb-", names.cluster());
    // Every page: an emulator that served earlier runs holds more balancers than one page.
    let balancers: Vec<_> = elb
        .describe_load_balancers()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    let balancer = balancers
        .iter()
        .find(|b| b.load_balancer_name().is_some_and(|n| n.starts_with(&prefix)))
        .and_then(|b| b.load_balancer_arn())
        .expect("the platform's load balancer")
        .to_string();
    let attributes = elb
        .describe_load_balancer_attributes()
        .load_balancer_arn(&balancer)
        .send()
        .await
        .unwrap();
    let drop_invalid = attributes
        .attributes()
        .iter()
        .find(|a| a.key() == Some("routing.http.drop_invalid_header_fields.enabled"))
        .and_then(|a| a.value());
    assert_eq!(drop_invalid, Some("true"));
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(&balancer)
        .send()
        .await
        .unwrap();
    let https = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(443))
        .unwrap();
    assert_eq!(https.ssl_policy(), Some(TLS_POLICY));

    let ec2 = aws_sdk_ec2::Client::new(&config);
    let templates = ec2
        .describe_launch_templates()
        .filters(
            Filter::builder()
                .name("tag:rnd:platform")
                .values(platform)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let template = templates.launch_templates()[0].launch_template_id().unwrap();
    let versions = ec2
        .describe_launch_template_versions()
        .launch_template_id(template)
        .versions("$Latest")
        .send()
        .await
        .unwrap();
    let data = versions.launch_template_versions()[0]
        .launch_template_data()
        .unwrap();
    let metadata = data.metadata_options().expect("metadata options are set");
    assert_eq!(
        metadata.http_tokens(),
        Some(&LaunchTemplateHttpTokensState::Required)
    );
    assert_eq!(metadata.http_put_response_hop_limit(), Some(1));
    let user_data = aws_smithy_types::base64::decode(data.user_data().unwrap()).unwrap();
    let user_data = String::from_utf8(user_data).unwrap();
    assert!(user_data.contains("ECS_AWSVPC_BLOCK_IMDS=true"), "{user_data}");
}
