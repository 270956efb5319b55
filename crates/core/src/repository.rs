//! A whole deployments repository (`platform.json` + `manifests/*.json`), validated together.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::manifest::{parse_env_file, validate_manifest, Manifest, ManifestContext};
use crate::platform::{validate_platform, Platform};
use crate::source::{location_at, JsonSource};

/// A file as read by a frontend: its path relative to the deployments directory, and its bytes.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A repository in which every file is valid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repository {
    pub platform: Platform,
    /// Sorted by service name.
    pub manifests: Vec<Manifest>,
}

/// Every file's problems, in the order the files were given; `repository` when nothing is invalid.
#[derive(Debug, Clone)]
pub struct RepositoryReport {
    pub repository: Option<Repository>,
    pub files: Vec<FileReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
    /// Byte ranges of values that may be secrets: hide them when quoting the file.
    #[serde(skip)]
    pub concealed: Vec<std::ops::Range<usize>>,
}

impl RepositoryReport {
    pub fn error_count(&self) -> usize {
        self.diagnostics().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics().filter(|d| !d.is_error()).count()
    }

    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.files.iter().flat_map(|f| &f.diagnostics)
    }
}

/// The service name a manifest path gives: the file name without `.json`.
pub fn service_name_of(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.strip_suffix(".json").unwrap_or(file)
}

/// Plain variables beside a manifest: `manifests/<name>.env` (see `manifest::parse_env_file`).
pub const ENV_FILE_SUFFIX: &str = ".env";

/// Validate the platform file and every manifest. Manifests are checked against the platform
/// when it is valid; otherwise the checks that depend on it are skipped rather than guessed.
/// `manifest_files` may hold `manifests/<name>.env` files beside the manifests: their variables
/// join the manifest's `env`, and a name in both places is an error naming both.
pub fn validate_repository(platform_file: &SourceFile, manifest_files: &[SourceFile]) -> RepositoryReport {
    let mut files = Vec::with_capacity(manifest_files.len() + 1);
    let platform = match utf8(platform_file) {
        Ok(text) => {
            let validated = validate_platform(&platform_file.path, text);
            files.push(FileReport {
                file: platform_file.path.clone(),
                diagnostics: validated.diagnostics,
                concealed: validated.concealed,
            });
            validated.value
        }
        Err(d) => {
            files.push(FileReport {
                file: platform_file.path.clone(),
                diagnostics: vec![*d],
                concealed: Vec::new(),
            });
            None
        }
    };
    let context = platform
        .as_ref()
        .map(ManifestContext::for_platform)
        .unwrap_or_default();
    let mut manifests = Vec::with_capacity(manifest_files.len());
    let mut all_valid = platform.is_some();
    let mut env_files = Vec::new();
    for file in manifest_files {
        if file.path.ends_with(ENV_FILE_SUFFIX) {
            env_files.push(file);
            continue;
        }
        let validated = match utf8(file) {
            Ok(text) => validate_manifest(&file.path, service_name_of(&file.path), text, &context),
            Err(d) => crate::validate::Validated::invalid(vec![*d]),
        };
        match validated.value {
            Some(m) => manifests.push(m),
            None => all_valid = false,
        }
        files.push(FileReport {
            file: file.path.clone(),
            diagnostics: validated.diagnostics,
            concealed: validated.concealed,
        });
    }
    let manifest_paths: Vec<&str> = manifest_files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| !p.ends_with(ENV_FILE_SUFFIX))
        .collect();
    for file in env_files {
        let report = merge_env_file(file, &manifest_paths, &mut manifests);
        all_valid &= !report.diagnostics.iter().any(Diagnostic::is_error);
        files.push(report);
    }
    manifests.sort_by(|a, b| a.name.cmp(&b.name));
    for manifest in &manifests {
        let problems = too_large_for_ecs(manifest).into_iter().chain(
            platform
                .as_ref()
                .filter(|p| p.scale_to_zero.is_some())
                .and_then(|_| crate::manifest::idle::wake_name_taken(manifest, &manifests)),
        );
        for mut problem in problems {
            crate::prerequisites::locate(std::slice::from_mut(&mut problem), manifest_files);
            all_valid = false;
            if let Some(report) = files.iter_mut().find(|f| f.file == problem.file) {
                report.diagnostics.push(problem);
            }
        }
    }
    if let (true, Some(platform)) = (all_valid, &platform) {
        let over = over_budget(platform_file, platform, &manifests);
        all_valid = over.is_empty();
        files[0].diagnostics.extend(over);
        files[0]
            .diagnostics
            .extend(open_to_everyone(platform_file, platform, &manifests));
    }
    let repository = match (all_valid, platform) {
        (true, Some(platform)) => Some(Repository { platform, manifests }),
        _ => None,
    };
    RepositoryReport { repository, files }
}

