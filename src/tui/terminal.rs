//! Putting the terminal into dashboard mode (raw, alternate screen, hidden
//! cursor, mouse reporting, bracketed paste) and getting it back on every exit path: a guard that restores on
//! drop (normal return and errors) and a panic hook that restores before the
//! panic message is printed.

use crossterm::cursor::{Hide, Show};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{self, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

/// The terminal is in dashboard mode and must be restored.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static PANIC_HOOK: Once = Once::new();
/// Set when any thread panicked while the terminal was in dashboard mode.
static PANICKED: AtomicBool = AtomicBool::new(false);
/// Wakes the event loop after such a panic, so it does not keep drawing on
/// a terminal that has been given back.
static PANIC_WAKE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Resolves once a panic restored the terminal.
pub async fn panicked() {
    PANIC_WAKE.notified().await;
}

/// True if a panic restored the terminal.
pub fn did_panic() -> bool {
    PANICKED.load(Ordering::SeqCst)
}

/// Everything drawn in one frame goes out in one write.
const OUTPUT_BUFFER: usize = 64 * 1024;

pub type Backend = CrosstermBackend<BufWriter<Stdout>>;

/// The dashboard's terminal; restores the user's terminal when dropped.
pub struct Tui {
    pub terminal: Terminal<Backend>,
}

impl Tui {
    /// Enters raw mode and the alternate screen.
    pub fn enter() -> anyhow::Result<Tui> {
        install_panic_hook();
        enable_raw_mode().map_err(|e| {
            anyhow::anyhow!("cannot put the terminal into raw mode ({e}): vitals needs an interactive terminal; use `vitals snapshot` for scripts")
        })?;
        ACTIVE.store(true, Ordering::SeqCst);
        let setup = (|| -> io::Result<Terminal<Backend>> {
            // Cleared here rather than with `Terminal::clear`, which asks the
            // terminal for the cursor position: some terminals never answer.
            execute!(
                io::stdout(),
                EnterAlternateScreen,
                EnableMouseCapture,
                EnableBracketedPaste,
                Hide,
                Clear(ClearType::All)
            )?;
            let backend =
                CrosstermBackend::new(BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout()));
            Terminal::new(backend)
        })();
        match setup {
            Ok(terminal) => Ok(Tui { terminal }),
            Err(e) => {
                restore();
                Err(anyhow::anyhow!("cannot set up the terminal: {e}"))
            }
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        // Whatever is still buffered belongs to the dashboard screen.
        let _ = self.terminal.backend_mut().flush();
        restore();
    }
}

/// Leaves the alternate screen, shows the cursor and ends raw mode, once.
/// Errors are ignored: the terminal may already be gone (SSH dropped).
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = execute!(
            out,
            DisableBracketedPaste,
            DisableMouseCapture,
            LeaveAlternateScreen,
            Show
        );
        let _ = disable_raw_mode();
        let _ = out.flush();
    }
}

/// Restores the terminal before any panic message is printed, then runs
/// the previous hook. Installed once per process.
fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if ACTIVE.load(Ordering::SeqCst) {
                PANICKED.store(true, Ordering::SeqCst);
                restore();
                // A stored permit: the loop sees it even if not yet waiting.
                PANIC_WAKE.notify_one();
            }
            previous(info);
        }));
    });
}
