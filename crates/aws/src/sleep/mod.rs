//! The sleep and wake of a service with `idle_after`, as rnd's Lambda function carries them out
//! (issue 16; `docs/design/scale-to-zero.md`): put to sleep when its idle alarm fires, woken by
//! the first request that reaches its wake target group, handed back to its own target group
//! once a task is healthy.
//!
//! The service's state lives on the service itself: `rnd:asleep-since` (when it went to sleep)
//! and `rnd:wake-count` (the count to wake it to) while it sleeps. Concurrent first requests
//! start it once: the first takes a marker in the lock table with a conditional write, and the
//! others find it taken. The rule's forward weights say where requests go; flipping them is
//! one `ModifyRule`, which keeps the rule's sign-in action as it is.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_ecs::types::ServiceField;
use aws_sdk_elasticloadbalancingv2::types::{Action, ForwardActionConfig, TargetGroupTuple};
use rnd_core::catalog::{FargateSize, Usd};
use rnd_core::plan::observed::{TAG_ASLEEP_SINCE, TAG_PLATFORM, TAG_SERVICE, TAG_WAKING_SINCE};
use rnd_core::sleep::saving::{hourly_saving, Stopped};

use crate::execute::target_group::{forwarded_groups, Weights, AWAKE};

mod gpu;
use crate::lock::LOCK_TABLE;
use crate::{tags, AwsError, Clients};
pub use gpu::{parse_wake_instances, release, Occupied, Patience, TAG_WAKE_INSTANCES};

/// On a sleeping service: the desired count it had, to wake it to.
pub const TAG_WAKE_COUNT: &str = "rnd:wake-count";

/// On a sleeping service: what its sleep saves per hour, in dollars (`rnd_core::sleep::saving`).
pub const TAG_SAVING_HOURLY: &str = "rnd:saving-hourly";

/// Requests go to the waker.
pub(crate) const ASLEEP: Weights = Weights { service: 0, wake: 1 };

/// A wake marker older than this is a crashed waker's: the next request takes it over.
const STALE_MARKER_SECONDS: u64 = 15 * 60;

/// One service of one platform, as its tags name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    pub platform: String,
    pub service: String,
}

impl ServiceRef {
    fn from_tags(tags: &tags::Tags) -> Option<Self> {
        Some(ServiceRef {
            platform: tags.get(TAG_PLATFORM)?.clone(),
            service: tags.get(TAG_SERVICE)?.clone(),
        })
    }

    /// `<platform>-<service>`: its target group (and its wake group with `-wake`).
    fn own_group(&self) -> String {
        format!("{}-{}", self.platform, self.service)
    }
}

/// The service an idle alarm watches, from the alarm's tags; `None` when it is not rnd's.
pub async fn service_of_alarm(clients: &Clients, alarm_arn: &str) -> Result<Option<ServiceRef>, AwsError> {
    let out = clients
        .cloudwatch
        .list_tags_for_resource()
        .resource_arn(alarm_arn)
        .send()
        .await
        .map_err(|e| AwsError::call("ListTagsForResource", alarm_arn, e))?;
    Ok(ServiceRef::from_tags(&tags::from_cloudwatch(out.tags())))
}

/// The service a wake target group wakes, from the group's tags.
pub async fn service_of_wake_group(
    clients: &Clients,
    group_arn: &str,
) -> Result<Option<ServiceRef>, AwsError> {
    let out = clients
        .elb
        .describe_tags()
        .resource_arns(group_arn)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeTags", group_arn, e))?;
    let tags = out
        .tag_descriptions()
        .first()
        .map(|d| tags::from_elb(d.tags()))
        .unwrap_or_default();
    Ok(ServiceRef::from_tags(&tags))
}

/// The ECS service as sleeping needs it.
struct Service {
    arn: String,
    desired: i32,
    asleep_since: Option<String>,
    wake_count: Option<i32>,
    /// On a sleeping GPU service: the instances to bring back per group (`gpu.rs`).
    wake_instances: Option<String>,
    /// On a sleeping service: what the sleep saves per hour.
    saving_hourly: Option<Usd>,
    task_definition: Option<String>,
    /// Runs on EC2 (GPU) capacity: a wake takes longer.
    on_ec2: bool,
}

