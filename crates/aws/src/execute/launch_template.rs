//! Launch templates for GPU instances, with the current ECS GPU AMI read from SSM.

use aws_sdk_ec2::types::{
    Filter, InstanceType, LaunchTemplateIamInstanceProfileSpecificationRequest, RequestLaunchTemplateData,
    ResourceType,
};
use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::LaunchTemplateSpec;

use super::context::Context;
use crate::{tags, AwsError};

async fn image_id(ctx: &Context, parameter: &str) -> Result<String, AwsError> {
    let out = ctx
        .clients
        .ssm
        .get_parameter()
        .name(parameter)
        .send()
        .await
        .map_err(|e| AwsError::call("GetParameter", parameter, e))?;
    out.parameter()
        .and_then(|p| p.value())
        .map(str::to_string)
        .ok_or_else(|| AwsError::missing(parameter, "parameter has no value"))
}

pub(super) async fn ensure(
    ctx: &Context,
    want: &DesiredResource,
    spec: &LaunchTemplateSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let ec2 = &ctx.clients.ec2;
    let data = RequestLaunchTemplateData::builder()
        .image_id(image_id(ctx, &spec.image_id_parameter).await?)
        .instance_type(InstanceType::from(spec.instance_type.as_str()))
        .iam_instance_profile(
            LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                .name(&spec.instance_profile)
                .build(),
        )
        .security_group_ids(ctx.require(ResourceKind::SecurityGroup, &spec.security_group)?)
        .user_data(aws_smithy_types::base64::encode(&spec.user_data))
        .metadata_options(metadata_options(spec))
        .set_block_device_mappings(spec.root_volume_gib.map(|gib| vec![root_volume(gib)]))
        .build();
    let existing = match ctx.known(ResourceKind::LaunchTemplate, name) {
        Some(id) => Some(id),
        None => ec2
            .describe_launch_templates()
            .filters(
                Filter::builder()
                    .name("launch-template-name")
                    .values(name)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeLaunchTemplates", name, e))?
            .launch_templates()
            .first()
            .and_then(|t| t.launch_template_id())
            .map(str::to_string),
    };
    let id = match existing {
        Some(id) => {
            // Templates are versioned: a change is a new version made the default.
            let version = ec2
                .create_launch_template_version()
                .launch_template_id(&id)
                .launch_template_data(data)
                .send()
                .await
                .map_err(|e| AwsError::call("CreateLaunchTemplateVersion", name, e))?
                .launch_template_version()
                .and_then(|v| v.version_number())
                .ok_or_else(|| AwsError::missing(format!("launch_template.{name}"), "no version returned"))?;
            ec2.modify_launch_template()
                .launch_template_id(&id)
                .default_version(version.to_string())
                .send()
                .await
                .map_err(|e| AwsError::call("ModifyLaunchTemplate", name, e))?;
            ec2.create_tags()
                .resources(&id)
                .set_tags(Some(tags::ec2(&want.tags)))
                .send()
                .await
                .map_err(|e| AwsError::call("CreateTags", name, e))?;
            id
        }
        None => ec2
            .create_launch_template()
            .launch_template_name(name)
            .launch_template_data(data)
            .tag_specifications(tags::ec2_spec(ResourceType::LaunchTemplate, &want.tags))
            .send()
            .await
            .map_err(|e| AwsError::call("CreateLaunchTemplate", name, e))?
            .launch_template()
            .and_then(|t| t.launch_template_id())
            .map(str::to_string)
            .ok_or_else(|| AwsError::missing(format!("launch_template.{name}"), "no id returned"))?,
    };
    ctx.remember(ResourceKind::LaunchTemplate, name, &id);
    Ok(())
}

pub(super) async fn delete(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let result = ctx
        .clients
        .ec2
        .delete_launch_template()
        .launch_template_name(&have.name)
        .send()
        .await;
    ctx.forget(ResourceKind::LaunchTemplate, &have.name);
    match result {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("DeleteLaunchTemplate", &have.name, e)),
    }
}

/// The instance metadata service as the spec allows it: IMDSv2 only, and answers that do not
/// travel past the instance (containers sit a network hop away).
/// The root volume at the size `platform.json` asks for: gp3, deleted with the instance.
fn root_volume(gib: u32) -> aws_sdk_ec2::types::LaunchTemplateBlockDeviceMappingRequest {
    aws_sdk_ec2::types::LaunchTemplateBlockDeviceMappingRequest::builder()
        .device_name(rnd_core::plan::desired::GPU_ROOT_DEVICE)
        .ebs(
            aws_sdk_ec2::types::LaunchTemplateEbsBlockDeviceRequest::builder()
                .volume_size(gib as i32)
                .volume_type(aws_sdk_ec2::types::VolumeType::Gp3)
                .delete_on_termination(true)
                .build(),
        )
        .build()
}

fn metadata_options(
    spec: &LaunchTemplateSpec,
) -> aws_sdk_ec2::types::LaunchTemplateInstanceMetadataOptionsRequest {
    use aws_sdk_ec2::types::{LaunchTemplateHttpTokensState, LaunchTemplateInstanceMetadataEndpointState};
    aws_sdk_ec2::types::LaunchTemplateInstanceMetadataOptionsRequest::builder()
        .http_endpoint(LaunchTemplateInstanceMetadataEndpointState::Enabled)
        .http_tokens(if spec.metadata_tokens_required {
            LaunchTemplateHttpTokensState::Required
        } else {
            LaunchTemplateHttpTokensState::Optional
        })
        .http_put_response_hop_limit(spec.metadata_hop_limit as i32)
        .build()
}
