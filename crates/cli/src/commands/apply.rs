//! `rnd apply` and `rnd destroy`: observe AWS, plan, show the plan, ask, carry it out.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Result};
use clap::Args;
use rnd_aws::{ApplyOptions, Event};
use rnd_core::plan::render::render_text;
use rnd_core::plan::resource::ResourceId;
use rnd_core::plan::{Plan, PlanOptions};

use super::load::{valid, valid_platform};
use super::DirArg;
use crate::lock::LockArgs;
use crate::render::kept::kept_after_destroy;
use crate::render::progress::progress_bar;
use rnd_app::exit::Code;
use rnd_app::progress::line;
use rnd_app::{ApplyFrontend, ApplyOutcome, ApplyRequest, Mode, Refresh};

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
    /// Go ahead even when the plan removes most of the platform's services at once (more than
    /// half, and more than two), which is refused otherwise.
    #[arg(long)]
    pub allow_mass_removal: bool,
    /// Take over a resource that exists under a name rnd wants but was not made by rnd for
    /// this platform (the plan refuses it otherwise, naming it): `kind.name` as the plan prints
    /// it. Repeat for each; the plan shows each as adopted.
    #[arg(long, value_name = "KIND.NAME")]
    pub adopt: Vec<ResourceId>,
    /// Describe every resource before planning, as the drift check does, instead of taking
    /// those tagged with the expected hash as planned: finds settings changed by hand in AWS
    /// (a service's desired count, a rolled-back deployment) at a few calls per resource.
    #[arg(long)]
    pub refresh: bool,
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
    let request = Request {
        yes: args.yes,
        allow_mass_removal: args.allow_mass_removal,
        refresh: refresh(args.refresh),
        mode: Mode::Apply(PlanOptions {
            repack: args.repack,
            adopt: args.adopt.iter().cloned().collect(),
        }),
    };
    run(&args.dir, &args.lock, options, request)
}

pub fn destroy(args: &DestroyArgs) -> Result<Code> {
    let request = Request {
        yes: args.yes,
        allow_mass_removal: true,
        refresh: Refresh::All,
        mode: Mode::Destroy,
    };
    run(&args.dir, &args.lock, ApplyOptions::default(), request)
}

/// What the command line asked of one apply or destroy.
struct Request {
    yes: bool,
    allow_mass_removal: bool,
    refresh: Refresh,
    mode: Mode,
}

/// `--refresh` as the application layer takes it.
pub(crate) fn refresh(asked: bool) -> Refresh {
    if asked {
        Refresh::All
    } else {
        Refresh::Changed
    }
}

fn run(dir: &DirArg, lock: &LockArgs, options: ApplyOptions, asked: Request) -> Result<Code> {
    let Request {
        yes,
        allow_mass_removal,
        refresh,
        mode,
    } = asked;
    // Destroying needs only the platform: a broken manifest never keeps a platform alive.
    let valid = match mode {
        Mode::Destroy => valid_platform(&dir.dir)?,
        Mode::Apply(_) => valid(&dir.dir)?,
    };
    let Some(valid) = valid else {
        return Ok(Code::Failure);
    };
    // Blocking work (a file, git) before the runtime, so none of it runs on its threads.
    let destroying = matches!(mode, Mode::Destroy);
    let request = ApplyRequest {
        mode,
        options,
        lock_wait: lock.lock_wait,
        holder: rnd_app::holder(),
        context: rnd_app::run_context(&dir.dir, destroying),
        slack_env: rnd_app::process_env(),
        allow_mass_removal,
        refresh,
    };
    let runtime = rnd_app::runtime()?;
    runtime.block_on(async {
        let clients = rnd_app::clients(&valid.repository.platform.region).await;
        let mut terminal = Terminal { yes, destroying };
        let outcome = rnd_app::apply_locked(&clients, &valid, request, &mut terminal).await?;
        Ok(match outcome {
            ApplyOutcome::LockHeld => Code::Failure,
            ApplyOutcome::Unplannable(e) => {
                eprint!("error: {e}");
                Code::Failure
            }
            ApplyOutcome::MassRemoval(_, removal) => {
                eprintln!("error: {removal}; nothing was changed");
                eprintln!(
                    "  help: if this is intended, run again with --allow-mass-removal; if not, check \
                     --dir and restore the manifests"
                );
                Code::Failure
            }
            ApplyOutcome::MissingReferences(problems) => {
                crate::render::references::print_missing(&problems);
                let (calls, writes) = clients.calls.totals();
                eprintln!("{calls} AWS API calls, {writes} of them changes");
                Code::Failure
            }
            ApplyOutcome::NoChanges(_) => Code::Success,
            ApplyOutcome::Declined(_) => {
                println!("nothing changed");
                Code::Failure
            }
            ApplyOutcome::Applied { report, plan } => {
                let (calls, writes) = clients.calls.totals();
                println!("{calls} AWS API calls, {writes} of them changes");
                if destroying && report.succeeded() {
                    for line in kept_after_destroy(&plan, &valid.repository.platform) {
                        println!("{line}");
                    }
                }
                if report.succeeded() {
                    Code::Success
                } else {
                    Code::Failure
                }
            }
        })
    })
}

/// The CLI's part in an apply: the plan as text, a question on the terminal (unless `--yes`),
/// progress as a bar on a terminal and as lines otherwise.
struct Terminal {
    yes: bool,
    destroying: bool,
}

impl ApplyFrontend for Terminal {
    fn planned(&mut self, plan: &Plan) {
        // A second destroy finds nothing: say that, not that AWS "matches the manifests".
        if self.destroying && !plan.has_changes() {
            println!(
                "Nothing to destroy: platform {} has no resources left in {} (log groups, secrets \
                 and the lock table are kept on purpose).",
                plan.platform, plan.region
            );
            return;
        }
        let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        print!("{}", render_text(plan, colour));
    }

    fn confirm(&mut self, _plan: &Plan) -> Result<bool> {
        Ok(self.yes || confirm(self.destroying)?)
    }

    fn progress(&mut self) -> rnd_aws::EventSink {
        if std::io::stdout().is_terminal() {
            progress_bar()
        } else {
            Arc::new(|event: Event| {
                if let Some(text) = line(&event) {
                    println!("{text}");
                }
            })
        }
    }
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
