//! Checks a manifest text field by field and builds a [`Manifest`], reporting every problem.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::raw::{DEFAULT_CPU_UNITS, DEFAULT_MEMORY_MIB};
use super::*;
use crate::catalog::Catalog;
use crate::placement::{check_gpu_fit, AllowList, ServiceDemand};
use crate::plan::naming::RESERVED_SERVICE_NAMES;
use crate::platform::{max_service_name_len, Limits, Platform};
use crate::source::JsonSource;
use crate::validate::checker::Checker;
use crate::validate::names;
use crate::validate::{syntax_diagnostic, Validated};

/// Every field a manifest may hold, in the order the contract lists them.
pub const MANIFEST_FIELDS: &[&str] = &[
    "image",
    "version",
    "cpu",
    "memory",
    "gpu",
    "gpu_memory",
    "port",
    "websocket",
    "public",
    "health_check",
    "idle_after",
    "replicas",
    "env",
    "secrets",
];
/// What people write when they mean one of the fields above.
const ALIASES: &[(&str, &str)] = &[
    ("tag", "version"),
    ("image_tag", "version"),
    ("mem", "memory"),
    ("memory_mb", "memory"),
    ("memory_mib", "memory"),
    ("ram", "memory"),
    ("cpus", "cpu"),
    ("vcpu", "cpu"),
    ("vcpus", "cpu"),
    ("gpus", "gpu"),
    ("gpu_count", "gpu"),
    ("gpu_mem", "gpu_memory"),
    ("vram", "gpu_memory"),
    ("ports", "port"),
    ("container_port", "port"),
    ("containerport", "port"),
    ("ws", "websocket"),
    ("websockets", "websocket"),
    ("healthcheck", "health_check"),
    ("health", "health_check"),
    ("health_check_path", "health_check"),
    ("idle_timeout", "idle_after"),
    ("scale_to_zero_after", "idle_after"),
    ("sleep_after", "idle_after"),
    ("instances", "replicas"),
    ("count", "replicas"),
    ("desired_count", "replicas"),
    ("environment", "env"),
    ("variables", "env"),
    ("secret", "secrets"),
];

/// What a manifest is checked against besides itself: the platform, when it is valid.
#[derive(Debug, Clone, Default)]
pub struct ManifestContext {
    /// Length of the platform name that prefixes AWS names; `None` skips the name-length check.
    pub platform_name_len: Option<usize>,
    pub limits: Limits,
    /// Region and allowed GPU types; `None` skips the check that some instance type fits.
    pub gpu_placement: Option<(String, AllowList)>,
    /// The platform forbids `public` routes (`routing.allow_public_services: false`).
    pub forbid_public: bool,
    /// Whether the platform puts idle services to sleep (`scale_to_zero`); `None`: unknown.
    pub sleeps: Option<bool>,
}

impl ManifestContext {
    pub fn for_platform(platform: &Platform) -> Self {
        ManifestContext {
            platform_name_len: Some(platform.name.len()),
            limits: platform.limits.clone(),
            forbid_public: !platform.routing.allow_public_services,
            sleeps: Some(platform.scale_to_zero.is_some()),
            gpu_placement: Some((
                platform.region.clone(),
                AllowList(platform.gpu_instance_types.clone()),
            )),
        }
    }
}

/// Validate the text of one manifest. `file` is how the user knows it (`manifests/whisper.json`);
/// `service` is the name taken from the file name.
pub fn validate_manifest(
    file: &str,
    service: &str,
    text: &str,
    context: &ManifestContext,
) -> Validated<Manifest> {
    let source = match JsonSource::parse(text) {
        Ok(source) => source,
        Err(e) => return Validated::invalid(vec![syntax_diagnostic(file, text, e)]),
    };
    let mut c = Checker::new(file, &source);
    let name = check_service_name(&mut c, service, context);
    let manifest = c
        .object("", &source.value, "a manifest", MANIFEST_FIELDS, ALIASES)
        .and_then(|map| check_fields(&mut c, map, context, name));
    Validated::from_checker(manifest, c)
}

