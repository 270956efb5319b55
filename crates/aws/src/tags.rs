//! Tags: rnd's desired tags to each SDK's tag type, and back.

use std::collections::BTreeMap;

/// Tag listing rnd's name for resources AWS gives no name (listeners, listener rules).
pub(crate) const NAME: &str = "Name";

pub(crate) type Tags = BTreeMap<String, String>;

pub(crate) fn ecs(tags: &Tags) -> Vec<aws_sdk_ecs::types::Tag> {
    tags.iter()
        .map(|(k, v)| aws_sdk_ecs::types::Tag::builder().key(k).value(v).build())
        .collect()
}

pub(crate) fn from_ecs(tags: &[aws_sdk_ecs::types::Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}

pub(crate) fn ec2(tags: &Tags) -> Vec<aws_sdk_ec2::types::Tag> {
    tags.iter()
        .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
        .collect()
}

pub(crate) fn from_ec2(tags: &[aws_sdk_ec2::types::Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}

pub(crate) fn ec2_spec(
    kind: aws_sdk_ec2::types::ResourceType,
    tags: &Tags,
) -> aws_sdk_ec2::types::TagSpecification {
    aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(ec2(tags)))
        .build()
}

pub(crate) fn elb(tags: &Tags) -> Vec<aws_sdk_elasticloadbalancingv2::types::Tag> {
    tags.iter()
        .map(|(k, v)| {
            aws_sdk_elasticloadbalancingv2::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
        })
        .collect()
}

pub(crate) fn from_elb(tags: &[aws_sdk_elasticloadbalancingv2::types::Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect()
}

pub(crate) fn iam(tags: &Tags) -> Vec<aws_sdk_iam::types::Tag> {
    tags.iter()
        .filter_map(|(k, v)| aws_sdk_iam::types::Tag::builder().key(k).value(v).build().ok())
        .collect()
}

pub(crate) fn from_iam(tags: &[aws_sdk_iam::types::Tag]) -> Tags {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

pub(crate) fn autoscaling(group: &str, tags: &Tags) -> Vec<aws_sdk_autoscaling::types::Tag> {
    tags.iter()
        .map(|(k, v)| {
            aws_sdk_autoscaling::types::Tag::builder()
                .resource_id(group)
                .resource_type("auto-scaling-group")
                .key(k)
                .value(v)
                // Instances carry the platform's tags too (cost allocation).
                .propagate_at_launch(true)
                .build()
        })
        .collect()
}

/// The tags with `Name` set to rnd's name, for resources AWS does not name.
pub(crate) fn with_name(tags: &Tags, name: &str) -> Tags {
    let mut tags = tags.clone();
    tags.insert(NAME.to_string(), name.to_string());
    tags
}

/// Cluster tag holding the `rnd:hash` of the cluster's capacity-provider attachment, which
/// has no tags of its own in AWS.
pub(crate) const CAPACITY_PROVIDERS_HASH: &str = "rnd:hash:capacity-providers";

pub(crate) fn cloudwatch(tags: &Tags) -> Vec<aws_sdk_cloudwatch::types::Tag> {
    tags.iter()
        .map(|(k, v)| aws_sdk_cloudwatch::types::Tag::builder().key(k).value(v).build())
        .collect()
}

/// A group's tags as DescribeAutoScalingGroups reports them.
pub(crate) fn from_autoscaling(tags: &[aws_sdk_autoscaling::types::TagDescription]) -> Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}

pub(crate) fn from_cloudwatch(tags: &[aws_sdk_cloudwatch::types::Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}
