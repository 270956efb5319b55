//! `rnd secrets set|list|delete`: a service's secrets in the platform's store. Values go in
//! through standard input only (never the command line, where shell history and `ps` would keep
//! them) and never come out: `list` shows names and when each changed. `list` and `delete` also
//! work for a removed service, whose secrets rnd keeps.

use std::io::{IsTerminal, Read};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use rnd_aws::SecretValue;
use rnd_core::manifest::Manifest;
use rnd_core::plan::naming::Names;
use rnd_core::prerequisites::{store_label, stored_name};
use rnd_core::repository::Repository;
use rnd_core::validate::names::secret_name;
use serde_json::json;

use super::load::valid_repository;
use super::DirArg;
use rnd_app::aws;
use rnd_app::exit::Code;

#[derive(Debug, Args)]
pub struct SecretsArgs {
    #[command(subcommand)]
    pub command: SecretsCommand,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Store a secret for a service, reading its value from standard input (one trailing
    /// newline is dropped), e.g. `rnd secrets set whisper hf-token < token.txt`.
    Set(SetArgs),
    /// List a service's secrets: names and when each changed, never values (a removed
    /// service's too).
    List(ListArgs),
    /// Delete a service's secret (a removed service's too). Refused while a manifest uses it.
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// The service, with a manifest or removed.
    pub service: String,
    /// The secret's name.
    pub name: String,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// The service (its manifest is manifests/<service>.json).
    pub service: String,
    /// The secret's name, as the manifest's `secrets` refers to it.
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// The service (its manifest is manifests/<service>.json).
    pub service: String,
    /// Output format: text for people, json for machines (names and dates, never values).
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

pub fn run(args: &SecretsArgs) -> Result<Code> {
    match &args.command {
        SecretsCommand::Set(args) => set(args),
        SecretsCommand::List(args) => list(args),
        SecretsCommand::Delete(args) => delete(args),
    }
}

fn set(args: &SetArgs) -> Result<Code> {
    let Some(repository) = valid_repository(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    let manifest = service(&repository, &args.service)?;
    if let Err(why) = secret_name(&args.name) {
        bail!("`{}` is not a secret name: {why}", args.name);
    }
    let value = read_value()?;
    let platform = &repository.platform;
    let path = Names::new(&platform.name).secret_path(&manifest.name, &args.name);
    let stored = aws::runtime()?.block_on(async {
        let clients = aws::clients(&platform.region).await;
        rnd_aws::secrets::set(
            &clients,
            platform.secrets_store,
            &path,
            &platform.name,
            &manifest.name,
            &value,
        )
        .await
    })?;
    println!(
        "stored {} `{}` (version {})",
        store_label(platform.secrets_store),
        stored.name,
        stored.version
    );
    if manifest.secrets.values().any(|s| s == &args.name) {
        println!(
            "running tasks of {0} keep the value they started with until they restart: `rnd restart {0}` \
             (or the next deployment) gives them this one",
            manifest.name
        );
    } else {
        println!(
            "note: manifests/{}.json does not refer to it yet; add it under `secrets`, e.g. \"{}\": \"{}\"",
            manifest.name,
            rnd_core::validate::names::to_env_var_name(&args.name),
            args.name
        );
    }
    Ok(Code::Success)
}

fn list(args: &ListArgs) -> Result<Code> {
    let Some(repository) = valid_repository(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    let manifest = known_or_removed(&repository, &args.service)?;
    let platform = &repository.platform;
    let prefix = Names::new(&platform.name).secret_path(&args.service, "");
    let listed = aws::runtime()?.block_on(async {
        let clients = aws::clients(&platform.region).await;
        rnd_aws::secrets::list_under(&clients, platform.secrets_store, &prefix).await
    })?;
    let rows: Vec<serde_json::Value> = listed
        .iter()
        .map(|s| {
            let name = s.path.strip_prefix(&prefix).unwrap_or(&s.path);
            json!({
                "name": name,
                "stored_as": stored_name(platform.secrets_store, &s.path),
                "last_changed": s.last_changed.map(|t| humantime::format_rfc3339_seconds(t).to_string()),
                "referenced_as": manifest.iter().flat_map(|m| &m.secrets).filter(|(_, v)| v.as_str() == name).map(|(k, _)| k.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    match args.format {
        ListFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "service": args.service, "removed": manifest.is_none(), "secrets": rows })
            )?
        ),
        ListFormat::Text => print!("{}", list_text(&args.service, manifest, &rows)),
    }
    Ok(Code::Success)
}

fn delete(args: &DeleteArgs) -> Result<Code> {
    let Some(repository) = valid_repository(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    let manifest = known_or_removed(&repository, &args.service)?;
    if let Err(why) = secret_name(&args.name) {
        bail!("`{}` is not a secret name: {why}", args.name);
    }
    // Deleting what a manifest uses would make the next plan refuse, and a restarted task fail.
    if let Some((env, _)) = manifest.and_then(|m| m.secrets.iter().find(|(_, s)| **s == args.name)) {
        bail!(
            "manifests/{}.json uses `{}` as `secrets.{env}`: remove it from the manifest (and apply) \
             before deleting the secret",
            args.service,
            args.name
        );
    }
    let platform = &repository.platform;
    let path = Names::new(&platform.name).secret_path(&args.service, &args.name);
    let deleted = aws::runtime()?.block_on(async {
        let clients = aws::clients(&platform.region).await;
        rnd_aws::secrets::delete(&clients, platform.secrets_store, &path).await
    })?;
    let name = stored_name(platform.secrets_store, &path);
    if !deleted {
        bail!(
            "there is no {} `{name}` to delete",
            store_label(platform.secrets_store)
        );
    }
    println!("deleted {} `{name}`", store_label(platform.secrets_store));
    Ok(Code::Success)
}

/// The service's manifest, `None` for a removed service (no manifest, but a valid name whose
/// secrets rnd kept), or an error for a name no service can have.
fn known_or_removed<'r>(repository: &'r Repository, name: &str) -> Result<Option<&'r Manifest>> {
    if let Some(manifest) = repository.manifests.iter().find(|m| m.name == name) {
        return Ok(Some(manifest));
    }
    if let Err(why) = rnd_core::validate::names::dns_label(name) {
        bail!("`{name}` is not a service name: {why}");
    }
    Ok(None)
}

fn list_text(service: &str, manifest: Option<&Manifest>, rows: &[serde_json::Value]) -> String {
    let mut out = String::new();
    if manifest.is_none() {
        out.push_str(&format!(
            "{service} has no manifest (removed, or never deployed): its secrets are kept until \
             `rnd secrets delete {service} NAME`\n"
        ));
    }
    if rows.is_empty() {
        out.push_str(&format!("{service} has no secrets stored\n"));
    } else {
        let width = rows
            .iter()
            .map(|r| r["name"].as_str().unwrap_or_default().len())
            .max()
            .unwrap_or(0)
            .max(4);
        out.push_str(&format!("{:width$}  LAST CHANGED          USED AS\n", "NAME"));
        for row in rows {
            let used: Vec<&str> = row["referenced_as"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str())
                .collect();
            out.push_str(&format!(
                "{:width$}  {:20}  {}\n",
                row["name"].as_str().unwrap_or_default(),
                row["last_changed"].as_str().unwrap_or("unknown"),
                if used.is_empty() {
                    "(not referenced)".to_string()
                } else {
                    used.join(", ")
                }
            ));
        }
    }
    // A referenced secret that is not stored would fail the next plan: say so here too.
    let stored: Vec<&str> = rows.iter().filter_map(|r| r["name"].as_str()).collect();
    for (env, secret) in manifest.iter().flat_map(|m| &m.secrets) {
        if !stored.contains(&secret.as_str()) {
            out.push_str(&format!(
                "missing: `secrets.{env}` names `{secret}`, not stored yet (`rnd secrets set {service} {secret}`)\n"
            ));
        }
    }
    out
}

/// The service's manifest, or an error naming where it would be.
fn service<'r>(repository: &'r Repository, name: &str) -> Result<&'r Manifest> {
    repository.manifests.iter().find(|m| m.name == name).with_context(|| {
        let known: Vec<&str> = repository.manifests.iter().map(|m| m.name.as_str()).collect();
        format!(
            "there is no service `{name}` (no manifests/{name}.json); secrets belong to a service with a manifest. Services: {}",
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        )
    })
}

/// The value from standard input: all of it, minus one trailing newline. A terminal is refused,
/// since what is typed there is echoed on screen.
fn read_value() -> Result<SecretValue> {
    if std::io::stdin().is_terminal() {
        bail!("the value is read from standard input, not typed: pipe or redirect it, e.g. `rnd secrets set SERVICE NAME < file`");
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading the secret's value from standard input (it must be UTF-8 text)")?;
    if let Some(stripped) = text.strip_suffix('\n') {
        text.truncate(stripped.strip_suffix('\r').unwrap_or(stripped).len());
    }
    if text.is_empty() {
        bail!("standard input was empty: nothing to store (pipe the value in)");
    }
    Ok(SecretValue::new(text))
}
