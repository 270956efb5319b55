//! What rnd owns: a resource tagged for the platform *and* named where rnd puts the platform's
//! own; and what it refuses: creating over a resource that exists under its name but is not
//! the platform's, unless the run adopts it by name.
//!
//! AWS names are account-wide (IAM roles), VPC-wide (security groups) or region-wide (target
//! groups, load balancers, log groups), so "create" can meet something rnd did not make: a
//! hand-made role, another tool's target group, another platform's group whose name happens
//! to match. Before this check the executor took such a resource over (retagged, re-policied,
//! emptied of rules). Now the plan fails before any change, naming the resource, whose it
//! seems to be, and the ways out. A crashed run's own resources are not affected: rnd tags
//! every resource in the call that creates it, so they are observed as the platform's and
//! planned as updates, never as creations.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::diff::{Action, ResourceChange};
use super::naming::Names;
use super::observed::{ForeignResource, TAG_PLATFORM};
use super::resource::{ResourceId, ResourceKind};

/// Whether a resource named `name` is where rnd puts the platform's own resources of `kind`:
/// its cluster, its name prefix, its log group path. A resource tagged for the platform but
/// named elsewhere (tags copied by hand onto something else) is never changed or deleted.
/// IAM roles and profiles are also listed only under the platform's path, security groups
/// only in its VPC, ECS services only in its cluster (`rnd_aws::observe`): the place is
/// checked where AWS can filter on it.
pub fn in_place(names: &Names, kind: ResourceKind, name: &str) -> bool {
    let platform = names.platform;
    match kind {
        ResourceKind::EcsCluster | ResourceKind::ClusterCapacityProviders => name == names.cluster(),
        ResourceKind::LogGroup => name
            .strip_prefix(&names.log_group(""))
            .is_some_and(|service| !service.is_empty() && !service.contains('/')),
        // ECS service names are the manifests' names; the cluster is the place.
        ResourceKind::EcsService => !name.is_empty(),
        // DNS names are the routing domain's; the place is the platform's hosted zone, the
        // only one observed, and a record counts as the platform's only with rnd's TXT record
        // beside it (`plan::dns::ownership_record`).
        ResourceKind::DnsRecord => !name.is_empty(),
        // Statements take no tags: the platform's are exactly its two ids.
        ResourceKind::LambdaPermission => name == names.wake_permission() || name == names.idle_permission(),
        ResourceKind::SecurityGroup
        | ResourceKind::LoadBalancer
        | ResourceKind::Listener
        | ResourceKind::IamRole
        | ResourceKind::InstanceProfile
        | ResourceKind::LaunchTemplate
        | ResourceKind::AutoScalingGroup
        | ResourceKind::CapacityProvider
        | ResourceKind::TaskDefinition
        | ResourceKind::TargetGroup
        | ResourceKind::ListenerRule
        | ResourceKind::Alarm => name
            .strip_prefix(platform)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|rest| !rest.is_empty()),
    }
}

/// A plan that would create over resources that are not the platform's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnershipError {
    pub platform: String,
    /// Resources the plan would create that exist and are not this platform's.
    pub conflicts: Vec<ForeignResource>,
    /// `--adopt` addresses that name nothing the plan would create over a foreign resource.
    pub unknown_adoptions: Vec<ResourceId>,
}

/// Mark the creations that adopt a foreign resource, or fail with every conflict at once.
/// `adopt` lists the resources the run was told to take over (`rnd apply --adopt kind.name`);
/// each must be one the plan would otherwise refuse, so a typo never passes silently.
pub fn settle(
    platform: &str,
    mut changes: Vec<ResourceChange>,
    foreign: &[ForeignResource],
    adopt: &BTreeSet<ResourceId>,
) -> Result<Vec<ResourceChange>, OwnershipError> {
    let foreign: BTreeMap<ResourceId, &ForeignResource> = foreign.iter().map(|f| (f.id(), f)).collect();
    let mut conflicts = Vec::new();
    let mut adopted = BTreeSet::new();
    for change in changes.iter_mut().filter(|c| c.action == Action::Create) {
        let Some(found) = foreign.get(&change.id) else {
            continue;
        };
        if adopt.contains(&change.id) && found.not_adoptable.is_none() {
            change.adopts = Some((*found).clone());
            adopted.insert(change.id.clone());
        } else {
            conflicts.push((*found).clone());
        }
    }
    let unknown_adoptions: Vec<ResourceId> = adopt
        .difference(&adopted)
        .filter(|id| !foreign.contains_key(*id))
        .cloned()
        .collect();
    if conflicts.is_empty() && unknown_adoptions.is_empty() {
        return Ok(changes);
    }
    conflicts.sort_by_key(ForeignResource::id);
    Err(OwnershipError {
        platform: platform.to_string(),
        conflicts,
        unknown_adoptions,
    })
}