async fn describe(clients: &Clients, s: &ServiceRef) -> Result<Option<Service>, AwsError> {
    let out = clients
        .ecs
        .describe_services()
        .include(ServiceField::Tags)
        .cluster(&s.platform)
        .services(&s.service)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeServices", &s.service, e))?;
    let Some(found) = out.services().iter().find(|x| x.status() == Some("ACTIVE")) else {
        return Ok(None);
    };
    let tags = tags::from_ecs(found.tags());
    // Named like the platform's service is not enough: it must be tagged for the platform.
    if tags.get(TAG_PLATFORM) != Some(&s.platform) {
        return Ok(None);
    }
    Ok(Some(Service {
        arn: found.service_arn().unwrap_or_default().to_string(),
        desired: found.desired_count(),
        asleep_since: tags.get(TAG_ASLEEP_SINCE).cloned(),
        wake_count: tags.get(TAG_WAKE_COUNT).and_then(|c| c.parse().ok()),
        wake_instances: tags.get(TAG_WAKE_INSTANCES).cloned(),
        saving_hourly: tags.get(TAG_SAVING_HOURLY).and_then(|v| Usd::parse(v)),
        task_definition: found.task_definition().map(str::to_string),
        on_ec2: found
            .capacity_provider_strategy()
            .iter()
            .any(|p| p.capacity_provider() != "FARGATE" && p.capacity_provider() != "FARGATE_SPOT"),
    }))
}

/// The service's listener rule and its two groups.
struct Route {
    rule_arn: String,
    actions: Vec<Action>,
    own_group: String,
    wake_group: String,
}

async fn route(clients: &Clients, s: &ServiceRef) -> Result<Option<Route>, AwsError> {
    let own_name = s.own_group();
    let wake_name = format!("{own_name}{}", rnd_core::manifest::idle::WAKE_SUFFIX);
    let groups = clients
        .elb
        .describe_target_groups()
        .names(&own_name)
        .names(&wake_name)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeTargetGroups", &own_name, e))?;
    let arn_of = |name: &str| {
        groups
            .target_groups()
            .iter()
            .find(|g| g.target_group_name() == Some(name))
            .cloned()
    };
    let (Some(own), Some(wake)) = (arn_of(&own_name), arn_of(&wake_name)) else {
        return Ok(None);
    };
    let own_group = own.target_group_arn().unwrap_or_default().to_string();
    let wake_group = wake.target_group_arn().unwrap_or_default().to_string();
    // Both groups must be the platform's by their tags, not only by their names.
    let described = clients
        .elb
        .describe_tags()
        .resource_arns(&own_group)
        .resource_arns(&wake_group)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeTags", &own_name, e))?;
    let tagged_ours = described.tag_descriptions().len() == 2
        && described
            .tag_descriptions()
            .iter()
            .all(|d| tags::from_elb(d.tags()).get(TAG_PLATFORM) == Some(&s.platform));
    if !tagged_ours {
        return Ok(None);
    }
    for balancer in own.load_balancer_arns() {
        let listeners = clients
            .elb
            .describe_listeners()
            .load_balancer_arn(balancer)
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeListeners", &own_name, e))?;
        for listener in listeners.listeners() {
            let rules = clients
                .elb
                .describe_rules()
                .listener_arn(listener.listener_arn().unwrap_or_default())
                .send()
                .await
                .map_err(|e| AwsError::call("DescribeRules", &own_name, e))?;
            let rule = rules.rules().iter().find(|r| {
                r.actions()
                    .iter()
                    .any(|a| forwarded_groups(a).iter().any(|(g, _)| *g == own_group))
            });
            if let Some(rule) = rule {
                return Ok(Some(Route {
                    rule_arn: rule.rule_arn().unwrap_or_default().to_string(),
                    actions: rule.actions().to_vec(),
                    own_group,
                    wake_group,
                }));
            }
        }
    }
    Ok(None)
}

