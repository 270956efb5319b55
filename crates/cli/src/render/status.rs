//! `rnd status` as a table (or JSON): one row per service, then whether AWS matches the manifests.

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
    /// Who holds the apply lock, when a run is under way.
    pub lock_holder: Option<String>,
}

/// One service.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceRow {
    pub service: String,
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
        "DEPLOYMENT".into(),
        "PLACEMENT".into(),
        "PER MONTH".into(),
        "URL".into(),
    ]];
    for s in &status.services {
        rows.push([
            s.service.clone(),
            tasks(&s.state),
            deployment(&s.state),
            s.placement.as_ref().map(placement).unwrap_or_else(|| "-".into()),
            s.monthly_cost.map(dollars).unwrap_or_else(|| "-".into()),
            s.url.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    let mut out = format!(
        "platform {}: {} services, {} per month as deployed\n\n",
        status.platform,
        status.services.len(),
        dollars(status.monthly_cost_deployed)
    );
    out.push_str(&table(&rows));
    out.push('\n');
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
    if let Some(holder) = &status.lock_holder {
        out.push_str(&format!("An apply is under way: the lock is held by {holder}.\n"));
    }
    out
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
    format!("${:.2}", usd.as_f64())
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
        }
    }

    #[test]
    fn a_platform_mid_rollout_with_a_failure_and_a_removed_manifest() {
        let status = PlatformStatus {
            platform: "research".into(),
            services: vec![
                ServiceRow {
                    service: "api".into(),
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
                    state: ServiceState::Orphaned(live(1, 1, 0, "COMPLETED", 1)),
                    url: None,
                    placement: None,
                    monthly_cost: None,
                },
                ServiceRow {
                    service: "vision".into(),
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
            lock_holder: Some("alice@laptop (rnd 0.1.0, pid 42) since 2026-11-27T19:04:19Z".into()),
        };
        insta::assert_snapshot!("status_text", render_text(&status));
        insta::assert_json_snapshot!("status_json", status);
    }
}