fn check_service_name(c: &mut Checker, service: &str, context: &ManifestContext) -> Option<String> {
    if let Err(why) = names::dns_label(service) {
        let suggestion = names::to_dns_label(service);
        c.error(
            "manifest/service-name",
            "",
            format!("the file name gives the service name \"{service}\", which is not usable: {why}"),
            format!("rename the file to `{}.json`: service names are lowercase letters, digits and hyphens, starting with a letter", if suggestion.is_empty() { "my-service" } else { &suggestion }),
        );
        return None;
    }
    if RESERVED_SERVICE_NAMES.contains(&service) {
        c.error(
            "manifest/service-name-reserved",
            "",
            format!("the service name \"{service}\" (from the file name) is reserved: one of its AWS names would be a name rnd gives the platform's shared resources (<platform>-alb, <platform>-gpu-instances, <platform>-ecs-execution)"),
            format!("rename the file, e.g. to `{service}-service.json`; reserved names: {}", RESERVED_SERVICE_NAMES.join(", ")),
        );
        return None;
    }
    if let Some(prefix_len) = context.platform_name_len {
        let max = max_service_name_len(prefix_len);
        if service.len() > max {
            let shorter: String = service.chars().take(max).collect();
            c.error(
                "manifest/service-name-length",
                "",
                format!("the service name \"{service}\" (from the file name) is {} characters long; under this platform's {prefix_len}-character name the limit is {max}", service.len()),
                format!("AWS limits target group names to 32 characters and rnd names them <platform>-<service>: rename the file to at most {max} characters, e.g. `{}.json`", shorter.trim_end_matches('-')),
            );
            return None;
        }
    }
    Some(service.to_string())
}

