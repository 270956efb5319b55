//! `rnd plan`: what applying the manifests would change in AWS, and what it would cost.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::render::{plan_json, render_markdown, render_mermaid, render_text};
use rnd_core::plan::resource::ResourceId;
use rnd_core::plan::PlanOptions;

use super::load::valid;
use super::DirArg;
use rnd_app::exit::Code;

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// A snapshot of what exists in AWS (as `rnd observe` prints it) instead of observing AWS;
    /// `{}` plans a first deployment.
    #[arg(long, value_name = "FILE")]
    pub observed: Option<PathBuf>,
    /// Output format: text for people, json for machines, markdown for a pull request, mermaid
    /// for the operation graph.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Exit 0 when there is nothing to change, 2 when there are changes, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Allow moving running GPU tasks to other instances when a fresh packing is cheaper
    /// (by default they stay where they run; the plan says what repacking would save).
    #[arg(long)]
    pub repack: bool,
    /// Plan taking over a resource that exists under a name rnd wants but was not made by rnd
    /// for this platform (refused otherwise): `kind.name` as plans print it; repeatable.
    #[arg(long, value_name = "KIND.NAME")]
    pub adopt: Vec<ResourceId>,
    /// Describe every resource in AWS, as the drift check does, instead of taking those tagged
    /// with the expected hash as planned: finds settings changed by hand (a service's desired
    /// count, a rolled-back deployment) at a few calls per resource.
    #[arg(long, conflicts_with = "observed")]
    pub refresh: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
    Markdown,
    Mermaid,
}

pub fn run(args: &PlanArgs) -> Result<Code> {
    let Some(valid) = valid(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    let repository = &valid.repository;
    let options = PlanOptions {
        repack: args.repack,
        adopt: args.adopt.iter().cloned().collect(),
    };
    let (observed, planned): (ObservedState, _) = match &args.observed {
        // A snapshot says what exists, foreign resources included (`foreign`).
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the observed snapshot {}", path.display()))?;
            eprintln!("{}", rnd_app::references::NOT_CHECKED);
            let observed: ObservedState = serde_json::from_str(&text)
                .with_context(|| format!("{} is not an observed snapshot", path.display()))?;
            let planned = rnd_core::plan::plan_with_fanout(
                repository,
                &observed,
                options,
                &rnd_app::fanout::Threads::per_core(),
            );
            (observed, planned)
        }
        None => {
            let observed = rnd_app::runtime()?.block_on(async {
                let clients = rnd_app::clients(&repository.platform.region).await;
                let mut observed =
                    rnd_app::observe_for_planning(&clients, repository, super::apply::refresh(args.refresh))
                        .await?;
                let missing = rnd_app::references::missing(&clients, &valid).await?;
                if !missing.is_empty() {
                    crate::render::references::print_missing(&missing);
                    return anyhow::Ok(None);
                }
                let planned = rnd_app::plan_owned(&clients, repository, &mut observed, &options).await?;
                anyhow::Ok(Some((observed, planned)))
            })?;
            let Some(observed) = observed else {
                return Ok(Code::Failure);
            };
            observed
        }
    };
    let plan = match planned {
        Ok(plan) => plan,
        Err(e) => {
            eprint!("error: {e}");
            return Ok(Code::Failure);
        }
    };
    if let Some(removal) = rnd_core::plan::removal::mass_removal(&plan, &observed) {
        eprintln!("warning: {removal}: `rnd apply` refuses it unless given --allow-mass-removal");
    }
    match args.format {
        PlanFormat::Text => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            print!("{}", render_text(&plan, colour));
        }
        PlanFormat::Json => println!("{}", serde_json::to_string_pretty(&plan_json(&plan))?),
        PlanFormat::Markdown => print!("{}", render_markdown(&plan)),
        PlanFormat::Mermaid => print!("{}", render_mermaid(&plan)),
    }
    Ok(match (args.detailed_exitcode, plan.has_changes()) {
        (true, true) => Code::Changes,
        _ => Code::Success,
    })
}
