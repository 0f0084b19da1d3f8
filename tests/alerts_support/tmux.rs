//! The real binary in tmux (a server of its own, killed on drop).

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn run(dir: &std::path::Path, args: &[String]) -> Tmux {
        let socket = format!(
            "vitals-alerts-{}-{}",
            std::process::id(),
            dir.file_name().unwrap().to_string_lossy()
        );
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", "200", "-y", "50", "env", "-i"])
            .arg(format!("HOME={}", dir.display()))
            .arg(format!("XDG_STATE_HOME={}", dir.display()))
            .arg("TERM=xterm-256color")
            .arg(BIN)
            .args(args)
            .status()
            .unwrap();
        assert!(status.success());
        Tmux { socket }
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "0"])
    }

    /// Types `keys` (tmux key names).
    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        let _ = self.tmux(&args);
    }

    /// The pid of the program in the pane (`env` execs it).
    pub fn pid(&self) -> u32 {
        self.tmux(&["display-message", "-p", "-t", "0", "#{pane_pid}"])
            .trim()
            .parse()
            .unwrap()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}