fn check_fields(
    c: &mut Checker,
    map: &Map<String, Value>,
    context: &ManifestContext,
    name: Option<String>,
) -> Option<Manifest> {
    let image = required(c, map, "image", "\"image\": \"123456789012.dkr.ecr.us-east-1.amazonaws.com/whisper\"").and_then(|image| match names::image_repository(image) {
        Ok(()) => Some(image.to_string()),
        Err(why) => {
            c.error("manifest/image", "/image", format!("`image` \"{image}\" is not a valid image repository: {why}"), "write the repository without a tag, e.g. \"123456789012.dkr.ecr.us-east-1.amazonaws.com/whisper\", and the tag in `version`".to_string());
            None
        }
    });

    let version = required(c, map, "version", "\"version\": \"v1.0.0\" (the release tag of the image)").and_then(|version| match names::image_tag(version) {
        Ok(()) => {
            if version == "latest" {
                c.warning("manifest/moving-tag", "/version", "`latest` moves without the manifest changing, so rnd cannot tell when to redeploy and every replica may run a different image", "pin a release tag such as \"v1.4.2\"".to_string());
            }
            Some(version.to_string())
        }
        Err(why) => {
            c.error("manifest/version", "/version", format!("`version` \"{version}\" is not a valid image tag: {why}"), "use the release tag the image was pushed with, e.g. \"v1.4.2\" or \"2024-06-01\"".to_string());
            None
        }
    });

    let cpu_units = c
        .positive_number(map, "", "cpu", "vCPU", MAX_CPU_VCPU)
        // ECS counts CPU in whole units of 1/1024 vCPU; round a finer request up, never down.
        .map(|vcpu| (vcpu * f64::from(CPU_UNITS_PER_VCPU)).ceil() as u32)
        .unwrap_or(DEFAULT_CPU_UNITS);
    let memory_mib = c
        .integer(
            map,
            "",
            "memory",
            "MiB",
            u64::from(MIN_MEMORY_MIB)..=u64::from(MAX_MEMORY_MIB),
        )
        .map_or(DEFAULT_MEMORY_MIB, |m| m as u32);
    let gpu = check_gpu(c, map, &context.limits);
    let gpu_memory_mib = c
        .integer(map, "", "gpu_memory", "MiB", 1..=1_048_576)
        .map(|m| m as u32);
    if gpu_memory_mib.is_some() && gpu == 0 {
        c.error(
            "manifest/gpu-memory-without-gpu",
            "/gpu_memory",
            "`gpu_memory` is set but the service asks for no GPU",
            "add \"gpu\": 1 (or more), or remove `gpu_memory`".to_string(),
        );
    }
    if gpu == 0 && (cpu_units > FARGATE_MAX_CPU_UNITS || memory_mib > FARGATE_MAX_MEMORY_MIB) {
        let (pointer, what) = if cpu_units > FARGATE_MAX_CPU_UNITS {
            ("/cpu", format!("{} vCPU", f64::from(cpu_units) / 1024.0))
        } else {
            ("/memory", format!("{memory_mib} MiB"))
        };
        c.error(
            "manifest/no-fargate-size",
            pointer,
            format!("no Fargate size holds {what}: the largest is 16 vCPU with 122880 MiB (120 GiB)"),
            "ask for at most 16 vCPU and 122880 MiB, or add \"gpu\": 1 to run on a GPU instance, which has more".to_string(),
        );
    }

    if let (Some((region, allowed)), true) = (&context.gpu_placement, gpu > 0) {
        let demand = ServiceDemand {
            name: name.clone().unwrap_or_default(),
            replicas: 1,
            cpu_units,
            memory_mib,
            gpus: gpu,
            gpu_memory_mib,
        };
        if let Err(no_fit) = check_gpu_fit(&demand, allowed, region, Catalog::builtin()) {
            c.error(
                "manifest/no-gpu-instance",
                "/gpu",
                format!("no allowed GPU instance can run this service: it {}", no_fit.reason),
                "ask for less (gpu, gpu_memory, cpu or memory), or ask the platform team to allow a bigger type in `gpu_instance_types`".to_string(),
            );
        }
    }

    let route = check_route(c, map, context, name.as_deref());
    let replicas = check_replicas(c, map, &context.limits);
    let (env, secrets) = check_env_and_secrets(c, map);

    Some(Manifest {
        name: name?,
        image: image?,
        version: version?,
        cpu_units,
        memory_mib,
        gpu,
        gpu_memory_mib,
        route,
        replicas,
        env,
        secrets,
    })
}

fn required<'v>(c: &mut Checker, map: &'v Map<String, Value>, field: &str, example: &str) -> Option<&'v str> {
    if !map.contains_key(field) {
        c.missing("", field, format!("add {example}"));
        return None;
    }
    c.string(map, "", field)
}

fn check_gpu(c: &mut Checker, map: &Map<String, Value>, limits: &Limits) -> u32 {
    let Some(gpu) = c.integer(map, "", "gpu", "GPUs", 0..=u64::from(MAX_GPUS_PER_TASK)) else {
        return 0;
    };
    let gpu = gpu as u32;
    if let Some(max) = limits.max_gpus_per_service {
        if gpu > max {
            c.error("manifest/platform-gpu-limit", "/gpu", format!("`gpu` is {gpu}, above the platform's limit of {max} GPUs per service"), format!("ask for at most {max}, or ask the platform team to raise `limits.max_gpus_per_service` in platform.json"));
        }
    }
    gpu
}

