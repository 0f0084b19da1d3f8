//! The payloads of a segment's records, encoded and decoded with the
//! segment's state: target ids, each target's series list and each
//! series' previous value.

use super::wire::{put_str, put_uvarint, put_varint, Cursor};
use super::{kind, ConfigRecord, Event, LeanPage, LeanScrape, Note, RecordError, SeriesDef};
use crate::scrape::expo::MetricType;
use crate::scrape::{
    FamilyMeta, Page, ScrapeError, ScrapeLimits, ScrapeResult, ScrapedSample, Target,
};
use crate::store::chunk::{BitReader, BitWriter, Encoder};
use crate::vocab::alert::{Phase, Severity, Transition};
use crate::vocab::labels::Labels;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// A target as recorded: its URL's credentials redacted, no auth.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct TargetInfo {
    url: String,
    job: String,
    instance: String,
    labels: Vec<(String, String)>,
    interval_ms: Option<u64>,
    timeout_ms: Option<u64>,
    limits: [u64; 4],
    refused: Option<String>,
}

impl TargetInfo {
    fn of(t: &Target) -> TargetInfo {
        let l = &t.limits;
        TargetInfo {
            url: crate::vocab::redact::redact_urls(&t.url),
            job: t.job.clone(),
            instance: t.instance.clone(),
            labels: t.labels.iter().map(|(k, v)| (k.into(), v.into())).collect(),
            interval_ms: t.interval.map(|d| d.as_millis() as u64),
            timeout_ms: t.timeout.map(|d| d.as_millis() as u64),
            limits: [
                l.sample_limit,
                l.label_limit,
                l.label_name_length_limit,
                l.label_value_length_limit,
            ],
            refused: t.refused.clone(),
        }
    }

