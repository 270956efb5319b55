//! Syntax rules for the names users write: DNS labels, image references and tags, env var names,
//! secret names, AWS tags, regions and ARNs. Each returns what is wrong in words, or `Ok`.

/// A DNS label as RFC 1123 and every AWS name built from it accept: lowercase letters, digits and
/// hyphens, starting with a letter, not ending with a hyphen.
pub fn dns_label(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(if c.is_ascii_uppercase() {
            format!("it contains the uppercase letter `{c}`")
        } else {
            format!("it contains `{c}`")
        });
    }
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("it does not start with a letter".into());
    }
    if s.ends_with('-') {
        return Err("it ends with a hyphen".into());
    }
    if s.contains("--") {
        // Not forbidden by DNS, but AWS reserves `--` suffixes in some names (e.g. S3 `--x-s3`) and
        // it is almost always a typo.
        return Err("it contains two hyphens in a row".into());
    }
    Ok(())
}

/// A suggested DNS label for a bad one: lowercase, other characters turned into hyphens.
pub fn to_dns_label(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// An image repository reference without tag or digest, per Docker's reference grammar
/// (distribution/reference): `[host[:port]/]component[/component...]`, components lowercase
/// alphanumerics joined by `.`, `_`, `__` or runs of `-`; at most 255 characters.
pub fn image_repository(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s.len() > 255 {
        return Err(format!(
            "it is {} characters long; Docker allows at most 255",
            s.len()
        ));
    }
    if s.contains('@') {
        return Err("it contains a digest (`@sha256:...`); rnd runs the tag named in `version`".into());
    }
    if s.chars().any(char::is_whitespace) {
        return Err("it contains whitespace".into());
    }
    let mut parts: Vec<&str> = s.split('/').collect();
    let first = parts[0];
    let has_domain = parts.len() > 1
        && (first.contains('.')
            || first.contains(':')
            || first == "localhost"
            || first.chars().any(|c| c.is_ascii_uppercase()));
    if has_domain {
        host_and_port(first)?;
        parts.remove(0);
    }
    if parts.is_empty() {
        return Err("it names a registry but no repository".into());
    }
    let last = parts.len() - 1;
    for (i, component) in parts.iter().enumerate() {
        if i == last {
            if let Some((_, tag)) = component.split_once(':') {
                return Err(format!(
                    "it ends with the tag `:{tag}`; put `{tag}` in `version` and leave it out of `image`"
                ));
            }
        }
        path_component(component)?;
    }
    Ok(())
}

fn host_and_port(host: &str) -> Result<(), String> {
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (host, None),
    };
    if let Some(p) = port {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) || p.len() > 5 {
            return Err(format!("the registry port `{p}` is not a number"));
        }
    }
    for label in name.split('.') {
        let ok = !label.is_empty()
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(format!("the registry host `{name}` is not a valid host name"));
        }
    }
    Ok(())
}

fn path_component(component: &str) -> Result<(), String> {
    if component.is_empty() {
        return Err("it has an empty path component (`//` or a trailing `/`)".into());
    }
    if let Some(c) = component.chars().find(|c| c.is_ascii_uppercase()) {
        return Err(format!("the repository path `{component}` contains the uppercase letter `{c}`; Docker repository names are lowercase"));
    }
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Err(format!(
            "the repository path `{component}` must start and end with a lowercase letter or digit"
        ));
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if alnum(b) {
            i += 1;
            continue;
        }
        // A separator: `.`, `_`, `__` or a run of `-`, always followed by an alphanumeric.
        let start = i;
        match b {
            b'.' => i += 1,
            b'_' => i += if bytes.get(i + 1) == Some(&b'_') { 2 } else { 1 },
            b'-' => {
                while bytes.get(i) == Some(&b'-') {
                    i += 1;
                }
            }
            _ => {
                let c = component[start..].chars().next().unwrap_or('?');
                return Err(format!("the repository path `{component}` contains `{c}`; only lowercase letters, digits, `.`, `_` and `-` are allowed"));
            }
        }
        if !bytes.get(i).copied().is_some_and(alnum) {
            return Err(format!(
                "the repository path `{component}` has `{}` where a letter or digit must follow",
                &component[start..i]
            ));
        }
    }
    Ok(())
}

