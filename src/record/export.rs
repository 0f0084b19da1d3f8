//! Export: a recording as the series the dashboard's store held, written
//! as OpenMetrics text (for `promtool tsdb create-blocks-from openmetrics`)
//! or as JSON lines, to load the incident into other tools.
//!
//! The series are those the engine writes (`Engine::apply`): each page's
//! samples with the target's labels attached ([`Target::attach_labels`]),
//! stamped with the scrape's start (the store ignores a sample's own
//! timestamp, so the export does too), and per scrape the synthetic `up`
//! (0 for a failed scrape), `scrape_duration_seconds` and
//! `scrape_samples_scraped` (0 for a failed scrape). A page that breaks
//! its target's limits counts as failed, as in the engine; a series given
//! twice at one instant keeps its first value, as the store does. No
//! staleness markers are written.
//!
//! Memory is bounded: the samples are gathered into windows of at most
//! [`WINDOW_SAMPLES`] samples (consecutive scrapes), and each window is
//! written grouped by family, then series (in label order), then time. A
//! family comes again in the next window with later samples, which
//! `promtool` accepts (OpenMetrics 1.0 would have each family once; a
//! recording of a few targets fits in one window and so is grouped
//! whole). A series' samples are in time order across the whole output
//! (`promtool` silently drops a sample older than one it read before).
//!
//! **OpenMetrics**, as `promtool` 2.42 reads it: `# TYPE` (`counter`,
//! `gauge`, `histogram`, `gaugehistogram`, `summary`, `info`, `stateset`
//! or `unknown`, never `untyped`), `# HELP` (`\\`, `\n` and `\"`
//! escaped) and `# UNIT` (only when the family name ends in it) before a
//! family's samples; `name{label="value",…} VALUE TIMESTAMP` with no
//! space after a comma, no trailing comma, label values escaped (`\\`,
//! `\"`, `\n`), `NaN`, `+Inf`, `-Inf`, timestamps in seconds with up to
//! three decimals; no blank or comment lines; `# EOF` last. A series whose
//! metric or label names are not valid in OpenMetrics 1.0 (`[a-zA-Z_:]`
//! `[a-zA-Z0-9_:]*`) is left out with a notice.
//!
//! **JSON** (`--format json`): one object per series and window, one a
//! line: `{"labels":{"__name__":"up","instance":"…","job":"…"},
//! "type":"gauge","samples":[[1700000000000,1],…]}`, times in
//! milliseconds since the epoch, values as JSON numbers, or the strings
//! `"NaN"`, `"+Inf"`, `"-Inf"`. A series may come in several lines, each
//! later than the one before: concatenate their samples.

use super::export_fmt::{family_of, valid_om_series, Family, Writer};
use super::{Event, Recording};
use crate::scrape::{Page, ScrapeLimits, ScrapeResult, Target};
use crate::vocab::labels::Labels;
use rustc_hash::FxHashMap;
use std::io::Write;
use std::sync::Arc;

/// The samples gathered before a window is written.
pub const WINDOW_SAMPLES: usize = 4_000_000;

/// The output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    OpenMetrics,
    Json,
}

/// What to export.
#[derive(Clone, Debug)]
pub struct Options {
    pub format: Format,
    /// Samples from this instant on (ms, inclusive).
    pub start_ms: Option<i64>,
    /// Samples up to this instant (ms, inclusive).
    pub end_ms: Option<i64>,
    /// Samples gathered before a window is written
    /// ([`WINDOW_SAMPLES`]; smaller in tests).
    pub window: usize,
}

impl Options {
    pub fn new(format: Format) -> Options {
        Options {
            format,
            start_ms: None,
            end_ms: None,
            window: WINDOW_SAMPLES,
        }
    }
}