    fn target(self) -> Target {
        let [a, b, c, d] = self.limits;
        Target {
            url: self.url,
            job: self.job,
            instance: self.instance,
            labels: Labels::from_pairs(self.labels),
            interval: self.interval_ms.map(Duration::from_millis),
            timeout: self.timeout_ms.map(Duration::from_millis),
            auth: None,
            limits: ScrapeLimits {
                sample_limit: a,
                label_limit: b,
                label_name_length_limit: c,
                label_value_length_limit: d,
            },
            refused: self.refused,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct TransitionRecord {
    time_ms: i64,
    rule: String,
    labels: Vec<(String, String)>,
    from: String,
    to: String,
    /// The value's bits (NaN and infinities are not JSON numbers).
    value_bits: Option<u64>,
    summary: String,
    severity: String,
    inhibited: bool,
}

fn severity(s: &str) -> Severity {
    match s {
        "info" => Severity::Info,
        "critical" => Severity::Critical,
        _ => Severity::Warning,
    }
}

fn metric_type(b: u8) -> MetricType {
    match b {
        0 => MetricType::Counter,
        1 => MetricType::Gauge,
        2 => MetricType::Histogram,
        3 => MetricType::GaugeHistogram,
        4 => MetricType::Summary,
        5 => MetricType::Info,
        6 => MetricType::StateSet,
        _ => MetricType::Untyped,
    }
}

fn type_byte(k: MetricType) -> u8 {
    match k {
        MetricType::Counter => 0,
        MetricType::Gauge => 1,
        MetricType::Histogram => 2,
        MetricType::GaugeHistogram => 3,
        MetricType::Summary => 4,
        MetricType::Info => 5,
        MetricType::StateSet => 6,
        MetricType::Untyped => 7,
    }
}

/// One target's state within a segment.
#[derive(Default)]
struct TargetCodec {
    t: i64,
    delta: i64,
    families: Arc<Vec<FamilyMeta>>,
    /// Every series this target exposed in the segment, with its value
    /// codec.
    series: Vec<(Arc<SeriesDef>, Encoder)>,
    index: HashMap<Labels, u32>,
    /// The previous page's series, in page order.
    list: Vec<u32>,
}

const FAMILIES: u8 = 1;
const LIST: u8 = 2;
const STAMPS: u8 = 4;

/// Encodes a segment's records.
#[derive(Default)]
pub struct SegmentEncoder {
    targets: HashMap<String, u32>,
    defs: Vec<String>,
    codecs: Vec<TargetCodec>,
    scratch: Vec<u32>,
}

impl SegmentEncoder {
    /// The id of target `t`, with the definition record to write first
    /// when it is new (or its settings changed).
    fn target_id(&mut self, t: &Target, out: &mut Vec<(u8, Vec<u8>)>) -> u32 {
        let json = serde_json::to_string(&TargetInfo::of(t)).unwrap_or_default();
        if let Some(id) = self.targets.get(&json) {
            return *id;
        }
        let id = self.defs.len() as u32;
        out.push((kind::TARGET_DEF, json.clone().into_bytes()));
        self.targets.insert(json.clone(), id);
        self.defs.push(json);
        self.codecs.push(TargetCodec::default());
        id
    }

    pub fn config(&mut self, c: &ConfigRecord) -> (u8, Vec<u8>) {
        (kind::CONFIG, serde_json::to_vec(c).unwrap_or_default())
    }

    pub fn targets(&mut self, time_ms: i64, targets: &[Target], out: &mut Vec<(u8, Vec<u8>)>) {
        let ids: Vec<u32> = targets.iter().map(|t| self.target_id(t, out)).collect();
        let mut p = Vec::new();
        put_varint(&mut p, time_ms);
        put_uvarint(&mut p, ids.len() as u64);
        ids.iter().for_each(|id| put_uvarint(&mut p, *id as u64));
        out.push((kind::TARGETS, p));
    }

    pub fn tick(t: i64) -> (u8, Vec<u8>) {
        let mut p = Vec::new();
        put_varint(&mut p, t);
        (kind::TICK, p)
    }

    pub fn transition(t: &Transition) -> (u8, Vec<u8>) {
        let r = TransitionRecord {
            time_ms: t.time_ms,
            rule: t.rule.clone(),
            labels: t.labels.iter().map(|(k, v)| (k.into(), v.into())).collect(),
            from: t.from.as_str().into(),
            to: t.to.as_str().into(),
            value_bits: t.value.map(f64::to_bits),
            summary: t.summary.clone(),
            severity: t.severity.as_str().into(),
            inhibited: t.inhibited,
        };
        (kind::TRANSITION, serde_json::to_vec(&r).unwrap_or_default())
    }

    pub fn note(n: &Note) -> (u8, Vec<u8>) {
        (kind::NOTE, serde_json::to_vec(n).unwrap_or_default())
    }

    /// A scrape's records (a target definition first when it is new).
    /// Returns the samples it holds.
    pub fn scrape(&mut self, r: ScrapeResult, out: &mut Vec<(u8, Vec<u8>)>) -> usize {
        let id = self.target_id(&r.target, out);
        let c = &mut self.codecs[id as usize];
        let mut p = Vec::with_capacity(64);
        put_uvarint(&mut p, id as u64);
        let delta = r.time_ms.wrapping_sub(c.t);
        put_varint(&mut p, delta.wrapping_sub(c.delta));
        c.t = r.time_ms;
        c.delta = delta;
        put_uvarint(&mut p, r.duration.as_nanos() as u64);
        let page = match r.outcome.and_then(Page::parsed) {
            Ok(page) => page,
            Err(e) => {
                p.push(1);
                put_str(&mut p, &e.to_string());
                out.push((kind::SCRAPE, p));
                return 0;
            }
        };
        p.push(0);
        put_uvarint(&mut p, page.invalid_lines);
        match &page.first_error {
            Some(e) => {
                p.push(1);
                put_str(&mut p, e);
            }
            None => p.push(0),
        }
        put_uvarint(&mut p, page.bytes);
        // The series list, as ids.
        let same_list = page.samples.len() == c.list.len()
            && page
                .samples
                .iter()
                .zip(&c.list)
                .all(|(s, id)| c.series[*id as usize].0.labels == s.labels);
        let stamps = page.samples.iter().any(|s| s.timestamp_ms.is_some());
        let flags = (if page.families != *c.families {
            FAMILIES
        } else {
            0
        }) | (if same_list { 0 } else { LIST })
            | (if stamps { STAMPS } else { 0 });
        p.push(flags);
        if flags & FAMILIES != 0 {
            put_uvarint(&mut p, page.families.len() as u64);
            for f in &page.families {
                put_str(&mut p, &f.name);
                p.push(type_byte(f.kind));
                put_str(&mut p, f.help.as_deref().unwrap_or(""));
                put_str(&mut p, f.unit.as_deref().unwrap_or(""));
            }
            c.families = Arc::new(page.families.clone());
        }
        if flags & LIST != 0 {
            put_uvarint(&mut p, page.samples.len() as u64);
            let list = &mut self.scratch;
            list.clear();
            for s in &page.samples {
                let next = c.series.len() as u32;
                let id = *c.index.entry(s.labels.clone()).or_insert(next);
                put_uvarint(&mut p, id as u64);
                if id == next {
                    put_uvarint(&mut p, s.labels.len() as u64);
                    for (k, v) in s.labels.iter() {
                        put_str(&mut p, k);
                        put_str(&mut p, v);
                    }
                    let def = SeriesDef::new(s.labels.clone());
                    c.series.push((Arc::new(def), Encoder::with_value(0.0)));
                }
                list.push(id);
            }
            std::mem::swap(&mut c.list, list);
        }
        if stamps {
            for s in &page.samples {
                match s.timestamp_ms {
                    Some(ts) => put_uvarint(&mut p, zigzag(ts.wrapping_sub(r.time_ms)) + 1),
                    None => p.push(0),
                }
            }
        }
        let mut w = BitWriter::new(&mut p, 0);
        for (s, id) in page.samples.iter().zip(&c.list) {
            c.series[*id as usize].1.write_value(&mut w, s.value);
        }
        out.push((kind::SCRAPE, p));
        page.samples.len()
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

/// Decodes a segment's records, in order.
#[derive(Default)]
pub struct SegmentDecoder {
    targets: Vec<Arc<Target>>,
    codecs: Vec<TargetCodec>,
    /// Scrapes decode to [`Event::LeanScrape`].
    pub lean: bool,
}

impl SegmentDecoder {
    /// The event of one record; None for a kind this build does not know
    /// (a newer minor version's).
    pub fn decode(&mut self, k: u8, payload: &[u8]) -> Result<Option<Event>, RecordError> {
        let json = |_| RecordError::Corrupt("json");
        Ok(Some(match k {
            kind::CONFIG => Event::Config(serde_json::from_slice(payload).map_err(json)?),
            kind::TARGET_DEF => {
                let info: TargetInfo = serde_json::from_slice(payload).map_err(json)?;
                self.targets.push(Arc::new(info.target()));
                self.codecs.push(TargetCodec::default());
                return Ok(None);
            }
            kind::TARGETS => {
                let mut c = Cursor::new(payload);
                let time_ms = c.varint()?;
                let n = c.len()?;
                let mut targets = Vec::with_capacity(n);
                for _ in 0..n {
                    targets.push(Target::clone(self.target(c.uvarint()?)?));
                }
                Event::Targets { time_ms, targets }
            }
            kind::SCRAPE => self.scrape(payload)?,
            kind::TICK => Event::Tick(Cursor::new(payload).varint()?),
            kind::TRANSITION => {
                let r: TransitionRecord = serde_json::from_slice(payload).map_err(json)?;
                let phase = |s: &str| Phase::parse(s).ok_or(RecordError::Corrupt("phase"));
                Event::Transition(Transition {
                    time_ms: r.time_ms,
                    rule: r.rule,
                    labels: Labels::from_pairs(r.labels),
                    from: phase(&r.from)?,
                    to: phase(&r.to)?,
                    value: r.value_bits.map(f64::from_bits),
                    summary: r.summary,
                    severity: severity(&r.severity),
                    inhibited: r.inhibited,
                })
            }
            kind::NOTE => Event::Note(serde_json::from_slice(payload).map_err(json)?),
            _ => return Ok(None),
        }))
    }

    fn target(&self, id: u64) -> Result<&Arc<Target>, RecordError> {
        self.targets
            .get(id as usize)
            .ok_or(RecordError::Corrupt("unknown target"))
    }

    fn scrape(&mut self, payload: &[u8]) -> Result<Event, RecordError> {
        let lean = self.lean;
        let mut cur = Cursor::new(payload);
        let id = cur.uvarint()?;
        let target = self.target(id)?.clone();
        let c = &mut self.codecs[id as usize];
        let delta = c.delta.wrapping_add(cur.varint()?);
        let time_ms = c.t.wrapping_add(delta);
        c.t = time_ms;
        c.delta = delta;
        let duration = Duration::from_nanos(cur.uvarint()?);
        if cur.u8()? != 0 {
            let e = cur.str()?.to_string();
            return Ok(if lean {
                Event::LeanScrape(LeanScrape {
                    target,
                    time_ms,
                    duration,
                    outcome: Err(e),
                })
            } else {
                Event::Scrape(ScrapeResult {
                    target,
                    time_ms,
                    duration,
                    outcome: Err(ScrapeError::Other(e)),
                })
            });
        }
        let invalid_lines = cur.uvarint()?;
        let first_error = match cur.u8()? {
            0 => None,
            _ => Some(cur.str()?.to_string()),
        };
        let bytes = cur.uvarint()?;
        let flags = cur.u8()?;
        if flags & FAMILIES != 0 {
            let n = cur.len()?;
            let mut fams = Vec::with_capacity(n);
            for _ in 0..n {
                let name = cur.str()?.to_string();
                let kind = metric_type(cur.u8()?);
                let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
                let help = opt(cur.str()?);
                let unit = opt(cur.str()?);
                fams.push(FamilyMeta {
                    name,
                    kind,
                    help,
                    unit,
                });
            }
            c.families = Arc::new(fams);
        }
        if flags & LIST != 0 {
            let n = cur.len()?;
            let mut list = Vec::with_capacity(n);
            for _ in 0..n {
                let id = cur.uvarint()?;
                if id == c.series.len() as u64 {
                    let pairs = cur.len()?;
                    let mut l = Vec::with_capacity(pairs);
                    for _ in 0..pairs {
                        l.push((cur.str()?.to_string(), cur.str()?.to_string()));
                    }
                    let def = SeriesDef::new(Labels::from_pairs(l));
                    c.series.push((Arc::new(def), Encoder::with_value(0.0)));
                } else if id > c.series.len() as u64 {
                    return Err(RecordError::Corrupt("unknown series"));
                }
                list.push(id as u32);
            }
            c.list = list;
        }
        let mut stamps = Vec::new();
        if flags & STAMPS != 0 {
            for _ in 0..c.list.len() {
                stamps.push(match cur.uvarint()? {
                    0 => None,
                    u => Some(time_ms.wrapping_add(unzigzag(u - 1))),
                });
            }
        }
        let mut r = BitReader::new(cur.rest(), 0);
        if lean {
            let mut samples = Vec::with_capacity(c.list.len());
            for i in 0..c.list.len() {
                let (def, enc) = &mut c.series[c.list[i] as usize];
                let value = enc
                    .read_value(&mut r)
                    .map_err(|_| RecordError::Corrupt("values"))?;
                samples.push((def.clone(), value));
            }
            return Ok(Event::LeanScrape(LeanScrape {
                target,
                time_ms,
                duration,
                outcome: Ok(LeanPage {
                    samples,
                    families: c.families.clone(),
                    invalid_lines,
                    first_error,
                }),
            }));
        }
        let mut samples = Vec::with_capacity(c.list.len());
        for (i, id) in c.list.iter().enumerate() {
            let (def, enc) = &mut c.series[*id as usize];
            let value = enc
                .read_value(&mut r)
                .map_err(|_| RecordError::Corrupt("values"))?;
            samples.push(ScrapedSample {
                labels: def.labels.clone(),
                value,
                timestamp_ms: stamps.get(i).copied().flatten(),
                exemplar: None,
            });
        }
        Ok(Event::Scrape(ScrapeResult {
            target,
            time_ms,
            duration,
            outcome: Ok(Page {
                samples,
                families: c.families.to_vec(),
                invalid_lines,
                first_error,
                bytes,
                body: None,
            }),
        }))
    }
}
