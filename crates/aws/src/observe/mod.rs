//! `observe`: every resource of a platform that exists in AWS, as the core's snapshot.
//!
//! Each kind is read with its service's list/describe calls, batched where AWS has a batch call,
//! paginated, and filtered by the `rnd:platform` tag. The Resource Groups Tagging API would find
//! some kinds in one call but not all (listener rules, launch templates, auto-scaling groups and
//! IAM roles are missing from it), so every kind goes through its own service. Kinds are read
//! concurrently. Attributes are named and shaped as in the core's specs; an attribute AWS does
//! not report is left out, never guessed.
//!
//! `observe_with` takes an [`Expected`] (what a plan wants, with each resource's `rnd:hash`) and
//! spares the reads AWS only offers one resource at a time, or ten: a resource whose hash tag is
//! the expected one was last applied with exactly the expected settings, so describing it again
//! would only repeat them (task definition revisions cannot even change). Its hash comes from
//! the Tagging API, a hundred resources per call (`tagging.rs`), and its settings from the
//! expectation, overlaid with whatever the kind's listing reports anyway, so hand-made drift
//! in those stays visible. Everything else — a hash that differs, no hash, nothing expected —
//! is described as `observe` does, so the plan of a change is the same either way.

mod autoscaling;
mod cloudwatch;
mod dns;
mod ec2;
mod ecs;
mod elb;
mod gpu_instances;
mod iam;
mod lambda;
/// IAM naming shared with the executor.
pub(crate) mod iam_names {
    pub(crate) use super::iam::{path, INLINE_POLICY};
}
mod logs;
mod tagging;
mod task_definitions;

pub(crate) use task_definitions::GPU_MEMORY_LABEL;

use std::collections::BTreeMap;

use rnd_core::plan::observed::{Expected, ObservedResource, ObservedState, TAG_FUNCTION, TAG_PLATFORM};
use rnd_core::plan::resource::ResourceKind;
use serde_json::{Map, Value};

use crate::network::DefaultNetwork;
use crate::{AwsError, Clients};

/// Security group ids to rnd names, so references read as the specs write them.
#[derive(Debug, Default)]
pub(crate) struct Lookup {
    pub network: DefaultNetwork,
    pub group_names: BTreeMap<String, String>,
}

impl Lookup {
    pub fn group_name(&self, id: &str) -> String {
        self.group_names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

/// Read every resource tagged `rnd:platform=<platform>`, describing each.
pub async fn observe(clients: &Clients, platform: &str) -> Result<ObservedState, AwsError> {
    observe_with(clients, platform, &Expected::default()).await
}

/// [`observe`], taking the settings of resources whose `rnd:hash` is the `expected` one from
/// `expected` instead of describing them (see the module comment). For planning: the plan is
/// the one `observe` would give, except that hand-made changes to settings only a describe
/// reports (an ECS service's desired count, a target group's stickiness) go unseen on resources
/// whose hash is as expected. `expected` comes from `rnd_core::plan::expected`.
pub async fn observe_with(
    clients: &Clients,
    platform: &str,
    expected: &Expected,
) -> Result<ObservedState, AwsError> {
    let types: Vec<&str> = if expected.is_empty() {
        tagging::ALWAYS.to_vec()
    } else {
        tagging::ALWAYS.into_iter().chain(tagging::EXPECTABLE).collect()
    };
    // Security groups first: other kinds refer to them by id, the snapshot by name.
    let (network, groups, tagged) = tokio::try_join!(
        DefaultNetwork::load(clients),
        ec2::security_groups(clients, platform),
        tagging::tagged(clients, platform, &types)
    )?;
    let tagged = &tagged;
    let mut lookup = Lookup {
        network,
        group_names: BTreeMap::new(),
    };
    for g in &groups {
        if let Some(id) = &g.arn {
            lookup.group_names.insert(id.clone(), g.name.clone());
        }
    }
    let lookup = &lookup;
    let (groups, elb, iam, templates, scaling, logs, ecs, alarms) = tokio::try_join!(
        async { Ok::<_, AwsError>(ec2::with_ingress_names(groups, lookup)) },
        elb::observe(clients, platform, lookup, expected, tagged),
        iam::observe(clients, platform),
        ec2::launch_templates(clients, platform, lookup),
        autoscaling::groups(clients, platform, lookup),
        logs::log_groups(clients, platform, tagged),
        ecs::observe(clients, platform, lookup, expected, tagged),
        cloudwatch::alarms(clients, platform, tagged),
    )?;
    let (ecs, gpu_instances) = ecs;
    let balancers: Vec<&ObservedResource> = elb
        .iter()
        .filter(|r| {
            r.kind == ResourceKind::LoadBalancer && r.tags.get(TAG_PLATFORM).is_some_and(|p| p == platform)
        })
        .collect();
    let dns = dns::observe(clients, platform, &balancers, expected).await?;
    // The function whose policy holds the platform's statements: named on the cluster while
    // platform.json names it, and by every idle alarm left.
    let functions = ecs
        .iter()
        .filter(|r| r.kind == ResourceKind::EcsCluster && is_ours(&r.tags, platform))
        .filter_map(|r| r.tags.get(TAG_FUNCTION).cloned())
        .chain(alarms.iter().filter_map(|a| {
            a.attributes
                .get("action")
                .and_then(Value::as_str)
                .map(str::to_string)
        }))
        .collect();
    let permissions = lambda::permissions(clients, platform, functions).await?;
    let mut resources: Vec<ObservedResource> = [
        groups,
        elb,
        iam,
        templates,
        scaling,
        logs,
        ecs,
        dns,
        alarms,
        permissions,
    ]
    .into_iter()
    .flatten()
    .filter(|r| r.tags.get(TAG_PLATFORM).is_some_and(|p| p == platform))
    .collect();
    resources.sort_by(|a, b| (a.kind, &a.name, a.revision).cmp(&(b.kind, &b.name, b.revision)));
    Ok(ObservedState {
        resources,
        gpu_instances,
        // Found by name for a plan's creations, not by tag (`crate::foreign`).
        foreign: Vec::new(),
    })
}

/// An observed resource with no attributes yet.
pub(crate) fn resource(
    kind: ResourceKind,
    name: impl Into<String>,
    arn: Option<String>,
    tags: BTreeMap<String, String>,
) -> ObservedResource {
    ObservedResource {
        kind,
        name: name.into(),
        arn,
        revision: None,
        tags,
        attributes: Map::new(),
    }
}

/// `r` with the expected settings, as far as AWS did not report them itself.
pub(crate) fn completed(mut r: ObservedResource, expected: &Map<String, Value>) -> ObservedResource {
    for (name, value) in expected {
        r.attributes.entry(name.clone()).or_insert_with(|| value.clone());
    }
    r
}

/// Set an attribute only when AWS reported it.
pub(crate) fn set(attributes: &mut Map<String, Value>, name: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        attributes.insert(name.to_string(), value.into());
    }
}

pub(crate) fn is_ours(tags: &BTreeMap<String, String>, platform: &str) -> bool {
    tags.get(TAG_PLATFORM).is_some_and(|p| p == platform)
}

/// The last `/`-separated part of an ARN: a role's name, a task definition's `family:revision`.
pub(crate) fn arn_tail(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Run `f` over `items` with at most `limit` calls in flight: for kinds AWS only describes
/// one at a time.
pub(crate) async fn bounded<T, R, F, Fut>(items: Vec<T>, limit: usize, f: F) -> Result<Vec<R>, AwsError>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = Result<R, AwsError>>,
{
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    stream::iter(items)
        .map(f)
        .buffer_unordered(limit)
        .try_collect()
        .await
}
