//! `vitals export PATH`: a recording's series on standard output, as
//! OpenMetrics for `promtool tsdb create-blocks-from openmetrics` or as
//! JSON lines ([`crate::record::export`]).
#![allow(clippy::print_stderr)]

use crate::record::export::{self, ExportError, Format, Options};
use crate::record::{timespec, Recording};
use crate::vocab::text::for_terminal;
use anyhow::{bail, Result};
use std::path::PathBuf;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// OpenMetrics text, ending in `# EOF`.
    Openmetrics,
    /// One JSON object per series (and window of samples), one a line.
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The recording: its folder of segments (or one segment file).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Output: openmetrics (for promtool tsdb create-blocks-from openmetrics) or json (lines of {"labels":{...},"type":...,"samples":[[t_ms,value],...]}).
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = ExportFormat::Openmetrics)]
    pub format: ExportFormat,
    /// First instant: RFC 3339, HH:MM[:SS] on the recording's day (local time), or a negative duration back from its end (-10m) [default: its start].
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub start: Option<String>,
    /// Last instant, as --start [default: its end].
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub end: Option<String>,
}

/// Runs the export: 0 when written, 2 (through the error) when the
/// recording or a time cannot be read. Notices (a torn tail skipped, a
/// series left out) go to standard error.
pub fn run(a: ExportArgs) -> Result<i32> {
    let rec = Recording::open(&a.path).map_err(anyhow::Error::msg)?;
    let mut opts = Options::new(match a.format {
        ExportFormat::Openmetrics => Format::OpenMetrics,
        ExportFormat::Json => Format::Json,
    });
    if a.start.is_some() || a.end.is_some() {
        let end = export::end_ms(&rec).map_err(anyhow::Error::msg)?;
        let at = |flag: &str, spec: &Option<String>| -> Result<Option<i64>> {
            spec.as_deref()
                .map(|s| timespec::parse_at(s, rec.start_ms(), end, false))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--{flag} {e}"))
        };
        opts.start_ms = at("start", &a.start)?;
        opts.end_ms = at("end", &a.end)?;
        if let (Some(s), Some(e)) = (opts.start_ms, opts.end_ms) {
            if s > e {
                bail!("--start is after --end");
            }
        }
    }
    let out = std::io::stdout().lock();
    let mut notices = Vec::new();
    let result = export::export(&rec, &opts, out, &mut notices);
    for n in notices {
        eprintln!("vitals: {}", for_terminal(&n));
    }
    match result {
        Ok(_) => Ok(0),
        // A reader that closes the pipe early (`| head`) is not an error.
        Err(ExportError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e.into()),
    }
}
