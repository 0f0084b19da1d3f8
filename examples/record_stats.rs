//! Figures of a recording, for BENCHMARKS.md (`scripts/record-race`):
//! its size per sample, and how long a replay takes to show its first
//! frame, to index it, and to seek to its end.
//!
//! `cargo run --release --example record_stats -- DIR`
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;
use vitals::engine::replay::Player;
use vitals::record::{Event, Recording};

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: record_stats DIR");
        std::process::exit(2);
    };
    let path = std::path::Path::new(&dir);
    let t0 = Instant::now();
    let rec = match Recording::open(path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let opts = vitals::app::replay_cmd::options(&rec, &Default::default()).expect("options");
    let player = Player::new(rec.clone(), opts.clone());
    let first_frame = t0.elapsed();
    drop(player);
    let bytes: u64 = rec.segments.iter().map(|s| s.bytes).sum();
    let t1 = Instant::now();
    let (mut scrapes, mut samples, mut ticks) = (0u64, 0u64, 0u64);
    let mut events = rec.events();
    for e in events.by_ref() {
        match e {
            Event::Scrape(r) => {
                scrapes += 1;
                samples += r.outcome.map_or(0, |p| p.samples.len() as u64);
            }
            Event::Tick(_) => ticks += 1,
            _ => {}
        }
    }
    let decode = t1.elapsed();
    // As a replay reads them: no label set copied per sample.
    let t4 = Instant::now();
    let mut lean_samples = 0u64;
    for e in rec.events().lean() {
        if let Event::LeanScrape(r) = e {
            lean_samples += r.outcome.map_or(0, |p| p.samples.len() as u64);
        }
    }
    let lean = t4.elapsed();
    let t2 = Instant::now();
    let mut player = Player::new(rec.clone(), opts);
    player.load_index();
    let index = t2.elapsed();
    let end = player.end_ms();
    let t3 = Instant::now();
    player.seek(end);
    let seek = t3.elapsed();
    println!("| recording | segments | bytes | scrapes | samples | B / sample |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| {dir} | {} | {bytes} | {scrapes} | {samples} | {:.2} |",
        rec.segments.len(),
        bytes as f64 / samples.max(1) as f64
    );
    println!();
    println!("| step | time |");
    println!("|---|---:|");
    println!(
        "| open and first frame | {:.0} ms |",
        first_frame.as_secs_f64() * 1e3
    );
    println!(
        "| index (ticks, transitions, notes) | {:.0} ms |",
        index.as_secs_f64() * 1e3
    );
    println!("| seek to the end | {:.0} ms |", seek.as_secs_f64() * 1e3);
    println!(
        "| decode every sample | {:.0} ms ({:.1} M samples/s, {ticks} ticks) |",
        decode.as_secs_f64() * 1e3,
        samples as f64 / decode.as_secs_f64() / 1e6
    );
    println!(
        "| decode every sample (replay's reading) | {:.0} ms ({:.1} M samples/s) |",
        lean.as_secs_f64() * 1e3,
        lean_samples as f64 / lean.as_secs_f64() / 1e6
    );
    if let Some(e) = events.error {
        eprintln!("{e}");
    }
    for n in events.notices {
        eprintln!("{n}");
    }
}
