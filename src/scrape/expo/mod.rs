//! The exposition-format parser (text format 0.0.4 and OpenMetrics 1.0).
//!
//! Two layers:
//!
//! - [`parse`] is the zero-copy core. It walks a body once and calls a
//!   [`Visitor`] for every sample, metadata line, OpenMetrics `_created`
//!   line and invalid line, in page order. Names, label names and label
//!   values are borrowed from the body ([`Cow::Borrowed`]) unless they held
//!   an escape sequence; the label slices live in a scratch vector that is
//!   reused from line to line, so unescaped input costs no allocation per
//!   sample. This is what an ingest path uses to feed a store. The usual
//!   lines (`# HELP name text`, `# TYPE name kind`, and a sample with a
//!   plain name, plain labels and a value ending the line) are read
//!   straight from the body by short paths (`meta.rs`, `fast.rs`) that
//!   accept only lines the general code reads the same way; everything
//!   else goes through the general code.
//! - [`parse_page`] (and [`PageParser`], which keeps interned label text
//!   from one scrape to the next) builds the owned [`Page`](crate::scrape::Page) the scraper
//!   sends to the engine.
//!
//! Semantics follow Prometheus's own parsers:
//!
//! - The format comes from the Content-Type ([`format_from_content_type`]);
//!   anything but `application/openmetrics-text` is text format 0.0.4.
//! - A line that cannot be parsed is counted and reported as
//!   `line N: reason`; the other lines of the page are kept. Invalid UTF-8
//!   loses only the line it is on. Nothing panics, whatever the input.
//! - Text 0.0.4: timestamps are integer milliseconds; `untyped` families;
//!   blank lines and plain `#` comments are ignored; exemplars are invalid.
//! - OpenMetrics: timestamps are float seconds, converted to milliseconds;
//!   exemplars are kept; `UNIT`, `info`, `stateset`, `gaugehistogram` and
//!   `unknown`; a `_created` line of a counter, histogram or summary is not
//!   a sample (it goes to [`Visitor::created`]); the page must end with
//!   `# EOF` and nothing may follow it.
//! - Both: `\\`, `\"` and `\n` escapes in label values, any other byte
//!   (commas, braces, `=`, UTF-8) inside quotes, `:` in metric names,
//!   Prometheus 3 quoted UTF-8 names (`{"my.metric", "a.b"="c"}`), NaN and
//!   ±Inf in any case, exponents, CRLF line ends, tabs as separators, no
//!   final newline. Hexadecimal floats and `_` in numbers are rejected, as
//!   Prometheus does. A `# TYPE` that comes after samples of its family, a
//!   second `# TYPE` or `# HELP` for a family and an unknown type keyword
//!   are invalid lines (the samples stay, untyped).

mod family;
mod fast;
mod lex;
mod line;
mod meta;
mod num;
mod owned;
mod stream;

pub use owned::{parse_page, PageParser};
pub use stream::{parse, Summary};

use std::borrow::Cow;
use std::fmt;

/// The label that holds the metric name in a label set.
pub(crate) const METRIC_NAME_LABEL: &str = crate::vocab::labels::METRIC_NAME;

pub use crate::vocab::catalog::MetricType;

impl MetricType {
    /// True when a sample named `family` + `suffix` belongs to a family of
    /// this type (`suffix` is empty for the family name itself).
    pub fn admits_suffix(self, suffix: &str) -> bool {
        stream::fits(suffix, self).is_some()
    }
}

/// The wire format of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub enum Format {
    /// Prometheus text format 0.0.4.
    #[default]
    Text,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

/// Text 0.0.4 unless the Content-Type says `application/openmetrics-text`
/// (as Prometheus decides: media type compared without case, parameters
/// ignored; a missing or unknown type is text).
pub fn format_from_content_type(content_type: Option<&str>) -> Format {
    let Some(ct) = content_type else {
        return Format::Text;
    };
    let media = ct.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/openmetrics-text") {
        Format::OpenMetrics
    } else {
        Format::Text
    }
}

/// One label of a borrowed sample. An empty value means "absent" (the owned
/// [`Page`](crate::scrape::Page) drops it, as Prometheus does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelRef<'a> {
    pub name: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

/// A family's metadata as declared so far on the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyRef<'a> {
    /// The family name as written after TYPE/HELP/UNIT (for OpenMetrics
    /// counters without `_total`).
    pub name: Cow<'a, str>,
    pub kind: MetricType,
    /// HELP text, unescaped.
    pub help: Option<Cow<'a, str>>,
    pub unit: Option<Cow<'a, str>>,
}

/// An exemplar attached to a sample (OpenMetrics).
#[derive(Clone, Copy, Debug)]
pub struct ExemplarRef<'a, 's> {
    pub labels: &'s [LabelRef<'a>],
    pub value: f64,
    pub timestamp_ms: Option<i64>,
}