/// A Docker tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn image_tag(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s.len() > 128 {
        return Err(format!(
            "it is {} characters long; Docker tags are at most 128",
            s.len()
        ));
    }
    if s.starts_with('.') || s.starts_with('-') {
        return Err(format!(
            "it starts with `{}`; a tag starts with a letter, digit or `_`",
            &s[..1]
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "it contains `{c}`; tags allow letters, digits, `_`, `.` and `-`"
        ));
    }
    Ok(())
}

/// An environment variable name as POSIX shells accept: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn env_var_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("the name is empty".into());
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("it starts with a digit".into());
    }
    if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
        return Err(format!("it contains `{c}`; use letters, digits and `_`"));
    }
    Ok(())
}

/// A suggested environment variable name: uppercase, other characters turned into `_`.
pub fn to_env_var_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) || out.is_empty() {
        out.insert(0, '_');
    }
    out
}

/// A secret name: one path segment under the platform's secret path, valid both as an SSM parameter
/// name segment and in a Secrets Manager name: `[A-Za-z0-9_.-]{1,128}`.
pub fn secret_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("the secret name is empty".into());
    }
    if s.len() > 128 {
        return Err(format!("it is {} characters long; at most 128", s.len()));
    }
    if s.contains('/') {
        return Err(
            "it contains `/`; name the secret only, rnd keeps it under the service's own path".into(),
        );
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "it contains `{c}`; use letters, digits, `_`, `.` and `-`"
        ));
    }
    if s.to_ascii_lowercase().starts_with("aws") || s.to_ascii_lowercase().starts_with("ssm") {
        return Err("it starts with `aws` or `ssm`, which AWS reserves for parameter names".into());
    }
    Ok(())
}

/// An AWS region code such as `us-east-1` or `us-gov-west-1`.
pub fn region(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && !parts[parts.len() - 1].is_empty()
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!("`{s}` is not an AWS region code"))
    }
}

/// An ACM certificate ARN: `arn:<partition>:acm:<region>:<12-digit account>:certificate/<id>`.
/// Returns the region it lives in.
pub fn certificate_arn(s: &str) -> Result<&str, String> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || !parts[1].starts_with("aws") {
        return Err("it is not an ARN (`arn:aws:acm:REGION:ACCOUNT:certificate/ID`)".into());
    }
    if parts[2] != "acm" {
        return Err(format!("it is an ARN of the `{}` service; the load balancer needs an ACM certificate (`arn:aws:acm:...`)", parts[2]));
    }
    region(parts[3]).map_err(|_| format!("its region `{}` is not an AWS region code", parts[3]))?;
    if parts[4].len() != 12 || !parts[4].chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "its account `{}` is not a 12-digit AWS account id",
            parts[4]
        ));
    }
    match parts[5].strip_prefix("certificate/") {
        Some(id) if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            Ok(parts[3])
        }
        _ => Err("it does not end with `certificate/ID`".into()),
    }
}

/// A fully qualified DNS name such as `research.example.com` (no scheme, no path, no trailing dot).
pub fn domain_name(s: &str) -> Result<(), String> {
    if s.contains("://") {
        return Err("it contains a scheme; write the host name only, e.g. `research.example.com`".into());
    }
    if s.contains('/') {
        return Err("it contains `/`; write the host name only".into());
    }
    if s.len() > 200 {
        return Err("it is longer than 200 characters, leaving no room for service names".into());
    }
    let labels: Vec<&str> = s.split('.').collect();
    if labels.len() < 2 {
        return Err(
            "it has a single label; use a fully qualified name such as `research.example.com`".into(),
        );
    }
    for label in labels {
        if label.is_empty()
            || label.len() > 63
            || !label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            || label.starts_with('-')
            || label.ends_with('-')
        {
            return Err(format!("`{label}` is not a valid lowercase DNS label"));
        }
    }
    Ok(())
}

