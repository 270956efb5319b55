//! Who may reach routed services, against the AWS emulator: `routing.scheme: "internal"` makes an
//! internal load balancer, `routing.allowed_cidrs` is the only ingress of its security group, and
//! `rnd status` says who can reach each routed service.

use crate::support::emulator::{certificate, emulator_env, push_images, rnd_with, sdk_config};

#[test]
fn an_internal_balancer_open_only_to_the_allowed_networks() {
    let env = emulator_env();
    let name = format!("acc{}", std::process::id() % 100_000);
    let arn = certificate(&env, "*.access.example.com");
    let platform = format!(
        r#"{{ "name": "{name}", "region": "us-east-1", "certificate_arn": "{arn}",
             "routing": {{ "mode": "host", "domain": "access.example.com", "scheme": "internal",
                          "allowed_cidrs": ["10.0.0.0/8"] }} }}"#
    );
    let api = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/api", "version": "v1", "port": 8080 }"#;
    let dir = crate::support::deployments_dir(platform.as_bytes(), &[("api.json", api)]);
    let d = dir.path().to_str().unwrap();
    push_images(&env, dir.path());
    let applied = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    assert!(
        applied.stdout.contains("internal network, from 1 network only"),
        "{}",
        applied.stdout
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let clients = rnd_aws::Clients::new(&sdk_config(&env).await);
        let lbs = clients
            .elb
            .describe_load_balancers()
            .names(format!("{name}-alb-1"))
            .send()
            .await
            .expect("the balancer exists");
        let lb = &lbs.load_balancers()[0];
        assert_eq!(lb.scheme().map(|s| s.as_str()), Some("internal"));
        let groups = clients
            .ec2
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("group-name")
                    .values(format!("{name}-alb"))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let group = &groups.security_groups()[0];
        let mut ingress: Vec<(i32, String)> = group
            .ip_permissions()
            .iter()
            .flat_map(|p| {
                let port = p.from_port().unwrap_or_default();
                p.ip_ranges()
                    .iter()
                    .filter_map(|r| r.cidr_ip().map(str::to_string))
                    .chain(
                        p.ipv6_ranges()
                            .iter()
                            .filter_map(|r| r.cidr_ipv6().map(str::to_string)),
                    )
                    .map(move |c| (port, c))
                    .collect::<Vec<_>>()
            })
            .collect();
        ingress.sort();
        assert_eq!(
            ingress,
            [(80, "10.0.0.0/8".to_string()), (443, "10.0.0.0/8".to_string())]
        );
    });

    let status = rnd_with(&env, &["status", "--dir", d]);
    assert!(
        status
            .stdout
            .contains("https://api.access.example.com/ (internal network, from 1 network only)"),
        "{}",
        status.stdout
    );
    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}\n{}", destroyed.stdout, destroyed.stderr);
}
