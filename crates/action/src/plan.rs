//! Planning runs (pull requests, and events that neither comment nor apply): observe, plan,
//! write the plan to the job summary and the step outputs, and keep the sticky comment current.

use anyhow::Result;
use rnd_cli::deploy;
use rnd_cli::exit::Code;
use rnd_core::plan::render::render_text;
use rnd_core::plan::{Plan, PlanOptions};
use rnd_core::repository::Repository;

use crate::github::Api;
use crate::workflow::{annotation, Level};
use crate::{markdown, sticky, Context};

/// Observe and plan; on a pull request (`number`) also comment. Planning changes nothing, so
/// no lock is taken.
pub fn run(context: &Context, repository: &Repository, number: Option<u64>) -> Result<Code> {
    let runtime = deploy::runtime()?;
    let (missing, planned) = runtime.block_on(async {
        let clients = deploy::clients().await;
        // What the plan would deploy must exist: image tags (published releases) and secrets.
        let missing = deploy::missing_references(&clients, repository).await?;
        if !missing.is_empty() {
            return anyhow::Ok((missing, None));
        }
        let planned = deploy::observe_and_plan(&clients, repository, PlanOptions::default()).await?;
        anyhow::Ok((missing, Some(planned)))
    })?;
    let sha = &context.github.sha;
    if let Some(planned) = planned.filter(|_| missing.is_empty()) {
        return planned_run(context, planned, number);
    }
    let lines = missing_lines(&missing);
    for line in &lines {
        println!("{}", annotation(Level::Error, None, "rnd plan", line));
    }
    let text = markdown::unplannable(&lines.join("\n"), sha);
    context.files.summary(&text)?;
    if let Some(number) = number {
        comment(context, number, &text)?;
    }
    Ok(Code::Failure)
}

/// One line per missing image tag or secret: where it is named, what is missing, what to do.
pub(crate) fn missing_lines(problems: &[rnd_core::diagnostic::Diagnostic]) -> Vec<String> {
    problems
        .iter()
        .map(|d| {
            format!(
                "{}: {} ({})",
                d.file,
                d.message,
                d.help.as_deref().unwrap_or_default()
            )
        })
        .collect()
}

/// The rest of a planning run, once the references are all there.
fn planned_run(
    context: &Context,
    planned: Result<Plan, rnd_core::plan::PlanError>,
    number: Option<u64>,
) -> Result<Code> {
    let sha = &context.github.sha;
    let plan = match planned {
        Ok(plan) => plan,
        Err(e) => {
            println!("{}", annotation(Level::Error, None, "rnd plan", &e.to_string()));
            let text = markdown::unplannable(&e.to_string(), sha);
            context.files.summary(&text)?;
            if let Some(number) = number {
                comment(context, number, &text)?;
            }
            return Ok(Code::Failure);
        }
    };
    print!("{}", render_text(&plan, false));
    outputs(context, &plan)?;
    let text = markdown::plan(&plan, sha);
    context.files.summary(&text)?;
    if let Some(number) = number {
        comment(context, number, &text)?;
    }
    Ok(Code::Success)
}

/// The step outputs every run that planned sets.
pub(crate) fn outputs(context: &Context, plan: &Plan) -> Result<()> {
    context
        .files
        .output("has_changes", if plan.has_changes() { "true" } else { "false" })?;
    context
        .files
        .output("monthly_cost_delta", &markdown::monthly_delta(plan))
}

/// Create or edit the pull request's sticky comment so that it says `text`. GitHub refusing
/// (a read-only token on a fork's pull request, most often) is a warning: the job summary
/// has the same text.
pub(crate) fn comment(context: &Context, number: u64, text: &str) -> Result<()> {
    let warn = |why: &str| {
        println!(
            "{}",
            annotation(
                Level::Warning,
                None,
                "rnd-action",
                &format!("no plan comment on pull request #{number}: {why}; the job summary has the plan")
            )
        );
    };
    let Some(token) = context.github.token.clone() else {
        warn("GITHUB_TOKEN is not set (the action's `github-token` input)");
        return Ok(());
    };
    let directory = match context.inputs.workspace_path("") {
        d if d.is_empty() => ".".to_string(),
        d => d,
    };
    let body = sticky::fit(
        &format!("{}\n{text}", sticky::marker(&directory)),
        sticky::MAX_COMMENT,
        context.github.run_url.as_deref(),
    );
    let runtime = deploy::runtime()?;
    let done = runtime.block_on(async {
        let api = Api::new(&context.github.api_url, &context.github.repository, token)?;
        let comments = api.comments(number).await?;
        anyhow::Ok(match sticky::find(&comments, &directory) {
            Some(existing) => ("updated", api.update_comment(existing.id, &body).await?),
            None => ("posted", api.create_comment(number, &body).await?),
        })
    });
    match done {
        Ok((verb, comment)) => {
            let url = comment
                .html_url
                .unwrap_or_else(|| format!("comment {}", comment.id));
            println!("{verb} the plan comment on pull request #{number}: {url}");
        }
        Err(e) => warn(&format!("{e:#}")),
    }
    Ok(())
}