/// An EC2 resource id such as `vpc-0abc...` or `subnet-...`: the prefix and 8 or 17 hex digits.
pub fn ec2_id(s: &str, prefix: &str) -> Result<(), String> {
    match s.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('-')) {
        Some(hex)
            if (hex.len() == 8 || hex.len() == 17)
                && hex
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) =>
        {
            Ok(())
        }
        _ => Err(format!(
            "`{s}` is not a {prefix} id (`{prefix}-` followed by 8 or 17 lowercase hex digits)"
        )),
    }
}

/// An AWS tag key: 1–128 characters of letters, digits, spaces and `_ . : / = + - @`, not starting
/// with `aws:` (reserved by AWS) or `rnd:` (reserved by rnd for its own bookkeeping).
pub fn tag_key(s: &str) -> Result<(), String> {
    if s.is_empty() || s.chars().count() > 128 {
        return Err("tag keys are 1 to 128 characters".into());
    }
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("aws:") {
        return Err("the `aws:` prefix is reserved by AWS".into());
    }
    if lower.starts_with("rnd:") {
        return Err("the `rnd:` prefix is reserved for the tags rnd uses to find its resources".into());
    }
    tag_chars(s)
}

/// An AWS tag value: 0–256 characters of the same set as keys.
pub fn tag_value(s: &str) -> Result<(), String> {
    if s.chars().count() > 256 {
        return Err("tag values are at most 256 characters".into());
    }
    tag_chars(s)
}

fn tag_chars(s: &str) -> Result<(), String> {
    match s
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == ' ' || "_.:/=+-@".contains(*c)))
    {
        Some(c) => Err(format!(
            "it contains `{c}`; tags allow letters, digits, spaces and _ . : / = + - @"
        )),
        None => Ok(()),
    }
}

/// Words that make a variable name look like a credential (`DB_PASSWORD`, `HF_TOKEN`).
const CREDENTIAL_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
];

/// Whether a variable named `name` probably holds a credential: validation warns when one is a
/// plain `env` value, and plans never show such a value.
pub fn looks_like_credential(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    CREDENTIAL_WORDS.iter().any(|w| upper.contains(w))
}

/// Prefixes of well-known token formats (Hugging Face, GitHub, OpenAI and Stripe, Slack, GitLab,
/// AWS access keys, Google API keys, npm, PyPI).
const TOKEN_PREFIXES: &[&str] = &[
    "hf_",
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "github_pat_",
    "sk-",
    "sk_live_",
    "sk_test_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "glpat-",
    "AKIA",
    "ASIA",
    "AIza",
    "npm_",
    "pypi-",
];

