//! Planning runs (pull requests, and events that neither comment nor apply): observe, plan,
//! write the plan to the job summary and the step outputs, and keep the sticky comment current.

use anyhow::Result;
use rnd_app::exit::Code;
use rnd_app::github::GitHub;
use rnd_app::Valid;
use rnd_core::plan::render::render_text;
use rnd_core::plan::{Plan, PlanOptions};

use crate::workflow::{annotation, Level};
use crate::{markdown, sticky, Context};

/// GitHub asks every client to name itself.
const USER_AGENT: &str = concat!("rnd-action/", env!("CARGO_PKG_VERSION"));

/// Observe and plan; on a pull request (`number`) also comment. Planning changes nothing, so
/// no lock is taken.
pub fn run(context: &Context, valid: &Valid, number: Option<u64>) -> Result<Code> {
    let runtime = rnd_app::runtime()?;
    let (missing, planned) = runtime.block_on(async {
        let clients = rnd_app::clients(&valid.repository.platform.region).await;
        // What the plan would deploy must exist: image tags (published releases) and secrets.
        let missing = rnd_app::references::missing(&clients, valid).await?;
        if !missing.is_empty() {
            return anyhow::Ok((missing, None));
        }
        let planned = rnd_app::observe_and_plan(
            &clients,
            &valid.repository,
            &PlanOptions::default(),
            crate::refresh(context.inputs.refresh),
        )
        .await?;
        anyhow::Ok((missing, Some(planned)))
    })?;
    if let Some(planned) = planned.filter(|_| missing.is_empty()) {
        return planned_run(context, planned, number);
    }
    let text = missing_references(context, &missing);
    context.files.summary(&text)?;
    if let Some(number) = number {
        comment(context, number, &text)?;
    }
    Ok(Code::Failure)
}

/// Missing image tags or secrets: an annotation on each one's line, and the Markdown for the
/// summary and the comment (each written as every frontend writes it, position first).
pub(crate) fn missing_references(context: &Context, problems: &[rnd_core::diagnostic::Diagnostic]) -> String {
    for problem in problems {
        crate::annotate_one(context, problem);
    }
    let mut lines: Vec<String> = problems.iter().map(rnd_app::references::describe).collect();
    lines.push(rnd_app::references::conclusion(problems));
    markdown::unplannable(&lines.join("\n"), &context.github.sha)
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
    let runtime = rnd_app::runtime()?;
    let done = runtime.block_on(async {
        let api = GitHub::new(&context.github.api_url, Some(token), USER_AGENT)?;
        let repository = &context.github.repository;
        let comments = api.comments(repository, number).await?;
        anyhow::Ok(match sticky::find(&comments, &directory) {
            Some(existing) => (
                "updated",
                api.update_comment(repository, existing.id, &body).await?,
            ),
            None => ("posted", api.create_comment(repository, number, &body).await?),
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
