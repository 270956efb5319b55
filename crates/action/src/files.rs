//! The files the runner reads after the step: outputs (`GITHUB_OUTPUT`) and the job summary
//! (`GITHUB_STEP_SUMMARY`). Both are appended to, as other steps of the job share them.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::workflow::output_entry;

/// Where outputs and the summary go; either may be absent outside a runner (then nothing is written).
pub struct StepFiles {
    pub output: Option<PathBuf>,
    pub summary: Option<PathBuf>,
}

impl StepFiles {
    /// Set the step output `name`.
    pub fn output(&self, name: &str, value: &str) -> Result<()> {
        match &self.output {
            Some(path) => append(path, &output_entry(name, value)),
            None => Ok(()),
        }
    }

    /// Add Markdown to the job summary.
    pub fn summary(&self, markdown: &str) -> Result<()> {
        match &self.summary {
            Some(path) => append(path, &format!("{}\n", markdown.trim_end())),
            None => Ok(()),
        }
    }
}

fn append(path: &Path, text: &str) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}
