//! The IAM policy simulator (`scripts/iam-check`: `@cloud-copilot/iam-simulate`, pinned) as the
//! permission tests call it: requests in, the ones not decided as expected out.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

/// The emulator's account, which the tests' ARNs name.
pub const ACCOUNT: &str = "123456789012";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One request to decide: `action` on `resource` with `context` keys, expected `Allowed` or
/// `Denied`; `call` says where it comes from, for messages.
pub fn request(action: &str, resource: &str, context: Value, call: &str, allowed: bool) -> Value {
    json!({
        "action": action,
        "resource": resource,
        "context": context,
        "call": call,
        "expect": if allowed { "Allowed" } else { "Denied" },
    })
}

/// Decide `requests` against `policy` with the simulator. `Ok(n)` when all `n` were decided as
/// expected; otherwise the simulator's lines for the others (each with its decision, or its
/// refusal of an unknown action, a resource ARN of the wrong type, a context key that does not
/// apply).
pub fn check(policy: &Value, requests: &[Value], scratch: &Path) -> Result<usize, String> {
    std::fs::create_dir_all(scratch).map_err(|e| e.to_string())?;
    let file = scratch.join(format!("iam-check-{}-{}.json", std::process::id(), next_number()));
    let input = json!({ "policy": policy, "account": ACCOUNT, "requests": requests });
    std::fs::write(&file, serde_json::to_vec_pretty(&input).unwrap()).map_err(|e| e.to_string())?;
    let output = Command::new(repo_root().join("scripts/iam-check"))
        .arg(&file)
        .output()
        .map_err(|e| format!("scripts/iam-check did not run (it needs Node.js and npm): {e}"))?;
    if output.status.success() {
        Ok(requests.len())
    } else {
        Err(format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// A distinct file name per call within a process, without a clock or a random-number crate.
fn next_number() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
