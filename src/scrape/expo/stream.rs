//! The line loop: splits the body, dispatches lines, tracks families and
//! reports each sample, metadata change and error to the visitor.

use super::family::Seen;
use super::fast::fast_sample;
use super::lex::{is_utf8, skip_blanks};
use super::line::{parse_sample, Ctx, RawSample};
use super::meta::{fast_comment, parse_comment, Comment};
use super::{ErrorKind, ExemplarRef, FamilyRef, Format, LabelRef, MetricType, ParseError};
use super::{SampleRef, Visitor};
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;

/// Totals of one [`parse`] run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Samples passed to [`Visitor::sample`].
    pub samples: u64,
    /// OpenMetrics `_created` lines passed to [`Visitor::created`].
    pub created: u64,
    /// Lines that could not be parsed (plus one for a missing `# EOF`).
    pub invalid_lines: u64,
    /// The first of them.
    pub first_error: Option<ParseError>,
    /// Lines on the page.
    pub lines: u64,
}

/// Parses `body` in `format`, calling `visitor` for everything found, in
/// page order. Never fails and never panics: invalid lines go to
/// [`Visitor::invalid`] and are counted in the returned [`Summary`].
///
/// Allocation: a few vectors and maps per call (scratch labels, the family
/// table); per sample nothing, unless a quoted string holds an escape
/// sequence (then that one string is unescaped into a `String`).
pub fn parse<'a, V: Visitor<'a>>(body: &'a [u8], format: Format, visitor: &mut V) -> Summary {
    let ctx = Ctx {
        format,
        utf8: is_utf8(body),
    };
    // Room for the families of a typical page (one per ~256 bytes), bounded.
    let presize = (body.len() / 256).min(4096);
    let mut st = State {
        ctx,
        labels: Vec::with_capacity(16),
        ex_labels: Vec::new(),
        families: Vec::with_capacity(presize),
        seen: Vec::with_capacity(presize),
        // Built on first use (`State::index`); many pages never need it.
        by_name: FxHashMap::default(),
        lazy_index: true,
        current: None,
        known: b"",
        untyped_seen: FxHashSet::default(),
        last_untyped: "",
        eof: false,
        summary: Summary::default(),
    };
    let mut pos = 0;
    let mut lineno = 0u64;
    while pos < body.len() {
        if ctx.utf8 && body[pos] != b'#' && !st.eof {
            let known = st.known_name();
            if let Some((raw, end)) = fast_sample(body, pos, known, ctx.utf8, &mut st.labels) {
                lineno += 1;
                st.sample(raw, lineno, visitor);
                pos = end + 1;
                continue;
            }
        } else if ctx.utf8 && !st.eof {
            if let Some((c, end, same)) = fast_comment(body, pos, st.known_name(), format) {
                lineno += 1;
                match (c, st.current) {
                    // The usual TYPE after its family's HELP line.
                    (Comment::Type((name, _), kind), Some(idx)) if same => {
                        st.type_of(idx, name, kind, lineno, visitor);
                    }
                    // The usual HELP that opens a family.
                    (Comment::Help((name, plain), text), _) if !same => {
                        st.help(name, plain, text, lineno, visitor);
                    }
                    (c, _) => st.comment(c, lineno, visitor),
                }
                pos = end + 1;
                continue;
            }
        }
        let end = memchr::memchr(b'\n', &body[pos..]).map_or(body.len(), |e| pos + e);
        let mut line = &body[pos..end];
        pos = end + 1;
        lineno += 1;
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        st.line(line, lineno, visitor);
    }
    st.summary.lines = lineno;
    if format == Format::OpenMetrics && !st.eof {
        st.error(lineno.max(1), ErrorKind::MissingEof, visitor);
    }
    st.summary
}

pub(super) struct State<'a> {
    pub(super) ctx: Ctx,
    pub(super) labels: Vec<LabelRef<'a>>,
    pub(super) ex_labels: Vec<LabelRef<'a>>,
    pub(super) families: Vec<FamilyRef<'a>>,
    /// Per family: had a TYPE line, had samples.
    pub(super) seen: Vec<Seen>,
    pub(super) by_name: FxHashMap<Cow<'a, str>, usize>,
    /// `by_name` is not built yet: the families so far came in strictly
    /// increasing name order (as exporters write them), so a name above the
    /// last one is new without a lookup. The first lookup builds it.
    pub(super) lazy_index: bool,
    /// The family of the last metadata line or resolved sample.
    pub(super) current: Option<usize>,
    /// The current family's name when it is a valid unquoted metric name
    /// (kept with `current` by [`State::set_current`]), else empty.
    pub(super) known: &'a [u8],
    /// Names (and their base names) of samples that had no family, to
    /// reject a TYPE that comes after them.
    pub(super) untyped_seen: FxHashSet<&'a str>,
    pub(super) last_untyped: &'a str,
    pub(super) eof: bool,
    pub(super) summary: Summary,
}

/// Suffixes that tie a sample name to its family name.
const SUFFIXES: [&str; 8] = [
    "_total", "_created", "_bucket", "_sum", "_count", "_gsum", "_gcount", "_info",
];

