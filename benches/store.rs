//! The compressed store: bytes per series and per sample, and append and
//! scan throughput, for three data sets of one hour of 2-second scrapes
//! (1 800 scrapes) held with a retention of one hour, each ingested through
//! the real path (`Engine::apply_body` on the page's bytes):
//!
//! - `node_exporter`: the real node_exporter 1.5.0 page of the fixtures
//!   (2 332 series) served by 4 targets (`instance` 127.0.0.1:9100..9103),
//!   its values moving as measured on 90 live pages of Debian's
//!   node_exporter taken 2 s apart on an idle machine: about 28 % of
//!   counter series move and 33 % of gauges; a moving series changes in a
//!   scrape with probability 0.6. Integer counters grow by a per-series rate
//!   (log-uniform 1..1e5 per scrape) times a factor 0.5..1.5, rounded;
//!   float counters (a fractional value, e.g. `*_seconds_total`) grow by
//!   0.01..2.00 in hundredths. Gauges named `*duration_seconds*` below 1
//!   take a fresh value each scrape, log-uniform in 1e-6..1e-2 with 5
//!   significant digits (like `node_scrape_collector_duration_seconds`);
//!   other moving integer gauges move by ± multiples of 4096 when named
//!   `*_bytes`, else by ±1..3; moving float gauges by ±0.01..0.5 with two
//!   decimals. `node_time_seconds` is the scrape time in seconds with
//!   microseconds. Everything else stays constant. Histogram and summary
//!   `_bucket`/`_sum`/`_count` series count as counters, summary quantiles
//!   and untyped series not named `*_total` as gauges. The page text stays
//!   the fixture's; only values change, written as Go writes them
//!   (`benches/support/node_model.rs`). Deterministic (splitmix64).
//! - `demo`: the demo's incident fleet started with 40 app instances
//!   (`vitals::demo::simulated_scrapes`: the fleet grows up to sixfold in
//!   the runaway incident), an hour covering the 710 s loop five times, each
//!   instance and the autoscaler a target of its own (never contacted).
//! - `random`: the worst case, one target of 1 000 gauges whose every value
//!   is random finite f64 bits each scrape, written with Rust's shortest
//!   round-trip `{}` (checked to come back bit for bit).
//!
//! Memory (a global allocator tracking live heap bytes,
//! `benches/support/live.rs`): the engine's bytes before the first scrape,
//! after the first round of scrapes and at the end; per series = (after
//! first - before) / series then; per sample = (end - before - per series x
//! series at the end) / (samples held - series at the end), samples held
//! being `Store::sample_count`; the codec's own bytes (`chunk_bytes`, used
//! and allocated) per sample held; and everything the engine holds per
//! sample held. Printed as a table on stderr before the criterion groups:
//! `append/<set>` stores every sample of up to 256 of the set's series
//! (spread over the set), series after series, into a fresh `Store` with
//! the public `Store::append` (a label set lookup per sample included);
//! `scan/<set>` reads every sample of every series with
//! `StoredSeries::range` and sums them.
//!
//! `cargo bench --bench store -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vitals::engine::{Engine, EngineOptions};
use vitals::scrape::Target;
use vitals::store::{SeriesId, Store};
use vitals::vocab::labels::Labels;

#[path = "support/live.rs"]
mod live;
#[path = "support/node_model.rs"]
mod node_model;

use node_model::{NodeTarget, SplitMix, Template};

/// About when the fixture's `node_time_seconds` was taken.
const START_MS: i64 = 1_796_411_056_000;
const EVERY_MS: i64 = 2_000;
const HOUR_MS: i64 = 3_600_000;
/// Series per set the append group stores.
const APPEND_SERIES: usize = 256;
const FIXTURE: &str = "tests/fixtures/exposition/real/node_exporter-1.5.0-many-collectors.txt";

/// `cargo bench` passes `--bench`; `cargo test` runs each benchmark once
/// as a smoke test, on a tiny load so the test suite stays quick.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// How much of each data set to feed.
struct Load {
    scrapes: i64,
    node_targets: usize,
    demo_instances: usize,
    random_series: usize,
}

fn load() -> Load {
    if benchmarking() {
        Load {
            scrapes: HOUR_MS / EVERY_MS,
            node_targets: 4,
            demo_instances: 40,
            random_series: 1000,
        }
    } else {
        Load {
            scrapes: 60,
            node_targets: 1,
            demo_instances: 2,
            random_series: 100,
        }
    }
}

fn target(job: &str, port: u32) -> Arc<Target> {
    Arc::new(Target {
        url: format!("http://127.0.0.1:{port}/metrics"),
        job: job.into(),
        instance: format!("127.0.0.1:{port}"),
        labels: Labels::new(),
        ..Default::default()
    })
}