/// Whose a foreign resource seems to be, from its tags, in words.
pub fn owner(resource: &ForeignResource, platform: &str) -> String {
    match resource.tags.get(TAG_PLATFORM) {
        Some(p) if p == platform => format!(
            "tagged {TAG_PLATFORM}={p}, but not where rnd puts this platform's resources (tags copied by hand?)"
        ),
        Some(p) => format!("rnd platform \"{p}\" ({TAG_PLATFORM}={p})"),
        None if resource.tags.is_empty() => "no tags: made by hand or by another tool".to_string(),
        None => {
            let tags: Vec<String> = resource.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("not rnd's; its tags: {}", tags.join(", "))
        }
    }
}

impl fmt::Display for OwnershipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.conflicts.is_empty() {
            writeln!(
                f,
                "resources this plan would create already exist and are not platform \"{}\"'s; \
                 rnd changes nothing it did not make:",
                self.platform
            )?;
            for c in &self.conflicts {
                write!(f, "  - {}.{}: {}", c.kind, c.name, owner(c, &self.platform))?;
                match &c.not_adoptable {
                    Some(why) => writeln!(f, " (cannot be adopted: {why})")?,
                    None => writeln!(f)?,
                }
            }
            writeln!(f, "ways out:")?;
            writeln!(
                f,
                "  - rename the service whose resource it is (its manifest's `name`), or remove the \
                 resource if nobody needs it;"
            )?;
            if let Some(example) = self.conflicts.iter().find(|c| c.not_adoptable.is_none()) {
                writeln!(
                    f,
                    "  - to let rnd take one over (it is retagged and reconfigured as rnd wants it), \
                     run with `--adopt {}.{}` (one per resource; the plan shows each as adopted)",
                    example.kind, example.name
                )?;
            }
        }
        for id in &self.unknown_adoptions {
            writeln!(
                f,
                "`--adopt {id}`: this plan creates no {} named \"{}\" over an existing resource, so \
                 there is nothing to adopt (addresses are `kind.name`, as plans print them)",
                id.kind, id.name
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for OwnershipError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_is_the_platforms_prefix_path_or_cluster() {
        let n = Names::new("ml");
        assert!(in_place(&n, ResourceKind::IamRole, "ml-api-task"));
        assert!(!in_place(&n, ResourceKind::IamRole, "mlx-api-task"));
        assert!(!in_place(&n, ResourceKind::IamRole, "ml-"));
        assert!(!in_place(&n, ResourceKind::SecurityGroup, "default"));
        assert!(in_place(&n, ResourceKind::LogGroup, "/rnd/ml/api"));
        assert!(!in_place(&n, ResourceKind::LogGroup, "/rnd/mlx/api"));
        assert!(!in_place(&n, ResourceKind::LogGroup, "/rnd/ml/"));
        assert!(!in_place(&n, ResourceKind::LogGroup, "/aws/ecs/ml"));
        assert!(in_place(&n, ResourceKind::EcsCluster, "ml"));
        assert!(!in_place(&n, ResourceKind::EcsCluster, "ml-prod"));
    }

    #[test]
    fn owner_says_whose_it_seems_to_be() {
        let mut r = ForeignResource {
            kind: ResourceKind::IamRole,
            name: "ml-api-task".into(),
            tags: BTreeMap::new(),
            not_adoptable: None,
        };
        assert!(owner(&r, "ml").contains("no tags"));
        r.tags.insert("team".into(), "infra".into());
        assert!(owner(&r, "ml").contains("team=infra"));
        r.tags.insert(TAG_PLATFORM.into(), "other".into());
        assert!(owner(&r, "ml").contains("rnd platform \"other\""));
    }
}
