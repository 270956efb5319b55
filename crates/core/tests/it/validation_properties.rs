//! Properties of validation: valid manifests survive a round trip, and no input panics it.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rnd_core::manifest::{validate_manifest, Manifest, ManifestContext, Route};
use rnd_core::plan::naming::RESERVED_SERVICE_NAMES;
use rnd_core::platform::validate_platform;
use rnd_core::repository::{validate_repository, SourceFile};
use serde_json::Value;

fn dns_label() -> impl Strategy<Value = String> {
    "[a-z]([a-z0-9]|-[a-z0-9]){0,10}"
}

fn env_name() -> impl Strategy<Value = String> {
    "[A-Z_][A-Z0-9_]{0,15}"
}

/// Manifests that are valid by construction (the platform context imposes no limits).
fn valid_manifest() -> impl Strategy<Value = Manifest> {
    let gpu_part = (0u32..=8).prop_flat_map(|gpu| {
        let max_cpu = if gpu == 0 { 16 * 1024 } else { 192 * 1024 };
        let max_memory = if gpu == 0 { 120 * 1024 } else { 2 * 1024 * 1024 };
        let gpu_memory = if gpu == 0 {
            Just(None).boxed()
        } else {
            proptest::option::of(1u32..=200_000).boxed()
        };
        (Just(gpu), 1u32..=max_cpu, 128u32..=max_memory, gpu_memory)
    });
    let route = proptest::option::of((
        1u16..=65535,
        any::<bool>(),
        any::<bool>(),
        "/[a-zA-Z0-9/_.-]{0,20}",
        proptest::option::of(5u32..=7 * 24 * 60),
    ))
    .prop_map(|r| {
        r.map(
            |(port, websocket, public, health_check, idle_after_minutes)| Route {
                port,
                websocket,
                public,
                health_check,
                idle_after_minutes,
            },
        )
    });
    let env = proptest::collection::btree_map(env_name(), any::<String>(), 0..4);
    // Secret names validation accepts: not one AWS reserves (`aws…`, `ssm…`), nor one that looks
    // like a pasted token (`gho_…`), which are errors by design.
    let secret_name = "[a-z][a-z0-9_.-]{0,20}".prop_filter("a valid secret name", |s| {
        rnd_core::validate::names::secret_name(s).is_ok()
            && !rnd_core::validate::names::looks_like_pasted_credential(s)
    });
    let secrets = proptest::collection::btree_map(env_name(), secret_name, 0..3);
    (
        // A service name, never one rnd keeps for the platform's shared resources.
        dns_label().prop_filter("not reserved", |n| !RESERVED_SERVICE_NAMES.contains(&n.as_str())),
        (
            "[a-z0-9]{1,8}(\\.[a-z0-9]{1,8}){0,2}",
            proptest::collection::vec("[a-z0-9]+([._-][a-z0-9]+)?", 1..3),
        ),
        "[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}",
        gpu_part,
        route,
        0u32..=50,
        env,
        secrets,
    )
        .prop_map(
            |(
                name,
                (host, path),
                version,
                (gpu, cpu_units, memory_mib, gpu_memory_mib),
                route,
                replicas,
                env,
                secrets,
            )| {
                // A name in both maps is an error; keep the property about valid manifests.
                let secrets: BTreeMap<String, String> = secrets
                    .into_iter()
                    .filter(|(k, _)| !env.contains_key(k))
                    .collect();
                Manifest {
                    name,
                    image: format!("{host}/{}", path.join("/")),
                    version,
                    cpu_units,
                    memory_mib,
                    gpu,
                    gpu_memory_mib,
                    route,
                    replicas,
                    env,
                    secrets,
                }
            },
        )
}

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        prop_oneof![
            Just("image"),
            Just("version"),
            Just("cpu"),
            Just("port"),
            Just("env")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("image".to_string()),
                    Just("version".to_string()),
                    Just("memory".to_string()),
                    Just("gpu".to_string()),
                    Just("env".to_string()),
                    Just("routing".to_string()),
                    Just("notifications".to_string()),
                    any::<String>()
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_valid_manifest_survives_serialize_then_parse(manifest in valid_manifest()) {
        let text = serde_json::to_string_pretty(&manifest.to_raw()).unwrap();
        let validated = validate_manifest("m.json", &manifest.name, &text, &ManifestContext::default());
        let errors: Vec<_> = validated.diagnostics.iter().filter(|d| d.is_error()).collect();
        prop_assert!(errors.is_empty(), "{errors:?}\n{text}");
        prop_assert_eq!(validated.value, Some(manifest));
    }

    #[test]
    fn arbitrary_json_never_panics_the_validators(value in any_json()) {
        let text = value.to_string();
        let _ = validate_manifest("m.json", "svc", &text, &ManifestContext::default());
        let _ = validate_platform("platform.json", &text);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_validators(platform in any::<Vec<u8>>(), manifest in any::<Vec<u8>>(), name in any::<String>()) {
        let report = validate_repository(
            &SourceFile { path: "platform.json".into(), bytes: platform },
            &[SourceFile { path: format!("manifests/{name}.json"), bytes: manifest }],
        );
        // Whatever the bytes, every problem points inside its file.
        for d in report.diagnostics() {
            prop_assert!(d.location.line >= 1 && d.location.column >= 1);
        }
    }

    #[test]
    fn every_reported_position_is_inside_the_text(value in any_json()) {
        let text = serde_json::to_string_pretty(&value).unwrap();
        let validated = validate_manifest("m.json", "svc", &text, &ManifestContext::default());
        for d in validated.diagnostics {
            prop_assert!(d.location.offset + d.location.length <= text.len());
            prop_assert!(text.is_char_boundary(d.location.offset));
        }
    }
}