/// Send the service's requests by `weights`, keeping the rule's other actions (its sign-in).
async fn set_weights(clients: &Clients, route: &Route, weights: Weights) -> Result<(), AwsError> {
    let tuple = |arn: &str, weight: i32| {
        TargetGroupTuple::builder()
            .target_group_arn(arn)
            .weight(weight)
            .build()
    };
    let actions: Vec<Action> = route
        .actions
        .iter()
        .map(|action| {
            let mut action = action.clone();
            if forwarded_groups(&action)
                .iter()
                .any(|(g, _)| *g == route.own_group)
            {
                action.target_group_arn = None;
                action.forward_config = Some(
                    ForwardActionConfig::builder()
                        .target_groups(tuple(&route.own_group, weights.service))
                        .target_groups(tuple(&route.wake_group, weights.wake))
                        .build(),
                );
            }
            // The balancer does not give an OIDC client secret back: the rule keeps its own.
            if let Some(oidc) = action.authenticate_oidc_config.as_mut() {
                oidc.client_secret = None;
                oidc.use_existing_client_secret = Some(true);
            }
            action
        })
        .collect();
    clients
        .elb
        .modify_rule()
        .rule_arn(&route.rule_arn)
        .set_actions(Some(actions))
        .send()
        .await
        .map_err(|e| AwsError::call("ModifyRule", &route.rule_arn, e))?;
    Ok(())
}

/// What putting a service to sleep did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SleepOutcome {
    /// Scaled from `from` tasks to none; the route goes to the waker. On GPU capacity,
    /// `occupied` is where the tasks ran: [`release`] gives those instances back once idle.
    /// `hourly_saving`: what the stopped tasks or instances cost per hour.
    Slept {
        from: i32,
        occupied: Occupied,
        hourly_saving: Usd,
    },
    /// Already asleep (the alarm fired again, or twice).
    AlreadyAsleep,
    /// Nothing to put to sleep: the service, its groups or its rule are not there.
    Missing,
}

/// Put `s` to sleep: the route to the waker first (a request arriving meanwhile wakes the
/// service instead of failing), then the count to 0, then the marks. `now` is RFC 3339.
pub async fn put_to_sleep(clients: &Clients, s: &ServiceRef, now: &str) -> Result<SleepOutcome, AwsError> {
    let Some(service) = describe(clients, s).await? else {
        return Ok(SleepOutcome::Missing);
    };
    if service.asleep_since.is_some() {
        return Ok(SleepOutcome::AlreadyAsleep);
    }
    let Some(route) = route(clients, s).await? else {
        return Ok(SleepOutcome::Missing);
    };
    set_weights(clients, &route, ASLEEP).await?;
    let from = service.desired;
    // Where the tasks run, read before they stop: what the sleep gives back and a wake asks for.
    // Asked of every service, not only those whose strategy names a GPU provider: a Fargate
    // task has no container instance, so this finds none (and the emulator reports no strategy).
    let occupied = gpu::occupied(clients, s).await?;
    let hourly_saving = saving_of(clients, s, &service, &occupied, from).await?;
    // The marks first: a wake that reads them mid-sleep finds the count to restore.
    let mut marks = clients
        .ecs
        .tag_resource()
        .resource_arn(&service.arn)
        .tags(tag(TAG_ASLEEP_SINCE, now))
        .tags(tag(TAG_WAKE_COUNT, &from.to_string()))
        .tags(tag(
            TAG_SAVING_HOURLY,
            &format!("{:.9}", hourly_saving).replace('$', ""),
        ));
    if !occupied.per_group.is_empty() {
        marks = marks.tags(tag(TAG_WAKE_INSTANCES, &occupied.tag_value()));
    }
    marks
        .send()
        .await
        .map_err(|e| AwsError::call("TagResource", &s.service, e))?;
    set_count(clients, s, 0).await?;
    Ok(SleepOutcome::Slept {
        from,
        occupied,
        hourly_saving,
    })
}

