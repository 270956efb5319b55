//! A GPU service that sleeps, against the emulator (issue 16): the apply gives its instance
//! type's group a warm pool of stopped instances with the warm-up hook, and user data that pulls
//! the image while an instance warms up; a sleep records where the tasks ran and gives those
//! instances back once idle (never while a task runs), a re-plan then only sizes the pool, a wake
//! raises the group again, and losing `idle_after` removes the pool and its hook.
//!
//! moto launches no real instances and runs no ECS agent: the test registers the group's
//! instance as a container instance and starts the service's task on it, as ECS would. Needs
//! `scripts/emulator start` (fails otherwise).

use std::time::Duration;

use rnd_aws::sleep::{
    put_to_sleep, release, wake, Patience, ServiceRef, SleepOutcome, WakeOutcome, TAG_WAKE_INSTANCES,
};
use rnd_aws::Clients;

use crate::scale_to_zero::{desired_count, register_healthy_target, with_function};
use crate::support::*;

const NOW: Patience = Patience {
    checks: 1,
    between: Duration::ZERO,
};

fn sleepy_gpu(idle_after: Option<&str>) -> String {
    let manifest = gpu("model", "v1", 8080);
    match idle_after {
        Some(i) => manifest.replacen('{', &format!(r#"{{ "idle_after": "{i}","#), 1),
        None => manifest,
    }
}

/// The platform's one GPU group: its name, desired and maximum capacity, and instances.
pub(crate) async fn gpu_group(clients: &Clients, platform: &str) -> (String, i32, i32, Vec<String>) {
    let groups = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .send()
        .await
        .unwrap();
    let group = groups
        .auto_scaling_groups()
        .iter()
        .find(|g| {
            g.auto_scaling_group_name()
                .is_some_and(|n| n.starts_with(&format!("{platform}-")))
        })
        .expect("the GPU group");
    (
        group.auto_scaling_group_name().unwrap().to_string(),
        group.desired_capacity().unwrap(),
        group.max_size().unwrap(),
        group
            .instances()
            .iter()
            .filter_map(|i| i.instance_id().map(str::to_string))
            .collect(),
    )
}

async fn warm_pool(clients: &Clients, group: &str) -> Option<(String, i32)> {
    let out = clients
        .autoscaling
        .describe_warm_pool()
        .auto_scaling_group_name(group)
        .send()
        .await
        .unwrap();
    out.warm_pool_configuration().map(|p| {
        (
            p.pool_state().map(|s| s.as_str().to_string()).unwrap_or_default(),
            p.min_size().unwrap_or(0),
        )
    })
}

async fn hooks(clients: &Clients, group: &str) -> Vec<(String, String, i32, String)> {
    let out = clients
        .autoscaling
        .describe_lifecycle_hooks()
        .auto_scaling_group_name(group)
        .send()
        .await
        .unwrap();
    out.lifecycle_hooks()
        .iter()
        .map(|h| {
            (
                h.lifecycle_hook_name().unwrap_or_default().to_string(),
                h.lifecycle_transition().unwrap_or_default().to_string(),
                h.heartbeat_timeout().unwrap_or_default(),
                h.default_result().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The settings of the template's default version.
async fn template_data(clients: &Clients, template: &str) -> aws_sdk_ec2::types::ResponseLaunchTemplateData {
    let out = clients
        .ec2
        .describe_launch_template_versions()
        .launch_template_name(template)
        .versions("$Default")
        .send()
        .await
        .unwrap();
    out.launch_template_versions()[0]
        .launch_template_data()
        .cloned()
        .expect("the default version's settings")
}

async fn user_data(clients: &Clients, template: &str) -> String {
    let data = template_data(clients, template).await;
    let encoded = data.user_data().unwrap_or_default();
    String::from_utf8(aws_smithy_types::base64::decode(encoded).unwrap()).unwrap()
}

/// The size and type of the template's root volume, when it sets one.
async fn root_volume(clients: &Clients, template: &str) -> Option<(i32, String)> {
    let data = template_data(clients, template).await;
    let ebs = data
        .block_device_mappings()
        .iter()
        .find(|m| m.device_name() == Some("/dev/xvda"))?
        .ebs()?;
    Some((ebs.volume_size()?, ebs.volume_type()?.as_str().to_string()))
}

/// What ECS does when the service's task starts on the group's instance: the instance joins the
/// cluster and runs the task, in the service's task group.
pub(crate) async fn task_on(clients: &Clients, platform: &str, instance: &str) -> (String, String) {
    let registered = clients
        .ecs
        .register_container_instance()
        .cluster(platform)
        .instance_identity_document(format!(r#"{{"instanceId": "{instance}"}}"#))
        .send()
        .await
        .expect("RegisterContainerInstance");
    let container_instance = registered
        .container_instance()
        .and_then(|c| c.container_instance_arn())
        .unwrap()
        .to_string();
    // The emulator places tasks by CPU and memory on its own default-sized instances and
    // cannot start a task with `awsvpc` networking on one: a small stand-in task in the
    // service's task group takes the service's place on this instance.
    let family = format!("{platform}-stand-in");
    clients
        .ecs
        .register_task_definition()
        .family(&family)
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("stand-in")
                .image("public.ecr.aws/docker/library/busybox:latest")
                .cpu(256)
                .memory(512)
                .build(),
        )
        .send()
        .await
        .expect("RegisterTaskDefinition");
    let started = clients
        .ecs
        .start_task()
        .cluster(platform)
        .task_definition(&family)
        .container_instances(&container_instance)
        .group("service:model")
        .send()
        .await
        .expect("StartTask");
    let task = started.tasks()[0].task_arn().unwrap().to_string();
    (container_instance, task)
}

async fn service_tags(clients: &Clients, platform: &str) -> std::collections::BTreeMap<String, String> {
    let out = clients
        .ecs
        .describe_services()
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .cluster(platform)
        .services("model")
        .send()
        .await
        .unwrap();
    out.services()[0]
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sleeping_gpu_service_gives_its_instances_to_the_warm_pool_and_gets_them_back() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("zg");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let function_arn = lambda_function(&clients, &config, &format!("rnd-{platform}")).await;
    let mut sleeping = with_function(
        repository(platform, &cert, &[("model", sleepy_gpu(Some("1h")))]),
        &function_arn,
    );
    // Room for big images: the template sets the root volume.
    sleeping.platform.gpu_root_volume_gib = Some(100);

    // Gaining: the pool (stopped, empty while the service is awake), its hook, the user data.
    let (_, report, _) = round(&clients, &sleeping).await;
    assert!(report.succeeded(), "{report:?}");
    let (group, desired, max, instances) = gpu_group(&clients, platform).await;
    assert_eq!((desired, max), (1, 1));
    assert_eq!(warm_pool(&clients, &group).await, Some(("Stopped".into(), 0)));
    assert_eq!(
        hooks(&clients, &group).await,
        [(
            "rnd-warm-up".to_string(),
            "autoscaling:EC2_INSTANCE_LAUNCHING".to_string(),
            900,
            "CONTINUE".to_string()
        )]
    );
    assert_eq!(
        root_volume(&clients, &group).await,
        Some((100, "gp3".to_string()))
    );
    let script = user_data(&clients, &group).await;
    assert!(script.contains("ECS_WARM_POOLS_CHECK=true"), "{script}");
    assert!(script.contains("docker pull '123456789012.dkr.ecr.us-east-1.amazonaws.com/model:v1'"));
    let (_, remaining) = remaining_changes(&clients, &sleeping).await;
    assert_eq!(remaining, Vec::<String>::new(), "gaining idle_after converges");

    // Asleep: where the task ran is recorded; the instance goes back only once idle.
    let (_, task) = task_on(&clients, platform, &instances[0]).await;
    // An instance someone joined to the cluster by hand, outside rnd's groups, runs a task of the
    // service too: the sleep neither counts it nor gives it back.
    let image = clients.ec2.describe_images().send().await.unwrap().images()[0]
        .image_id()
        .unwrap()
        .to_string();
    let foreign = clients
        .ec2
        .run_instances()
        .image_id(image)
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_string();
    task_on(&clients, platform, &foreign).await;
    let model = ServiceRef {
        platform: platform.to_string(),
        service: "model".into(),
    };
    let SleepOutcome::Slept {
        from: 1,
        occupied,
        hourly_saving,
    } = put_to_sleep(&clients, &model, "2026-12-06T03:00:00Z")
        .await
        .unwrap()
    else {
        panic!("the service sleeps")
    };
    let instance_type = group.strip_prefix(&format!("{platform}-")).unwrap();
    let price = rnd_core::catalog::Catalog::builtin()
        .gpu_price("us-east-1", instance_type)
        .unwrap()
        .hourly;
    assert_eq!(hourly_saving, price, "the sleep saves the instance it ran on");
    assert_eq!(
        service_tags(&clients, platform).await.get(TAG_WAKE_INSTANCES),
        Some(&format!("{group}=1"))
    );
    assert_eq!(
        occupied.instances.values().collect::<Vec<_>>(),
        [&instances[0]],
        "only the instance of rnd's group"
    );
    assert_eq!(
        release(&clients, &model, &occupied, NOW).await.unwrap(),
        0,
        "its task still runs (draining): the instance stays"
    );
    assert_eq!(gpu_group(&clients, platform).await.1, 1);
    clients
        .ecs
        .stop_task()
        .cluster(platform)
        .task(&task)
        .send()
        .await
        .expect("ECS stops the drained task");
    assert_eq!(release(&clients, &model, &occupied, NOW).await.unwrap(), 1);
    let (_, desired, max, _) = gpu_group(&clients, platform).await;
    assert_eq!((desired, max), (0, 1), "the group keeps room for the wake");

    // A plan while it sleeps sizes the pool for the wake and changes nothing else.
    let (plan, report, _) = round(&clients, &sleeping).await;
    assert!(report.succeeded());
    let planned: Vec<String> = plan.graph.operations().map(|op| op.address.clone()).collect();
    assert_eq!(planned, [format!("auto_scaling_group.{group}")]);
    assert_eq!(warm_pool(&clients, &group).await, Some(("Stopped".into(), 1)));
    assert_eq!(gpu_group(&clients, platform).await.1, 0);
    let (_, remaining) = remaining_changes(&clients, &sleeping).await;
    assert_eq!(remaining, Vec::<String>::new(), "a plan leaves the sleep alone");

    // Waking: the count and the group come back, once.
    let now = 1_800_000_000;
    let (a, b) = tokio::join!(wake(&clients, &model, now), wake(&clients, &model, now));
    let started = [a.unwrap(), b.unwrap()]
        .iter()
        .filter(|o| matches!(o, WakeOutcome::Starting { started: true, .. }))
        .count();
    assert_eq!(started, 1);
    assert_eq!(desired_count(&clients, platform, "model").await, 1);
    assert_eq!(
        gpu_group(&clients, platform).await.1,
        1,
        "the pool's instance starts"
    );
    register_healthy_target(&clients, &format!("{platform}-model")).await;
    // Asleep from 2026-12-06T03:00:00Z (1,796,526,000 s) until the hand-back.
    let WakeOutcome::HandedBack { saved, .. } = wake(&clients, &model, now + 120).await.unwrap() else {
        panic!("handed back")
    };
    let slept = now + 120 - 1_796_526_000;
    assert_eq!(saved, Some(rnd_core::sleep::saving::saved(price, slept)));
    assert_eq!(
        service_tags(&clients, platform).await.get(TAG_WAKE_INSTANCES),
        None
    );

    // Losing idle_after: the pool and its hook go; the group is as before the feature.
    let mut awake = with_function(
        repository(platform, &cert, &[("model", sleepy_gpu(None))]),
        &function_arn,
    );
    awake.platform.gpu_root_volume_gib = Some(100);
    let (_, report, _) = round(&clients, &awake).await;
    assert!(report.succeeded());
    assert_eq!(warm_pool(&clients, &group).await, None);
    assert!(hooks(&clients, &group).await.is_empty());
    assert!(!user_data(&clients, &group).await.contains("ECS_WARM_POOLS_CHECK"));
    // The template's new version carries the new user data (above) and rnd re-tags it with the
    // new hash, but moto's DescribeLaunchTemplates keeps answering the tags a template was
    // created with (CreateTags does not reach them), so its hash alone looks stale here.
    let (_, remaining) = remaining_changes(&clients, &awake).await;
    assert_eq!(
        remaining,
        [format!(
            "Update launch_template.{group} [(settings AWS does not report): None -> None]"
        )],
        "losing idle_after converges but for the emulator's stale template tags"
    );
    let template_tags = clients
        .ec2
        .describe_tags()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("resource-type")
                .values("launch-template")
                .build(),
        )
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("key")
                .values("rnd:hash")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let hashes: std::collections::BTreeSet<&str> = template_tags
        .tags()
        .iter()
        .filter(|t| t.resource_id().is_some())
        .filter_map(|t| t.value())
        .collect();
    let (observed, _) = remaining_changes(&clients, &awake).await;
    let planned = rnd_core::plan::plan(&awake, &observed).unwrap();
    let wanted = planned
        .graph
        .operations()
        .find(|op| op.id.kind == rnd_core::plan::resource::ResourceKind::LaunchTemplate)
        .and_then(|op| op.desired.as_ref())
        .and_then(|d| d.tags.get("rnd:hash"))
        .expect("the template's wanted hash")
        .clone();
    assert!(
        hashes.contains(wanted.as_str()),
        "rnd tagged the template with its new hash"
    );
}
