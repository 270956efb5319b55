//! `rnd permissions`: the policy document for each mode, as a user attaches it, and the reasons.

use crate::support::{repo_root, rnd, Run};

#[test]
fn prints_an_attachable_policy_per_mode_and_explains_it() {
    let examples = repo_root().join("examples");
    let dir = examples.to_str().unwrap();
    let Run { code, stdout, stderr } = rnd(&["permissions", "--dir", dir, "--for", "plan"]);
    assert_eq!(code, 0, "{stderr}");
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON document");
    assert_eq!(document["Version"], "2012-10-17");
    insta::assert_snapshot!("plan", stdout);

    let Run { code, stdout, .. } = rnd(&[
        "permissions",
        "--dir",
        dir,
        "--for",
        "apply",
        "--account",
        "123456789012",
    ]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("arn:aws:ecs:us-east-1:123456789012:cluster/research"),
        "{stdout}"
    );
    assert!(!stdout.contains("us-east-1:*:service/"), "{stdout}");

    let Run { code, stdout, .. } = rnd(&["permissions", "--dir", dir, "--for", "secrets", "--explain"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("secrets_explained", stdout);
}
