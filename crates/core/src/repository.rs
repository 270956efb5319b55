//! A whole deployments repository (`platform.json` + `manifests/*.json`), validated together.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::{validate_manifest, Manifest, ManifestContext};
use crate::platform::{validate_platform, Platform};
use crate::source::location_at;

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

/// Validate the platform file and every manifest. Manifests are checked against the platform
/// when it is valid; otherwise the checks that depend on it are skipped rather than guessed.
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
    for file in manifest_files {
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
    manifests.sort_by(|a, b| a.name.cmp(&b.name));
    let repository = match (all_valid, platform) {
        (true, Some(platform)) => Some(Repository { platform, manifests }),
        _ => None,
    };
    RepositoryReport { repository, files }
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
