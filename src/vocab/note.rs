//! Notes (`:note TEXT`): a line of text put on the timeline of an
//! incident, with when it is about and who wrote it.

use serde::{Deserialize, Serialize};

/// One note on the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The instant the note is about (the cursor's time, or when it was
    /// written), ms since the Unix epoch.
    pub time_ms: i64,
    /// `user@host`.
    pub author: String,
    pub text: String,
}

/// Who writes notes from this process: `$USER@host`. Without `$USER`, the
/// name `/etc/passwd` gives the uid that owns this process (`uid1000`
/// when it has none); the host is the kernel's host name
/// (`/proc/sys/kernel/hostname`, what `gethostname` returns), else
/// `/etc/hostname`, else `$HOSTNAME`.
pub fn note_author() -> String {
    let env = |k: &str| std::env::var(k).ok();
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let user = env("USER")
        .and_then(clean)
        .or_else(|| {
            let uid = process_uid()?;
            let name = read("/etc/passwd").and_then(|p| passwd_name(&p, uid));
            Some(name.unwrap_or_else(|| format!("uid{uid}")))
        })
        .unwrap_or_else(|| "unknown".to_string());
    let host = read("/proc/sys/kernel/hostname")
        .and_then(clean)
        .or_else(|| read("/etc/hostname").and_then(clean))
        .or_else(|| env("HOSTNAME").and_then(clean))
        .unwrap_or_else(|| "localhost".to_string());
    format!("{user}@{host}")
}

/// `s` trimmed, when something is left.
fn clean(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The uid owning this process (the owner of `/proc/self`).
#[cfg(unix)]
fn process_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

#[cfg(not(unix))]
fn process_uid() -> Option<u32> {
    None
}

/// The login name of `uid` in the text of `/etc/passwd`
/// (`name:x:uid:gid:...`).
pub fn passwd_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        if line.starts_with('#') {
            return None;
        }
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id: u32 = fields.nth(1)?.trim().parse().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_names_the_uid() {
        let passwd = "# users\nroot:x:0:0:root:/root:/bin/sh\n\
                      oncall:x:1000:1000:On Call,,,:/home/oncall:/bin/bash\n\
                      broken\n:x:7:7::/:/bin/false\n";
        assert_eq!(passwd_name(passwd, 0).as_deref(), Some("root"));
        assert_eq!(passwd_name(passwd, 1000).as_deref(), Some("oncall"));
        assert_eq!(passwd_name(passwd, 7), None, "no name");
        assert_eq!(passwd_name(passwd, 42), None);
    }

    #[test]
    fn the_author_is_user_at_host() {
        let a = note_author();
        let (user, host) = a.split_once('@').unwrap();
        assert!(!user.is_empty() && !host.is_empty(), "{a}");
        assert!(!a.contains(char::is_whitespace), "{a}");
        if let Some(u) = std::env::var("USER").ok().and_then(clean) {
            assert_eq!(user, u);
        }
    }

    #[test]
    fn a_note_round_trips_through_json() {
        let n = Note {
            time_ms: 1_795_867_203_000,
            author: "oncall@db1".into(),
            text: "restarted the primary".into(),
        };
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(serde_json::from_str::<Note>(&json).unwrap(), n);
    }
}