fn check_route(
    c: &mut Checker,
    map: &Map<String, Value>,
    context: &ManifestContext,
    service: Option<&str>,
) -> Option<Route> {
    let forbid_public = context.forbid_public;
    let port = c.integer(map, "", "port", "", 1..=65535).map(|p| p as u16);
    let websocket = c.boolean(map, "", "websocket");
    let public = c.boolean(map, "", "public");
    if public == Some(true) && forbid_public {
        c.error(
            "manifest/public-not-allowed",
            "/public",
            "`public` would let anyone reach this service without signing in, and this platform does not allow public services".to_string(),
            "remove `public` (callers then sign in), or ask the platform team to set `routing.allow_public_services` in platform.json".to_string(),
        );
    }
    let health_check = c
        .string(map, "", "health_check")
        .and_then(|path| match health_check_problem(path) {
            None => Some(path.to_string()),
            Some(why) => {
                c.error(
                    "manifest/health-check",
                    "/health_check",
                    format!("`health_check` \"{path}\" is not a usable path: {why}"),
                    "use an HTTP path starting with `/`, e.g. \"/healthz\"".to_string(),
                );
                None
            }
        });
    let idle_after_minutes = check_idle_after(c, map, context, service);
    if !map.contains_key("port") {
        for field in ["websocket", "public", "health_check", "idle_after"] {
            if map.contains_key(field) {
                c.error("manifest/route-without-port", &format!("/{field}"), format!("`{field}` applies to load-balancer routes, but the service has no `port`"), format!("add \"port\": 8080 (the port the container listens on), or remove `{field}` for a worker"));
            }
        }
    }
    Some(Route {
        port: port?,
        websocket: websocket.unwrap_or(false),
        public: public.unwrap_or(false),
        health_check: health_check.unwrap_or_else(|| "/".to_string()),
        idle_after_minutes,
    })
}

/// `idle_after`: a duration of whole minutes, hours or days, from 5 minutes to 7 days.
/// A sleeping service's wake target group is named `<platform>-<service>-wake`, so its name must
/// leave room for the suffix under AWS's 32 characters.
fn check_idle_after(
    c: &mut Checker,
    map: &Map<String, Value>,
    context: &ManifestContext,
    service: Option<&str>,
) -> Option<u32> {
    use super::idle::{format_minutes, parse_minutes, MAX_IDLE_MINUTES, MIN_IDLE_MINUTES, WAKE_SUFFIX};
    let sleeps = context.sleeps;
    let text = c.string(map, "", "idle_after")?;
    let range = format!(
        "between {} and {}",
        format_minutes(MIN_IDLE_MINUTES),
        format_minutes(MAX_IDLE_MINUTES)
    );
    match parse_minutes(text) {
        Err(why) => {
            c.error(
                "manifest/idle-after",
                "/idle_after",
                format!("`idle_after` \"{text}\" is not a duration: {why}"),
                format!("write minutes, hours or days, e.g. \"30m\", \"2h\" or \"1d\" ({range})"),
            );
            None
        }
        Ok(minutes) if !(MIN_IDLE_MINUTES..=MAX_IDLE_MINUTES).contains(&minutes) => {
            c.error(
                "manifest/idle-after",
                "/idle_after",
                format!("`idle_after` is {}, outside what rnd allows", format_minutes(minutes)),
                format!("choose a time {range}: shorter would stop the service between one person's requests; CloudWatch looks back at most 7 days"),
            );
            None
        }
        Ok(minutes) => {
            // Only a platform that puts services to sleep makes the wake group.
            if let (Some(prefix_len), Some(service), Some(true)) =
                (context.platform_name_len, service, sleeps)
            {
                let max = max_service_name_len(prefix_len).saturating_sub(WAKE_SUFFIX.len());
                if service.len() > max {
                    c.error(
                        "manifest/idle-after-name-length",
                        "/idle_after",
                        format!("a service that sleeps needs a name of at most {max} characters under this platform, and \"{service}\" has {}", service.len()),
                        format!("its wake target group is named <platform>-<service>{WAKE_SUFFIX} and AWS allows 32 characters: rename the file to at most {max} characters, or remove `idle_after`"),
                    );
                    return None;
                }
            }
            if sleeps == Some(false) {
                c.warning(
                    "manifest/idle-after-off",
                    "/idle_after",
                    "this platform does not put services to sleep (platform.json has no `scale_to_zero`): the service runs all the time",
                    "ask the platform team to set `scale_to_zero.function_arn` in platform.json, or remove `idle_after`".to_string(),
                );
            }
            Some(minutes)
        }
    }
}

