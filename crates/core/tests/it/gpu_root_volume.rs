//! `gpu_root_volume_gib` in platform.json: the GPU instances' root volume, validated with an error
//! that names the field and the valid range.

use rnd_core::repository::{validate_repository, SourceFile};

fn platform_with(volume: &str) -> Result<Option<u32>, Vec<String>> {
    let platform = format!(
        r#"{{ "name": "research", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "research.example.com" }},
             "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/5f1a3c2e-8d4b-4e6f-9a0b-1c2d3e4f5a6b"
             {volume} }}"#
    );
    let report = validate_repository(
        &SourceFile {
            path: "platform.json".into(),
            bytes: platform.into_bytes(),
        },
        &[],
    );
    match &report.repository {
        Some(repository) => Ok(repository.platform.gpu_root_volume_gib),
        None => Err(report
            .files
            .iter()
            .flat_map(|f| {
                f.diagnostics.iter().map(move |d| {
                    format!(
                        "{} {}: {} ({})",
                        f.file,
                        d.pointer,
                        d.message,
                        d.help.as_deref().unwrap_or_default()
                    )
                })
            })
            .collect()),
    }
}

#[test]
fn a_root_volume_from_the_amis_size_up_is_taken() {
    assert_eq!(platform_with(""), Ok(None));
    assert_eq!(platform_with(r#", "gpu_root_volume_gib": 200"#), Ok(Some(200)));
    assert_eq!(
        platform_with(r#", "gpu_volume_gib": 30"#).map_err(|_| ()),
        Err(()),
        "an alias is named, not taken"
    );
}

#[test]
fn a_volume_smaller_than_the_ami_is_refused_naming_the_range() {
    let errors = platform_with(r#", "gpu_root_volume_gib": 10"#).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("platform.json /gpu_root_volume_gib:")
            && errors[0].contains("from 30 GiB to 16384 GiB"),
        "{errors:?}"
    );
}