/// ECS refuses a task definition larger than 64 KiB; what a manifest puts in one that can grow
/// is its variables (from `env` and its `.env` file) and secret references. Counted with room
/// for the rest of the definition (names, image, roles, log settings: a few KiB at most).
const TASK_DEFINITION_LIMIT: usize = 64 * 1024;
const TASK_DEFINITION_REST: usize = 4 * 1024;

fn too_large_for_ecs(manifest: &Manifest) -> Option<Diagnostic> {
    // Each variable becomes `{"name":"…","value":"…"}`; each secret `{"name":"…","valueFrom":"…"}`
    // with the store path (up to ~80 bytes more than the secret's name).
    let env: usize = manifest.env.iter().map(|(k, v)| k.len() + v.len() + 24).sum();
    let secrets: usize = manifest
        .secrets
        .iter()
        .map(|(k, v)| k.len() + v.len() + 110)
        .sum();
    let size = env + secrets + TASK_DEFINITION_REST;
    (size > TASK_DEFINITION_LIMIT).then(|| Diagnostic {
        severity: Severity::Error,
        code: "manifest/task-definition-too-large",
        file: format!("manifests/{}.json", manifest.name),
        pointer: "/env".into(),
        location: Location {
            offset: 0,
            length: 0,
            line: 1,
            column: 1,
        },
        message: format!(
            "its variables and secrets make a task definition of about {} KiB, and ECS accepts at \
             most 64 KiB ({} variables, {} secrets)",
            size.div_ceil(1024),
            manifest.env.len(),
            manifest.secrets.len()
        ),
        help: Some(
            "move large values out of the environment (a file in the image, an S3 object, or a \
             secret, which is a short reference) or split the configuration"
                .into(),
        ),
    })
}

/// The cost limits of `platform.json` against where the manifests would run (a fresh placement,
/// as `rnd capacity` shows it): one error per limit exceeded, at the limit. Placed only when a
/// cost limit is set; a service that fits nowhere is reported by its manifest's checks.
/// A warning when routed services are reachable by anyone on the internet, naming them: the
/// platform team decides that, knowingly, not by leaving `routing` at its defaults.
fn open_to_everyone(
    platform_file: &SourceFile,
    platform: &Platform,
    manifests: &[Manifest],
) -> Option<Diagnostic> {
    let routing = &platform.routing;
    let everywhere = crate::platform::EVERYWHERE
        .iter()
        .any(|c| routing.allowed_cidrs.iter().any(|a| a == c));
    if routing.scheme != crate::platform::Scheme::InternetFacing || !everywhere {
        return None;
    }
    // With sign-in, only `public` routes are open.
    let routed: Vec<&str> = manifests
        .iter()
        .filter(|m| {
            m.route
                .as_ref()
                .is_some_and(|r| routing.sign_in.is_none() || r.public)
        })
        .map(|m| m.name.as_str())
        .collect();
    if routed.is_empty() {
        return None;
    }
    let source = utf8(platform_file).ok().and_then(|t| JsonSource::parse(t).ok());
    Some(Diagnostic {
        severity: Severity::Warning,
        code: "platform/routes-open-to-everyone",
        file: platform_file.path.clone(),
        pointer: "/routing".to_string(),
        location: source
            .as_ref()
            .map(|s| s.value_location("/routing"))
            .unwrap_or(Location {
                offset: 0,
                length: 0,
                line: 1,
                column: 1,
            }),
        message: format!(
            "{} {} reachable by anyone on the internet, with no sign-in{}",
            routed.join(", "),
            if routed.len() == 1 { "is" } else { "are" },
            if routing.sign_in.is_some() {
                " (\"public\": true)"
            } else {
                ""
            }
        ),
        help: Some(if routing.sign_in.is_some() {
            // The platform signs people in; these manifests opted out on purpose.
            "fine for an API machines call; otherwise drop `\"public\": true` from the manifest to \
             put it behind the platform's sign-in, or set `routing.allow_public_services` to false \
             to allow no such exception"
                .to_string()
        } else {
            "to limit who can reach them, add sign-in (`routing.sign_in`), list your networks in \
             `routing.allowed_cidrs` (e.g. [\"10.0.0.0/8\"]) or set `routing.scheme` to \"internal\""
                .to_string()
        }),
    })
}

