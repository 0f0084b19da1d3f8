use super::BasicAuth;
use super::*;
use std::io::Write;

const SECRET: &str = "tok-3f9a1c";

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

fn authorization(a: &HttpAuth) -> String {
    a.headers()[AUTHORIZATION].to_str().unwrap().to_string()
}

#[test]
fn bearer_token_file_is_read_and_trimmed() {
    let f = file(&format!("\n  {SECRET}\r\n\n"));
    let a = build_http_auth(&Auth {
        bearer_token_file: Some(f.path().into()),
        ..Auth::default()
    })
    .unwrap();
    assert_eq!(authorization(&a), format!("Bearer {SECRET}"));
    assert!(a.has_credentials());
    assert!(a.headers()[AUTHORIZATION].is_sensitive());
}

#[test]
fn basic_auth_password_file_loses_its_newline() {
    let f = file("hunter2\n");
    let a = build_http_auth(&Auth {
        basic_auth: Some(BasicAuth {
            username: "scraper".into(),
            password: None,
            password_file: Some(f.path().into()),
        }),
        ..Auth::default()
    })
    .unwrap();
    // base64("scraper:hunter2")
    assert_eq!(authorization(&a), "Basic c2NyYXBlcjpodW50ZXIy");
}

#[test]
fn headers_are_sent_and_equal_settings_share_a_client() {
    let auth = Auth {
        headers: [("X-Scope-OrgID".to_string(), "team-a".to_string())].into(),
        ..Auth::default()
    };
    let a = build_http_auth(&auth).unwrap();
    let b = build_http_auth(&auth).unwrap();
    assert_eq!(a.headers()["x-scope-orgid"], "team-a");
    assert!(!a.has_credentials());
    assert_eq!(a, b);
    assert!(Arc::ptr_eq(&a.client, &b.client));
    let c = build_http_auth(&Auth::default()).unwrap();
    assert_ne!(a, c);
    assert!(Arc::ptr_eq(&a.client, &c.client), "same TLS, same client");
}

#[test]
fn conflicting_or_missing_settings_are_clear_errors() {
    let f = file(SECRET);
    let blank = file(" \n");
    let cases: Vec<(Auth, &str)> = vec![
        (
            Auth {
                bearer_token: Some(SECRET.into()),
                bearer_token_file: Some(f.path().into()),
                ..Auth::default()
            },
            "bearer_token and bearer_token_file: set only one",
        ),
        (
            Auth {
                bearer_token: Some(SECRET.into()),
                basic_auth: Some(BasicAuth {
                    username: "u".into(),
                    password: Some(SECRET.into()),
                    password_file: None,
                }),
                ..Auth::default()
            },
            "bearer_token and basic_auth: set only one kind of credentials",
        ),
        (
            Auth {
                bearer_token_file: Some("/nonexistent/token".into()),
                ..Auth::default()
            },
            "bearer_token_file: cannot read /nonexistent/token: No such file or directory",
        ),
        (
            Auth {
                bearer_token_file: Some(blank.path().into()),
                ..Auth::default()
            },
            " is empty",
        ),
        (
            Auth {
                cert_file: Some(f.path().into()),
                ..Auth::default()
            },
            "cert_file needs key_file too",
        ),
        (
            Auth {
                ca_file: Some(f.path().into()),
                ..Auth::default()
            },
            "ca_file: no certificate found",
        ),
        (
            Auth {
                server_name: Some("not a name!".into()),
                ..Auth::default()
            },
            "server_name \"not a name!\" is not a valid DNS name or IP address",
        ),
        (
            Auth {
                headers: [("Bad Name".to_string(), SECRET.to_string())].into(),
                ..Auth::default()
            },
            "headers: invalid header name \"Bad Name\"",
        ),
        (
            Auth {
                headers: [("X-Key".to_string(), format!("{SECRET}\u{7}"))].into(),
                ..Auth::default()
            },
            "headers: the value of X-Key is not a valid header value",
        ),
        (
            Auth {
                bearer_token: Some(SECRET.into()),
                headers: [("authorization".to_string(), SECRET.to_string())].into(),
                ..Auth::default()
            },
            "headers: Authorization cannot be set together",
        ),
    ];
    for (auth, want) in cases {
        let e = build_http_auth(&auth).unwrap_err().to_string();
        assert!(e.contains(want), "{e:?} lacks {want:?}");
        assert!(!e.contains(SECRET), "secret in {e:?}");
        assert!(!e.contains('\n'), "{e:?}");
    }
}

#[test]
fn debug_never_shows_a_secret() {
    let a = build_http_auth(&Auth {
        bearer_token: Some(SECRET.into()),
        headers: [("X-Api-Key".to_string(), SECRET.to_string())].into(),
        ..Auth::default()
    })
    .unwrap();
    let shown = format!("{a:?} {:?}", a.headers());
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("x-api-key"), "{shown}");
}

#[test]
fn url_credentials_become_basic_auth() {
    let a = basic_from_url("admin", Some("pw")).unwrap();
    // base64("admin:pw")
    assert_eq!(authorization(&a), "Basic YWRtaW46cHc=");
}
