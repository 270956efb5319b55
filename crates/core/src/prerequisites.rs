//! What a plan refers to but rnd does not create: each manifest's image tag in Amazon ECR and its
//! secrets in the platform's store. A frontend asks AWS which of `wanted` exist (through
//! `rnd-aws`), and `check` turns what is missing into one diagnostic each, before anything is
//! planned, so a deployment never starts that could only fail when ECS pulls or injects.
//!
//! Images outside ECR (Docker Hub, GHCR, any host that is not `<account>.dkr.ecr.<region>.
//! amazonaws.com`) are not checked: rnd has no credentials for other registries.

use crate::platform::SignIn;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::diagnostic::{pointer_join, Diagnostic, Location, Severity};
use crate::manifest::Manifest;
use crate::plan::naming::Names;
use crate::platform::SecretsStore;
use crate::repository::{Repository, SourceFile};
use crate::source::JsonSource;

/// One image tag in one ECR repository.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EcrImage {
    /// The registry: the AWS account id in the host name.
    pub registry: String,
    pub region: String,
    /// The repository name inside the registry, e.g. `whisper` or `team/whisper`.
    pub repository: String,
    pub tag: String,
}

impl EcrImage {
    /// The ECR image a manifest's `image` and `version` name, or `None` when the image is in
    /// another registry.
    pub fn parse(image: &str, tag: &str) -> Option<EcrImage> {
        let (host, repository) = image.split_once('/')?;
        let (registry, rest) = host.split_once(".dkr.ecr.")?;
        let region = rest
            .strip_suffix(".amazonaws.com")
            .or_else(|| rest.strip_suffix(".amazonaws.com.cn"))?;
        let is_account = registry.len() == 12 && registry.bytes().all(|b| b.is_ascii_digit());
        let is_region = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        (is_account && is_region && !repository.is_empty()).then(|| EcrImage {
            registry: registry.to_string(),
            region: region.to_string(),
            repository: repository.to_string(),
            tag: tag.to_string(),
        })
    }

    /// `<repository>:<tag>`, as people and the ECR console name it.
    pub fn display(&self) -> String {
        format!("{}:{}", self.repository, self.tag)
    }
}

/// Everything the manifests refer to that must exist before a plan can be carried out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    pub images: BTreeSet<EcrImage>,
    /// Secret paths (`<platform>/<service>/<NAME>`, see `Names::secret_path`).
    pub secrets: BTreeSet<String>,
    pub secrets_store: Option<SecretsStore>,
    /// The platform's secret path prefix, `<platform>/`: one listing under it finds them all.
    pub secrets_prefix: String,
}

/// What AWS holds of what was wanted. Secrets are paths as in `Wanted`, never values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExistingReferences {
    pub images: BTreeSet<EcrImage>,
    pub secrets: BTreeSet<String>,
}

/// The name a secret path has in its store: SSM parameter names start with `/`, Secrets Manager
/// names do not.
pub fn stored_name(store: SecretsStore, path: &str) -> String {
    match store {
        SecretsStore::Ssm => format!("/{path}"),
        SecretsStore::SecretsManager => path.to_string(),
    }
}

/// The store's name in messages.
pub fn store_label(store: SecretsStore) -> &'static str {
    match store {
        SecretsStore::Ssm => "SSM parameter",
        SecretsStore::SecretsManager => "Secrets Manager secret",
    }
}

/// What to ask AWS about for `repository`.
pub fn wanted(repository: &Repository) -> Wanted {
    let platform = &repository.platform;
    let names = Names::new(&platform.name);
    let mut wanted = Wanted {
        secrets_prefix: format!("{}/", platform.name),
        ..Wanted::default()
    };
    for manifest in &repository.manifests {
        wanted
            .images
            .extend(EcrImage::parse(&manifest.image, &manifest.version));
        for secret in manifest.secrets.values() {
            wanted.secrets.insert(names.secret_path(&manifest.name, secret));
        }
    }
    if let Some(oidc) = platform.routing.sign_in.as_ref().and_then(SignIn::oidc) {
        wanted
            .secrets
            .insert(names.platform_secret_path(&oidc.client_secret));
    }
    if !wanted.secrets.is_empty() {
        wanted.secrets_store = Some(platform.secrets_store);
    }
    wanted
}