/// What an export wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub samples: u64,
    pub scrapes: u64,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The recording cannot be read on (what was read before is written,
    /// without `# EOF`).
    #[error("{0}")]
    Read(String),
    #[error("cannot write: {0}")]
    Write(#[from] std::io::Error),
}

/// The recording's last instant: the latest event of its last segment.
pub fn end_ms(rec: &Recording) -> Result<i64, String> {
    let Some(last) = rec.segments.last() else {
        return Ok(0);
    };
    let tail = Recording {
        path: rec.path.clone(),
        segments: vec![last.clone()],
    };
    let mut events = tail.events();
    let end = events
        .by_ref()
        .filter_map(|e| e.time_ms())
        .fold(last.start_ms, i64::max);
    match events.error {
        Some(e) => Err(e),
        None => Ok(end),
    }
}

/// Writes the recording's series to `out`; `notices` gets one line for
/// each torn tail skipped and each series left out, error or not.
pub fn export<W: Write>(
    rec: &Recording,
    opts: &Options,
    out: W,
    notices: &mut Vec<String>,
) -> Result<Summary, ExportError> {
    let start = opts.start_ms.unwrap_or(i64::MIN);
    let end = opts.end_ms.unwrap_or(i64::MAX);
    // The segments that can hold the range, with one more on each side: a
    // scrape is appended when it ends, which may be after the tick that
    // started the next segment.
    let first = rec.segment_at(start).saturating_sub(1);
    let last = rec
        .segments
        .iter()
        .rposition(|s| s.start_ms <= end)
        .map_or(0, |i| (i + 1).min(rec.segments.len().saturating_sub(1)));
    let part = Recording {
        path: rec.path.clone(),
        segments: rec.segments.get(first..=last).unwrap_or_default().to_vec(),
    };
    let mut ex = Exporter::new(opts.format, out, notices);
    let mut events = part.events();
    for e in events.by_ref() {
        if let Event::Scrape(r) = e {
            if (start..=end).contains(&r.time_ms) {
                ex.scrape(r);
                if ex.buffered >= opts.window.max(1) {
                    ex.flush()?;
                }
            }
        }
    }
    ex.flush()?;
    ex.notices.splice(0..0, events.notices);
    if let Some(e) = events.error {
        ex.w.out.flush()?;
        return Err(ExportError::Read(e));
    }
    ex.w.end()?;
    Ok(ex.summary)
}

/// A series being gathered.
struct Series {
    labels: Labels,
    family: u32,
    /// This window's samples.
    samples: Vec<(i64, f64)>,
    /// The last instant written (earlier ones are dropped).
    last_t: i64,
    /// Had samples in the last window written.
    live: bool,
}

/// Series kept, beyond twice the live ones, before the others are
/// forgotten.
const COMPACT_SLACK: usize = if cfg!(test) { 4 } else { 10_000 };

/// No series: a sample left out of the output (its names are not valid
/// OpenMetrics).
const SKIP: u32 = u32::MAX;
/// A sample that breaks its target's label limits: the page fails.
const BROKEN: u32 = u32::MAX - 1;

/// What is known of one target: its exposed series' ids, and the
/// addresses of its last page's label strings, in page order.
///
/// Within a segment the reader hands out the same shared strings for a
/// series at every scrape (its decoder keeps each series' labels for the
/// whole segment), and each segment's decoder makes its own `Arc<Target>`.
/// So while `reader` is the scrape's target, a page whose strings are at
/// the addresses of the last page's is the same list of series: it is
/// matched in order without hashing or comparing text, and without
/// holding its labels (`Labels::clone` touches every string's count).
struct TargetCache {
    target: Target,
    series: FxHashMap<Labels, u32>,
    reader: Option<Arc<Target>>,
    last: Vec<usize>,
    last_ids: Vec<u32>,
    scratch: Vec<usize>,
    synthetic: Option<[u32; 3]>,
}

/// The addresses of a label set's strings.
fn addresses(l: &Labels) -> impl Iterator<Item = usize> + '_ {
    l.pairs().iter().flat_map(|(k, v)| {
        [
            Arc::as_ptr(k).cast::<u8>() as usize,
            Arc::as_ptr(v).cast::<u8>() as usize,
        ]
    })
}

/// A target's identity in the output: its URL, its labels and limits.
type TargetKey = (String, Labels, ScrapeLimits);

struct Exporter<'n, W: Write> {
    format: Format,
    notices: &'n mut Vec<String>,
    series: Vec<Series>,
    by_labels: FxHashMap<Labels, u32>,
    /// Every series id by family name, then labels: the output order.
    ranked: Vec<u32>,
    /// Series created since `ranked` was made.
    unranked: Vec<u32>,
    families: Vec<Family>,
    family_ids: FxHashMap<String, u32>,
    targets: FxHashMap<TargetKey, TargetCache>,
    /// Samples gathered in this window.
    buffered: usize,
    w: Writer<W>,
    summary: Summary,
}