/// A sample as the parser sees it: borrowed from the body (`'a`) and from
/// the parser's scratch space (`'s`, valid during the visitor call only).
#[derive(Clone, Copy, Debug)]
pub struct SampleRef<'a, 's> {
    /// Metric name as exposed (with `_total`, `_bucket`, …).
    pub name: &'s str,
    /// The series as written on the line: from the line's first non-blank
    /// byte to the end of the name or label set (`up`,
    /// `http_requests_total{code="200"}`). One text always gives one name
    /// and label set, so it can key a cache of series across scrapes.
    pub series: &'a [u8],
    /// Labels in page order, without `__name__`; no two with one name.
    pub labels: &'s [LabelRef<'a>],
    pub value: f64,
    /// Milliseconds since the epoch, when the page gives one.
    pub timestamp_ms: Option<i64>,
    pub exemplar: Option<ExemplarRef<'a, 's>>,
    /// The family this sample belongs to, when the page declared it.
    pub family: Option<&'s FamilyRef<'a>>,
    /// 1-based line number.
    pub line: u64,
}

impl SampleRef<'_, '_> {
    /// The family's type; `Untyped` when no TYPE was declared.
    pub fn kind(&self) -> MetricType {
        self.family.map_or(MetricType::Untyped, |f| f.kind)
    }
}

/// Receives what [`parse`] finds, in page order.
pub trait Visitor<'a> {
    /// A valid sample line.
    fn sample(&mut self, sample: &SampleRef<'a, '_>);
    /// A TYPE, HELP or UNIT line was accepted; `family` holds everything
    /// declared for it so far.
    fn metadata(&mut self, family: &FamilyRef<'a>) {
        let _ = family;
    }
    /// An OpenMetrics `_created` line (value: creation time in seconds).
    fn created(&mut self, sample: &SampleRef<'a, '_>) {
        let _ = sample;
    }
    /// A line that could not be parsed (it produced nothing else).
    fn invalid(&mut self, error: &ParseError) {
        let _ = error;
    }
}

/// Why a line is invalid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    #[error("invalid UTF-8")]
    InvalidUtf8,
    #[error("invalid metric name \"{0}\"")]
    MetricName(String),
    #[error("no metric name")]
    NoMetricName,
    #[error("metric name given twice")]
    NameTwice,
    #[error("invalid label name \"{0}\"")]
    LabelName(String),
    #[error("expected '=' after label name \"{0}\"")]
    ExpectedEquals(String),
    #[error("value of label \"{0}\" is not in double quotes")]
    UnquotedValue(String),
    #[error("unterminated quoted string")]
    UnterminatedQuote,
    #[error("label set not closed with '}}'")]
    UnclosedLabels,
    #[error("expected ',' or '}}' in label set at \"{0}\"")]
    ExpectedComma(String),
    #[error("label \"{0}\" given twice")]
    DuplicateLabel(String),
    #[error("no value after the metric name")]
    NoValue,
    #[error("invalid value \"{0}\"")]
    Value(String),
    #[error("invalid timestamp \"{0}\"")]
    Timestamp(String),
    #[error("unexpected text \"{0}\" at end of line")]
    Trailing(String),
    #[error("invalid exemplar: {0}")]
    Exemplar(String),
    #[error("exemplars are only allowed in OpenMetrics")]
    ExemplarInText,
    #[error("{0} line without a metric name")]
    MetadataName(&'static str),
    #[error("unknown metric type \"{0}\"")]
    Type(String),
    #[error("TYPE for \"{0}\" after its samples")]
    TypeAfterSamples(String),
    #[error("second {0} line for \"{1}\"")]
    DuplicateMetadata(&'static str, String),
    #[error("comment lines other than HELP, TYPE, UNIT and EOF are not allowed in OpenMetrics")]
    Comment,
    #[error("empty line (not allowed in OpenMetrics)")]
    EmptyLine,
    #[error("content after # EOF")]
    AfterEof,
    #[error("OpenMetrics page does not end with # EOF")]
    MissingEof,
}

/// An invalid line: its 1-based number and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: u64,
    pub kind: ErrorKind,
}

/// `line N: reason`, as shown on the target's row.
impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

impl std::error::Error for ParseError {}

/// The family type of a sample name, from the page's TYPE lines.
pub fn kind_of(types: &std::collections::HashMap<&str, MetricType>, name: &str) -> MetricType {
    if let Some(k) = types.get(name) {
        return *k;
    }
    for suffix in [
        "_bucket", "_sum", "_count", "_total", "_created", "_info", "_gcount", "_gsum",
    ] {
        if let Some(base) = name.strip_suffix(suffix) {
            if let Some(k) = types.get(base) {
                return *k;
            }
        }
    }
    MetricType::Untyped
}
