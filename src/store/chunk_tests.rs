//! The codec and the chunked series against a plain list of samples.

use super::chunk::{decode, encode, ChunkError, Decoder, CHUNK_SAMPLES, FORMAT_VERSION};
use super::series::StoredSeries;
use super::STALE_NAN;
use crate::vocab::labels::Labels;
use proptest::prelude::*;

fn bits(s: &[(i64, f64)]) -> Vec<(i64, u64)> {
    s.iter().map(|&(t, v)| (t, v.to_bits())).collect()
}

/// Values as scrapes give them: counters, gauges, resets, and every odd
/// float (the staleness marker, other NaNs, ±Inf, -0.0, subnormals).
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => (0u32..1_000_000).prop_map(f64::from),
        2 => any::<f64>(),
        1 => Just(STALE_NAN),
        1 => Just(f64::NAN),
        1 => Just(-f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(-0.0),
        1 => Just(0.0),
        1 => Just(f64::MIN_POSITIVE / 2.0),
        1 => Just(f64::MAX),
    ]
}

/// Strictly increasing times: regular steps with jitter, pauses, and
/// jumps of any size.
fn samples(max: usize) -> impl Strategy<Value = Vec<(i64, f64)>> {
    let step = prop_oneof![
        6 => Just(2000i64),
        3 => 1995i64..2005,
        2 => 1i64..100_000,
        1 => 1i64..i64::MAX / 1024,
    ];
    (
        any::<i64>().prop_map(|t| t / 4),
        prop::collection::vec((step, value()), 1..max),
    )
        .prop_map(|(start, steps)| {
            let mut t = start;
            steps
                .into_iter()
                .map(|(d, v)| {
                    t = t.saturating_add(d);
                    (t, v)
                })
                .scan(i64::MIN, |last, (t, v)| {
                    let keep = t > *last;
                    *last = t;
                    Some(keep.then_some((t, v)))
                })
                .flatten()
                .collect()
        })
}

proptest! {
    #[test]
    fn a_chunk_gives_back_every_bit(s in samples(300)) {
        let s: Vec<_> = s.into_iter().take(u16::MAX as usize).collect();
        let got = decode(&encode(&s)).expect("decodes");
        prop_assert_eq!(bits(&got), bits(&s));
    }

    #[test]
    fn a_series_reads_as_the_plain_list(
        s in samples(600),
        queries in prop::collection::vec((any::<u16>(), 0i64..400_000), 20),
        trim in any::<u16>(),
        pops in 0usize..14,
    ) {
        let mut series = StoredSeries::new(Labels::new());
        for &(t, v) in &s {
            prop_assert!(series.push(t, v));
        }
        prop_assert!(!series.push(s[s.len() - 1].0, 1.0));
        let mut plain = s.clone();
        for _ in 0..pops.min(plain.len() - 1) {
            series.pop_newest();
            plain.pop();
        }
        let cut = plain[trim as usize % plain.len()].0;
        series.trim_before(cut);
        plain.retain(|p| p.0 >= cut);
        prop_assert_eq!(series.len(), plain.len());
        prop_assert_eq!(bits(&series.range(i64::MIN, i64::MAX).collect::<Vec<_>>()), bits(&plain));
        for (at, width) in queries {
            let t = plain[at as usize % plain.len()].0.saturating_add(width / 2 - 1000);
            let want = plain.iter().rev().find(|p| p.0 <= t).copied();
            prop_assert_eq!(series.at_or_before(t).map(|p| (p.0, p.1.to_bits())), want.map(|p| (p.0, p.1.to_bits())));
            let lo = t.saturating_sub(width);
            let got: Vec<_> = series.range(lo, t).collect();
            let want: Vec<_> = plain.iter().copied().filter(|p| p.0 >= lo && p.0 <= t).collect();
            prop_assert_eq!(bits(&got), bits(&want));
            prop_assert_eq!(series.has_samples_in(lo, t), !want.is_empty());
        }
        // Appends continue after pops and trims.
        let next = plain[plain.len() - 1].0 + 1;
        prop_assert!(series.push(next, 7.5));
        prop_assert_eq!(series.at_or_before(i64::MAX), Some((next, 7.5)));
    }
}

