//! Unit tests for the embedded catalog: row counts, parsed figures and overhead arithmetic.

use super::*;

#[test]
fn there_are_74_distinct_fargate_sizes_with_the_documented_extremes() {
    let sizes = fargate_sizes();
    assert_eq!(sizes.len(), 74);
    let mut sorted = sizes.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 74);
    assert_eq!(
        sizes[0],
        FargateSize {
            cpu_units: 256,
            memory_mib: 512
        }
    );
    assert_eq!(
        sizes[73],
        FargateSize {
            cpu_units: 16384,
            memory_mib: 122880
        }
    );
    let per_tier = |cpu| sizes.iter().filter(|s| s.cpu_units == cpu).count();
    let counts: Vec<usize> = [256, 512, 1024, 2048, 4096, 8192, 16384].map(per_tier).to_vec();
    assert_eq!(counts, vec![3, 4, 7, 13, 23, 12, 12]);
}

#[test]
fn fargate_prices_match_the_reference_examples_and_are_exact() {
    let price = Catalog::builtin().fargate_price("us-east-1").unwrap();
    assert_eq!(price.per_vcpu_hour, Usd::parse("0.04048").unwrap());
    assert_eq!(price.per_gb_hour, Usd::parse("0.004445").unwrap());
    let at = |cpu_units, memory_mib| {
        price.hourly(FargateSize {
            cpu_units,
            memory_mib,
        })
    };
    assert_eq!(at(256, 512), Usd::parse("0.0123425").unwrap());
    assert_eq!(at(16384, 122880), Usd::parse("1.18108").unwrap());
    for size in fargate_sizes() {
        let numerator = u64::from(size.cpu_units) * price.per_vcpu_hour.nanos()
            + u64::from(size.memory_mib) * price.per_gb_hour.nanos();
        assert_eq!(numerator % 1024, 0, "{size:?} is not exact in nano-dollars");
    }
    assert!(Catalog::builtin().fargate_price("eu-west-1").is_none());
}

#[test]
fn all_63_gpu_rows_parse_with_sources() {
    let catalog = Catalog::builtin();
    assert_eq!(catalog.gpu_types().len(), 63);
    for t in catalog.gpu_types() {
        assert!(t.gpus >= 1 && t.gpus <= 8, "{}", t.name);
        assert!(t.gpu_memory_mib >= 16384, "{}", t.name);
        assert!(t.spec_source.contains("DescribeInstanceTypes"), "{}", t.name);
        assert!(!t.eni_source.is_empty(), "{}", t.name);
    }
    let l40s = catalog.gpu_type("g6e.12xlarge").unwrap();
    assert_eq!((l40s.gpus, l40s.gpu_memory_mib, l40s.vcpu), (4, 45776, 48));
    assert_eq!(l40s.gpu_model, "NVIDIA L40S");
    assert_eq!(l40s.family(), "g6e");
    assert_eq!(catalog.gpu_type("p6-b200.48xlarge").unwrap().family(), "p6-b200");
    assert_eq!(catalog.gpu_type("g5g.xlarge").unwrap().arch, Arch::Arm64);
}

#[test]
fn prices_are_per_region_and_p5e_has_none() {
    let catalog = Catalog::builtin();
    let priced = catalog
        .gpu_types()
        .iter()
        .filter(|t| catalog.gpu_price("us-east-1", &t.name).is_some())
        .count();
    assert_eq!(priced, 62);
    assert!(catalog.gpu_price("us-east-1", "p5e.48xlarge").is_none());
    let g4dn = catalog.gpu_price("us-east-1", "g4dn.xlarge").unwrap();
    assert_eq!(g4dn.hourly, Usd::parse("0.526").unwrap());
    assert_eq!(g4dn.as_of, "2026-07-20");
    assert!(catalog.gpu_price("eu-west-1", "g4dn.xlarge").is_none());
}

#[test]
fn overhead_figures_follow_the_documented_rule() {
    let catalog = Catalog::builtin();
    let small = catalog.gpu_type("g4dn.xlarge").unwrap();
    // 16384 installed: 3 % (492) hidden by the kernel, then max(256, 2 % = 328) reserved.
    assert_eq!(small.registered_memory_mib(), 16384 - 492);
    assert_eq!(small.ecs_reserved_memory_mib(), 328);
    assert_eq!(small.task_memory_mib(), 16384 - 492 - 328);
    assert_eq!(small.task_cpu_units(), 4096);
    let tiny = GpuInstanceType {
        memory_mib: 8192,
        ..small.clone()
    };
    assert_eq!(tiny.ecs_reserved_memory_mib(), ECS_RESERVED_MEMORY_MIN_MIB);
    for t in catalog.gpu_types() {
        let kept = t.memory_mib - t.task_memory_mib();
        assert!(kept * 100 >= t.memory_mib * 5, "{} keeps under 5 %", t.name);
        let most = t.memory_mib.div_ceil(20) + ECS_RESERVED_MEMORY_MIN_MIB;
        assert!(kept <= most, "{} keeps over 5 % + 256 MiB", t.name);
    }
}

#[test]
fn eni_limits_cap_awsvpc_tasks_per_instance() {
    let catalog = Catalog::builtin();
    let tasks = |name: &str| catalog.gpu_type(name).unwrap().max_tasks();
    assert_eq!(tasks("g4dn.xlarge"), 2);
    assert_eq!(tasks("g5.48xlarge"), 6);
    assert_eq!(tasks("p5.48xlarge"), 1);
    assert_eq!(tasks("g4dn.metal"), 14);
    // Missing from the ENI source: the EC2 minimum of 2 ENIs, so one task.
    assert_eq!(catalog.gpu_type("g7e.48xlarge").unwrap().max_enis, None);
    assert_eq!(tasks("g7e.48xlarge"), 1);
    for t in catalog.gpu_types() {
        assert!(t.max_tasks() >= 1, "{} cannot hold any task", t.name);
    }
}
