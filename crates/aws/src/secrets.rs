//! The platform's secrets in SSM Parameter Store (SecureString) or Secrets Manager: store one,
//! list them (names and dates, never values), and read one value for rnd's own use (the Slack
//! webhook). Paths are the core's `Names::secret_path`, `<platform>/<service>/<NAME>`; SSM
//! parameter names add a leading `/`.

use std::fmt;
use std::time::SystemTime;

use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};
use aws_sdk_ssm::types::{ParameterStringFilter, ParameterType};
use rnd_core::plan::observed::{TAG_PLATFORM, TAG_SERVICE};
use rnd_core::platform::SecretsStore;
use rnd_core::prerequisites::stored_name;

use crate::{AwsError, Clients};

/// A secret's value. Its `Debug` and `Display` never show it, so logging or formatting one by
/// mistake leaks nothing; `expose` is the one deliberate way to the text.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: String) -> Self {
        SecretValue(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// One stored secret, as listed: where it is and when it last changed, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    /// `<platform>/<service>/<NAME>`.
    pub path: String,
    pub last_changed: Option<SystemTime>,
}

/// What storing a secret made: the store's name for it and the new version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVersion {
    pub name: String,
    /// SSM's version number, or Secrets Manager's version id.
    pub version: String,
}

/// Store `value` at `path` (creating it or adding a version), tagged for the platform and
/// service so it is recognisably rnd's.
pub async fn set(
    clients: &Clients,
    store: SecretsStore,
    path: &str,
    platform: &str,
    service: &str,
    value: &SecretValue,
) -> Result<StoredVersion, AwsError> {
    let name = stored_name(store, path);
    let version = match store {
        SecretsStore::Ssm => {
            let put = clients
                .ssm
                .put_parameter()
                .name(&name)
                .r#type(ParameterType::SecureString)
                .value(value.expose())
                .overwrite(true)
                .send()
                .await
                .map_err(|e| AwsError::call("PutParameter", &name, e))?;
            // SSM refuses tags together with Overwrite, so they follow in their own call.
            clients
                .ssm
                .add_tags_to_resource()
                .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
                .resource_id(&name)
                .tags(ssm_tag(TAG_PLATFORM, platform)?)
                .tags(ssm_tag(TAG_SERVICE, service)?)
                .send()
                .await
                .map_err(|e| AwsError::call("AddTagsToResource", &name, e))?;
            put.version().to_string()
        }
        SecretsStore::SecretsManager => {
            let created = clients
                .secretsmanager
                .create_secret()
                .name(&name)
                .secret_string(value.expose())
                .tags(sm_tag(TAG_PLATFORM, platform))
                .tags(sm_tag(TAG_SERVICE, service))
                .send()
                .await;
            match created {
                Ok(created) => created.version_id().unwrap_or_default().to_string(),
                Err(e) => {
                    let error = AwsError::call("CreateSecret", &name, e);
                    if !error.code_is(&["ResourceExists"]) {
                        return Err(error);
                    }
                    clients
                        .secretsmanager
                        .put_secret_value()
                        .secret_id(&name)
                        .secret_string(value.expose())
                        .send()
                        .await
                        .map_err(|e| AwsError::call("PutSecretValue", &name, e))?
                        .version_id()
                        .unwrap_or_default()
                        .to_string()
                }
            }
        }
    };
    Ok(StoredVersion { name, version })
}