/// An engine being fed a data set, and the live bytes it holds.
struct Feed {
    name: &'static str,
    engine: Engine,
    targets: usize,
    /// Live bytes the engine holds now, before the first scrape, and after
    /// the first round of scrapes (with its series count).
    bytes: i64,
    before: i64,
    after_first: Option<(i64, usize)>,
    /// Time in `apply_body`, and samples it stored.
    applying: Duration,
    appended: u64,
}

fn options() -> EngineOptions {
    EngineOptions {
        retention: Duration::from_millis(HOUR_MS as u64),
        max_series: 0,
        ..Default::default()
    }
}

/// Runs an engine through a scrape once, so that what the process sets up
/// once (lazily built tables) is not counted in the first set's bytes.
fn warm_up() {
    let mut e = Engine::new(options());
    let t = target("warm", 9000);
    let body = b"# TYPE warm_total counter\nwarm_total{a=\"b\"} 1.5\n";
    e.apply_body(&t, START_MS, Duration::from_millis(5), body, None);
}

impl Feed {
    fn new(name: &'static str) -> Feed {
        let (bytes, engine) = live::kept(|| Engine::new(options()));
        Feed {
            name,
            engine,
            targets: 0,
            bytes,
            before: bytes,
            after_first: None,
            applying: Duration::ZERO,
            appended: 0,
        }
    }

    /// One scrape of `target` at `t_ms` that read `body`.
    fn scrape(&mut self, target: &Arc<Target>, t_ms: i64, body: &[u8]) {
        let e = &mut self.engine;
        let start = Instant::now();
        let (kept, summary) =
            live::kept(|| e.apply_body(target, t_ms, Duration::from_millis(5), body, None));
        self.applying += start.elapsed();
        self.bytes += kept;
        self.appended += summary.samples;
        assert_eq!(summary.invalid_lines, 0, "{}: {:?}", self.name, summary);
    }

    /// Every target was scraped once more.
    fn round_done(&mut self) {
        if self.after_first.is_none() {
            let series = self.engine.store().series_count();
            self.after_first = Some((self.bytes, series));
        }
    }

    fn store(&self) -> &Store {
        self.engine.store()
    }
}

/// (a) The node_exporter page on `load.node_targets` targets.
fn node_exporter(load: &Load) -> (Feed, String) {
    let path = format!("{}/{FIXTURE}", env!("CARGO_MANIFEST_DIR"));
    let template = Template::new(std::fs::read_to_string(&path).expect("the fixture"));
    let mut feed = Feed::new("node_exporter");
    let targets: Vec<Arc<Target>> = (0..load.node_targets)
        .map(|i| target("node", 9100 + i as u32))
        .collect();
    let mut nodes: Vec<NodeTarget> = (0..targets.len())
        .map(|i| NodeTarget::new(&template, 0x6e6f_6465 + i as u64))
        .collect();
    feed.targets = targets.len();
    for k in 0..load.scrapes {
        let t = START_MS + k * EVERY_MS;
        for (target, node) in targets.iter().zip(&mut nodes) {
            let body = node.page(&template, t);
            feed.scrape(target, t, &body);
        }
        feed.round_done();
    }
    let note = nodes
        .first()
        .map_or_else(String::new, |n| n.describe(&template));
    (feed, note)
}

/// (b) The demo's incident fleet.
fn demo(load: &Load) -> Feed {
    let mut feed = Feed::new("demo");
    let mut targets: HashMap<String, Arc<Target>> = HashMap::new();
    let secs = (load.scrapes * EVERY_MS) as f64 / 1000.0;
    let epoch = START_MS as f64 / 1000.0;
    let every = EVERY_MS as f64 / 1000.0;
    for (at, pages) in vitals::demo::simulated_scrapes(load.demo_instances, every, secs, epoch) {
        let t = START_MS + (at * 1000.0).round() as i64;
        for (name, body) in pages {
            let target =
                targets
                    .entry(name)
                    .or_insert_with_key(|name| match name.strip_prefix("app-") {
                        Some(id) => target("app", 20_000 + id.parse::<u32>().expect("an id")),
                        None => target("autoscaler", 19_999),
                    });
            feed.scrape(target, t, body.as_bytes());
        }
        feed.round_done();
    }
    feed.targets = targets.len();
    feed
}

