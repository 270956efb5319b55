//! `rnd-action`: rnd as a GitHub Action step, driven only by the documented GitHub Actions
//! environment. On `pull_request` it validates (problems become annotations), observes, plans,
//! and keeps one plan comment up to date; on `push` to the default branch it applies; any other
//! event plans into the job summary. A thin frontend: the flows are `rnd-app`'s.

mod apply;
pub mod environment;
pub mod event;
pub mod files;
pub mod markdown;
mod plan;
pub mod sticky;
pub mod workflow;

use std::process::ExitCode;

use anyhow::Result;
use rnd_app::exit::Code;
use rnd_core::diagnostic::Severity;
use rnd_core::repository::RepositoryReport;

use environment::{Github, Inputs};
use event::Trigger;
use files::StepFiles;
use workflow::{annotation, Level, Position};

/// Run the action with the process's environment and return its exit code: 0 done, 1 anything
/// went wrong (invalid manifests, a failed apply, a broken setup such as a missing variable).
/// The `refresh` input as the application layer takes it.
fn refresh(asked: bool) -> rnd_app::Refresh {
    if asked {
        rnd_app::Refresh::All
    } else {
        rnd_app::Refresh::Changed
    }
}

pub fn main() -> ExitCode {
    match run() {
        Ok(code) => code.into(),
        Err(error) => {
            println!(
                "{}",
                annotation(Level::Error, None, "rnd-action", &format!("{error:#}"))
            );
            Code::Failure.into()
        }
    }
}

/// Everything a flow needs from the environment.
pub(crate) struct Context {
    pub github: Github,
    pub inputs: Inputs,
    pub files: StepFiles,
}

fn run() -> Result<Code> {
    let var = |name: &str| std::env::var(name).ok();
    let github = Github::read(&var)?;
    let inputs = Inputs::read(&var)?;
    let trigger = event::read(&github.event_name, &github.event_path)?;
    let files = StepFiles {
        output: github.output.clone(),
        summary: github.step_summary.clone(),
    };
    let context = Context {
        github,
        inputs,
        files,
    };
    if let Trigger::Push {
        git_ref,
        default_branch,
    } = &trigger
    {
        if !trigger.is_default_branch_push() {
            println!("push to {git_ref}, not to the default branch {default_branch}: nothing to apply");
            context.files.summary(&format!(
                "### rnd\n\nA push to `{git_ref}`: only pushes to `{default_branch}` apply; nothing was done."
            ))?;
            return Ok(Code::Success);
        }
    }
    let validated = rnd_app::validate_directory(&context.github.workspace.join(&context.inputs.directory))?;
    annotate(&context, &validated.report);
    let valid = match validated.into_valid() {
        Ok(valid) => valid,
        Err(validated) => return invalid(&context, &validated.report, &trigger),
    };
    match trigger {
        Trigger::PullRequest { number } => plan::run(&context, &valid, Some(number)),
        Trigger::Push { .. } => apply::run(&context, &valid),
        Trigger::Other { event_name } => {
            println!("event {event_name}: planning only (pull requests get a plan comment, pushes to the default branch apply)");
            plan::run(&context, &valid, None)
        }
    }
}

/// Invalid manifests: the problems are annotations already; the summary (and a pull request's
/// comment) list them, and the check fails.
fn invalid(context: &Context, report: &RepositoryReport, trigger: &Trigger) -> Result<Code> {
    println!("{} errors: nothing was planned", report.error_count());
    let text = markdown::invalid(report, &context.inputs, &context.github.sha);
    context.files.summary(&text)?;
    if let Trigger::PullRequest { number } = trigger {
        plan::comment(context, *number, &text)?;
    }
    Ok(Code::Failure)
}

/// One annotation per problem, on the file, line and column it is about.
fn annotate(context: &Context, report: &RepositoryReport) {
    for d in report.diagnostics() {
        annotate_one(context, d);
    }
}

/// One problem (of validation, or a missing reference) as an annotation on its file and line.
pub(crate) fn annotate_one(context: &Context, d: &rnd_core::diagnostic::Diagnostic) {
    {
        let level = match d.severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        };
        let position = Position {
            file: context.inputs.workspace_path(&d.file),
            line: d.location.line,
            column: d.location.column,
        };
        let message = match &d.help {
            Some(help) => format!("{}\nhelp: {help}", d.message),
            None => d.message.clone(),
        };
        println!("{}", annotation(level, Some(&position), d.code, &message));
    }
}
