//! The text of an export ([`super::export`]): OpenMetrics families and
//! sample lines as `promtool` reads them, JSON lines, and the OpenMetrics
//! family a sample belongs to.

use super::export::Format;
use crate::scrape::expo::MetricType;
use crate::scrape::FamilyMeta;
use crate::vocab::labels::{Labels, METRIC_NAME};
use std::io::Write;

/// A family as written: its OpenMetrics name and type, HELP and UNIT.
#[derive(Clone, Debug, PartialEq)]
pub struct Family {
    pub name: String,
    pub kind: &'static str,
    pub help: Option<String>,
    pub unit: Option<String>,
}

impl Family {
    pub fn gauge(name: String) -> Family {
        Family {
            name,
            kind: "gauge",
            help: None,
            unit: None,
        }
    }

    fn unknown(name: &str) -> Family {
        Family {
            name: name.to_string(),
            kind: "unknown",
            help: None,
            unit: None,
        }
    }
}

fn om_type(k: MetricType) -> &'static str {
    match k {
        MetricType::Counter => "counter",
        MetricType::Gauge => "gauge",
        MetricType::Histogram => "histogram",
        MetricType::GaugeHistogram => "gaugehistogram",
        MetricType::Summary => "summary",
        MetricType::Info => "info",
        MetricType::StateSet => "stateset",
        MetricType::Untyped => "unknown",
    }
}

const SUFFIXES: [&str; 9] = [
    "", "_total", "_created", "_bucket", "_sum", "_count", "_gsum", "_gcount", "_info",
];

/// The OpenMetrics family of sample `name`, from its page's families
/// (`meta` finds one by name). A counter sample named as its 0.0.4
/// family (`# TYPE x_total counter`) is family `x`; a counter or info
/// sample without its OpenMetrics suffix, or a sample of no declared
/// family, is `unknown` under its own name.
pub fn family_of<'p>(name: &str, meta: impl Fn(&str) -> Option<&'p FamilyMeta>) -> Family {
    for suffix in SUFFIXES {
        let Some(base) = name.strip_suffix(suffix) else {
            continue;
        };
        let Some(m) = meta(base).filter(|m| m.kind.admits_suffix(suffix)) else {
            continue;
        };
        let stem = |s: &str| base.strip_suffix(s).filter(|b| !b.is_empty());
        let fam = match (m.kind, suffix) {
            (MetricType::Counter, "") => stem("_total"),
            (MetricType::Info, "") => stem("_info"),
            _ => Some(base),
        };
        let Some(fam) = fam else {
            return Family::unknown(name);
        };
        let unit = m.unit.clone().filter(|u| {
            !u.is_empty()
                && fam
                    .strip_suffix(u.as_str())
                    .is_some_and(|b| b.ends_with('_'))
        });
        return Family {
            name: fam.to_string(),
            kind: om_type(m.kind),
            help: m.help.clone(),
            unit,
        };
    }
    Family::unknown(name)
}

/// True when the metric and label names are valid in OpenMetrics 1.0
/// (what `promtool` 2.42 parses).
pub fn valid_om_series(labels: &Labels) -> bool {
    let name_ok = |s: &str, colon: bool| {
        let mut b = s.bytes();
        b.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || (colon && c == b':'))
            && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || (colon && c == b':'))
    };
    labels.name().is_some_and(|n| name_ok(n, true))
        && labels
            .iter()
            .all(|(k, _)| k == METRIC_NAME || name_ok(k, false))
}

/// Writes families and series in the chosen format, in chunks.
pub struct Writer<W: Write> {
    format: Format,
    pub out: W,
    buf: Vec<u8>,
    prefix: Vec<u8>,
}

const CHUNK: usize = 1 << 16;

impl<W: Write> Writer<W> {
    pub fn new(format: Format, out: W) -> Self {
        Writer {
            format,
            out,
            buf: Vec::with_capacity(CHUNK + 4096),
            prefix: Vec::new(),
        }
    }

    /// A family's metadata lines (OpenMetrics), before its series.
    pub fn family(&mut self, f: &Family) -> std::io::Result<()> {
        if self.format != Format::OpenMetrics {
            return Ok(());
        }
        let b = &mut self.buf;
        for (key, text) in [
            ("TYPE", Some(f.kind)),
            ("UNIT", f.unit.as_deref()),
            ("HELP", f.help.as_deref()),
        ] {
            let Some(text) = text else { continue };
            b.extend_from_slice(b"# ");
            b.extend_from_slice(key.as_bytes());
            b.push(b' ');
            b.extend_from_slice(f.name.as_bytes());
            b.push(b' ');
            escape(b, text);
            b.push(b'\n');
        }
        Ok(())
    }

