//! Task definitions: a new revision per change (they are immutable), tagged with its hash.

use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, KeyValuePair, LogConfiguration, LogDriver, NetworkMode, PortMapping,
    ResourceRequirement, ResourceType, Secret, TaskDefinitionField, TaskDefinitionStatus, TransportProtocol,
};
use rnd_core::plan::observed::{ObservedResource, TAG_HASH};
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::TaskDefinitionSpec;

use super::context::Context;
use crate::observe::GPU_MEMORY_LABEL;
use crate::{tags, AwsError};

/// ECS's `valueFrom` for the spec's secret reference. SSM parameters in the task's region
/// go by name; Secrets Manager wants an ARN, whose account is the execution role's.
fn value_from(reference: &str, region: &str, role_arn: &str) -> String {
    if let Some(name) = reference.strip_prefix("secretsmanager:") {
        let account = role_arn.split(':').nth(4).unwrap_or_default();
        return format!("arn:aws:secretsmanager:{region}:{account}:secret:{name}");
    }
    reference.strip_prefix("ssm:").unwrap_or(reference).to_string()
}

pub(super) async fn ensure(
    ctx: &Context,
    want: &DesiredResource,
    spec: &TaskDefinitionSpec,
) -> Result<(), AwsError> {
    let family = &want.id.name;
    let hash = want.tags.get(TAG_HASH).cloned().unwrap_or_default();
    let key = format!("{family}@{hash}");
    // A revision with this hash already exists (a crashed run registered it): use it.
    if ctx.known(ResourceKind::TaskDefinition, &key).is_some() {
        return Ok(());
    }
    // Registered by a run that crashed before observing it: the family's latest revision
    // carries this hash.
    if let Some(arn) = latest_with_hash(ctx, family, &hash).await? {
        ctx.remember(ResourceKind::TaskDefinition, &key, &arn);
        return Ok(());
    }
    let execution_role = ctx.require(ResourceKind::IamRole, &spec.execution_role)?;
    let task_role = ctx.require(ResourceKind::IamRole, &spec.task_role)?;
    let mut container = ContainerDefinition::builder()
        .name(&spec.container_name)
        .image(&spec.image)
        .essential(true)
        .cpu(spec.cpu as i32)
        .memory(spec.memory as i32)
        .log_configuration(
            LogConfiguration::builder()
                .log_driver(LogDriver::Awslogs)
                .options("awslogs-group", &spec.log_group)
                .options("awslogs-region", &spec.log_region)
                .options("awslogs-stream-prefix", rnd_core::plan::naming::LOG_STREAM_PREFIX)
                .build()?,
        );
    if let Some(port) = spec.port {
        container = container.port_mappings(
            PortMapping::builder()
                .container_port(i32::from(port))
                .protocol(TransportProtocol::Tcp)
                .build(),
        );
    }
    for (name, value) in &spec.environment {
        container = container.environment(KeyValuePair::builder().name(name).value(value).build());
    }
    for (name, reference) in &spec.secrets {
        container = container.secrets(
            Secret::builder()
                .name(name)
                .value_from(value_from(reference, &ctx.region, &execution_role))
                .build()?,
        );
    }
    if spec.gpu > 0 {
        container = container.resource_requirements(
            ResourceRequirement::builder()
                .r#type(ResourceType::Gpu)
                .value(spec.gpu.to_string())
                .build()?,
        );
    }
    if let Some(gpu_memory) = spec.gpu_memory {
        container = container.docker_labels(GPU_MEMORY_LABEL, gpu_memory.to_string());
    }
    let out = ctx
        .clients
        .ecs
        .register_task_definition()
        .family(family)
        .requires_compatibilities(Compatibility::from(spec.compatibility.as_str()))
        .network_mode(NetworkMode::from(spec.network_mode.as_str()))
        .set_cpu(spec.task_cpu.map(|c| c.to_string()))
        .set_memory(spec.task_memory.map(|m| m.to_string()))
        .execution_role_arn(execution_role)
        .task_role_arn(task_role)
        .container_definitions(container.build())
        .set_tags(Some(tags::ecs(&want.tags)))
        .send()
        .await
        .map_err(|e| AwsError::call("RegisterTaskDefinition", family, e))?;
    let arn = out
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .ok_or_else(|| AwsError::missing(format!("task_definition.{family}"), "no ARN returned"))?;
    ctx.remember(ResourceKind::TaskDefinition, &key, arn);
    Ok(())
}

async fn latest_with_hash(ctx: &Context, family: &str, hash: &str) -> Result<Option<String>, AwsError> {
    let out = match ctx
        .clients
        .ecs
        .describe_task_definition()
        .task_definition(family)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = AwsError::call("DescribeTaskDefinition", family, e);
            // A family never registered is not an error here.
            return if err.code_is(&["ClientException", "NotFound"]) {
                Ok(None)
            } else {
                Err(err)
            };
        }
    };
    let same = out
        .tags()
        .iter()
        .any(|t| t.key() == Some(TAG_HASH) && t.value() == Some(hash));
    let active = out
        .task_definition()
        .is_some_and(|t| t.status() == Some(&TaskDefinitionStatus::Active));
    Ok(out
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .filter(|_| same && active)
        .map(str::to_string))
}

pub(super) async fn delete(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let Some(arn) = &have.arn else { return Ok(()) };
    match ctx
        .clients
        .ecs
        .deregister_task_definition()
        .task_definition(arn)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("DeregisterTaskDefinition", have.address(), e)),
    }
}
