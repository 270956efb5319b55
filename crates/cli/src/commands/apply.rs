//! `rnd apply` and `rnd destroy`: observe AWS, plan, show the plan, ask, carry it out.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Result};
use clap::Args;
use rnd_aws::{ApplyOptions, Event};
use rnd_core::plan::render::render_text;
use rnd_core::plan::{plan_destroy, plan_with, PlanOptions};
use rnd_core::repository::Repository;

use super::load::valid_repository;
use super::DirArg;
use crate::aws;
use crate::exit::Code;
use crate::lock::{self, LockArgs};
use crate::render::events::line;
use crate::render::progress::progress_bar;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// Apply without asking (required when not on a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Operations carried out at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub concurrency: u16,
    /// Wait up to this many seconds for services to become stable (0: do not wait).
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub wait: u64,
    /// Allow moving running GPU tasks when a fresh packing is cheaper.
    #[arg(long)]
    pub repack: bool,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// Destroy without asking (required when not on a terminal).
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub lock: LockArgs,
}

pub fn apply(args: &ApplyArgs) -> Result<Code> {
    let options = ApplyOptions {
        concurrency: usize::from(args.concurrency),
        wait_for_stable: (args.wait > 0).then(|| Duration::from_secs(args.wait)),
        ..ApplyOptions::default()
    };
    run(
        &args.dir,
        args.yes,
        &args.lock,
        options,
        Mode::Apply { repack: args.repack },
    )
}

pub fn destroy(args: &DestroyArgs) -> Result<Code> {
    run(
        &args.dir,
        args.yes,
        &args.lock,
        ApplyOptions::default(),
        Mode::Destroy,
    )
}

enum Mode {
    Apply { repack: bool },
    Destroy,
}

fn run(dir: &DirArg, yes: bool, lock: &LockArgs, options: ApplyOptions, mode: Mode) -> Result<Code> {
    let Some(repository) = valid_repository(&dir.dir)? else {
        return Ok(Code::Failure);
    };
    // Blocking work (a file, git) before the runtime, so none of it runs on its threads.
    let holder = lock::holder();
    let context = crate::slack::run_context(&dir.dir, matches!(mode, Mode::Destroy));
    let runtime = aws::runtime()?;
    runtime.block_on(async {
        let clients = aws::clients().await;
        let platform = &repository.platform.name;
        // The lock comes first: what is observed must not change under this run's feet.
        let Some(lease) = lock::take(&clients, platform, &holder, lock).await? else {
            return Ok(Code::Failure);
        };
        let options = ApplyOptions {
            lock_lost: Some(lease.lost()),
            ..options
        };
        let outcome = locked(&clients, &repository, context, yes, options, mode).await;
        lock::release(lease).await;
        outcome
    })
}

/// Observe, plan, show, ask and apply, with the platform's lock held.
async fn locked(
    clients: &rnd_aws::Clients,
    repository: &Repository,
    context: rnd_slack::RunContext,
    yes: bool,
    options: ApplyOptions,
    mode: Mode,
) -> Result<Code> {
    let observed = aws::observe(clients, &repository.platform.name).await?;
    let planned = match mode {
        Mode::Apply { repack } => plan_with(repository, &observed, PlanOptions { repack }),
        Mode::Destroy => plan_destroy(repository, &observed),
    };
    let plan = match planned {
        Ok(plan) => plan,
        Err(e) => {
            eprint!("error: {e}");
            return Ok(Code::Failure);
        }
    };
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    print!("{}", render_text(&plan, colour));
    if !plan.has_changes() {
        return Ok(Code::Success);
    }
    if !yes && !confirm(matches!(mode, Mode::Destroy))? {
        println!("nothing changed");
        return Ok(Code::Failure);
    }
    let sink: rnd_aws::EventSink = if std::io::stdout().is_terminal() {
        progress_bar()
    } else {
        Arc::new(|event: Event| {
            if let Some(text) = line(&event) {
                println!("{text}");
            }
        })
    };
    let slack = crate::slack::start(clients, repository, &plan, context);
    let sink: rnd_aws::EventSink = match &slack {
        Some((to_slack, _)) => {
            let to_slack = to_slack.clone();
            Arc::new(move |event: Event| {
                to_slack(event.clone());
                sink(event);
            })
        }
        None => sink,
    };
    let applied = rnd_aws::apply(clients, &plan, &observed, options, sink).await;
    // Whatever happened, the messages already queued go out before the process ends.
    if let Some((_, handle)) = slack {
        handle.finish().await;
    }
    let report = applied?;
    let (calls, writes) = clients.calls.totals();
    println!("{calls} AWS API calls, {writes} of them changes");
    Ok(if report.succeeded() {
        Code::Success
    } else {
        Code::Failure
    })
}

/// Ask on the terminal; refuse (rather than guess) when there is no terminal to ask on.
fn confirm(destroy: bool) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("not on a terminal, so nobody can confirm: pass --yes to go ahead");
    }
    let question = if destroy {
        "Destroy every resource of this platform?"
    } else {
        "Apply this plan?"
    };
    print!("{question} Type `yes` to go ahead: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}
