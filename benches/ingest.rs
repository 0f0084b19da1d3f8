//! Ingest: from the HTTP body of a 3 000-series page to the store, through
//! `Engine::apply_body` (streamed, series remembered per target) and, for
//! comparison, through the owned `Page` and `Engine::apply`. Reports time
//! per scrape (criterion) and allocations per scrape (a counting global
//! allocator), first scrape and steady state separately.
//!
//! `cargo bench --bench ingest -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;
use vitals::engine::{Engine, EngineOptions};
use vitals::scrape::{expo, ScrapeResult, Target};
use vitals::vocab::labels::Labels;

#[path = "support/counting.rs"]
mod counting;

/// (allocations, bytes) made by `f`.
fn count(f: impl FnOnce()) -> (u64, u64) {
    let (a, b, ()) = counting::count(f);
    (a, b)
}

/// A page of `n` series at scrape number `k`, shaped like a service's:
/// HELP and TYPE per family, counters, gauges and histogram buckets with
/// two to four labels.
fn page(n: usize, k: u64) -> Vec<u8> {
    let mut out = String::with_capacity(n * 100);
    let mut written = 0;
    let mut fam = 0;
    while written < n {
        let kind = ["counter", "gauge", "histogram"][fam % 3];
        let name = format!("svc_component{}_op_{fam}", fam % 11);
        let _ = writeln!(out, "# HELP {name} Operations of component {}.", fam % 11);
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for s in 0..50 {
            if written >= n {
                break;
            }
            let labels = format!(
                "route=\"/api/v1/r{}\",code=\"{}\"",
                s / 3,
                [200, 404, 500][s % 3]
            );
            let v = (fam * 1000 + s) as f64 + k as f64 * 1.5;
            match kind {
                "histogram" => {
                    let le = ["0.005", "0.1", "1", "+Inf"][s % 4];
                    let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {v}");
                }
                "counter" => {
                    let _ = writeln!(out, "{name}_total{{{labels}}} {v}");
                }
                _ => {
                    let _ = writeln!(out, "{name}{{{labels}}} {}", v / 8.0);
                }
            }
            written += 1;
        }
        fam += 1;
    }
    out.into_bytes()
}

fn target() -> Arc<Target> {
    Arc::new(Target {
        url: "http://127.0.0.1:9100/metrics".into(),
        job: "node".into(),
        instance: "127.0.0.1:9100".into(),
        labels: Labels::new(),
        ..Default::default()
    })
}

const INTERVAL_MS: i64 = 2000;

/// Allocations of one scrape through each path, first and steady state.
fn report_allocations(series: usize) {
    let t = target();
    let (b0, b1, b2) = (page(series, 0), page(series, 1), page(series, 2));
    let d = Duration::from_millis(5);
    let mut e = Engine::new(EngineOptions::default());
    let first = count(|| {
        e.apply_body(&t, 0, d, &b0, None);
    });
    e.apply_body(&t, INTERVAL_MS, d, &b1, None);
    let steady = count(|| {
        e.apply_body(&t, 2 * INTERVAL_MS, d, &b2, None);
    });
    let mut p = Engine::new(EngineOptions::default());
    let page_path = |e: &mut Engine, body: &[u8], time_ms: i64| {
        let outcome = Ok(expo::parse_page(body, None));
        e.apply(ScrapeResult {
            target: t.clone(),
            time_ms,
            duration: d,
            outcome,
        });
    };
    let p_first = count(|| page_path(&mut p, &b0, 0));
    page_path(&mut p, &b1, INTERVAL_MS);
    let p_steady = count(|| page_path(&mut p, &b2, 2 * INTERVAL_MS));
    let per = |(a, _): (u64, u64)| a as f64 / series as f64;
    eprintln!(
        "ingest allocations, {series} series ({} bytes):\n  \
         body to store: first scrape {} allocations / {} bytes ({:.2} per sample), steady state {} / {} ({:.4} per sample)\n  \
         owned Page + apply: first scrape {} / {} ({:.2} per sample), steady state {} / {} ({:.2} per sample)",
        b2.len(),
        first.0, first.1, per(first), steady.0, steady.1, per(steady),
        p_first.0, p_first.1, per(p_first), p_steady.0, p_steady.1, per(p_steady),
    );
}

fn bench(c: &mut Criterion) {
    // `cargo test` runs this once as a smoke test: keep that load small.
    let full = std::env::args().any(|a| a == "--bench");
    let series = if full { 3000 } else { 200 };
    report_allocations(series);
    let t = target();
    let d = Duration::from_millis(5);
    let bodies: Vec<Vec<u8>> = (0..4).map(|k| page(series, k)).collect();
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Elements(series as u64));
    g.bench_function(format!("body_first_scrape/{series}"), |b| {
        b.iter_batched(
            || Engine::new(EngineOptions::default()),
            |mut e| {
                e.apply_body(&t, 0, d, &bodies[0], None);
                e
            },
            BatchSize::SmallInput,
        )
    });
    let mut e = Engine::new(EngineOptions::default());
    let mut k = 0u64;
    g.bench_function(format!("body_steady_state/{series}"), |b| {
        b.iter(|| {
            k += 1;
            let body = &bodies[(k % 4) as usize];
            e.apply_body(&t, k as i64 * INTERVAL_MS, d, body, None)
        })
    });
    let mut e = Engine::new(EngineOptions::default());
    let mut k = 0u64;
    g.bench_function(format!("page_steady_state/{series}"), |b| {
        b.iter(|| {
            k += 1;
            let body = &bodies[(k % 4) as usize];
            let outcome = Ok(expo::parse_page(body, None));
            let time_ms = k as i64 * INTERVAL_MS;
            e.apply(ScrapeResult {
                target: t.clone(),
                time_ms,
                duration: d,
                outcome,
            });
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