impl<'n, W: Write> Exporter<'n, W> {
    fn new(format: Format, out: W, notices: &'n mut Vec<String>) -> Self {
        Exporter {
            format,
            notices,
            series: Vec::new(),
            by_labels: FxHashMap::default(),
            ranked: Vec::new(),
            unranked: Vec::new(),
            families: Vec::new(),
            family_ids: FxHashMap::default(),
            targets: FxHashMap::default(),
            buffered: 0,
            w: Writer::new(format, out),
            summary: Summary::default(),
        }
    }

    /// Adds one scrape's samples, as the engine stores them.
    fn scrape(&mut self, r: ScrapeResult) {
        self.summary.scrapes += 1;
        let t = &r.target;
        let key = (t.url.clone(), t.target_labels(), t.limits);
        let mut c = self.targets.remove(&key).unwrap_or_else(|| TargetCache {
            target: Target::clone(t),
            series: FxHashMap::default(),
            reader: None,
            last: Vec::new(),
            last_ids: Vec::new(),
            scratch: Vec::new(),
            synthetic: None,
        });
        if !c.reader.as_ref().is_some_and(|a| Arc::ptr_eq(a, t)) {
            c.last.clear();
            c.reader = Some(t.clone());
        }
        let synthetic = match c.synthetic {
            Some(s) => s,
            None => {
                let mut s = [SKIP; 3];
                for (slot, sample) in s.iter_mut().zip(r.synthetic_samples()) {
                    let name = sample.labels.name().unwrap_or_default().to_string();
                    *slot = self.series_id(sample.labels, Family::gauge(name));
                }
                c.synthetic = Some(s);
                s
            }
        };
        let (time, duration) = (r.time_ms, r.duration.as_secs_f64());
        let page = r.outcome.ok().filter(|page| self.page_ids(&mut c, page));
        let scraped = match &page {
            Some(page) => {
                for (id, s) in c.last_ids.iter().zip(&page.samples) {
                    self.push(*id, time, s.value);
                }
                page.samples.len() as f64
            }
            None => 0.0,
        };
        let up = if page.is_some() { 1.0 } else { 0.0 };
        for (id, v) in synthetic.into_iter().zip([up, duration, scraped]) {
            self.push(id, time, v);
        }
        self.targets.insert(key, c);
    }

    /// Finds (or makes) the series of each sample of `page` into
    /// `c.last_ids`; false when the page breaks the target's limits.
    fn page_ids(&mut self, c: &mut TargetCache, page: &Page) -> bool {
        let limits = c.target.limits;
        if limits.check_samples(page.samples.len() as u64).is_some() {
            return false;
        }
        let mut metas: Option<FxHashMap<&str, usize>> = None;
        let mut ids = std::mem::take(&mut c.last_ids);
        ids.truncate(page.samples.len());
        let mut next = std::mem::take(&mut c.scratch);
        next.clear();
        // While the page's strings are the last page's, in order.
        let mut same = true;
        for (i, s) in page.samples.iter().enumerate() {
            let from = next.len();
            next.extend(addresses(&s.labels));
            same = same && i < ids.len() && c.last.get(from..next.len()) == Some(&next[from..]);
            if same {
                continue;
            }
            ids.truncate(i);
            let id = match c.series.get(&s.labels) {
                Some(id) => *id,
                None => {
                    let attached = c.target.attach_labels(&s.labels);
                    let id = if limits.check_labels(&attached).is_some() {
                        BROKEN
                    } else {
                        let metas = metas.get_or_insert_with(|| {
                            let mut m = FxHashMap::default();
                            for (i, f) in page.families.iter().enumerate() {
                                m.entry(f.name.as_str()).or_insert(i);
                            }
                            m
                        });
                        let meta = |n: &str| metas.get(n).map(|i| &page.families[*i]);
                        let fam = family_of(attached.name().unwrap_or_default(), meta);
                        self.series_id(attached, fam)
                    };
                    c.series.insert(s.labels.clone(), id);
                    id
                }
            };
            if id == BROKEN {
                // Not the last page's series any more.
                c.last.clear();
                c.scratch = next;
                return false;
            }
            ids.push(id);
        }
        c.last_ids = ids;
        c.scratch = std::mem::replace(&mut c.last, next);
        true
    }

