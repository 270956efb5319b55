//! Pushes to the default branch: the CLI's locked apply (`rnd apply --yes`: the merge was the
//! approval), progress as plain log lines, Slack as the CLI reports, the outcome in the job
//! summary and the exit code.

use std::sync::Arc;

use anyhow::Result;
use rnd_app::exit::Code;
use rnd_app::progress::line;
use rnd_app::{ApplyFrontend, ApplyOutcome, ApplyRequest, Mode, Valid};
use rnd_aws::{ApplyOptions, Event, EventSink};
use rnd_core::plan::render::render_text;
use rnd_core::plan::Plan;

use crate::plan::outputs;
use crate::workflow::{annotation, Level};
use crate::{markdown, Context};

pub fn run(context: &Context, valid: &Valid) -> Result<Code> {
    let repository = &valid.repository;
    let wait = context.inputs.wait;
    // Blocking work (git, a file) before the runtime, as the CLI does.
    let request = ApplyRequest {
        mode: Mode::Apply(rnd_core::plan::PlanOptions::default()),
        options: ApplyOptions {
            wait_for_stable: (!wait.is_zero()).then_some(wait),
            ..ApplyOptions::default()
        },
        lock_wait: context.inputs.lock_wait,
        holder: rnd_app::holder(),
        context: rnd_app::run_context(&context.github.workspace.join(&context.inputs.directory), false),
        slack_env: rnd_app::process_env(),
        // A merge that empties most of the platform is refused here: that takes a person
        // running `rnd apply --allow-mass-removal`, not a push.
        allow_mass_removal: false,
        refresh: crate::refresh(context.inputs.refresh),
    };
    let runtime = rnd_app::runtime()?;
    let outcome = runtime.block_on(async {
        let clients = rnd_app::clients(&valid.repository.platform.region).await;
        rnd_app::apply_locked(&clients, valid, request, &mut Log).await
    })?;
    let sha = &context.github.sha;
    let error = |text: &str| println!("{}", annotation(Level::Error, None, "rnd apply", text));
    Ok(match outcome {
        ApplyOutcome::LockHeld => {
            error("another run holds the platform's lock (see the log); nothing was applied");
            context.files.summary(&format!(
                "### rnd apply: not run\n\nAnother run holds the lock of platform `{}`, and it was not \
                 released within the `lock-wait` input's time. Nothing was applied.",
                repository.platform.name
            ))?;
            Code::Failure
        }
        ApplyOutcome::MassRemoval(_, removal) => {
            let text = mass_removal_text(&removal);
            error(&text);
            context
                .files
                .summary(&format!("### rnd apply: refused\n\n{text}"))?;
            Code::Failure
        }
        ApplyOutcome::Unplannable(e) => {
            error(&e.to_string());
            context
                .files
                .summary(&markdown::unplannable(&e.to_string(), sha))?;
            Code::Failure
        }
        ApplyOutcome::MissingReferences(problems) => {
            let text = crate::plan::missing_references(context, &problems);
            context.files.summary(&text)?;
            Code::Failure
        }
        ApplyOutcome::NoChanges(plan) => {
            outputs(context, &plan)?;
            context.files.summary(&markdown::plan(&plan, sha))?;
            Code::Success
        }
        // The action confirms every plan (`Log::confirm`); should that change, declining fails.
        ApplyOutcome::Declined(_) => Code::Failure,
        ApplyOutcome::Applied { plan, report } => {
            outputs(context, &plan)?;
            context.files.summary(&markdown::applied(&plan, &report, sha))?;
            if report.succeeded() {
                Code::Success
            } else {
                let failed: Vec<&str> = report
                    .services
                    .iter()
                    .filter(|(_, o)| matches!(o, rnd_aws::ServiceOutcome::Failed { .. }))
                    .map(|(s, _)| s.as_str())
                    .collect();
                error(&format!(
                    "the apply did not fully go through (failed services: {}); see the job summary",
                    if failed.is_empty() {
                        "none, foundations".to_string()
                    } else {
                        failed.join(", ")
                    }
                ));
                Code::Failure
            }
        }
    })
}

/// Why a mass removal was refused, and how to do it on purpose.
fn mass_removal_text(removal: &rnd_core::plan::removal::MassRemoval) -> String {
    format!(
        "{removal}; nothing was applied. If this is intended, run `rnd apply --allow-mass-removal` \
         from a machine with the platform's permissions; if not, restore the manifests."
    )
}

/// The action's part in an apply: the plan and progress as plain lines in the job's log.
struct Log;

impl ApplyFrontend for Log {
    fn planned(&mut self, plan: &Plan) {
        print!("{}", render_text(plan, false));
    }

    fn confirm(&mut self, _plan: &Plan) -> Result<bool> {
        Ok(true)
    }

    fn progress(&mut self) -> EventSink {
        Arc::new(|event: Event| {
            if let Some(text) = line(&event) {
                println!("{text}");
            }
        })
    }
}
