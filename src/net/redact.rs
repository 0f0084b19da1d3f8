//! Removing credentials from URLs in any text that is shown or logged.

/// `text` with the `user:password@` of every URL in it replaced by `***@`
/// (`https://u:p@h/x` becomes `https://***@h/x`). Text without such a URL
/// comes back unchanged.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the path, query, fragment, or anything
        // that cannot be part of a URL.
        let end = tail
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | '`') || c.is_whitespace()
            })
            .unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str("***@");
                rest = &tail[at + 1..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_urls;

    #[test]
    fn userinfo_is_removed_from_every_url() {
        assert_eq!(
            redact_urls("https://admin:s3cret@h:9090/metrics"),
            "https://***@h:9090/metrics"
        );
        assert_eq!(
            redact_urls("from http://u:p@a/x to \"http://v:q@b:1?y\" ok"),
            "from http://***@a/x to \"http://***@b:1?y\" ok"
        );
        assert_eq!(redact_urls("http://token@h"), "http://***@h");
        assert_eq!(
            redact_urls("http://h/path@not-userinfo"),
            "http://h/path@not-userinfo"
        );
        assert_eq!(redact_urls("no url here: a@b"), "no url here: a@b");
        assert_eq!(redact_urls("://"), "://");
        assert_eq!(redact_urls("x://@"), "x://***@");
    }
}
