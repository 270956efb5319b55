//! A manifest as written: the serde shape, and the source of its JSON Schema.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub(crate) const DEFAULT_CPU_UNITS: u32 = 256;
pub(crate) const DEFAULT_MEMORY_MIB: u32 = 512;

/// One container to deploy with rnd. The file name (`manifests/<name>.json`) is the service name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "rnd manifest")]
pub struct RawManifest {
    /// Editors use this to find the schema; rnd ignores it.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Image repository without tag, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/whisper`.
    #[schemars(
        length(min = 1, max = 255),
        regex(
            pattern = r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
        )
    )]
    pub image: String,
    /// Image tag to run: the release tag, e.g. `v1.4.2`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"))]
    pub version: String,
    /// vCPU to reserve (default 0.25). Fargate allows up to 16.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 192.0), extend("exclusiveMinimum" = 0))]
    pub cpu: Option<f64>,
    /// Memory to reserve in MiB (default 512). Fargate allows up to 122880.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 128, max = 4194304))]
    pub memory: Option<u32>,
    /// Whole NVIDIA GPUs (default 0 = Fargate; more runs on a GPU EC2 instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 8))]
    pub gpu: Option<u32>,
    /// Minimum memory per GPU in MiB; rules out GPUs too small for the model. Needs `gpu` ≥ 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1048576))]
    pub gpu_memory: Option<u32>,
    /// Container port. With a port the service gets a load-balancer route; without, it is a worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<u16>,
    /// The route carries long-lived WebSocket connections (default false). Needs `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websocket: Option<bool>,
    /// Skip the platform's sign-in for this route (an API called by machines; default false).
    /// Needs `port`; refused where the platform sets `routing.allow_public_services: false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    /// HTTP health check path (default `/`). Needs `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024), regex(pattern = r"^/[\x21-\x7e]*$"))]
    pub health_check: Option<String>,
    /// Scale the service to zero tasks after this long without a request, and start it again
    /// on the next one (e.g. `"30m"`, `"2h"`, `"1d"`; between 5 minutes and 7 days; off by
    /// default). Needs `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^([0-9]+[mhd])+$"))]
    pub idle_after: Option<String>,
    /// Tasks to run (default 1); 0 keeps the service defined at no cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1000))]
    pub replicas: Option<u32>,
    /// Plain environment variables. More may live beside the manifest in `manifests/<name>.env`
    /// (`KEY=value` lines); a name may be set in only one of the two places.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }))]
    pub env: BTreeMap<String, String>,
    /// Env var name → secret name in the platform's secret store (`rnd secrets set <service> <name>`
    /// stores one, reading the value from standard input); planning fails while one does not exist.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }))]
    pub secrets: BTreeMap<String, String>,
}