/// (c) Random finite floats.
fn random(load: &Load) -> Feed {
    let mut feed = Feed::new("random");
    let target = target("random", 9200);
    feed.targets = 1;
    let mut rng = SplitMix::new(0x7261_6e64);
    let mut last = vec![0.0f64; load.random_series];
    for k in 0..load.scrapes {
        let t = START_MS + k * EVERY_MS;
        let mut page = String::from(
            "# HELP bench_random_value A random finite float.\n# TYPE bench_random_value gauge\n",
        );
        for (i, v) in last.iter_mut().enumerate() {
            *v = loop {
                let v = f64::from_bits(rng.next_u64());
                if v.is_finite() {
                    break v;
                }
            };
            page.push_str(&format!("bench_random_value{{series=\"{i}\"}} {v}\n"));
        }
        feed.scrape(&target, t, page.as_bytes());
        feed.round_done();
    }
    // The values came back bit for bit.
    let store = feed.store();
    let mut checked = 0;
    for id in store.select(&[]) {
        let s = store.get(id).expect("a live series");
        let Some(i) = s.labels().get("series") else {
            continue;
        };
        let i: usize = i.parse().expect("an index");
        let newest = s.range(i64::MIN, i64::MAX).last().expect("samples");
        assert_eq!(newest.1.to_bits(), last[i].to_bits(), "series {i}");
        checked += 1;
    }
    assert_eq!(checked, load.random_series);
    feed
}

/// Every live series' id.
fn all_ids(store: &Store) -> Vec<SeriesId> {
    store.select(&[])
}

/// One row of the memory table.
fn memory_row(f: &Feed) -> String {
    let store = f.store();
    let series = store.series_count();
    let samples = store.sample_count();
    let (after_first, series_first) = f.after_first.unwrap_or((f.bytes, series));
    let per_series = (after_first - f.before) as f64 / series_first.max(1) as f64;
    let per_sample = (f.bytes as f64 - f.before as f64 - per_series * series as f64)
        / samples.saturating_sub(series).max(1) as f64;
    let (used, allocated) = all_ids(store)
        .into_iter()
        .filter_map(|id| store.get(id))
        .map(|s| s.chunk_bytes())
        .fold((0, 0), |(u, a), (cu, ca)| (u + cu, a + ca));
    let held = samples.max(1) as f64;
    format!(
        "| {} | {} | {} | {} | {:.1} | {:.1} | {:.0} | {:.3} | {:.3} / {:.3} | {:.3} | {:.0} |",
        f.name,
        f.targets,
        series,
        samples,
        f.before as f64 / 1024.0,
        f.bytes as f64 / (1024.0 * 1024.0),
        per_series,
        per_sample,
        used as f64 / held,
        allocated as f64 / held,
        f.bytes as f64 / held,
        f.applying.as_nanos() as f64 / f.appended.max(1) as f64,
    )
}

fn report(feeds: &[&Feed], note: &str) {
    eprintln!(
        "store memory, {} scrapes 2 s apart, retention 1 h:\n\n\
         | set | targets | series | samples held | engine before (KiB) | engine at end (MiB) \
         | per series (B) | per sample (B) | codec per sample, used / allocated (B) \
         | all included per sample (B) | apply_body (ns/sample) |\n\
         |---|---|---|---|---|---|---|---|---|---|---|",
        load().scrapes
    );
    for f in feeds {
        eprintln!("{}", memory_row(f));
    }
    eprintln!("\n{note}\n");
}

/// Up to [`APPEND_SERIES`] series spread over the store, with their samples.
fn extract(store: &Store) -> Vec<(Labels, Vec<(i64, f64)>)> {
    let ids = all_ids(store);
    let stride = ids.len().div_ceil(APPEND_SERIES).max(1);
    ids.into_iter()
        .step_by(stride)
        .filter_map(|id| store.get(id))
        .map(|s| (s.labels().clone(), s.range(i64::MIN, i64::MAX).collect()))
        .collect()
}

fn bench(c: &mut Criterion) {
    let load = load();
    warm_up();
    let (node, note) = node_exporter(&load);
    let demo = demo(&load);
    let random = random(&load);
    let feeds = [&node, &demo, &random];
    report(&feeds, &note);

    let mut g = c.benchmark_group("append");
    g.sample_size(10);
    for f in feeds {
        let series = extract(f.store());
        let samples: usize = series.iter().map(|s| s.1.len()).sum();
        g.throughput(Throughput::Elements(samples as u64));
        g.bench_function(f.name, |b| {
            b.iter_batched(
                || {
                    let mut s = Store::new(HOUR_MS);
                    s.set_max_series(0);
                    s
                },
                |mut s| {
                    for (labels, samples) in &series {
                        for &(t, v) in samples {
                            s.append(labels, t, v);
                        }
                    }
                    s
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    let mut g = c.benchmark_group("scan");
    g.sample_size(10);
    for f in feeds {
        let store = f.store();
        let series: Vec<_> = all_ids(store)
            .into_iter()
            .filter_map(|id| store.get(id))
            .collect();
        let samples: usize = series
            .iter()
            .map(|s| s.range(i64::MIN, i64::MAX).count())
            .sum();
        assert_eq!(samples, store.sample_count(), "{}", f.name);
        g.throughput(Throughput::Elements(samples as u64));
        g.bench_function(f.name, |b| {
            b.iter(|| {
                let mut sum = 0.0;
                for s in &series {
                    for (_, v) in s.range(i64::MIN, i64::MAX) {
                        sum += v;
                    }
                }
                black_box(sum)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
