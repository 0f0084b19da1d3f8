//! The scrape loops against real HTTP servers on 127.0.0.1.

use crate::scrape_support;

use scrape_support::{serve, wait_for, Reply, Server, GOOD_PAGE};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use vitals::scrape::{
    build_client, parse_target, run_scrapers, run_scrapers_with_stats, scrape_offset, ScrapeError,
    ScrapeOptions, ScrapeResult, ScrapeStats, Target,
};

struct Running {
    targets: watch::Sender<Vec<Target>>,
    cancel: watch::Sender<bool>,
    results: mpsc::Receiver<ScrapeResult>,
    stats: Arc<ScrapeStats>,
    task: JoinHandle<()>,
}

fn start(opts: ScrapeOptions, targets: Vec<Target>, capacity: usize) -> Running {
    let client = build_client(&opts).unwrap();
    let (targets_tx, targets_rx) = watch::channel(targets);
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let (tx, rx) = mpsc::channel(capacity);
    let stats = Arc::new(ScrapeStats::default());
    let task = tokio::spawn(run_scrapers_with_stats(
        client,
        opts,
        targets_rx,
        tx,
        cancel_rx,
        stats.clone(),
    ));
    Running {
        targets: targets_tx,
        cancel: cancel_tx,
        results: rx,
        stats,
        task,
    }
}

fn target(s: &Server) -> Target {
    parse_target(&s.url()).unwrap()
}

/// Receives results until `done` says so, for at most `limit`.
async fn collect(
    rx: &mut mpsc::Receiver<ScrapeResult>,
    limit: Duration,
    mut done: impl FnMut(&[ScrapeResult]) -> bool,
) -> Vec<ScrapeResult> {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(limit, async {
        while let Some(r) = rx.recv().await {
            out.push(r);
            if done(&out) {
                break;
            }
        }
    })
    .await;
    out
}

fn count(results: &[ScrapeResult], t: &Target) -> usize {
    results.iter().filter(|r| *r.target == *t).count()
}

#[tokio::test]
async fn hung_target_does_not_hold_up_the_others() {
    let good = serve(|_| Reply::ok(GOOD_PAGE)).await;
    let hung = serve(|_| Reply::Hang).await;
    let (g, h) = (target(&good), target(&hung));
    let opts = ScrapeOptions {
        interval: Duration::from_millis(1000),
        timeout: Duration::from_millis(300),
        body_limit: 1 << 20,
    };
    let mut run = start(opts, vec![g.clone(), h.clone()], 16);
    let results = collect(&mut run.results, Duration::from_secs(10), |rs| {
        count(rs, &g) >= 3 && count(rs, &h) >= 2
    })
    .await;
    assert!(count(&results, &g) >= 3, "{results:#?}");
    assert!(count(&results, &h) >= 2, "{results:#?}");
    for r in &results {
        if *r.target == h {
            assert_eq!(
                r.outcome.as_ref().unwrap_err(),
                &ScrapeError::Timeout(opts.timeout)
            );
            assert!(r.duration >= opts.timeout, "{:?}", r.duration);
            assert!(r.duration < opts.timeout + Duration::from_millis(500));
        } else {
            // the page comes unparsed, for the engine to parse
            let page = r.outcome.clone().unwrap();
            assert_eq!(
                page.body.as_ref().map(|b| b.bytes.len() as u64),
                Some(page.bytes)
            );
            assert_eq!(page.parsed().unwrap().samples.len(), 3);
            // every scrape starts at the target's offset in the interval
            let offset = scrape_offset(&g.url, opts.interval).as_millis() as i64;
            let phase = (r.time_ms - offset).rem_euclid(1000);
            let distance = phase.min(1000 - phase);
            assert!(distance < 150, "scrape at phase {phase} ms off its slot");
        }
    }
    run.cancel.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(2), run.task)
        .await
        .expect("run_scrapers stops on cancel")
        .unwrap();
}

