//! Which of the images and secrets a plan refers to exist, for the core's
//! `prerequisites::check`, and what `platform.json` points at (`platform_existing`). One ECR `BatchGetImage` per repository (every wanted tag at once, a
//! missing tag coming back as a failure, not an error) and one paginated listing of the platform's
//! secrets. Secret values are never read: SSM's `DescribeParameters` and Secrets Manager's
//! `ListSecrets` return names and dates only.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::future::try_join_all;
use rnd_core::platform_references::{Certificate, PlatformExisting, PlatformWanted};
use rnd_core::prerequisites::{EcrImage, ExistingReferences, Wanted};

use crate::{AwsError, Clients};

/// ECR accepts at most 100 image ids per `BatchGetImage`.
const IMAGE_IDS_PER_CALL: usize = 100;

/// What exists of `wanted`. Calls only the services something is wanted from.
pub async fn existing(clients: &Clients, wanted: &Wanted) -> Result<ExistingReferences, AwsError> {
    let images = existing_images(clients, &wanted.images);
    let secrets = async {
        match wanted.secrets_store {
            Some(store) => {
                let listed = crate::secrets::list_under(clients, store, &wanted.secrets_prefix).await?;
                Ok(listed
                    .into_iter()
                    .map(|s| s.path)
                    .filter(|p| wanted.secrets.contains(p))
                    .collect())
            }
            None => Ok(BTreeSet::new()),
        }
    };
    let (images, secrets) = futures_util::future::try_join(images, secrets).await?;
    Ok(ExistingReferences { images, secrets })
}

async fn existing_images(
    clients: &Clients,
    wanted: &BTreeSet<EcrImage>,
) -> Result<BTreeSet<EcrImage>, AwsError> {
    let mut by_repository: BTreeMap<(&str, &str, &str), Vec<&EcrImage>> = BTreeMap::new();
    for image in wanted {
        by_repository
            .entry((&image.region, &image.registry, &image.repository))
            .or_default()
            .push(image);
    }
    let calls = by_repository
        .into_iter()
        .flat_map(|((region, registry, repository), images)| {
            images
                .chunks(IMAGE_IDS_PER_CALL)
                .map(|chunk| existing_in_repository(clients, region, registry, repository, chunk.to_vec()))
                .collect::<Vec<_>>()
        });
    Ok(try_join_all(calls).await?.into_iter().flatten().collect())
}

/// The tags of `images` (all in one repository) that exist. A repository that does not exist
/// holds none of them.
async fn existing_in_repository(
    clients: &Clients,
    region: &str,
    registry: &str,
    repository: &str,
    images: Vec<&EcrImage>,
) -> Result<Vec<EcrImage>, AwsError> {
    let client = ecr_in(clients, region);
    let ids = images.iter().map(|i| {
        aws_sdk_ecr::types::ImageIdentifier::builder()
            .image_tag(&i.tag)
            .build()
    });
    let answer = client
        .batch_get_image()
        .registry_id(registry)
        .repository_name(repository)
        .set_image_ids(Some(ids.collect()))
        .send()
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => {
            let error = AwsError::call("BatchGetImage", repository, e);
            if error.code_is(&["RepositoryNotFound"]) {
                return Ok(Vec::new());
            }
            return Err(error);
        }
    };
    let found: BTreeSet<&str> = answer
        .images()
        .iter()
        .filter_map(|i| i.image_id().and_then(|id| id.image_tag()))
        .collect();
    Ok(images
        .into_iter()
        .filter(|i| found.contains(i.tag.as_str()))
        .cloned()
        .collect())
}

/// The ECR client for `region`: the configured one when the regions agree, else the same
/// configuration pointed at the image's region (a registry may live in another region than the
/// platform).
fn ecr_in(clients: &Clients, region: &str) -> aws_sdk_ecr::Client {
    if clients.ecr.config().region().map(|r| r.as_ref()) == Some(region) {
        return clients.ecr.clone();
    }
    let config = clients
        .ecr
        .config()
        .to_builder()
        .region(aws_sdk_ecr::config::Region::new(region.to_string()))
        .build();
    aws_sdk_ecr::Client::from_conf(config)
}

/// What exists of what `platform.json` points at: the certificate (ACM `DescribeCertificate`),
/// the VPC and subnets it names (EC2, by id), the hosted zone (Route 53 `GetHostedZone`). Calls nothing for what is not wanted.
pub async fn platform_existing(
    clients: &Clients,
    wanted: &PlatformWanted,
) -> Result<PlatformExisting, AwsError> {
    let certificate = async {
        let Some(arn) = &wanted.certificate_arn else {
            return Ok(None);
        };
        match clients
            .acm
            .describe_certificate()
            .certificate_arn(arn)
            .send()
            .await
        {
            Ok(out) => Ok(out.certificate().map(|c| Certificate {
                status: c.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                names: c
                    .domain_name()
                    .into_iter()
                    .map(str::to_string)
                    .chain(c.subject_alternative_names().iter().cloned())
                    .collect(),
            })),
            Err(e) => {
                let error = AwsError::call("DescribeCertificate", arn, e);
                // A malformed or another account's ARN is as missing as an unknown one.
                if error.is_not_found() || error.code_is(&["InvalidArn", "AccessDenied"]) {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    };
    let network = async {
        let Some(vpc) = &wanted.vpc_id else {
            return Ok((false, BTreeMap::new()));
        };
        let vpcs = clients
            .ec2
            .describe_vpcs()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("vpc-id")
                    .values(vpc)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeVpcs", vpc, e))?;
        let subnets = clients
            .ec2
            .describe_subnets()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("subnet-id")
                    .set_values(Some(wanted.subnets.clone()))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeSubnets", vpc, e))?;
        let found = subnets
            .subnets()
            .iter()
            .filter_map(|s| Some((s.subnet_id()?.to_string(), s.vpc_id()?.to_string())))
            .collect();
        Ok::<_, AwsError>((!vpcs.vpcs().is_empty(), found))
    };
    let zone = async {
        let Some(id) = &wanted.hosted_zone_id else {
            return Ok(None);
        };
        match clients.route53.get_hosted_zone().id(id).send().await {
            Ok(out) => Ok(out
                .hosted_zone()
                .map(|z| z.name().trim_end_matches('.').to_string())),
            Err(e) => {
                let error = AwsError::call("GetHostedZone", id, e);
                // Another account's zone is as missing as an unknown one.
                if error.code_is(&["NoSuchHostedZone", "InvalidInput", "AccessDenied"]) {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    };
    let (certificate, (vpc_exists, subnet_vpcs), hosted_zone_name) =
        futures_util::future::try_join3(certificate, network, zone).await?;
    Ok(PlatformExisting {
        certificate,
        vpc_exists,
        subnet_vpcs,
        hosted_zone_name,
    })
}