/// Application Load Balancer health check paths: 1–1024 printable characters starting with `/`.
fn health_check_problem(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return Some("it does not start with `/`".into());
    }
    if path.len() > 1024 {
        return Some("it is longer than 1024 characters".into());
    }
    if path.contains("://") {
        return Some("it is a URL; give only the path".into());
    }
    path.chars()
        .find(|c| !c.is_ascii_graphic())
        .map(|c| format!("it contains {c:?}, which is not a printable ASCII character"))
}

fn check_replicas(c: &mut Checker, map: &Map<String, Value>, limits: &Limits) -> u32 {
    let Some(replicas) = c.integer(map, "", "replicas", "", 0..=u64::from(MAX_REPLICAS)) else {
        return 1;
    };
    let replicas = replicas as u32;
    if let Some(max) = limits.max_replicas {
        if replicas > max {
            c.error("manifest/platform-replica-limit", "/replicas", format!("`replicas` is {replicas}, above the platform's limit of {max}"), format!("ask for at most {max}, or ask the platform team to raise `limits.max_replicas` in platform.json"));
        }
    }
    replicas
}

fn check_env_and_secrets(
    c: &mut Checker,
    map: &Map<String, Value>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut env = BTreeMap::new();
    for (key, value, pointer) in c.string_map(map, "", "env").unwrap_or_default() {
        if let Err(why) = names::env_var_name(&key) {
            c.key_error(
                "manifest/env-name",
                &pointer,
                format!("\"{key}\" is not an environment variable name: {why}"),
                format!(
                    "use letters, digits and `_`, not starting with a digit, e.g. \"{}\"",
                    names::to_env_var_name(&key)
                ),
            );
            continue;
        }
        if !value.is_empty() && names::looks_like_credential(&key) {
            c.conceal(&pointer);
            // Never repeat the value: it may be the very secret we are warning about.
            c.warning(
                "manifest/secret-in-env",
                &pointer,
                format!("`env.{key}` looks like a credential written in plain text in git"),
                format!(
                    "store it with `rnd secrets set <service> {}` and reference it under `secrets` instead",
                    key.to_ascii_lowercase().replace('_', "-")
                ),
            );
        }
        env.insert(key, value);
    }
    let mut secrets = BTreeMap::new();
    for (key, secret, pointer) in c.string_map(map, "", "secrets").unwrap_or_default() {
        if let Err(why) = names::env_var_name(&key) {
            c.key_error(
                "manifest/secret-env-name",
                &pointer,
                format!("\"{key}\" is not an environment variable name: {why}"),
                format!(
                    "the key is the variable the container sees, e.g. \"{}\"",
                    names::to_env_var_name(&key)
                ),
            );
            continue;
        }
        if names::looks_like_pasted_credential(&secret) {
            c.conceal(&pointer);
            // Never repeat it: it may be a live token, and this message goes to CI logs.
            c.error(
                "manifest/secret-name-is-a-credential",
                &pointer,
                format!(
                    "`secrets.{key}` looks like a credential pasted where the secret's name belongs; \
                     its text is not repeated here"
                ),
                format!(
                    "store the value with `rnd secrets set <service> {}` and write that name here; \
                     if this token was ever committed, revoke it",
                    key.to_ascii_lowercase().replace('_', "-")
                ),
            );
            continue;
        }
        if let Err(why) = names::secret_name(&secret) {
            c.error(
                "manifest/secret-name",
                &pointer,
                format!("`secrets.{key}` does not name a secret: {why}"),
                "give the secret's name (not its value), as stored with `rnd secrets set <service> <name>`"
                    .to_string(),
            );
            continue;
        }
        if env.contains_key(&key) {
            c.key_error(
                "manifest/env-secret-clash",
                &pointer,
                format!("`{key}` is set both in `env` and in `secrets`"),
                "keep it in one place: `secrets` for credentials, `env` for everything else".to_string(),
            );
            continue;
        }
        secrets.insert(key, secret);
    }
    (env, secrets)
}
