//! The account's default VPC and subnets: what the spec's `default` network means.

use std::collections::BTreeSet;

use aws_sdk_ec2::types::Filter;
use rnd_core::plan::spec::DEFAULT_NETWORK;

use crate::{AwsError, Clients};

/// The default VPC and its default subnets (one per availability zone).
#[derive(Debug, Clone, Default)]
pub(crate) struct DefaultNetwork {
    pub vpc: Option<String>,
    pub subnets: BTreeSet<String>,
}

impl DefaultNetwork {
    pub async fn load(clients: &Clients) -> Result<Self, AwsError> {
        let vpcs = clients
            .ec2
            .describe_vpcs()
            .filters(Filter::builder().name("is-default").values("true").build())
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeVpcs", "default VPC", e))?;
        let Some(vpc) = vpcs.vpcs().first().and_then(|v| v.vpc_id()).map(str::to_string) else {
            return Ok(DefaultNetwork::default());
        };
        let mut subnets = BTreeSet::new();
        let mut pages = clients
            .ec2
            .describe_subnets()
            .filters(Filter::builder().name("vpc-id").values(&vpc).build())
            .filters(Filter::builder().name("default-for-az").values("true").build())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::call("DescribeSubnets", "default subnets", e))?;
            subnets.extend(
                page.subnets()
                    .iter()
                    .filter_map(|s| s.subnet_id())
                    .map(str::to_string),
            );
        }
        Ok(DefaultNetwork {
            vpc: Some(vpc),
            subnets,
        })
    }

    /// A VPC id as the spec names it.
    pub fn vpc_name(&self, id: &str) -> String {
        if self.vpc.as_deref() == Some(id) {
            DEFAULT_NETWORK.to_string()
        } else {
            id.to_string()
        }
    }

    /// Subnet ids as the spec names them: `[default]` when they are exactly the default ones.
    pub fn subnet_names<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let ids: BTreeSet<String> = ids.into_iter().map(str::to_string).collect();
        if !ids.is_empty() && ids == self.subnets {
            vec![DEFAULT_NETWORK.to_string()]
        } else {
            ids.into_iter().collect()
        }
    }

    /// The spec's VPC as an id.
    pub fn vpc_id(&self, name: &str) -> Result<String, AwsError> {
        if name == DEFAULT_NETWORK {
            self.vpc
                .clone()
                .ok_or_else(|| AwsError::missing("default VPC", "the account has no default VPC"))
        } else {
            Ok(name.to_string())
        }
    }

    /// The spec's subnets as ids.
    pub fn subnet_ids(&self, names: &[String]) -> Result<Vec<String>, AwsError> {
        if names.iter().any(|n| n == DEFAULT_NETWORK) {
            if self.subnets.is_empty() {
                return Err(AwsError::missing(
                    "default subnets",
                    "the account has no default subnets",
                ));
            }
            Ok(self.subnets.iter().cloned().collect())
        } else {
            Ok(names.to_vec())
        }
    }
}