#[test]
fn a_regular_integer_series_takes_well_under_two_bytes_a_sample() {
    let mut s = StoredSeries::new(Labels::new());
    let n = 1800;
    for i in 0..n {
        // A counter moving by a few hundred a scrape, every 2 s.
        s.push(
            1_700_000_000_000 + i * 2000,
            (1_000_000 + i * 337 + i % 7) as f64,
        );
    }
    let (bytes, _) = s.chunk_bytes();
    assert!(
        bytes * 10 < n as usize * 20,
        "{bytes} bytes for {n} samples"
    );
    assert_eq!(s.chunks(), n as usize / CHUNK_SAMPLES as usize);
}

#[test]
fn trimming_drops_whole_chunks_only() {
    let mut s = StoredSeries::new(Labels::new());
    for i in 0..400 {
        s.push(i * 1000, i as f64);
    }
    assert_eq!(s.chunks(), 4);
    s.trim_before(130_000);
    assert_eq!(s.chunks(), 3, "the first chunk (0..120 s) goes");
    assert_eq!(s.len(), 270);
    assert_eq!(s.range(0, 140_000).next(), Some((130_000, 130.0)));
    assert_eq!(s.at_or_before(129_999), None);
    s.trim_before(1_000_000);
    assert!(s.is_empty());
}

#[test]
fn bad_chunks_are_errors_not_panics() {
    let good = encode(&[(1000, 1.0), (3000, 2.5), (5000, f64::NAN)]);
    let mut newer = good.clone();
    newer[0] = FORMAT_VERSION + 1;
    assert_eq!(
        decode(&newer).unwrap_err(),
        ChunkError::Version(FORMAT_VERSION + 1)
    );
    for cut in 0..good.len() {
        let r = decode(&good[..cut]);
        assert!(r.is_err() || r.unwrap().len() < 3, "cut at {cut}");
    }
    // A count larger than the bits behind it.
    let mut long = good.clone();
    long[1] = 200;
    assert_eq!(decode(&long).unwrap_err(), ChunkError::Truncated);
    assert_eq!(Decoder::first_time(&good), 1000);
}

#[test]
fn a_series_over_its_byte_cap_gives_up_its_oldest_chunks() {
    let mut s = StoredSeries::new(Labels::new());
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..1000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push(i * 2000, f64::from_bits(x >> 2));
        s.cap_bytes(4000);
    }
    let (bytes, _) = s.chunk_bytes();
    assert!(bytes <= 4000 + 4 * s.chunks(), "{bytes}");
    assert!(s.len() < 1000 && s.len() > 120, "{}", s.len());
    assert_eq!(s.range(0, i64::MAX).last().map(|p| p.0), Some(999 * 2000));
}

#[test]
fn the_store_caps_each_series_at_its_share_of_bytes() {
    use super::{series_bytes_cap, Store};
    assert_eq!(series_bytes_cap(3_600_000, 2_000), 1800 * 4 + 2048);
    let mut st = Store::new(3_600_000);
    st.set_series_bytes(series_bytes_cap(3_600_000, 2_000));
    let noisy = Labels::from_pairs([("__name__", "noisy")]);
    let calm = Labels::from_pairs([("__name__", "calm")]);
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for i in 0..1800 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        st.append(&noisy, i * 2000, f64::from_bits(x >> 2));
        st.append(&calm, i * 2000, (i / 10) as f64);
    }
    let (noisy, calm) = (st.find(&noisy).unwrap(), st.find(&calm).unwrap());
    assert_eq!(calm.len(), 1800, "a series that compresses keeps the hour");
    assert!(
        noisy.len() < 1200,
        "random floats keep less: {}",
        noisy.len()
    );
    assert!(noisy.chunk_bytes().0 <= series_bytes_cap(3_600_000, 2_000));
}

#[test]
fn buffers_grow_through_shared_sizes() {
    let sizes: Vec<usize> = [1, 32, 33, 40, 41, 64, 65, 81, 1000, 1025]
        .iter()
        .map(|&n| super::chunk::size_class(n))
        .collect();
    assert_eq!(sizes, [32, 32, 40, 40, 48, 64, 80, 96, 1024, 1280]);
}
