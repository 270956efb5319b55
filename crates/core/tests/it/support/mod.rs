//! Helpers shared by rnd-core's integration tests: the example repository's files, read from
//! disk as a frontend would read them and handed to the core as bytes.

#![allow(dead_code, clippy::disallowed_methods)]

use std::path::Path;

use rnd_core::catalog::{Arch, Catalog, GpuInstanceType};
use rnd_core::placement::{AllowList, ServiceDemand};
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::simulate::simulate_apply;
use rnd_core::plan::{plan, Plan};
use rnd_core::platform::ScaleToZero;
use rnd_core::repository::{validate_repository, Repository, SourceFile};

/// The function a platform that sleeps names in `scale_to_zero`.
pub const SLEEP_FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:rnd";

/// `examples/platform.json` and every file of `examples/manifests/`, sorted by path.
pub fn example_files() -> (SourceFile, Vec<SourceFile>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let read = |p: &str| SourceFile {
        path: p.to_string(),
        bytes: std::fs::read(dir.join(p)).unwrap(),
    };
    let mut manifests: Vec<String> = std::fs::read_dir(dir.join("manifests"))
        .unwrap()
        .map(|e| format!("manifests/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    manifests.sort();
    let files = manifests.iter().map(|m| read(m)).collect();
    (read("platform.json"), files)
}

/// The example repository, validated.
pub fn examples() -> Repository {
    let (platform, manifests) = example_files();
    validate_repository(&platform, &manifests)
        .repository
        .expect("examples are valid")
}

/// The examples on a platform that sleeps, with the routed example `service` sleeping after
/// `minutes` (none: it runs always).
pub fn sleeping_examples(service: &str, minutes: Option<u32>) -> Repository {
    let mut repository = examples();
    repository.platform.scale_to_zero = Some(ScaleToZero {
        function_arn: SLEEP_FUNCTION.into(),
    });
    let manifest = repository
        .manifests
        .iter_mut()
        .find(|m| m.name == service)
        .unwrap_or_else(|| panic!("{service} is an example"));
    manifest.route.as_mut().expect("routed").idle_after_minutes = minutes;
    repository
}

/// Plan `repository` against `observed`, and what AWS would hold once the plan is applied.
pub fn applied(repository: &Repository, observed: &ObservedState) -> (Plan, ObservedState) {
    let plan = plan(repository, observed).expect("plans");
    let after = simulate_apply(&plan, observed);
    (plan, after)
}

/// A service of `replicas` tasks, each with `cpu_units`, `memory_mib`, `gpus` and, if given,
/// `gpu_gib` of memory per GPU.
pub fn svc(
    name: &str,
    replicas: u32,
    cpu_units: u32,
    memory_mib: u32,
    gpus: u32,
    gpu_gib: Option<u32>,
) -> ServiceDemand {
    ServiceDemand {
        name: name.to_string(),
        replicas,
        cpu_units,
        memory_mib,
        gpus,
        gpu_memory_mib: gpu_gib.map(|g| g * 1024),
    }
}

/// The instance types or families `entries` allowed.
pub fn allow(entries: &[&str]) -> AllowList {
    AllowList(entries.iter().map(|e| e.to_string()).collect())
}

/// The region the placement properties plan in.
pub const REGION: &str = "us-east-1";

/// The built-in catalog's amd64 GPU types with a price in [`REGION`].
pub fn priced_amd64() -> Vec<&'static GpuInstanceType> {
    let catalog = Catalog::builtin();
    catalog
        .gpu_types()
        .iter()
        .filter(|t| t.arch == Arch::Amd64 && catalog.gpu_price(REGION, &t.name).is_some())
        .collect()
}
