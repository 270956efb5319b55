//! `rnd status` as a table (or JSON): one row per service, then whether AWS matches the manifests.

use rnd_aws::instances::LiveInstance;
use rnd_aws::status::LiveService;
use rnd_core::catalog::Usd;
use rnd_core::placement::Placement;
use serde::Serialize;

/// Everything `rnd status` reports.
#[derive(Debug, Clone, Serialize)]
pub struct PlatformStatus {
    pub platform: String,
    pub services: Vec<ServiceRow>,
    /// Operations a plan would carry out now (0: AWS matches the manifests).
    pub pending_operations: usize,
    pub monthly_cost_deployed: Usd,
    pub monthly_cost_manifests: Usd,
    /// What is billed now: Fargate tasks as deployed plus every instance that is up, idle or
    /// not (the services' own figures share instances out; this counts them whole).
    pub monthly_cost_running: Usd,
    /// The instances of the platform's auto scaling groups.
    pub instances: Vec<InstanceRow>,
    /// The DNS records the platform's URLs need, each pointing at its load balancer.
    pub dns: Vec<DnsRecord>,
    /// The hosted zone rnd keeps those records in (`routing.hosted_zone_id`); without one, a
    /// person makes them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_zone: Option<String>,
    /// Secrets changed after their service's newest deployment started: its tasks still hold
    /// the old value.
    pub stale_secrets: Vec<StaleSecret>,
    /// Who holds the apply lock, when a run is under way.
    pub lock_holder: Option<String>,
}

/// A secret whose value changed after its service's tasks started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleSecret {
    pub service: String,
    pub secret: String,
}

/// A DNS record to create by hand: `name` (a CNAME or a Route 53 alias) → a load balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsRecord {
    pub name: String,
    pub target: String,
}

/// One instance, with its on-demand price (`None` for a type the catalog does not price).
#[derive(Debug, Clone, Serialize)]
pub struct InstanceRow {
    #[serde(flatten)]
    pub live: LiveInstance,
    pub hourly_price: Option<Usd>,
}

/// One service.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceRow {
    pub service: String,
    /// Who can reach it, for a routed service (`internet, no sign-in`, `internal network`).
    pub reachable: Option<String>,
    /// The image tag its running deployment runs (`v1.5.0`).
    pub version: Option<String>,
    pub state: ServiceState,
    pub url: Option<String>,
    /// Where the manifest's tasks go (none for a service whose manifest is gone).
    pub placement: Option<Placement>,
    pub monthly_cost: Option<Usd>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ServiceState {
    /// In the manifests and running in ECS.
    Deployed(LiveService),
    /// In the manifests, not (yet) in ECS.
    NotDeployed,
    /// Running in ECS, but its manifest is gone: the next apply removes it.
    Orphaned(LiveService),
}