impl<'a> State<'a> {
    fn line<V: Visitor<'a>>(&mut self, line: &'a [u8], lineno: u64, v: &mut V) {
        let om = self.ctx.format == Format::OpenMetrics;
        let i = skip_blanks(line, 0);
        if self.eof {
            if i < line.len() {
                self.error(lineno, ErrorKind::AfterEof, v);
            }
            return;
        }
        if i == line.len() {
            if om {
                self.error(lineno, ErrorKind::EmptyLine, v);
            }
            return;
        }
        let line = &line[i..];
        if line[0] == b'#' {
            match parse_comment(line, self.ctx) {
                Ok(c) => self.comment(c, lineno, v),
                Err(e) => self.error(lineno, e, v),
            }
            return;
        }
        let known = self.known_name();
        let raw = match parse_sample(line, known, self.ctx, &mut self.labels, &mut self.ex_labels) {
            Ok(raw) => raw,
            Err(e) => return self.error(lineno, e, v),
        };
        self.sample(raw, lineno, v);
    }

    /// Reports a parsed sample line (its labels in `self.labels`, its
    /// exemplar's in `self.ex_labels`) with its family.
    #[inline(always)]
    fn sample<V: Visitor<'a>>(&mut self, raw: RawSample<'a>, lineno: u64, v: &mut V) {
        let om = self.ctx.format == Format::OpenMetrics;
        let (family, suffix) = self.resolve(&raw.name, raw.prefix_matched);
        if let Some(f) = family {
            self.seen[f].sampled = true;
        }
        let family = family.map(|f| &self.families[f]);
        let sample = SampleRef {
            name: &raw.name,
            series: raw.series,
            labels: &self.labels,
            value: raw.value,
            timestamp_ms: raw.timestamp_ms,
            exemplar: raw.exemplar.map(|(value, timestamp_ms)| ExemplarRef {
                labels: &self.ex_labels,
                value,
                timestamp_ms,
            }),
            family,
            line: lineno,
        };
        if om && suffix == "_created" {
            self.summary.created += 1;
            v.created(&sample);
        } else {
            self.summary.samples += 1;
            v.sample(&sample);
        }
        if family.is_none() {
            if let Cow::Borrowed(name) = raw.name {
                self.note_untyped(name);
            }
        }
    }

    /// The current family's name when it is a valid unquoted metric name
    /// (a line that starts with it needs no check of those bytes), else
    /// empty.
    #[inline(always)]
    pub(super) fn known_name(&self) -> &'a [u8] {
        self.known
    }

    pub(super) fn set_current(&mut self, idx: usize) {
        self.current = Some(idx);
        self.known = match self.current {
            Some(c) if self.seen[c].plain_name => match &self.families[c].name {
                Cow::Borrowed(name) => name.as_bytes(),
                Cow::Owned(_) => b"",
            },
            _ => b"",
        }
    }

    /// The family of a sample name and the suffix that ties it to it.
    /// `prefix_matched`: the name starts with the current family's name.
    #[inline(always)]
    fn resolve(&mut self, name: &str, prefix_matched: bool) -> (Option<usize>, &'static str) {
        if let Some(c) = self.current {
            let fam = &self.families[c];
            let rest = if prefix_matched {
                name.get(fam.name.len()..)
            } else {
                name.strip_prefix(fam.name.as_ref())
            };
            if let Some(suffix) = rest.and_then(|r| fits(r, fam.kind)) {
                return (Some(c), suffix);
            }
        }
        self.resolve_by_name(name)
    }

    /// [`Self::resolve`] for a name outside the current family.
    #[inline(never)]
    fn resolve_by_name(&mut self, name: &str) -> (Option<usize>, &'static str) {
        if self.families.is_empty() {
            return (None, "");
        }
        self.index();
        let mut found = self.by_name.get(name).copied().map(|f| (f, ""));
        if found.is_none_or(|(f, s)| fits(s, self.families[f].kind).is_none()) {
            found = SUFFIXES.iter().find_map(|s| {
                let base = name.strip_suffix(s)?;
                let f = *self.by_name.get(base)?;
                fits(s, self.families[f].kind).map(|s| (f, s))
            });
        }
        match found {
            Some((f, s)) => {
                self.set_current(f);
                (Some(f), s)
            }
            None => (None, ""),
        }
    }

    fn note_untyped(&mut self, name: &'a str) {
        if name == self.last_untyped {
            return;
        }
        self.last_untyped = name;
        self.untyped_seen.insert(name);
        for s in SUFFIXES {
            if let Some(base) = name.strip_suffix(s) {
                self.untyped_seen.insert(base);
            }
        }
    }

    pub(super) fn error<V: Visitor<'a>>(&mut self, line: u64, kind: ErrorKind, v: &mut V) {
        let e = ParseError { line, kind };
        v.invalid(&e);
        self.summary.invalid_lines += 1;
        if self.summary.first_error.is_none() {
            self.summary.first_error = Some(e);
        }
    }
}

/// `rest` (what follows the family name in a sample name) as a static
/// suffix, if a family of type `kind` has samples with it.
#[inline]
pub(crate) fn fits(rest: &str, kind: MetricType) -> Option<&'static str> {
    use MetricType::*;
    let (suffix, ok) = match rest.as_bytes() {
        b"" => (
            "",
            matches!(kind, Counter | Summary | Info | Gauge | StateSet | Untyped),
        ),
        b"_total" => ("_total", kind == Counter),
        b"_created" => ("_created", matches!(kind, Counter | Histogram | Summary)),
        b"_bucket" => ("_bucket", matches!(kind, Histogram | GaugeHistogram)),
        b"_sum" => ("_sum", matches!(kind, Histogram | Summary)),
        b"_count" => ("_count", matches!(kind, Histogram | Summary)),
        b"_gsum" => ("_gsum", kind == GaugeHistogram),
        b"_gcount" => ("_gcount", kind == GaugeHistogram),
        b"_info" => ("_info", kind == Info),
        _ => return None,
    };
    ok.then_some(suffix)
}
