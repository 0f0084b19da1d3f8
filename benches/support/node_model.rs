//! A real node_exporter page whose values move as they do live, for the
//! store bench (`#[path]`-included; the model is described in
//! benches/store.rs). The page text stays as the fixture writes it: only
//! the values change, written as Go's exporters write them.

use std::fmt::Write;
use std::ops::Range;

/// A small deterministic random source (splitmix64).
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// Share of counter series that move, and of gauges (duration gauges
/// included), measured on live pages.
const COUNTERS_MOVING: f64 = 0.28;
const GAUGES_MOVING: f64 = 0.33;
/// Chance that a moving series changes in a given scrape.
const CHANGE: f64 = 0.6;

/// How one series' value moves.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Counter,
    Gauge,
    /// A gauge named `*duration_seconds*` below 1.
    Duration,
    /// `node_time_seconds`.
    Time,
    /// NaN or ±Inf: left alone.
    Special,
}

/// One sample line of the fixture.
struct Line {
    /// The text before the value (comment lines before it included).
    before: Range<usize>,
    /// The value as the fixture writes it.
    value: Range<usize>,
    kind: Kind,
    /// A `_bytes` metric.
    bytes: bool,
    initial: f64,
}

/// The fixture cut at its values.
pub struct Template {
    text: String,
    lines: Vec<Line>,
    /// Text after the last value (its newline and anything after).
    after: Range<usize>,
}

impl Template {
    pub fn new(text: String) -> Template {
        let mut lines = Vec::new();
        let mut family_type = "untyped";
        let mut from = 0;
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let start = at;
            at += line.len();
            let body = line.trim_end_matches('\n');
            if let Some(rest) = body.strip_prefix("# TYPE ") {
                family_type = rest.split(' ').nth(1).unwrap_or("untyped");
                continue;
            }
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            let space = body.rfind(' ').expect("a sample line has a value");
            let value = start + space + 1..start + body.len();
            let initial: f64 = text[value.clone()].parse().expect("a value");
            let name = &body[..body.find(['{', ' ']).unwrap_or(body.len())];
            let kind = if !initial.is_finite() {
                Kind::Special
            } else if name == "node_time_seconds" {
                Kind::Time
            } else {
                match (family_type, body.contains("quantile=\"")) {
                    ("counter" | "histogram", _) | ("summary", false) => Kind::Counter,
                    ("untyped", _) if name.ends_with("_total") => Kind::Counter,
                    _ if name.contains("duration_seconds") && initial.abs() < 1.0 => Kind::Duration,
                    _ => Kind::Gauge,
                }
            };
            lines.push(Line {
                before: from..value.start,
                value: value.clone(),
                kind,
                bytes: name.ends_with("_bytes"),
                initial,
            });
            from = value.end;
        }
        let after = from..text.len();
        Template { text, lines, after }
    }
}

/// What a series holds now: `units` of 10^-`scale`.
#[derive(Clone, Copy)]
struct State {
    moving: bool,
    changed: bool,
    units: i128,
    scale: i32,
    /// Integer counters: mean growth per scrape.
    rate: f64,
}

/// One target serving the page: its own values and random source.
pub struct NodeTarget {
    rng: SplitMix,
    states: Vec<State>,
    scrapes: u64,
}

/// Digits after the decimal point in the shortest form of `v`.
fn decimals(v: f64) -> i32 {
    let s = format!("{v}");
    s.find('.').map_or(0, |dot| (s.len() - dot - 1) as i32)
}

impl NodeTarget {
    pub fn new(t: &Template, seed: u64) -> NodeTarget {
        let mut rng = SplitMix::new(seed);
        let gauges = t.lines.iter().filter(|l| l.kind == Kind::Gauge).count();
        let durations = t.lines.iter().filter(|l| l.kind == Kind::Duration).count();
        // Duration gauges always move; the other gauges make up the rest.
        let gauge_share = ((GAUGES_MOVING * (gauges + durations) as f64 - durations as f64)
            / gauges.max(1) as f64)
            .max(0.0);
        let states = t
            .lines
            .iter()
            .map(|l| {
                let moving = match l.kind {
                    Kind::Counter => rng.chance(COUNTERS_MOVING),
                    Kind::Gauge => rng.chance(gauge_share),
                    Kind::Duration | Kind::Time => true,
                    Kind::Special => false,
                };
                let integer = l.initial.fract() == 0.0 && l.initial.abs() < 9e15;
                let scale = if integer {
                    0
                } else {
                    decimals(l.initial).clamp(2, 12)
                };
                State {
                    moving,
                    changed: false,
                    units: (l.initial * 10f64.powi(scale)).round() as i128,
                    scale,
                    rate: 10f64.powf(5.0 * rng.unit()),
                }
            })
            .collect();
        NodeTarget {
            rng,
            states,
            scrapes: 0,
        }
    }