/// What stopping the service saves per hour: the GPU instances its tasks ran on (by the type in
/// their group's name, `<platform>-<type>`), or its Fargate tasks at their task size.
async fn saving_of(
    clients: &Clients,
    s: &ServiceRef,
    service: &Service,
    occupied: &Occupied,
    tasks: i32,
) -> Result<Usd, AwsError> {
    let region = clients.region().unwrap_or_default();
    let catalog = rnd_core::catalog::Catalog::builtin();
    if !occupied.per_group.is_empty() {
        let prefix = format!("{}-", s.platform);
        let instances: Vec<(String, u32)> = occupied
            .per_group
            .iter()
            .filter_map(|(group, n)| Some((group.strip_prefix(&prefix)?.to_string(), *n)))
            .collect();
        return Ok(hourly_saving(
            catalog,
            &region,
            &Stopped::Gpu {
                instances: &instances,
            },
        ));
    }
    let Some(definition) = &service.task_definition else {
        return Ok(Usd::ZERO);
    };
    let described = clients
        .ecs
        .describe_task_definition()
        .task_definition(definition)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeTaskDefinition", &s.service, e))?;
    let Some(definition) = described.task_definition() else {
        return Ok(Usd::ZERO);
    };
    let number = |v: Option<&str>| v.and_then(|v| v.parse::<u32>().ok());
    let (Some(cpu_units), Some(memory_mib)) = (number(definition.cpu()), number(definition.memory())) else {
        return Ok(Usd::ZERO);
    };
    Ok(hourly_saving(
        catalog,
        &region,
        &Stopped::Fargate {
            size: FargateSize {
                cpu_units,
                memory_mib,
            },
            tasks: u32::try_from(tasks).unwrap_or(0),
        },
    ))
}

/// The service's desired count: 0 to sleep, its count from before to wake.
async fn set_count(clients: &Clients, s: &ServiceRef, count: i32) -> Result<(), AwsError> {
    clients
        .ecs
        .update_service()
        .cluster(&s.platform)
        .service(&s.service)
        .desired_count(count)
        .send()
        .await
        .map_err(|e| AwsError::call("UpdateService", &s.service, e))?;
    Ok(())
}

fn tag(key: &str, value: &str) -> aws_sdk_ecs::types::Tag {
    aws_sdk_ecs::types::Tag::builder().key(key).value(value).build()
}

/// What a request to the waker did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WakeOutcome {
    /// The service is starting; `started` when this request started it (once per wake).
    Starting {
        started: bool,
        to: i32,
        /// Seconds a wake is expected to take from its start (more on GPU instances).
        expected_seconds: u64,
        asleep_since: Option<String>,
    },
    /// A task is healthy: the route is the service's again (this request still got the
    /// waker's answer; the next reaches the service). `saved`: what the sleep saved, when known.
    HandedBack {
        asleep_since: Option<String>,
        saved: Option<Usd>,
    },
    /// Nothing to wake.
    Missing,
}