    /// One series' samples of a window, in time order.
    pub fn series(
        &mut self,
        labels: &Labels,
        kind: &str,
        samples: &[(i64, f64)],
    ) -> std::io::Result<()> {
        match self.format {
            Format::OpenMetrics => {
                self.prefix.clear();
                om_series(&mut self.prefix, labels);
                for (t, v) in samples {
                    self.buf.extend_from_slice(&self.prefix);
                    self.buf.push(b' ');
                    put_value(&mut self.buf, *v, false);
                    self.buf.push(b' ');
                    put_seconds(&mut self.buf, *t);
                    self.buf.push(b'\n');
                    if self.buf.len() >= CHUNK {
                        self.flush_chunk()?;
                    }
                }
            }
            Format::Json => {
                self.buf.extend_from_slice(b"{\"labels\":");
                serde_json::to_writer(&mut self.buf, labels).map_err(std::io::Error::other)?;
                self.buf.extend_from_slice(b",\"type\":\"");
                self.buf.extend_from_slice(kind.as_bytes());
                self.buf.extend_from_slice(b"\",\"samples\":[");
                for (i, (t, v)) in samples.iter().enumerate() {
                    if i > 0 {
                        self.buf.push(b',');
                    }
                    self.buf.push(b'[');
                    self.buf
                        .extend_from_slice(itoa::Buffer::new().format(*t).as_bytes());
                    self.buf.push(b',');
                    put_value(&mut self.buf, *v, true);
                    self.buf.push(b']');
                    if self.buf.len() >= CHUNK {
                        self.flush_chunk()?;
                    }
                }
                self.buf.extend_from_slice(b"]}\n");
            }
        }
        Ok(())
    }

    /// Writes what is buffered.
    pub fn flush_chunk(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// The end: `# EOF` (OpenMetrics), everything written.
    pub fn end(&mut self) -> std::io::Result<()> {
        if self.format == Format::OpenMetrics {
            self.buf.extend_from_slice(b"# EOF\n");
        }
        self.flush_chunk()?;
        self.out.flush()
    }
}

/// `name{a="x",b="y"}`: no space after a comma, no trailing comma.
fn om_series(b: &mut Vec<u8>, labels: &Labels) {
    b.extend_from_slice(labels.name().unwrap_or_default().as_bytes());
    let mut first = true;
    for (k, v) in labels.iter().filter(|(k, _)| *k != METRIC_NAME) {
        b.push(if first { b'{' } else { b',' });
        first = false;
        b.extend_from_slice(k.as_bytes());
        b.extend_from_slice(b"=\"");
        escape(b, v);
        b.push(b'"');
    }
    if !first {
        b.push(b'}');
    }
}

/// A label value or HELP text: `\\`, `\"` and `\n` escaped.
fn escape(b: &mut Vec<u8>, s: &str) {
    if !s.bytes().any(|c| matches!(c, b'\\' | b'"' | b'\n')) {
        b.extend_from_slice(s.as_bytes());
        return;
    }
    for c in s.bytes() {
        match c {
            b'\\' => b.extend_from_slice(b"\\\\"),
            b'"' => b.extend_from_slice(b"\\\""),
            b'\n' => b.extend_from_slice(b"\\n"),
            c => b.push(c),
        }
    }
}

/// A value: integers as such, others in the shortest form that reads
/// back the same bits; `NaN`, `+Inf`, `-Inf` (quoted in JSON).
pub fn put_value(b: &mut Vec<u8>, v: f64, json: bool) {
    let special: &[u8] = if v.is_nan() {
        b"NaN"
    } else if v == f64::INFINITY {
        b"+Inf"
    } else if v == f64::NEG_INFINITY {
        b"-Inf"
    } else if v == 0.0 && v.is_sign_negative() {
        b"-0"
    } else {
        if v.fract() == 0.0 && v.abs() < 9e18 {
            b.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
        } else {
            b.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
        }
        return;
    };
    let quote = json && special != b"-0";
    if quote {
        b.push(b'"');
    }
    b.extend_from_slice(special);
    if quote {
        b.push(b'"');
    }
}

/// Milliseconds since the epoch as seconds: `1700000000` or
/// `1700000000.123`.
pub fn put_seconds(b: &mut Vec<u8>, t_ms: i64) {
    if t_ms < 0 {
        b.push(b'-');
    }
    let t = t_ms.unsigned_abs();
    b.extend_from_slice(itoa::Buffer::new().format(t / 1000).as_bytes());
    let ms = t % 1000;
    if ms != 0 {
        b.extend_from_slice(&[
            b'.',
            b'0' + (ms / 100) as u8,
            b'0' + (ms / 10 % 10) as u8,
            b'0' + (ms % 10) as u8,
        ]);
    }
}
