//! One engine tick of the default panel expressions over 100 targets x
//! 1 000 series holding 15 minutes of 2-second samples: as instant queries
//! and as 120-point range queries (what the charts draw).
//!
//! `cargo bench --bench promql`

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use vitals::promql::{eval_instant, eval_range, parse, Expr};
use vitals::store::Store;
use vitals::vocab::labels::Labels;

const FULL_TARGETS: usize = 100;
const SERIES_PER_TARGET: usize = 1000;
const INTERVAL_MS: i64 = 2_000;
const FULL_HISTORY_MS: i64 = 15 * 60 * 1000;

/// `cargo bench` passes `--bench`; `cargo test` runs each benchmark once as
/// a smoke test, on a small load so the test suite stays quick.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn targets_n() -> usize {
    if benchmarking() {
        FULL_TARGETS
    } else {
        3
    }
}

fn history_ms() -> i64 {
    if benchmarking() {
        FULL_HISTORY_MS
    } else {
        2 * 60 * 1000
    }
}
const START_MS: i64 = 1_700_000_000_000;

/// The default panels' expressions at a 2 s scrape interval (W = 10s).
pub const PANEL_EXPRS: &[&str] = &[
    "histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[10s])))",
    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[10s])))",
    "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[10s])))",
    "sum(rate(http_requests_total[10s]))",
    "(sum(rate(http_requests_total{code=~\"5..\"}[10s])) or vector(0)) / sum(rate(http_requests_total[10s]))",
    "rate(process_cpu_seconds_total[10s]) / on (job, instance) machine_cpu_cores",
    "count(up == 1)",
    "count(up)",
    "work_queue_depth / work_queue_capacity",
    "process_resident_memory_bytes / on (job, instance) process_memory_limit_bytes",
];

const BUCKETS: &[&str] = &[
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
];

/// Label sets and a value generator of one target's page.
fn target_series(t: usize) -> Vec<(Labels, u8)> {
    let inst = format!("10.0.{}.{}:8080", t / 250, t % 250);
    let base = |name: &str, extra: &[(&str, &str)]| {
        let mut l = Labels::from_pairs([("__name__", name), ("job", "app"), ("instance", &inst)]);
        for (n, v) in extra {
            l.set(n, v);
        }
        l
    };
    let mut out = Vec::with_capacity(SERIES_PER_TARGET);
    for method in ["GET", "POST"] {
        for code in ["200", "500"] {
            for le in BUCKETS {
                let extra = [("method", method), ("code", code), ("le", le)];
                out.push((base("http_request_duration_seconds_bucket", &extra), 0));
            }
        }
    }
    for method in ["GET", "POST", "PUT"] {
        for code in ["200", "404", "500", "503"] {
            let extra = [("method", method), ("code", code)];
            out.push((base("http_requests_total", &extra), 1));
        }
    }
    out.push((base("process_cpu_seconds_total", &[]), 1));
    out.push((base("machine_cpu_cores", &[]), 2));
    out.push((base("up", &[]), 3));
    out.push((base("work_queue_depth", &[]), 2));
    out.push((base("work_queue_capacity", &[]), 2));
    out.push((base("process_resident_memory_bytes", &[]), 2));
    out.push((base("process_memory_limit_bytes", &[]), 2));
    let mut i = 0;
    while out.len() < SERIES_PER_TARGET {
        let extra = [("shard", &*format!("{}", i % 10))];
        out.push((base(&format!("filler_metric_{}", i / 10), &extra), 2));
        i += 1;
    }
    out
}

fn value(kind: u8, idx: usize, step: i64) -> f64 {
    match kind {
        0 => (step * (idx as i64 % 12 + 1)) as f64,
        1 => (step * 3 + idx as i64) as f64,
        3 => 1.0,
        _ => ((step + idx as i64) % 97) as f64,
    }
}

fn build_store() -> (Store, i64) {
    let history = history_ms();
    let mut store = Store::new(history);
    // Up to 100,000 series: past the default series budget, on purpose.
    store.set_max_series(0);
    let targets: Vec<Vec<(Labels, u8)>> = (0..targets_n()).map(target_series).collect();
    let steps = history / INTERVAL_MS;
    for step in 0..steps {
        let t = START_MS + step * INTERVAL_MS;
        for (ti, series) in targets.iter().enumerate() {
            let samples = series
                .iter()
                .enumerate()
                .map(|(i, (l, k))| (l.clone(), value(*k, i, step)));
            store.ingest_scrape(&format!("t{ti}"), t + ti as i64, samples);
        }
    }
    (
        store,
        START_MS + (steps - 1) * INTERVAL_MS + targets.len() as i64,
    )
}

fn bench(c: &mut Criterion) {
    let (store, now) = build_store();
    let exprs: Vec<Expr> = PANEL_EXPRS
        .iter()
        .map(|e| parse(e).expect("panel expression"))
        .collect();
    // PROMQL_BENCH_DETAIL=N: evaluate each expression N times and print the
    // last (warm) duration and result size per expression on stderr.
    for (e, text) in exprs.iter().zip(PANEL_EXPRS) {
        let reps: u32 = std::env::var("PROMQL_BENCH_DETAIL")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(1)
            .max(1);
        for _ in 1..reps {
            black_box(eval_instant(&store, e, now).expect("evaluates"));
        }
        let t0 = std::time::Instant::now();
        let v = eval_instant(&store, e, now).expect("evaluates");
        if std::env::var_os("PROMQL_BENCH_DETAIL").is_some() {
            let n = match &v {
                vitals::promql::Value::Vector(v) => v.len(),
                _ => 1,
            };
            let took = t0.elapsed();
            let mut err = std::io::stderr();
            let _ = std::io::Write::write_fmt(&mut err, format_args!("{took:?} {n} {text}\n"));
        }
        black_box(v);
    }
    let mut g = c.benchmark_group("promql_tick_100x1000");
    g.sample_size(10);
    g.bench_function("instant_all_panels", |b| {
        b.iter(|| {
            for e in &exprs {
                black_box(eval_instant(&store, e, now).expect("evaluates"));
            }
        })
    });
    g.bench_function("range_120_points_all_panels", |b| {
        let step = 5_000;
        b.iter(|| {
            for e in &exprs {
                black_box(eval_range(&store, e, now - 119 * step, now, step).expect("evaluates"));
            }
        })
    });
    let page = target_series(0);
    let mut st = Store::new(history_ms());
    let mut t = now;
    g.bench_function("ingest_one_scrape_1000_series", |b| {
        b.iter(|| {
            t += INTERVAL_MS;
            let samples = page.iter().map(|(l, _)| (l.clone(), 1.0));
            black_box(st.ingest_scrape("t", t, samples));
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
