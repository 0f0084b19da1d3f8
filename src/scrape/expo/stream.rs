//! The line loop: splits the body, dispatches lines, tracks families and
//! reports each sample, metadata change and error to the visitor.

use super::fast::fast_sample;
use super::lex::{bytes_eq, is_utf8, skip_blanks};
use super::line::{parse_sample, Ctx, RawSample};
use super::meta::{fast_comment, parse_comment, Comment};
use super::{ErrorKind, ExemplarRef, FamilyRef, Format, LabelRef, MetricType, ParseError};
use super::{SampleRef, Visitor};
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;
use std::collections::hash_map::Entry;

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
        by_name: FxHashMap::with_capacity_and_hasher(presize, Default::default()),
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
            if let Some((raw, end)) = fast_sample(body, pos, known, &mut st.labels) {
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

struct State<'a> {
    ctx: Ctx,
    labels: Vec<LabelRef<'a>>,
    ex_labels: Vec<LabelRef<'a>>,
    families: Vec<FamilyRef<'a>>,
    /// Per family: had a TYPE line, had samples.
    seen: Vec<Seen>,
    by_name: FxHashMap<Cow<'a, str>, usize>,
    /// `by_name` is not built yet: the families so far came in strictly
    /// increasing name order (as exporters write them), so a name above the
    /// last one is new without a lookup. The first lookup builds it.
    lazy_index: bool,
    /// The family of the last metadata line or resolved sample.
    current: Option<usize>,
    /// The current family's name when it is a valid unquoted metric name
    /// (kept with `current` by [`State::set_current`]), else empty.
    known: &'a [u8],
    /// Names (and their base names) of samples that had no family, to
    /// reject a TYPE that comes after them.
    untyped_seen: FxHashSet<&'a str>,
    last_untyped: &'a str,
    eof: bool,
    summary: Summary,
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
    fn known_name(&self) -> &'a [u8] {
        self.known
    }

    fn set_current(&mut self, idx: usize) {
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

    fn comment<V: Visitor<'a>>(&mut self, c: Comment<'a>, lineno: u64, v: &mut V) {
        let ((name, plain_name), what) = match c {
            Comment::Plain => return,
            Comment::Eof => {
                self.eof = true;
                return;
            }
            Comment::Help(name, text) => (name, Meta::Help(text)),
            Comment::Type(name, kind) => (name, Meta::Type(kind)),
            Comment::Unit(name, unit) => (name, Meta::Unit(unit)),
        };
        let current = self
            .current
            .filter(|&c| bytes_eq(self.families[c].name.as_bytes(), name.as_bytes()));
        let idx = match current {
            Some(f) => f,
            None => {
                let next = self.families.len();
                let idx = if self.is_new_in_order(&name) {
                    next
                } else {
                    *self.index().entry(name.clone()).or_insert(next)
                };
                if idx == next {
                    if matches!(what, Meta::Type(_)) && self.untyped_seen.contains(name.as_ref()) {
                        self.by_name.remove(name.as_ref());
                        let e = ErrorKind::TypeAfterSamples(name.into_owned());
                        return self.error(lineno, e, v);
                    }
                    self.families.push(FamilyRef {
                        name: name.clone(),
                        kind: MetricType::Untyped,
                        help: None,
                        unit: None,
                    });
                    self.seen.push(Seen {
                        plain_name,
                        ..Seen::default()
                    });
                }
                idx
            }
        };
        let fam = &mut self.families[idx];
        let seen = &mut self.seen[idx];
        let dup = match &what {
            Meta::Help(_) => fam.help.is_some().then_some("HELP"),
            Meta::Unit(_) => fam.unit.is_some().then_some("UNIT"),
            Meta::Type(_) => seen.typed.then_some("TYPE"),
        };
        if let Some(kw) = dup {
            let e = ErrorKind::DuplicateMetadata(kw, name.into_owned());
            return self.error(lineno, e, v);
        }
        match what {
            Meta::Help(text) => fam.help = Some(text),
            Meta::Unit(unit) => fam.unit = Some(unit),
            Meta::Type(kind) => {
                if seen.sampled {
                    let e = ErrorKind::TypeAfterSamples(name.into_owned());
                    return self.error(lineno, e, v);
                }
                fam.kind = kind;
                seen.typed = true;
            }
        }
        self.set_current(idx);
        v.metadata(&self.families[idx]);
    }

    /// A HELP line (as [`Self::comment`] handles it), with a shorter way
    /// for a name that is neither the current family's nor known yet.
    fn help<V: Visitor<'a>>(
        &mut self,
        name: Cow<'a, str>,
        plain: bool,
        text: Cow<'a, str>,
        lineno: u64,
        v: &mut V,
    ) {
        let current = self.current.map(|c| self.families[c].name.as_bytes());
        if current.is_some_and(|c| bytes_eq(c, name.as_bytes())) {
            return self.comment(Comment::Help((name, plain), text), lineno, v);
        }
        let next = self.families.len();
        if self.is_new_in_order(&name) {
            return self.add_help(name, plain, text, v);
        }
        match self.index().entry(name) {
            Entry::Occupied(e) => {
                let name = e.key().clone();
                self.comment(Comment::Help((name, plain), text), lineno, v);
            }
            Entry::Vacant(e) => {
                let name = e.key().clone();
                e.insert(next);
                self.add_help(name, plain, text, v);
            }
        }
    }

    /// Adds a family that had no line yet with its HELP text.
    fn add_help<V: Visitor<'a>>(
        &mut self,
        name: Cow<'a, str>,
        plain: bool,
        text: Cow<'a, str>,
        v: &mut V,
    ) {
        let next = self.families.len();
        self.families.push(FamilyRef {
            name,
            kind: MetricType::Untyped,
            help: Some(text),
            unit: None,
        });
        self.seen.push(Seen {
            plain_name: plain,
            ..Seen::default()
        });
        self.set_current(next);
        v.metadata(&self.families[next]);
    }

    /// True when `name` sorts after every family so far while the index is
    /// still lazy: it is new, and the index stays unbuilt.
    #[inline]
    fn is_new_in_order(&self, name: &str) -> bool {
        self.lazy_index
            && self
                .families
                .last()
                .is_none_or(|last| last.name.as_bytes() < name.as_bytes())
    }

    /// The family index, built on first use.
    fn index(&mut self) -> &mut FxHashMap<Cow<'a, str>, usize> {
        if self.lazy_index {
            self.lazy_index = false;
            for (i, f) in self.families.iter().enumerate() {
                self.by_name.insert(f.name.clone(), i);
            }
        }
        &mut self.by_name
    }

    /// A TYPE line for family `idx`, the current one (as [`Self::comment`]
    /// handles it once the name is found to be the current family's).
    fn type_of<V: Visitor<'a>>(
        &mut self,
        idx: usize,
        name: Cow<'a, str>,
        kind: MetricType,
        lineno: u64,
        v: &mut V,
    ) {
        let seen = &mut self.seen[idx];
        if seen.typed {
            let e = ErrorKind::DuplicateMetadata("TYPE", name.into_owned());
            return self.error(lineno, e, v);
        }
        if seen.sampled {
            let e = ErrorKind::TypeAfterSamples(name.into_owned());
            return self.error(lineno, e, v);
        }
        seen.typed = true;
        self.families[idx].kind = kind;
        self.set_current(idx);
        v.metadata(&self.families[idx]);
    }

    fn error<V: Visitor<'a>>(&mut self, line: u64, kind: ErrorKind, v: &mut V) {
        let e = ParseError { line, kind };
        v.invalid(&e);
        self.summary.invalid_lines += 1;
        if self.summary.first_error.is_none() {
            self.summary.first_error = Some(e);
        }
    }
}

#[derive(Clone, Copy, Default)]
struct Seen {
    typed: bool,
    sampled: bool,
    /// The name is an unquoted metric name (checked when declared).
    plain_name: bool,
}

enum Meta<'a> {
    Help(Cow<'a, str>),
    Type(MetricType),
    Unit(Cow<'a, str>),
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