pub fn render_text(status: &PlatformStatus) -> String {
    let mut rows = vec![[
        "SERVICE".to_string(),
        "TASKS".into(),
        "VERSION".into(),
        "DEPLOYMENT".into(),
        "PLACEMENT".into(),
        "PER MONTH".into(),
        "URL".into(),
    ]];
    for s in &status.services {
        rows.push([
            s.service.clone(),
            tasks(&s.state),
            s.version.clone().unwrap_or_else(|| "-".into()),
            deployment(&s.state),
            s.placement.as_ref().map(placement).unwrap_or_else(|| "-".into()),
            s.monthly_cost.map(dollars).unwrap_or_else(|| "-".into()),
            match (&s.url, &s.reachable) {
                (Some(url), Some(who)) => format!("{url} ({who})"),
                (Some(url), None) => url.clone(),
                (None, _) => "-".into(),
            },
        ]);
    }
    let mut out = format!(
        "platform {}: {} services, {} per month running now\n\n",
        status.platform,
        status.services.len(),
        dollars(status.monthly_cost_running)
    );
    out.push_str(&table(&rows));
    out.push('\n');
    out.push_str(&instances(&status.instances));
    if !status.dns.is_empty() {
        match &status.dns_zone {
            Some(zone) => out.push_str(&format!(
                "DNS: rnd keeps these alias records in hosted zone {zone}:\n"
            )),
            None => out.push_str(
                "DNS: rnd keeps no DNS records; for the URLs to answer, point each name at its load \
                 balancer (a CNAME, or an alias record in Route 53), or name the hosted zone in \
                 platform.json's routing.hosted_zone_id:\n",
            ),
        }
        let rows: Vec<[String; 3]> = status
            .dns
            .iter()
            .map(|r| [r.name.clone(), "→".to_string(), r.target.clone()])
            .collect();
        out.push_str(&indent(&table(&rows)));
        out.push('\n');
    }
    if status.pending_operations == 0 {
        out.push_str("AWS matches the manifests.\n");
    } else {
        let noun = if status.pending_operations == 1 {
            "operation"
        } else {
            "operations"
        };
        out.push_str(&format!(
            "AWS differs from the manifests: {} {noun} pending ({} per month once applied). \
             `rnd plan` shows them; `rnd apply` carries them out.\n",
            status.pending_operations,
            dollars(status.monthly_cost_manifests)
        ));
    }
    for s in &status.services {
        let (ServiceState::Deployed(live) | ServiceState::Orphaned(live)) = &s.state else {
            continue;
        };
        if live.rollout.as_deref() == Some("FAILED") {
            let why = live.rollout_reason.as_deref().or(live.last_event.as_deref());
            out.push_str(&format!(
                "{}: the last deployment failed{}\n",
                s.service,
                why.map(|w| format!(": {w}")).unwrap_or_default()
            ));
        }
    }
    let mut stale: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for s in &status.stale_secrets {
        stale.entry(&s.service).or_default().push(&s.secret);
    }
    for (service, secrets) in stale {
        out.push_str(&format!(
            "{service}: {} changed after its tasks started; they keep the old value until \
             `rnd restart {service}`.\n",
            secrets.join(", ")
        ));
    }
    if let Some(holder) = &status.lock_holder {
        out.push_str(&format!("An apply is under way: the lock is held by {holder}.\n"));
    }
    out
}

