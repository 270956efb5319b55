//! How GitHub's answers point elsewhere: the `Link` header's next page, and whether a URL stays
//! on the API's origin (the only place the token may go).

use rnd_http::Uri;

/// The `rel="next"` URL of a `Link` header, as GitHub paginates.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        let url = url.trim();
        (is_next && url.starts_with('<') && url.ends_with('>')).then(|| url[1..url.len() - 1].to_string())
    })
}

/// Whether `url` is on the same scheme, host and port as `base`.
pub(super) fn same_origin(url: &str, base: &str) -> bool {
    let origin = |u: &str| -> Option<String> {
        let uri: Uri = u.parse().ok()?;
        Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?))
    };
    matches!((origin(url), origin(base)), (Some(a), Some(b)) if a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_comes_from_the_link_header() {
        let header = r#"<https://api.github.com/repositories/1/issues/2/comments?page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?page=5>; rel="last""#;
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?page=2")
        );
        assert_eq!(
            next_link(r#"<https://api.github.com/x?page=1>; rel="prev""#),
            None
        );
    }

    #[test]
    fn the_token_stays_on_the_api_origin() {
        assert!(same_origin(
            "https://api.github.com/repos/o/r?page=2",
            "https://api.github.com"
        ));
        assert!(!same_origin(
            "https://evil.example.com/repos",
            "https://api.github.com"
        ));
        assert!(!same_origin(
            "http://api.github.com/repos",
            "https://api.github.com"
        ));
    }
}
