//! A person's AWS setup going wrong — no credentials, an endpoint that does not answer, a region
//! other than the platform's — gives one sentence saying what to set, exit 1 (never 2, even with
//! `--detailed-exitcode`), and none of the SDK's nested error dump.

use std::process::Command;

use crate::support::repo_root;

/// `rnd` with only `vars` in its environment (no profile, no instance metadata).
fn rnd_in(vars: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_rnd"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(vars.iter().copied())
        .output()
        .expect("rnd runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn plan_examples(vars: &[(&str, &str)]) -> (i32, String) {
    let examples = repo_root().join("examples");
    rnd_in(
        vars,
        &["plan", "--dir", examples.to_str().unwrap(), "--detailed-exitcode"],
    )
}

/// The error line, without the call and resource it happened to fail first (calls run at once).
fn reason(stderr: &str) -> String {
    let line = stderr.lines().find(|l| l.starts_with("error:")).unwrap_or(stderr);
    assert!(
        !line.contains("DispatchFailure") && !line.contains("ConnectorError"),
        "{line}"
    );
    // `error: observing platform research in AWS: <Operation> <resource>: <sentence>`
    let call = line.split_once(" in AWS: ").map_or(line, |(_, rest)| rest);
    call.split_once(": ")
        .map_or(call, |(_, sentence)| sentence)
        .to_string()
}

#[test]
fn no_credentials_say_what_to_set() {
    let (code, stderr) = plan_examples(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")]);
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!(reason(&stderr));
}

#[test]
fn an_unreachable_endpoint_says_so_and_is_an_error_not_changes() {
    let (code, stderr) = plan_examples(&[
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00"),
        ("AWS_SECRET_ACCESS_KEY", "not-a-real-secret"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_MAX_ATTEMPTS", "1"),
    ]);
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!(reason(&stderr));
}