    /// The id of the series with `labels` (created in `family` when new).
    fn series_id(&mut self, labels: Labels, family: Family) -> u32 {
        if let Some(id) = self.by_labels.get(&labels) {
            return *id;
        }
        if self.format == Format::OpenMetrics && !valid_om_series(&labels) {
            self.notices.push(format!(
                "{}: left out: not a valid OpenMetrics 1.0 name",
                crate::vocab::text::for_terminal(&labels.to_string())
            ));
            self.by_labels.insert(labels, SKIP);
            return SKIP;
        }
        let family = match self.family_ids.get(&family.name) {
            Some(f) => *f,
            None => {
                let f = self.families.len() as u32;
                self.family_ids.insert(family.name.clone(), f);
                self.families.push(family);
                f
            }
        };
        let id = self.series.len() as u32;
        self.series.push(Series {
            labels: labels.clone(),
            family,
            samples: Vec::new(),
            last_t: i64::MIN,
            live: false,
        });
        self.by_labels.insert(labels, id);
        self.unranked.push(id);
        id
    }

    #[inline]
    fn push(&mut self, id: u32, t: i64, v: f64) {
        if let Some(s) = self.series.get_mut(id as usize) {
            s.samples.push((t, v));
            self.buffered += 1;
        }
    }

    /// Puts the new series into the output order.
    fn rank(&mut self) {
        if self.unranked.is_empty() {
            return;
        }
        let (series, families) = (&self.series, &self.families);
        let before = |a: &u32, b: &u32| {
            let (a, b) = (&series[*a as usize], &series[*b as usize]);
            families[a.family as usize]
                .name
                .cmp(&families[b.family as usize].name)
                .then_with(|| a.labels.cmp(&b.labels))
        };
        let mut new = std::mem::take(&mut self.unranked);
        new.sort_unstable_by(before);
        let old = std::mem::take(&mut self.ranked);
        let mut merged = Vec::with_capacity(old.len() + new.len());
        let (mut i, mut j) = (0, 0);
        while i < old.len() && j < new.len() {
            if before(&new[j], &old[i]).is_lt() {
                merged.push(new[j]);
                j += 1;
            } else {
                merged.push(old[i]);
                i += 1;
            }
        }
        merged.extend_from_slice(&old[i..]);
        merged.extend_from_slice(&new[j..]);
        self.ranked = merged;
        self.unranked = new;
        self.unranked.clear();
    }

    /// Writes the window: by family name, then series labels, then time.
    fn flush(&mut self) -> Result<(), std::io::Error> {
        self.rank();
        let mut current = u32::MAX;
        for i in 0..self.ranked.len() {
            let s = &mut self.series[self.ranked[i] as usize];
            s.live = !s.samples.is_empty();
            if !s.live {
                continue;
            }
            // As the store appends: a sample not later than the series'
            // last one is dropped (a series given twice at one instant
            // keeps its first value).
            let mut last = s.last_t;
            s.samples.retain(|p| {
                let keep = p.0 > last;
                last = last.max(p.0);
                keep
            });
            s.last_t = last;
            if s.samples.is_empty() {
                continue;
            }
            if s.family != current {
                current = s.family;
                self.w.family(&self.families[current as usize])?;
            }
            let kind = self.families[s.family as usize].kind;
            self.w.series(&s.labels, kind, &s.samples)?;
            self.summary.samples += s.samples.len() as u64;
            s.samples.clear();
        }
        self.buffered = 0;
        self.compact();
        self.w.flush_chunk()
    }

    /// Forgets the series of the last window that had no sample (targets
    /// gone, series that came and went) once they outnumber the others,
    /// so that churn does not grow the tables without end.
    fn compact(&mut self) {
        let live = self.series.iter().filter(|s| s.live).count();
        if self.series.len() < 2 * live + COMPACT_SLACK {
            return;
        }
        let mut remap = vec![SKIP; self.series.len()];
        let old = std::mem::take(&mut self.series);
        for (i, s) in old.into_iter().enumerate() {
            if s.live {
                remap[i] = self.series.len() as u32;
                self.series.push(s);
            }
        }
        let at = |id: u32| remap.get(id as usize).copied().unwrap_or(id);
        let keep = |id: &mut u32| {
            *id = at(*id);
            *id != SKIP
        };
        self.by_labels.retain(|_, id| keep(id));
        self.ranked.retain_mut(keep);
        self.targets.retain(|_, c| {
            c.series.retain(|_, id| keep(id));
            if !c.last_ids.iter_mut().all(keep) {
                c.last.clear();
            }
            if c.synthetic
                .is_some_and(|s| s.iter().any(|id| at(*id) == SKIP))
            {
                c.synthetic = None;
            }
            c.synthetic = c.synthetic.map(|s| s.map(at));
            c.synthetic.is_some() || !c.series.is_empty()
        });
    }
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
