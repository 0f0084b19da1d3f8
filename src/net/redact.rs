//! Removing credentials from URLs in any text that is shown or logged.

/// `text` with the `user:password@` of every URL in it replaced by `***@`
/// (`https://u:p@h/x` becomes `https://***@h/x`) and the values of query
/// parameters whose names look secret replaced by `***`
/// (`?token=abc&module=x` becomes `?token=***&module=x`, see
/// [`is_secret_name`]). Text without either comes back unchanged.
pub fn redact_urls(text: &str) -> String {
    redact_queries(&redact_userinfo(text))
}

/// A query parameter name that carries a credential: `token`, `key`,
/// `secret`, `password`, `auth`, `sig` and their usual spellings
/// (`access_token`, `api_key`, `apikey`, `X-Amz-Signature`, `client_secret`,
/// `passwd`, `pwd`, `jwt`, `session`, `credential` …), in any case.
pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    const ANYWHERE: [&str; 9] = [
        "token",
        "secret",
        "passw",
        "apikey",
        "api_key",
        "auth",
        "signature",
        "credential",
        "private",
    ];
    const WHOLE: [&str; 7] = ["key", "sig", "pass", "pwd", "session", "jwt", "code"];
    ANYWHERE.iter().any(|w| n.contains(w))
        || WHOLE.contains(&n.as_str())
        || n.ends_with("_key")
        || n.ends_with("_sig")
}

/// Replaces the value of every `?name=value` or `&name=value` whose name is
/// secret by `***`. A value ends where a URL's query would (`&`, `#`,
/// whitespace, quotes, angle brackets, a closing parenthesis).
fn redact_queries(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['?', '&']) {
        let (head, tail) = rest.split_at(i + 1);
        out.push_str(head);
        let name_end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '%')))
            .unwrap_or(tail.len());
        let (name, after) = tail.split_at(name_end);
        match after.strip_prefix('=') {
            Some(value) if !name.is_empty() && is_secret_name(name) => {
                let end = value
                    .find(|c: char| {
                        matches!(c, '&' | '#' | '"' | '\'' | '<' | '>' | '`' | ')')
                            || c.is_whitespace()
                    })
                    .unwrap_or(value.len());
                out.push_str(name);
                out.push('=');
                if end > 0 {
                    out.push_str("***");
                }
                rest = &value[end..];
            }
            _ => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

fn redact_userinfo(text: &str) -> String {
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

    #[test]
    fn secret_query_values_are_removed() {
        assert_eq!(
            redact_urls("http://h:1/metrics?token=abc123&module=x"),
            "http://h:1/metrics?token=***&module=x"
        );
        assert_eq!(
            redact_urls("error for url (http://h/m?module=a&API_KEY=k1&X-Amz-Signature=s#f)"),
            "error for url (http://h/m?module=a&API_KEY=***&X-Amz-Signature=***#f)"
        );
        assert_eq!(
            redact_urls("\"http://u:p@h/m?access_token=t\" ok"),
            "\"http://***@h/m?access_token=***\" ok"
        );
        for kept in [
            "?module=x",
            "?target=1.2.3.4&name=y",
            "a & b=c",
            "?=x",
            "?token",
        ] {
            assert_eq!(redact_urls(kept), kept);
        }
        assert_eq!(redact_urls("?token="), "?token=");
        assert!(super::is_secret_name("client_secret"));
        assert!(super::is_secret_name("password"));
        assert!(super::is_secret_name("sig"));
        assert!(!super::is_secret_name("module"));
        assert!(!super::is_secret_name("keys"));
    }
}
