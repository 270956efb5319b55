//! `rnd capacity`: where every container runs and what it costs, for the manifests as they are.

use anyhow::Result;
use clap::{Args, ValueEnum};
use rnd_core::catalog::Catalog;
use rnd_core::placement::{
    explain_gpu_choices, plan_capacity, render_capacity_text, render_explanations, AllowList,
};
use rnd_core::plan::demand_of;

use super::load::valid_repository;
use super::DirArg;
use rnd_app::exit::Code;

#[derive(Debug, Args)]
pub struct CapacityArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// Output format: text for people, json for machines.
    #[arg(long, value_enum, default_value_t = CapacityFormat::Text)]
    pub format: CapacityFormat,
    /// After the table, say why each GPU service runs on its instance type: the cheaper
    /// allowed types that cannot hold one of its tasks, and the next cheapest that could.
    #[arg(long)]
    pub explain: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CapacityFormat {
    Text,
    Json,
}

pub fn run(args: &CapacityArgs) -> Result<Code> {
    let Some(repository) = valid_repository(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    let demands: Vec<_> = repository.manifests.iter().map(demand_of).collect();
    let platform = &repository.platform;
    let plan = match plan_capacity(
        &demands,
        &AllowList(platform.gpu_instance_types.clone()),
        &platform.region,
        None,
    ) {
        Ok(plan) => plan,
        Err(no_fits) => {
            for n in no_fits {
                eprintln!("error: {n}");
            }
            return Ok(Code::Failure);
        }
    };
    match args.format {
        CapacityFormat::Text => {
            print!("{}", render_capacity_text(&plan));
            if args.explain {
                let allowed = AllowList(platform.gpu_instance_types.clone());
                let why = explain_gpu_choices(&plan, &demands, &allowed, Catalog::builtin());
                print!("\n{}", render_explanations(&why));
            }
        }
        CapacityFormat::Json => println!("{}", serde_json::to_string_pretty(&plan)?),
    }
    Ok(Code::Success)
}