#[tokio::test]
async fn follows_target_changes_and_stops_on_cancel() {
    let a = serve(|_| Reply::ok(GOOD_PAGE)).await;
    let b = serve(|_| Reply::ok(GOOD_PAGE)).await;
    let (ta, tb) = (target(&a), target(&b));
    let opts = ScrapeOptions {
        interval: Duration::from_millis(200),
        timeout: Duration::from_millis(150),
        body_limit: 1 << 20,
    };
    let mut run = start(opts, vec![ta.clone()], 16);
    let limit = Duration::from_secs(5);
    let rs = collect(&mut run.results, limit, |rs| count(rs, &ta) >= 2).await;
    assert!(count(&rs, &ta) >= 2);
    assert_eq!(count(&rs, &tb), 0);

    // B added
    run.targets.send(vec![ta.clone(), tb.clone()]).unwrap();
    let rs = collect(&mut run.results, limit, |rs| count(rs, &tb) >= 2).await;
    assert!(count(&rs, &tb) >= 2);

    // A removed: once B has been scraped twice more, A gets no request
    run.targets.send(vec![tb.clone()]).unwrap();
    let rs = collect(&mut run.results, limit, |rs| count(rs, &tb) >= 2).await;
    assert!(count(&rs, &tb) >= 2);
    let a_requests = a.request_count();
    let rs = collect(&mut run.results, limit, |rs| count(rs, &tb) >= 3).await;
    assert!(count(&rs, &tb) >= 3);
    assert_eq!(
        a.request_count(),
        a_requests,
        "removed target still scraped"
    );

    // cancel: the loops end, no more requests
    run.cancel.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(2), run.task)
        .await
        .expect("run_scrapers stops on cancel")
        .unwrap();
    let b_requests = b.request_count();
    let rs = collect(&mut run.results, Duration::from_millis(500), |_| false).await;
    assert!(rs.len() <= 16);
    assert_eq!(b.request_count(), b_requests);
}

#[tokio::test]
async fn full_channel_drops_and_counts() {
    let a = serve(|_| Reply::ok(GOOD_PAGE)).await;
    let b = serve(|_| Reply::ok(GOOD_PAGE)).await;
    let (ta, tb) = (target(&a), target(&b));
    let opts = ScrapeOptions {
        interval: Duration::from_millis(100),
        timeout: Duration::from_millis(80),
        body_limit: 1 << 20,
    };
    let mut run = start(opts, vec![ta.clone(), tb.clone()], 1);
    // nobody reads: results are dropped after one interval, not queued
    let stats = run.stats.clone();
    assert!(wait_for(Duration::from_secs(5), || stats.dropped() >= 2).await);
    // and both targets are still alive once the reader comes back
    let rs = collect(&mut run.results, Duration::from_secs(5), |rs| {
        count(rs, &ta) >= 2 && count(rs, &tb) >= 2
    })
    .await;
    assert!(count(&rs, &ta) >= 2 && count(&rs, &tb) >= 2);
    assert!(run.stats.sent() >= 4);
    run.cancel.send(true).unwrap();
    run.task.await.unwrap();
}

#[tokio::test]
async fn ends_when_the_receiver_or_the_canceller_is_gone() {
    let a = serve(|_| Reply::ok(GOOD_PAGE)).await;
    let opts = ScrapeOptions::with_interval(Duration::from_millis(100));
    let client = build_client(&opts).unwrap();

    // results receiver dropped
    let (_targets_tx, targets_rx) = watch::channel(vec![target(&a)]);
    let (_cancel_tx, cancel_rx) = watch::channel(false);
    let (tx, rx) = mpsc::channel(4);
    drop(rx);
    let run = run_scrapers(client.clone(), opts, targets_rx, tx, cancel_rx);
    tokio::time::timeout(Duration::from_secs(2), run)
        .await
        .expect("stops when nobody reads results");

    // cancel sender dropped
    let (_targets_tx, targets_rx) = watch::channel(vec![target(&a)]);
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let (tx, _rx) = mpsc::channel(4);
    let run = tokio::spawn(run_scrapers(client, opts, targets_rx, tx, cancel_rx));
    drop(cancel_tx);
    tokio::time::timeout(Duration::from_secs(2), run)
        .await
        .expect("stops when the canceller is gone")
        .unwrap();
}