    /// The page of the next scrape, taken at `t_ms` (the first scrape
    /// shows the fixture's values).
    pub fn page(&mut self, t: &Template, t_ms: i64) -> Vec<u8> {
        let first = self.scrapes == 0;
        self.scrapes += 1;
        let mut out = String::with_capacity(t.text.len() + 4096);
        for (l, s) in t.lines.iter().zip(&mut self.states) {
            out.push_str(&t.text[l.before.clone()]);
            if s.moving && !first {
                let fresh = match l.kind {
                    Kind::Time => {
                        let us = t_ms as i128 * 1000 + self.rng.below(20_000) as i128;
                        Some(us as f64 / 1e6)
                    }
                    Kind::Duration => {
                        let x = 10f64.powf(-6.0 + 4.0 * self.rng.unit());
                        Some(format!("{x:.4e}").parse().expect("a float"))
                    }
                    _ if self.rng.chance(CHANGE) => {
                        step(l, s, &mut self.rng);
                        s.changed = true;
                        None
                    }
                    _ => None,
                };
                if let Some(v) = fresh {
                    go_float(&mut out, v);
                    continue;
                }
            }
            if s.changed {
                go_float(&mut out, s.units as f64 / 10f64.powi(s.scale));
            } else {
                out.push_str(&t.text[l.value.clone()]);
            }
        }
        out.push_str(&t.text[t.after.clone()]);
        out.into_bytes()
    }
}

impl NodeTarget {
    /// What moves on this target's page, in words.
    pub fn describe(&self, t: &Template) -> String {
        let count = |kinds: &[Kind], moving: bool| {
            t.lines
                .iter()
                .zip(&self.states)
                .filter(|(l, s)| kinds.contains(&l.kind) && (!moving || s.moving))
                .count()
        };
        let gauges = [Kind::Gauge, Kind::Duration];
        format!(
            "node_exporter model, per target: {} of {} counter series move, {} of {} gauges \
             ({} duration gauges, fresh each scrape), node_time_seconds, {} NaN/Inf constant",
            count(&[Kind::Counter], true),
            count(&[Kind::Counter], false),
            count(&gauges, true),
            count(&gauges, false),
            count(&[Kind::Duration], false),
            count(&[Kind::Special], false),
        )
    }
}

/// Moves a counter or gauge one scrape's worth.
fn step(l: &Line, s: &mut State, rng: &mut SplitMix) {
    let cent = 10i128.pow(s.scale.max(2) as u32 - 2);
    match (l.kind, s.scale) {
        (Kind::Counter, 0) => {
            let grow = (s.rate * (0.5 + rng.unit())).round().max(1.0);
            s.units += grow as i128;
        }
        (Kind::Counter, _) => s.units += (1 + rng.below(200) as i128) * cent,
        (_, scale) => {
            let by = match (scale, l.bytes) {
                (0, true) => (1 + rng.below(16) as i128) * 4096,
                (0, false) => 1 + rng.below(3) as i128,
                _ => (1 + rng.below(50) as i128) * cent,
            };
            let down = rng.chance(0.5) && (s.units < 0 || s.units >= by);
            s.units += if down { -by } else { by };
        }
    }
}

/// `v` as Go's `strconv.FormatFloat(v, 'g', -1, 64)` writes it (what
/// client_golang exposes): shortest digits, an exponent below 1e-4 and
/// from 1e6 on (`5.154152e+06`, `2.2949e-05`).
pub fn go_float(out: &mut String, v: f64) {
    let e = format!("{v:e}");
    let (mantissa, exp) = e.split_once('e').expect("an exponent");
    let exp: i32 = exp.parse().expect("an exponent");
    if v != 0.0 && !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "{mantissa}e{sign}{:02}", exp.abs());
    } else {
        let _ = write!(out, "{v}");
    }
}
