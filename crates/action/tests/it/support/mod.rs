//! Helpers shared by the action's tests: a GitHub Actions environment in a temporary directory
//! (workspace, event payload, output and summary files) and the real `rnd-action` binary run in it.

#![allow(dead_code)]

pub mod emulator;
pub mod github;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The outcome of one `rnd-action` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The commit every test run claims to be on (fixed, so summaries can be snapshots).
pub const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// A runner's view of one job: the workspace with a deployments repository in `deploy/`, and
/// the files the runner would create.
pub struct Job {
    pub root: tempfile::TempDir,
}

impl Job {
    /// A workspace holding `platform` and `manifests` under `deploy/`.
    pub fn new(platform: &str, manifests: &[(&str, &str)]) -> Job {
        let root = tempfile::tempdir().expect("temp dir");
        let deploy = root.path().join("workspace/deploy");
        std::fs::create_dir_all(deploy.join("manifests")).unwrap();
        std::fs::write(deploy.join("platform.json"), platform).unwrap();
        for (name, text) in manifests {
            std::fs::write(deploy.join("manifests").join(name), text).unwrap();
        }
        Job { root }
    }

    pub fn workspace(&self) -> PathBuf {
        self.root.path().join("workspace")
    }

    pub fn manifest(&self, name: &str) -> PathBuf {
        self.workspace().join("deploy/manifests").join(name)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    /// What the step wrote to `GITHUB_OUTPUT`, so far.
    pub fn outputs(&self) -> String {
        std::fs::read_to_string(self.path("output")).unwrap_or_default()
    }

    /// What the step wrote to `GITHUB_STEP_SUMMARY`, so far.
    pub fn summary(&self) -> String {
        std::fs::read_to_string(self.path("summary")).unwrap_or_default()
    }

    /// Start afresh on the output and summary files (a new step).
    pub fn new_step(&self) {
        let _ = std::fs::remove_file(self.path("output"));
        let _ = std::fs::remove_file(self.path("summary"));
    }

    /// Run `rnd-action` for `event_name` with `payload` as the event, against the GitHub
    /// stand-in at `api_url`, with `extra` added last (the emulator's environment, an input to override).
    pub fn run(
        &self,
        event_name: &str,
        payload: &serde_json::Value,
        api: &github::GithubStandIn,
        extra: &[(String, String)],
    ) -> Run {
        let event = self.path("event.json");
        std::fs::write(&event, serde_json::to_vec_pretty(payload).unwrap()).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_rnd-action"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.root.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", event_name)
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_REPOSITORY", api.repository())
            .env("GITHUB_SHA", SHA)
            .env("GITHUB_WORKSPACE", self.workspace())
            .env("GITHUB_API_URL", api.url())
            .env("GITHUB_TOKEN", github::TOKEN)
            .env("GITHUB_OUTPUT", self.path("output"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary"))
            .env("INPUT_DIRECTORY", "deploy")
            .env("INPUT_LOCK-WAIT", "30s")
            .env("INPUT_WAIT", "0s")
            // Last, so a test can override any of the above.
            .envs(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(self.workspace())
            .output()
            .expect("the rnd-action binary runs");
        let run = Run {
            code: output.status.code().expect("rnd-action exits with a code"),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        for text in [&run.stdout, &run.stderr, &self.summary(), &self.outputs()] {
            assert!(!text.contains(github::TOKEN), "the token was printed:\n{text}");
        }
        run
    }
}

/// A `pull_request` payload shaped like GitHub's (the fields around the number included).
pub fn pull_request_event(repository: &str, number: u64) -> serde_json::Value {
    serde_json::json!({
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "state": "open",
            "title": "Bump whisper",
            "user": { "login": "octocat", "type": "User" },
            "head": { "ref": "bump", "sha": SHA },
            "base": { "ref": "main", "sha": "fedcba9876543210fedcba9876543210fedcba98" },
        },
        "repository": { "full_name": repository, "default_branch": "main" },
        "sender": { "login": "octocat", "type": "User" },
    })
}

/// A `push` payload shaped like GitHub's.
pub fn push_event(repository: &str, branch: &str) -> serde_json::Value {
    serde_json::json!({
        "ref": format!("refs/heads/{branch}"),
        "before": "fedcba9876543210fedcba9876543210fedcba98",
        "after": SHA,
        "repository": { "full_name": repository, "default_branch": "main" },
        "pusher": { "name": "octocat" },
        "head_commit": { "id": SHA, "message": "Bump whisper" },
    })
}

/// The repository root, for `examples/`.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}
