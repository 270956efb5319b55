//! Shared by the function's tests: local stand-ins and the emulator's environment.

#![allow(dead_code)]

use rnd_test_support::emulator;
pub use rnd_test_support::http;

use std::collections::BTreeMap;

use serde_json::{json, Value};

/// The emulator's environment (`rnd_test_support::emulator::env`: fails loudly, saying how to
/// start it, when the emulator is not there), by name.
pub fn emulator_env() -> BTreeMap<String, String> {
    emulator::env().into_iter().collect()
}

/// SDK configuration for the emulator.
pub async fn sdk_config(env: &BTreeMap<String, String>) -> aws_config::SdkConfig {
    emulator::sdk_config(&env["AWS_ENDPOINT_URL"]).await
}

/// A stand-in for GitHub's contents API serving `files` (path → text) of `repository` at any ref:
/// a directory as a JSON listing (files, and `dir` entries for folders below it), a file raw (as
/// `Accept: application/vnd.github.raw+json` asks).
pub async fn github(repository: &'static str, files: BTreeMap<String, String>) -> http::Server {
    github_with_links(repository, files, BTreeMap::new()).await
}

/// [`github`], with symbolic links (path → target path): listed as `symlink`, and read as the
/// target's text, which is what GitHub answers when a link points at a file of the repository.
pub async fn github_with_links(
    repository: &'static str,
    files: BTreeMap<String, String>,
    links: BTreeMap<String, String>,
) -> http::Server {
    http::Server::start(move |request| {
        let prefix = format!("/repos/{repository}/contents");
        let Some(rest) = request.target.strip_prefix(&prefix) else {
            return (404, "application/json", br#"{"message":"Not Found"}"#.to_vec());
        };
        let path = rest.split('?').next().unwrap_or_default().trim_start_matches('/');
        let followed = links.get(path).map(String::as_str).unwrap_or(path);
        if let Some(text) = files.get(followed) {
            return (200, "application/vnd.github.raw", text.clone().into_bytes());
        }
        let listing = list(
            path,
            files
                .keys()
                .map(|p| (p, "file"))
                .chain(links.keys().map(|p| (p, "symlink"))),
        );
        if listing.is_empty() {
            (404, "application/json", br#"{"message":"Not Found"}"#.to_vec())
        } else {
            (200, "application/json", serde_json::to_vec(&listing).unwrap())
        }
    })
    .await
}

/// The entries directly in `dir` among `paths` (with their types), folders once each as `dir`.
fn list<'a>(dir: &str, paths: impl Iterator<Item = (&'a String, &'static str)>) -> Vec<Value> {
    let mut entries: BTreeMap<String, Value> = BTreeMap::new();
    for (path, kind) in paths {
        let within = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let Some(rest) = path.strip_prefix(&within) else {
            continue;
        };
        let (name, kind) = match rest.split_once('/') {
            Some((folder, _)) => (folder, "dir"),
            None => (rest, kind),
        };
        entries.insert(
            name.to_string(),
            json!({ "name": name, "path": format!("{within}{name}"), "type": kind }),
        );
    }
    entries.into_values().collect()
}

/// A Function URL request (payload format 2.0) as AWS documents it.
pub fn function_url_request(body: &str, headers: &[(&str, &str)]) -> Value {
    let mut all = json!({
        "content-type": "application/json",
        "host": "abcdefg.lambda-url.us-east-1.on.aws",
        "user-agent": "GitHub-Hookshot/4d63d8f"
    });
    for (k, v) in headers {
        all[*k] = json!(v);
    }
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": all,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefg",
            "domainName": "abcdefg.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abcdefg",
            "http": { "method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "140.82.115.1", "userAgent": "GitHub-Hookshot/4d63d8f" },
            "requestId": "7d2b8b5a-3c2c-4a5e-9d7b-1f2e3d4c5b6a",
            "routeKey": "$default",
            "stage": "$default",
            "time": "27/Nov/2026:21:00:00 +0000",
            "timeEpoch": 1795381200000u64
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// Stand-in for the hand-made certificate, for every host under `domain`; its ARN.
pub async fn certificate(config: &aws_config::SdkConfig, domain: &str) -> String {
    emulator::certificate(config, &format!("*.{domain}")).await
}

/// `platform.json` for a host-routed platform `name` under `domain`.
pub fn platform_json(name: &str, domain: &str, certificate: &str) -> String {
    format!(
        r#"{{ "name": "{name}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "{domain}" }},
             "certificate_arn": "{certificate}" }}"#
    )
}

/// Store `value` as the SSM SecureString parameter `name` (a credential the function reads).
pub async fn put_secure_parameter(config: &aws_config::SdkConfig, name: &str, value: &str) {
    aws_sdk_ssm::Client::new(config)
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .expect("store a parameter in the emulator");
}