/// One error per missing image tag and per missing secret, in manifest order, each naming the
/// manifest file, the field, what is missing and how to make it exist. `sources` are the
/// manifests as read (for line and column); a manifest without its source is placed at 1:1.
pub fn check(
    repository: &Repository,
    existing: &ExistingReferences,
    sources: &[SourceFile],
) -> Vec<Diagnostic> {
    let platform = &repository.platform;
    let names = Names::new(&platform.name);
    let mut problems = Vec::new();
    for manifest in &repository.manifests {
        let file = format!("manifests/{}.json", manifest.name);
        let mut missing: Vec<(String, String, String)> = Vec::new();
        if let Some(image) = EcrImage::parse(&manifest.image, &manifest.version) {
            if !existing.images.contains(&image) {
                missing.push((
                    "/version".into(),
                    format!(
                        "image tag `{}` does not exist in the ECR repository `{}` (account {}, {}): `version` names a release that has not been published",
                        image.tag, image.repository, image.registry, image.region
                    ),
                    format!(
                        "publish release `{}` of `{}` first (the release workflow builds and pushes the image), or set `version` to a tag that exists",
                        image.tag, image.repository
                    ),
                ));
            }
        }
        missing.extend(missing_secrets(
            manifest,
            platform.secrets_store,
            &names,
            existing,
        ));
        if missing.is_empty() {
            continue;
        }
        for (pointer, message, help) in missing {
            problems.push(Diagnostic {
                severity: Severity::Error,
                code: if pointer == "/version" {
                    "reference/image-missing"
                } else {
                    "reference/secret-missing"
                },
                file: file.clone(),
                pointer,
                location: Location {
                    offset: 0,
                    length: 0,
                    line: 1,
                    column: 1,
                },
                message,
                help: Some(help),
            });
        }
    }
    if let Some(oidc) = platform.routing.sign_in.as_ref().and_then(SignIn::oidc) {
        let path = names.platform_secret_path(&oidc.client_secret);
        if !existing.secrets.contains(&path) {
            problems.push(Diagnostic {
                severity: Severity::Error,
                code: "reference/secret-missing",
                file: "platform.json".into(),
                pointer: "/routing/sign_in/oidc/client_secret".into(),
                location: Location {
                    offset: 0,
                    length: 0,
                    line: 1,
                    column: 1,
                },
                message: format!(
                    "`routing.sign_in.oidc.client_secret` names the secret `{}`, but the {} `{}` does not exist",
                    oidc.client_secret,
                    store_label(platform.secrets_store),
                    stored_name(platform.secrets_store, &path)
                ),
                help: Some(match platform.secrets_store {
                    SecretsStore::Ssm => format!(
                        "store the identity provider's client secret there (`aws ssm put-parameter --type SecureString --name /{path} --value …`), then plan again"
                    ),
                    SecretsStore::SecretsManager => format!(
                        "store the identity provider's client secret there (`aws secretsmanager create-secret --name {path} --secret-string …`), then plan again"
                    ),
                }),
            });
        }
    }
    locate(&mut problems, sources);
    problems
}

/// Put each problem at its line and column in `sources` (the manifests as read); problems whose
/// file is not among them stay at 1:1. Frontends that check without the files at hand call this
/// once they have them.
pub fn locate(problems: &mut [Diagnostic], sources: &[SourceFile]) {
    let sources: BTreeMap<&str, &SourceFile> = sources.iter().map(|s| (s.path.as_str(), s)).collect();
    let mut parsed: BTreeMap<String, Option<JsonSource>> = BTreeMap::new();
    for problem in problems.iter_mut() {
        let source = parsed.entry(problem.file.clone()).or_insert_with(|| {
            let text = sources
                .get(problem.file.as_str())
                .and_then(|s| std::str::from_utf8(&s.bytes).ok())?;
            JsonSource::parse(text).ok()
        });
        if let Some(source) = source {
            problem.location = source.value_location(&problem.pointer);
        }
    }
}

fn missing_secrets(
    manifest: &Manifest,
    store: SecretsStore,
    names: &Names,
    existing: &ExistingReferences,
) -> Vec<(String, String, String)> {
    manifest
        .secrets
        .iter()
        .filter_map(|(env, secret)| {
            let path = names.secret_path(&manifest.name, secret);
            (!existing.secrets.contains(&path)).then(|| {
                (
                    pointer_join("/secrets", env),
                    format!(
                        "`secrets.{env}` names the secret `{secret}`, but the {} `{}` does not exist",
                        store_label(store),
                        stored_name(store, &path)
                    ),
                    format!(
                        "store it with `rnd secrets set {} {secret}` (the value is read from standard input)",
                        manifest.name
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecr_hosts_are_recognised_and_others_are_not() {
        let image =
            EcrImage::parse("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/whisper", "v1").unwrap();
        assert_eq!(image.registry, "123456789012");
        assert_eq!(image.region, "eu-west-1");
        assert_eq!(image.repository, "team/whisper");
        assert_eq!(image.display(), "team/whisper:v1");
        assert!(EcrImage::parse("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/a", "v1").is_some());
        for other in [
            "repo/api",
            "ghcr.io/org/api",
            "docker.io/library/nginx",
            "nginx",
            "12345.dkr.ecr.us-east-1.amazonaws.com/a",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "123456789012.dkr.ecr.us-east-1.example.com/a",
            "public.ecr.aws/org/a",
        ] {
            assert_eq!(EcrImage::parse(other, "v1"), None, "{other}");
        }
    }

    #[test]
    fn stored_names_follow_the_store() {
        assert_eq!(stored_name(SecretsStore::Ssm, "p/s/n"), "/p/s/n");
        assert_eq!(stored_name(SecretsStore::SecretsManager, "p/s/n"), "p/s/n");
    }
}