/// Whether a secret *name* looks like a pasted credential: a known token prefix, a long hex
/// string, or a long run of letters and digits mixed the way random keys are (and names people
/// choose, `db-password` or `OpenAiKeyProd2024`, are not).
pub fn looks_like_pasted_credential(s: &str) -> bool {
    // A known prefix with a token's worth of text after it: a name that is only the prefix
    // (`gho_`) or barely longer is a name someone chose, not a pasted token.
    if TOKEN_PREFIXES
        .iter()
        .any(|p| s.starts_with(p) && s.len() >= p.len() + 8)
    {
        return true;
    }
    if s.len() >= 32 && s.chars().all(|c| c.is_ascii_hexdigit()) {
        return true;
    }
    let separated = s.contains(['-', '_', '.']);
    let letter_digit_switches = s
        .as_bytes()
        .windows(2)
        .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
        .count();
    s.len() >= 20 && !separated && letter_digit_switches >= 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_credentials_are_told_from_secret_names() {
        for token in [
            "hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "sk-proj-abc123",
            "AKIAIOSFODNN7EXAMPLE",
            "6DEbwvvOtHzKIWUR0Aqep3hm",
            "b8739ea432424b5899872094ddcc1913",
        ] {
            assert!(looks_like_pasted_credential(token), "{token}");
        }
        for name in [
            "db-password",
            "openai-api-key",
            "HF_TOKEN",
            "MyServiceDatabasePassword2024",
            "OpenAiApiKeyForProduction01",
            "slack-webhook",
            "wandb.api.key",
        ] {
            assert!(!looks_like_pasted_credential(name), "{name}");
        }
    }

    #[test]
    fn image_references_follow_docker_grammar() {
        for ok in [
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/whisper",
            "localhost:5000/team/model",
            "ghcr.io/org/my__image",
            "library/ubuntu",
            "a/b.c-d---e",
        ] {
            assert_eq!(image_repository(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "whisper/X",
            "Whisper",
            "repo/img:1.0",
            "repo/img@sha256:abc",
            "repo//img",
            "repo/-img",
            "repo/img_",
            "a b",
            "host:port/x",
        ] {
            assert!(image_repository(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_and_labels() {
        assert!(image_tag("v1.2.3").is_ok());
        assert!(image_tag("-x").is_err());
        assert!(image_tag("a/b").is_err());
        assert!(dns_label("chat-ui").is_ok());
        assert!(dns_label("Chat").is_err());
        assert!(dns_label("1chat").is_err());
        assert_eq!(to_dns_label("My_Service"), "my-service");
        assert!(env_var_name("HF_HOME").is_ok());
        assert!(env_var_name("1X").is_err());
        assert!(secret_name("db-password").is_ok());
        assert!(secret_name("a/b").is_err());
    }

    #[test]
    fn arns_regions_ids() {
        assert_eq!(
            certificate_arn("arn:aws:acm:us-east-1:123456789012:certificate/0a1b-2c"),
            Ok("us-east-1")
        );
        assert!(certificate_arn("arn:aws:iam::123456789012:server-certificate/x").is_err());
        assert!(region("eu-west-3").is_ok());
        assert!(region("us-gov-west-1").is_ok());
        assert!(region("useast1").is_err());
        assert!(ec2_id("vpc-0123456789abcdef0", "vpc").is_ok());
        assert!(ec2_id("subnet-xyz", "subnet").is_err());
        assert!(tag_key("aws:x").is_err());
        assert!(domain_name("research.example.com").is_ok());
        assert!(domain_name("https://x.com").is_err());
    }
}

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`), with no bits set
/// past its prefix (AWS refuses `10.0.0.1/8`: it is ambiguous whether a host or a network was
/// meant).
pub fn cidr(s: &str) -> Result<(), String> {
    let Some((address, prefix)) = s.split_once('/') else {
        return Err("it has no prefix length (`/8`, `/32`, …)".into());
    };
    let prefix: u32 = prefix
        .parse()
        .map_err(|_| format!("the prefix length `{prefix}` is not a number"))?;
    let (bits, max) = match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => (u128::from(u32::from(v4)) << 96, 32),
        Ok(std::net::IpAddr::V6(v6)) => (u128::from(v6), 128),
        Err(_) => return Err(format!("`{address}` is not an IPv4 or IPv6 address")),
    };
    if prefix > max {
        return Err(format!("the prefix length is at most {max}"));
    }
    let host_bits = if max == 32 { 32 - prefix } else { 128 - prefix };
    let host_mask = if host_bits == 0 {
        0
    } else if max == 32 {
        (u128::from(u32::MAX >> (32 - host_bits))) << 96
    } else if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    if bits & host_mask != 0 {
        return Err(format!(
            "bits are set past the prefix /{prefix}; the network is probably the address with them cleared"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod cidr_tests {
    use super::cidr;

    #[test]
    fn networks_are_accepted_and_hosts_or_typos_refused() {
        for ok in [
            "10.0.0.0/8",
            "0.0.0.0/0",
            "203.0.113.7/32",
            "::/0",
            "2001:db8::/32",
            "2001:db8::1/128",
        ] {
            assert_eq!(cidr(ok), Ok(()), "{ok}");
        }
        for bad in [
            "10.0.0.1/8",
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0/8",
            "2001:db8::1/32",
            "x/8",
            "10.0.0.0/a",
        ] {
            assert!(cidr(bad).is_err(), "{bad}");
        }
    }
}
