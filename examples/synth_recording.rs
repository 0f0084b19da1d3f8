//! Writes a synthetic recording for measurements (`vitals export`
//! throughput): TARGETS targets each exposing one page, scraped every
//! INTERVAL seconds for MINUTES minutes. The page defaults to the
//! project's real node_exporter page
//! (`tests/fixtures/exposition/real/node_exporter-1.5.0-many-collectors.txt`,
//! 2,332 series). Counters (`_total`, `_count`, `_sum`, `_bucket`) grow
//! by a per-series step (a third of them not at all), a quarter of the
//! other values move at each scrape.
//!
//! `cargo run --release --example synth_recording -- DIR [TARGETS]
//! [MINUTES] [INTERVAL] [PAGE]` (defaults: 100 targets, 60 minutes, 10 s)

use std::sync::Arc;
use std::time::Duration;
use vitals::record::{ConfigRecord, Entry, Recorder, DEFAULT_MAX_BYTES};
use vitals::scrape::{Body, Page, ScrapeResult, Target};

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or_else(|| {
        anyhow::anyhow!("usage: synth_recording DIR [TARGETS] [MINUTES] [INTERVAL] [PAGE]")
    })?;
    let num = |a: Option<String>, d: u64| a.and_then(|s| s.parse().ok()).unwrap_or(d);
    let targets = num(args.next(), 100);
    let minutes = num(args.next(), 60);
    let interval = num(args.next(), 10).max(1);
    let page_path = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/exposition/real/node_exporter-1.5.0-many-collectors.txt"
        )
        .to_string()
    });
    let body = std::fs::read(&page_path)?;
    let page = Page {
        body: Some(Body {
            bytes: body,
            content_type: None,
        }),
        ..Page::default()
    }
    .parsed()
    .map_err(|e| anyhow::anyhow!("{page_path}: {e}"))?;
    let counter = |name: &str| {
        ["_total", "_count", "_sum", "_bucket"]
            .iter()
            .any(|s| name.ends_with(s))
    };
    let kinds: Vec<bool> = page
        .samples
        .iter()
        .map(|s| counter(s.labels.name().unwrap_or_default()))
        .collect();
    let fleet: Vec<Arc<Target>> = (0..targets)
        .map(|i| {
            let port = 20_000 + i;
            Arc::new(Target {
                url: format!("http://10.0.{}.{}:9100/metrics", i / 250, i % 250 + 1),
                job: "node".into(),
                instance: format!("host{i:03}:{port}"),
                ..Default::default()
            })
        })
        .collect();
    let mut rec = Recorder::open(std::path::Path::new(&dir), DEFAULT_MAX_BYTES * 64)?;
    rec.write(Entry::Config(ConfigRecord {
        source: "scrape".into(),
        interval_ms: interval * 1000,
        ..Default::default()
    }))?;
    let start: i64 = 1_700_000_000_000;
    rec.write(Entry::Targets {
        time_ms: start,
        targets: fleet.iter().map(|t| Target::clone(t)).collect(),
    })?;
    let rounds = minutes * 60 / interval;
    for k in 0..rounds {
        let t0 = start + (k * interval * 1000) as i64;
        for (ti, target) in fleet.iter().enumerate() {
            let mut p = page.clone();
            for (i, (s, is_counter)) in p.samples.iter_mut().zip(&kinds).enumerate() {
                let h = mix((i as u64) << 20 ^ ti as u64);
                if *is_counter {
                    let step = match h % 3 {
                        0 => 0.0,
                        1 => (h >> 8) as f64 % 50.0,
                        _ => ((h >> 8) % 10_000) as f64 / 64.0,
                    };
                    s.value += step * k as f64;
                } else if mix(h ^ k) % 4 == 0 {
                    s.value += ((mix(h ^ k) >> 8) % 1000) as f64 / 8.0;
                }
            }
            rec.write(Entry::Scrape(ScrapeResult {
                target: target.clone(),
                time_ms: t0 + ti as i64 * 7,
                duration: Duration::from_micros(1500 + (mix(k ^ ti as u64) % 5000)),
                outcome: Ok(p),
            }))?;
        }
        rec.write(Entry::Tick(t0 + (interval * 1000) as i64 - 1))?;
    }
    println!(
        "{dir}: {targets} targets, {rounds} scrapes each, {} samples",
        rec.samples
    );
    Ok(())
}
