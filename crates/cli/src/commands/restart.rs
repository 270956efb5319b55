//! `rnd restart SERVICE`: ECS replaces the service's tasks with new ones from the same task
//! definition (a forced new deployment), so they read their secrets' current values: what to
//! run after `rnd secrets set` changed one.

use anyhow::{bail, Result};
use clap::Args;
use rnd_core::plan::naming::Names;

use super::load::valid_repository;
use super::DirArg;
use rnd_app::aws;
use rnd_app::exit::Code;

#[derive(Debug, Args)]
pub struct RestartArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// The service (its manifest is manifests/<service>.json).
    pub service: String,
}

pub fn run(args: &RestartArgs) -> Result<Code> {
    let Some(repository) = valid_repository(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    if !repository.manifests.iter().any(|m| m.name == args.service) {
        bail!(
            "there is no service `{0}` (no manifests/{0}.json) in {1}",
            args.service,
            args.dir.dir.display()
        );
    }
    let platform = &repository.platform;
    let names = Names::new(&platform.name);
    let restarted = aws::runtime()?.block_on(async {
        let clients = aws::clients(&platform.region).await;
        rnd_aws::restart::restart(&clients, &names.cluster(), &names.ecs_service(&args.service)).await
    })?;
    if !restarted {
        bail!(
            "{} is not deployed in platform {} ({}): `rnd apply` deploys it",
            args.service,
            platform.name,
            platform.region
        );
    }
    println!(
        "{0}: ECS is starting new tasks with the same task definition; they read the secrets' \
         current values, and the old tasks stop once the new ones are healthy (`rnd status` shows it)",
        args.service
    );
    Ok(Code::Success)
}
