//! What a sleeping service saves: its running cost per hour, priced from what it stopped (its
//! Fargate tasks, or the GPU instances it gave back), and that rate over the time it slept.

use crate::catalog::{Catalog, FargateSize, Usd};

/// What a service stopped when it went to sleep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped<'a> {
    /// `tasks` Fargate tasks of `size`.
    Fargate { size: FargateSize, tasks: u32 },
    /// GPU instances by type: those the service's tasks ran on.
    Gpu { instances: &'a [(String, u32)] },
}

/// The hourly cost the sleep saves in `region`; zero for what the catalog does not price.
pub fn hourly_saving(catalog: &Catalog, region: &str, stopped: &Stopped) -> Usd {
    match stopped {
        Stopped::Fargate { size, tasks } => catalog
            .fargate_price(region)
            .map(|p| p.hourly(*size) * u64::from(*tasks))
            .unwrap_or_default(),
        Stopped::Gpu { instances } => instances
            .iter()
            .filter_map(|(instance_type, n)| {
                Some(catalog.gpu_price(region, instance_type)?.hourly * u64::from(*n))
            })
            .fold(Usd::ZERO, |sum, cost| sum + cost),
    }
}

/// `hourly` over `seconds` asleep, to the nano-dollar.
pub fn saved(hourly: Usd, seconds: u64) -> Usd {
    Usd::from_nanos(
        u64::try_from(u128::from(hourly.nanos()) * u128::from(seconds) / 3600).unwrap_or(u64::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gpu_instance_saved_for_a_night_costs_its_price_times_the_hours() {
        let catalog = Catalog::builtin();
        let instances = [("g5.xlarge".to_string(), 1)];
        let hourly = hourly_saving(
            catalog,
            "us-east-1",
            &Stopped::Gpu {
                instances: &instances,
            },
        );
        assert_eq!(
            hourly,
            catalog.gpu_price("us-east-1", "g5.xlarge").unwrap().hourly
        );
        assert_eq!(saved(hourly, 10 * 3600), hourly * 10);
        assert_eq!(saved(hourly, 0), Usd::ZERO);
    }

    #[test]
    fn fargate_tasks_save_their_size_times_their_count() {
        let catalog = Catalog::builtin();
        let size = FargateSize {
            cpu_units: 1024,
            memory_mib: 2048,
        };
        let one = hourly_saving(catalog, "us-east-1", &Stopped::Fargate { size, tasks: 1 });
        assert!(one > Usd::ZERO);
        assert_eq!(
            hourly_saving(catalog, "us-east-1", &Stopped::Fargate { size, tasks: 3 }),
            one * 3
        );
        assert_eq!(
            hourly_saving(catalog, "nowhere-1", &Stopped::Fargate { size, tasks: 3 }),
            Usd::ZERO
        );
    }
}
