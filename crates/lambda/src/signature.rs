//! GitHub's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`,
//! keyed with the webhook's secret. Checked in constant time, so the comparison leaks nothing.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Whether `header` is the signature of `body` under `secret`. A missing, malformed or wrong
/// signature is simply `false`: the caller answers 401 either way, and says nothing more.
pub fn verify(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_digest) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(signature) = hex::decode(hex_digest) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}

/// The header value GitHub would send for `body` (tests, and tools that replay deliveries).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn githubs_documented_example_verifies() {
        // From GitHub's "Validating webhook deliveries": secret "It's a Secret to Everybody",
        // payload "Hello, World!".
        let header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert!(verify(
            b"It's a Secret to Everybody",
            b"Hello, World!",
            Some(header)
        ));
        assert_eq!(sign(b"It's a Secret to Everybody", b"Hello, World!"), header);
    }

    #[test]
    fn anything_else_is_refused() {
        let body = b"{}";
        let good = sign(b"secret", body);
        assert!(verify(b"secret", body, Some(&good)));
        assert!(!verify(b"other", body, Some(&good)));
        assert!(!verify(b"secret", b"{ }", Some(&good)));
        assert!(!verify(b"secret", body, None));
        assert!(!verify(b"secret", body, Some("sha1=abc")));
        assert!(!verify(b"secret", body, Some("sha256=not-hex")));
        assert!(!verify(b"secret", body, Some(&good[..good.len() - 2])));
    }
}