/// The GPU instances that are up, what each runs and costs, and a warning for any that run
/// nothing: capacity billed by the hour for no work.
fn instances(instances: &[InstanceRow]) -> String {
    if instances.is_empty() {
        return String::new();
    }
    let mut rows = vec![[
        "INSTANCE".to_string(),
        "TYPE".into(),
        "STATE".into(),
        "TASKS".into(),
        "PER HOUR".into(),
    ]];
    for i in instances {
        let l = &i.live;
        rows.push([
            l.instance_id.clone(),
            l.instance_type.clone(),
            l.lifecycle.clone(),
            match (l.running_tasks, l.pending_tasks) {
                (None, _) => "not in the cluster".into(),
                (Some(r), Some(p)) if p > 0 => format!("{r} ({p} pending)"),
                (Some(r), _) => r.to_string(),
            },
            i.hourly_price
                .map(|p| format!("{p:.4}"))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    let hourly: Usd = instances.iter().filter_map(|i| i.hourly_price).sum();
    let mut out = format!(
        "{} GPU instance{} up, {} per month:\n",
        instances.len(),
        if instances.len() == 1 { "" } else { "s" },
        dollars(hourly.monthly())
    );
    out.push_str(&table(&rows));
    let idle: Vec<&InstanceRow> = instances.iter().filter(|i| i.live.is_idle()).collect();
    if !idle.is_empty() {
        let wasted: Usd = idle.iter().filter_map(|i| i.hourly_price).sum();
        let ids: Vec<&str> = idle.iter().map(|i| i.live.instance_id.as_str()).collect();
        out.push_str(&format!(
            "warning: {} run{} no task ({} per month for nothing): {}. `rnd apply` sets each group \
             to the instances the plan needs; if the plan is empty, a task is failing to start \
             there (`rnd logs <service>` says why).\n",
            plural_instances(idle.len()),
            if idle.len() == 1 { "s" } else { "" },
            dollars(wasted.monthly()),
            ids.join(", ")
        ));
    }
    out.push('\n');
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

fn plural_instances(n: usize) -> String {
    if n == 1 {
        "1 instance".to_string()
    } else {
        format!("{n} instances")
    }
}

fn tasks(state: &ServiceState) -> String {
    match state {
        ServiceState::Deployed(l) | ServiceState::Orphaned(l) if l.pending > 0 => {
            format!("{}/{} ({} pending)", l.running, l.desired, l.pending)
        }
        ServiceState::Deployed(l) | ServiceState::Orphaned(l) => format!("{}/{}", l.running, l.desired),
        ServiceState::NotDeployed => "-".into(),
    }
}

fn deployment(state: &ServiceState) -> String {
    match state {
        ServiceState::NotDeployed => "not deployed".into(),
        ServiceState::Orphaned(_) => "manifest removed".into(),
        // Scale to zero: the Lambda function's doing, not a deployment's.
        ServiceState::Deployed(l) if l.asleep_since.is_some() => {
            let since = l.asleep_since.as_deref().unwrap_or_default();
            let saving = l
                .saving_hourly
                .as_deref()
                .and_then(rnd_core::catalog::Usd::parse)
                .map(|hourly| format!(", saving {hourly:.4}/h"))
                .unwrap_or_default();
            if l.desired == 0 {
                format!("asleep since {since}{saving}")
            } else {
                format!("waking (asleep since {since}{saving})")
            }
        }
        ServiceState::Deployed(l) => {
            let rollout = match l.rollout.as_deref() {
                Some("COMPLETED") => "completed",
                Some("IN_PROGRESS") => "in progress",
                Some("FAILED") => "FAILED",
                _ if l.running >= l.desired => "steady",
                _ => "starting",
            };
            if l.deployments > 1 {
                format!("{rollout} ({} deployments)", l.deployments)
            } else {
                rollout.to_string()
            }
        }
    }
}

fn placement(p: &Placement) -> String {
    match p {
        Placement::Fargate { cpu, memory } => {
            format!(
                "fargate {} vCPU {} GiB",
                trim(*cpu as f64 / 1024.0),
                trim(*memory as f64 / 1024.0)
            )
        }
        Placement::Ec2 { instance_types, .. } => {
            let types: Vec<String> = instance_types
                .iter()
                .map(|(t, n)| {
                    if instance_types.len() == 1 {
                        t.clone()
                    } else {
                        format!("{t}×{n}")
                    }
                })
                .collect();
            format!("ec2 {}", types.join(" + "))
        }
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn dollars(usd: Usd) -> String {
    usd.to_string()
}

/// Left-aligned columns, two spaces apart, no trailing spaces.
fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn live(desired: i32, running: i32, pending: i32, rollout: &str, deployments: usize) -> LiveService {
        LiveService {
            desired,
            running,
            pending,
            rollout: Some(rollout.to_string()),
            rollout_reason: (rollout == "FAILED")
                .then(|| "ECS deployment circuit breaker: tasks failed to start.".to_string()),
            deployments,
            last_event: None,
            asleep_since: None,
            saving_hourly: None,
            task_definition: None,
            deployed_at: None,
        }
    }

    #[test]
    fn a_sleeping_service_says_since_when_and_a_waking_one_says_so() {
        let asleep = LiveService {
            asleep_since: Some("2026-12-05T03:00:00Z".into()),
            ..live(0, 0, 0, "COMPLETED", 1)
        };
        assert_eq!(
            deployment(&ServiceState::Deployed(asleep.clone())),
            "asleep since 2026-12-05T03:00:00Z"
        );
        let saving = LiveService {
            saving_hourly: Some("1.006000000".into()),
            ..asleep.clone()
        };
        assert_eq!(
            deployment(&ServiceState::Deployed(saving)),
            "asleep since 2026-12-05T03:00:00Z, saving $1.0060/h"
        );
        let waking = LiveService {
            desired: 1,
            pending: 1,
            ..asleep
        };
        assert_eq!(
            deployment(&ServiceState::Deployed(waking)),
            "waking (asleep since 2026-12-05T03:00:00Z)"
        );
    }

    fn instance(id: &str, running: Option<u32>) -> InstanceRow {
        InstanceRow {
            live: LiveInstance {
                instance_id: id.into(),
                instance_type: "g5.xlarge".into(),
                group: "research-g5-xlarge".into(),
                lifecycle: "InService".into(),
                running_tasks: running,
                pending_tasks: running.map(|_| 0),
            },
            hourly_price: Some(Usd::parse("1.006").unwrap()),
        }
    }

    #[test]
    fn a_platform_mid_rollout_with_a_failure_and_a_removed_manifest() {
        let status = PlatformStatus {
            platform: "research".into(),
            services: vec![
                ServiceRow {
                    service: "api".into(),
                    reachable: Some("internet, no sign-in".into()),
                    version: Some("v2.4.0".into()),
                    state: ServiceState::Deployed(live(2, 2, 0, "COMPLETED", 1)),
                    url: Some("https://api.research.example.com/".into()),
                    placement: Some(Placement::Fargate {
                        cpu: 512,
                        memory: 1024,
                    }),
                    monthly_cost: Some(Usd::parse("36.04").unwrap()),
                },
                ServiceRow {
                    service: "chat".into(),
                    reachable: None,
                    version: None,
                    state: ServiceState::NotDeployed,
                    url: Some("https://chat.research.example.com/".into()),
                    placement: Some(Placement::Fargate {
                        cpu: 256,
                        memory: 512,
                    }),
                    monthly_cost: Some(Usd::parse("9.01").unwrap()),
                },
                ServiceRow {
                    service: "old-batch".into(),
                    reachable: None,
                    version: Some("2026-11-01".into()),
                    state: ServiceState::Orphaned(live(1, 1, 0, "COMPLETED", 1)),
                    url: None,
                    placement: None,
                    monthly_cost: None,
                },
                ServiceRow {
                    service: "vision".into(),
                    reachable: None,
                    version: Some("v1.4.2".into()),
                    state: ServiceState::Deployed(live(2, 1, 1, "FAILED", 2)),
                    url: Some("https://vision.research.example.com/".into()),
                    placement: Some(Placement::Ec2 {
                        instance_type: Some("g5.xlarge".into()),
                        instance_types: BTreeMap::from([("g5.xlarge".into(), 2)]),
                    }),
                    monthly_cost: Some(Usd::parse("1468.76").unwrap()),
                },
            ],
            pending_operations: 9,
            monthly_cost_deployed: Usd::parse("1513.81").unwrap(),
            monthly_cost_manifests: Usd::parse("1513.81").unwrap(),
            monthly_cost_running: Usd::parse("2248.19").unwrap(),
            instances: vec![
                instance("i-0a1b2c3d4e5f60001", Some(1)),
                instance("i-0a1b2c3d4e5f60002", Some(0)),
                instance("i-0a1b2c3d4e5f60003", None),
            ],
            stale_secrets: vec![StaleSecret {
                service: "vision".into(),
                secret: "HF_TOKEN".into(),
            }],
            dns: vec![DnsRecord {
                name: "*.research.example.com".into(),
                target: "research-alb-1-1234567890.us-east-1.elb.amazonaws.com".into(),
            }],
            dns_zone: None,
            lock_holder: Some("alice@laptop (rnd 0.1.0, pid 42) since 2026-11-27T19:04:19Z".into()),
        };
        insta::assert_snapshot!("status_text", render_text(&status));
        insta::assert_json_snapshot!("status_json", status);
    }
}
