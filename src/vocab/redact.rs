//! Removing credentials from URLs in any text that is shown or logged.

/// `text` with the secrets of every URL in it replaced: the
/// `user:password@` (`https://u:p@h/x` becomes `https://***@h/x`) and the
/// values of query parameters whose names say they hold a secret
/// (`?token=`, `access_token`, `api_key`, `key`, `secret`, `password`,
/// `sig`, ...: `h/x?token=abc&n=1` becomes `h/x?token=***&n=1`). Text
/// without such a URL comes back unchanged.
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
                // Punctuation that ends a sentence is not part of the value.
                let end = value[..end].trim_end_matches([':', ',', '.', ';']).len();
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
        // The URL ends at anything that cannot be part of one (or that
        // quotes one in a message: `for url (http://…)`).
        let end = tail
            .find(|c: char| matches!(c, '"' | '\'' | '<' | '>' | '`' | ')') || c.is_whitespace())
            .unwrap_or(tail.len());
        // Punctuation that ends a sentence is not part of the URL
        // (`… http://h/x?token=t: HTTP 401`).
        let end = tail[..end].trim_end_matches([':', ',', '.', ';']).len();
        let (url, after) = tail.split_at(end);
        redact_one(url, &mut out);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Appends `url` (what follows `scheme://`) to `out`, redacted.
fn redact_one(url: &str, out: &mut String) {
    let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    let rest = match url[..authority_end].rfind('@') {
        Some(at) => {
            out.push_str("***@");
            &url[at + 1..]
        }
        None => url,
    };
    let Some(q) = rest.find('?') else {
        out.push_str(rest);
        return;
    };
    out.push_str(&rest[..=q]);
    let tail = &rest[q + 1..];
    let (query, fragment) = tail.split_at(tail.find('#').unwrap_or(tail.len()));
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_secret_name(name) => {
                out.push_str(name);
                out.push_str("=***");
            }
            _ => out.push_str(pair),
        }
    }
    out.push_str(fragment);
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
            redact_urls("webhook http://h/hook?token=S3CR3T&team=db: HTTP 500"),
            "webhook http://h/hook?token=***&team=db: HTTP 500"
        );
        assert_eq!(
            redact_urls("http://h/x?access_token=a&API_KEY=b&key=c&client_secret=d#frag"),
            "http://h/x?access_token=***&API_KEY=***&key=***&client_secret=***#frag"
        );
        assert_eq!(
            redact_urls("see http://h/x?token=t: refused, http://h/y?key=k."),
            "see http://h/x?token=***: refused, http://h/y?key=***."
        );
        assert_eq!(
            redact_urls("for url (http://am:pw@h:1/api?sig=abc)"),
            "for url (http://***@h:1/api?sig=***)"
        );
        // Ordinary parameters and empty values stay as they are.
        assert_eq!(
            redact_urls("http://h/graph?g0.expr=up&g0.tab=1&token="),
            "http://h/graph?g0.expr=up&g0.tab=1&token="
        );
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