fn over_budget(platform_file: &SourceFile, platform: &Platform, manifests: &[Manifest]) -> Vec<Diagnostic> {
    let limits = &platform.limits;
    if limits.max_hourly_cost_per_service.is_none() && limits.max_hourly_cost_total.is_none() {
        return Vec::new();
    }
    let demands: Vec<_> = manifests.iter().map(crate::plan::demand_of).collect();
    let allowed = crate::placement::AllowList(platform.gpu_instance_types.clone());
    let Ok(capacity) = crate::placement::plan_capacity(&demands, &allowed, &platform.region, None) else {
        return Vec::new();
    };
    let source = utf8(platform_file).ok().and_then(|t| JsonSource::parse(t).ok());
    crate::plan::budget::over_budget(limits, &capacity)
        .into_iter()
        .map(|o| Diagnostic {
            severity: Severity::Error,
            code: "platform/over-budget",
            file: platform_file.path.clone(),
            pointer: o.pointer.to_string(),
            location: source
                .as_ref()
                .map(|s| s.value_location(o.pointer))
                .unwrap_or(Location {
                    offset: 0,
                    length: 0,
                    line: 1,
                    column: 1,
                }),
            message: o.message,
            help: Some(
                "`rnd capacity` shows where each service runs and what it costs: make a service \
                 smaller, fewer replicas, or raise the limit in platform.json"
                    .to_string(),
            ),
        })
        .collect()
}

/// Parse an env file and add its variables to its manifest's `env`, reporting names the manifest
/// already sets (in `env` or `secrets`) and an env file without a manifest.
fn merge_env_file(file: &SourceFile, manifest_paths: &[&str], manifests: &mut [Manifest]) -> FileReport {
    let text = match utf8(file) {
        Ok(text) => text,
        Err(d) => {
            return FileReport {
                file: file.path.clone(),
                diagnostics: vec![*d],
                concealed: Vec::new(),
            }
        }
    };
    let mut parsed = parse_env_file(&file.path, text);
    let stem = file.path.strip_suffix(ENV_FILE_SUFFIX).unwrap_or(&file.path);
    let manifest_path = format!("{stem}.json");
    let service = service_name_of(&manifest_path);
    if !manifest_paths.contains(&manifest_path.as_str()) {
        parsed.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            code: "env-file/no-manifest",
            file: file.path.clone(),
            pointer: String::new(),
            location: location_at(text, 0, 0),
            message: format!("there is no manifest {manifest_path} for these variables"),
            help: Some(format!(
                "an env file belongs beside its manifest: create {manifest_path}, or rename this file after an existing one"
            )),
        });
    }
    let manifest = manifests.iter_mut().find(|m| m.name == service);
    if let (Some(manifest), false) = (manifest, parsed.has_errors()) {
        for (key, entry) in &parsed.vars {
            let clash = if manifest.env.contains_key(key) {
                Some(format!("`env.{key}`"))
            } else if manifest.secrets.contains_key(key) {
                Some(format!("`secrets.{key}`"))
            } else {
                None
            };
            if let Some(clash) = clash {
                parsed.diagnostics.push(Diagnostic {
                    severity: Severity::Error,
                    code: "env-file/clash",
                    file: file.path.clone(),
                    pointer: format!("/{}", crate::diagnostic::pointer_segment(key)),
                    location: entry.key_location,
                    message: format!("`{key}` is set both here and in {manifest_path} as {clash}"),
                    help: Some(format!("keep it in one place: this file or {manifest_path}")),
                });
            }
        }
        if !parsed.has_errors() {
            for (key, entry) in parsed.vars {
                manifest.env.insert(key, entry.value);
            }
        }
    }
    // In file order, as a manifest's are.
    parsed.diagnostics.sort_by_key(|d| d.location.offset);
    FileReport {
        file: file.path.clone(),
        diagnostics: parsed.diagnostics,
        concealed: parsed.concealed,
    }
}

fn utf8(file: &SourceFile) -> Result<&str, Box<Diagnostic>> {
    std::str::from_utf8(&file.bytes).map_err(|e| -> Box<Diagnostic> {
        let offset = e.valid_up_to();
        let valid = std::str::from_utf8(&file.bytes[..offset]).unwrap_or_default();
        Box::new(Diagnostic {
            severity: Severity::Error,
            code: "file/not-utf8",
            file: file.path.clone(),
            pointer: String::new(),
            location: location_at(valid, offset, 0),
            message: format!("the file is not UTF-8 text (invalid byte at offset {offset})"),
            help: Some("save it as UTF-8 JSON".into()),
        })
    })
}