/// Every secret under `prefix` (`<platform>/` or `<platform>/<service>/`), sorted by path, with
/// when each changed. Values are never requested.
pub async fn list_under(
    clients: &Clients,
    store: SecretsStore,
    prefix: &str,
) -> Result<Vec<StoredSecret>, AwsError> {
    let mut found = Vec::new();
    match store {
        SecretsStore::Ssm => {
            let path = format!("/{}", prefix.trim_end_matches('/'));
            let filter = ParameterStringFilter::builder()
                .key("Path")
                .option("Recursive")
                .values(&path)
                .build()
                .map_err(|e| AwsError::missing(&path, e.to_string()))?;
            let mut pages = clients
                .ssm
                .describe_parameters()
                .parameter_filters(filter)
                .max_results(50)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| AwsError::call("DescribeParameters", &path, e))?;
                found.extend(page.parameters().iter().filter_map(|p| {
                    Some(StoredSecret {
                        path: p.name()?.strip_prefix('/')?.to_string(),
                        last_changed: p.last_modified_date().and_then(|d| SystemTime::try_from(*d).ok()),
                    })
                }));
            }
        }
        SecretsStore::SecretsManager => {
            // The name filter matches prefixes (and more loosely than we want): keep exact ones.
            let filter = Filter::builder()
                .key(FilterNameStringType::Name)
                .values(prefix)
                .build();
            let mut pages = clients
                .secretsmanager
                .list_secrets()
                .filters(filter)
                .max_results(100)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| AwsError::call("ListSecrets", prefix, e))?;
                found.extend(page.secret_list().iter().filter_map(|s| {
                    Some(StoredSecret {
                        path: s.name()?.to_string(),
                        last_changed: s.last_changed_date().and_then(|d| SystemTime::try_from(*d).ok()),
                    })
                }));
            }
        }
    }
    found.retain(|s| s.path.starts_with(prefix));
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// Delete the secret at `path`. `Ok(false)` when there was none. Secrets Manager keeps a
/// deleted secret recoverable for 7 days (its shortest window); SSM deletes at once.
pub async fn delete(clients: &Clients, store: SecretsStore, path: &str) -> Result<bool, AwsError> {
    let name = stored_name(store, path);
    let deleted = match store {
        SecretsStore::Ssm => clients
            .ssm
            .delete_parameter()
            .name(&name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::call("DeleteParameter", &name, e)),
        SecretsStore::SecretsManager => clients
            .secretsmanager
            .delete_secret()
            .secret_id(&name)
            .recovery_window_in_days(7)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::call("DeleteSecret", &name, e)),
    };
    match deleted {
        Ok(()) => Ok(true),
        Err(e) if e.is_not_found() || e.code_is(&["ParameterNotFound"]) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The value stored at `path`, for rnd's own credentials (the Slack webhook URL). Never print it.
pub async fn get_value(clients: &Clients, store: SecretsStore, path: &str) -> Result<SecretValue, AwsError> {
    let name = stored_name(store, path);
    let value = match store {
        SecretsStore::Ssm => return get_parameter(clients, &name).await,
        SecretsStore::SecretsManager => {
            clients
                .secretsmanager
                .get_secret_value()
                .secret_id(&name)
                .send()
                .await
                .map_err(|e| AwsError::call("GetSecretValue", &name, e))?
                .secret_string
        }
    };
    value
        .map(SecretValue::new)
        .ok_or_else(|| AwsError::missing(&name, "the secret has no text value"))
}

/// The decrypted value of the SSM parameter named exactly `name` (with or without a leading
/// `/`, as its owner created it): the Lambda function's own settings (webhook secret, Slack
/// credential, GitHub token) are named this way rather than under a platform's store.
pub async fn get_parameter(clients: &Clients, name: &str) -> Result<SecretValue, AwsError> {
    clients
        .ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| AwsError::call("GetParameter", name, e))?
        .parameter
        .and_then(|p| p.value)
        .map(SecretValue::new)
        .ok_or_else(|| AwsError::missing(name, "the parameter has no value"))
}

fn ssm_tag(key: &str, value: &str) -> Result<aws_sdk_ssm::types::Tag, AwsError> {
    aws_sdk_ssm::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .map_err(|e| AwsError::missing(key, e.to_string()))
}

fn sm_tag(key: &str, value: &str) -> aws_sdk_secretsmanager::types::Tag {
    aws_sdk_secretsmanager::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
}

#[cfg(test)]
mod tests {
    use super::SecretValue;

    #[test]
    fn a_secret_value_never_formats_its_text() {
        let value = SecretValue::new("canary-4f1d".into());
        assert!(!format!("{value:?} {value}").contains("canary"));
        assert_eq!(value.expose(), "canary-4f1d");
    }
}