/// The wake a request to `s`'s wake group asks for. `now` is seconds since the Unix epoch.
pub async fn wake(clients: &Clients, s: &ServiceRef, now: u64) -> Result<WakeOutcome, AwsError> {
    let Some(service) = describe(clients, s).await? else {
        return Ok(WakeOutcome::Missing);
    };
    let Some(route) = route(clients, s).await? else {
        return Ok(WakeOutcome::Missing);
    };
    let expected_seconds = if service.on_ec2 { 180 } else { 60 };
    let to = service.wake_count.unwrap_or(1).max(1);
    let mut started = false;
    if service.desired == 0 && take_marker(clients, s, now).await? {
        // Planned awake from here on, before the count moves (see `TAG_WAKING_SINCE`).
        clients
            .ecs
            .tag_resource()
            .resource_arn(&service.arn)
            .tags(tag(TAG_WAKING_SINCE, &now.to_string()))
            .send()
            .await
            .map_err(|e| AwsError::call("TagResource", &s.service, e))?;
        set_count(clients, s, to).await?;
        // GPU: the instances it gave back, from the group's warm pool.
        if let Some(wake_instances) = &service.wake_instances {
            gpu::bring_back(clients, s, &parse_wake_instances(wake_instances)).await?;
        }
        started = true;
    }
    if !started && healthy(clients, &route.own_group).await? {
        set_weights(clients, &route, AWAKE).await?;
        clients
            .ecs
            .untag_resource()
            .resource_arn(&service.arn)
            .tag_keys(TAG_ASLEEP_SINCE)
            .tag_keys(TAG_WAKE_COUNT)
            .tag_keys(TAG_WAKE_INSTANCES)
            .tag_keys(TAG_WAKING_SINCE)
            .tag_keys(TAG_SAVING_HOURLY)
            .send()
            .await
            .map_err(|e| AwsError::call("UntagResource", &s.service, e))?;
        drop_marker(clients, s).await?;
        let slept_seconds = service
            .asleep_since
            .as_deref()
            .and_then(|t| {
                aws_smithy_types::DateTime::from_str(t, aws_smithy_types::date_time::Format::DateTime).ok()
            })
            .map(|since| now.saturating_sub(u64::try_from(since.secs()).unwrap_or(now)));
        let saved = service
            .saving_hourly
            .zip(slept_seconds)
            .map(|(hourly, seconds)| rnd_core::sleep::saving::saved(hourly, seconds));
        return Ok(WakeOutcome::HandedBack {
            asleep_since: service.asleep_since,
            saved,
        });
    }
    Ok(WakeOutcome::Starting {
        started,
        to,
        expected_seconds,
        asleep_since: service.asleep_since,
    })
}

async fn healthy(clients: &Clients, group_arn: &str) -> Result<bool, AwsError> {
    let out = clients
        .elb
        .describe_target_health()
        .target_group_arn(group_arn)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeTargetHealth", group_arn, e))?;
    Ok(out.target_health_descriptions().iter().any(|d| {
        d.target_health()
            .and_then(|h| h.state())
            .is_some_and(|s| s.as_str() == "healthy")
    }))
}

fn marker_key(s: &ServiceRef) -> AttributeValue {
    AttributeValue::S(format!("wake#{}#{}", s.platform, s.service))
}

/// The wake marker: taken by exactly one of concurrent first requests (a conditional write),
/// or taken over when a crashed waker left it long ago.
async fn take_marker(clients: &Clients, s: &ServiceRef, now: u64) -> Result<bool, AwsError> {
    let mut created_table = false;
    loop {
        let result = clients
            .dynamodb
            .put_item()
            .table_name(LOCK_TABLE)
            .item("platform", marker_key(s))
            .item("since", AttributeValue::N(now.to_string()))
            .condition_expression("attribute_not_exists(platform) OR since < :stale")
            .expression_attribute_values(
                ":stale",
                AttributeValue::N(now.saturating_sub(STALE_MARKER_SECONDS).to_string()),
            )
            .send()
            .await;
        match result {
            Ok(_) => return Ok(true),
            Err(e) if crate::lock::is_condition_failure(&e) => return Ok(false),
            // The table every apply's lock creates; made here when no apply ran in this account
            // and region since it was deleted.
            Err(e) if !created_table && crate::lock::is_missing_table(&e) => {
                crate::lock::create_table(clients).await?;
                created_table = true;
            }
            Err(e) => return Err(AwsError::call("PutItem", &s.service, e)),
        }
    }
}

async fn drop_marker(clients: &Clients, s: &ServiceRef) -> Result<(), AwsError> {
    clients
        .dynamodb
        .delete_item()
        .table_name(LOCK_TABLE)
        .key("platform", marker_key(s))
        .send()
        .await
        .map_err(|e| AwsError::call("DeleteItem", &s.service, e))?;
    Ok(())
}
