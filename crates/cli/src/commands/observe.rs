//! `rnd observe`: print what exists in AWS for the platform, as the JSON snapshot `rnd plan
//! --observed` reads.

use anyhow::Result;
use clap::Args;

use super::load::valid_repository;
use super::DirArg;
use rnd_app::aws;
use rnd_app::exit::Code;

#[derive(Debug, Args)]
pub struct ObserveArgs {
    #[command(flatten)]
    pub dir: DirArg,
}

pub fn run(args: &ObserveArgs) -> Result<Code> {
    let Some(repository) = valid_repository(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    let observed = aws::runtime()?.block_on(async {
        let clients = aws::clients(&repository.platform.region).await;
        aws::observe(&clients, &repository.platform.name).await
    })?;
    println!("{}", serde_json::to_string_pretty(&observed)?);
    Ok(Code::Success)
}
