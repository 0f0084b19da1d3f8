//! The sample codec: Gorilla-style chunks (Pelkonen et al., "Gorilla: A
//! Fast, Scalable, In-Memory Time Series Database", VLDB 2015), as
//! Prometheus keeps its head block. Timestamps are written as the delta of
//! their delta, values as the XOR against the previous value, bit by bit.
//!
//! A chunk is self-contained bytes (a recording can write them as they
//! are):
//!
//! ```text
//! byte 0      format version (FORMAT_VERSION)
//! bytes 1..3  sample count, u16 little-endian
//! then bits, most significant first:
//!   t0 (64 bits, two's complement ms), v0 (64 bits, the f64's bits)
//!   for every further sample:
//!     time: dod = (t - t_prev) - (t_prev - t_prev2), the first delta
//!           against 0:
//!           '0' dod == 0 | '10' 7 bits | '110' 9 bits | '1110' 12 bits
//!           | '11110' 20 bits | '11111' 6 bits n (64 as 0), n bits
//!           (two's complement)
//!     value: x = bits(v) ^ bits(v_prev):
//!           '0' x == 0
//!           '10' the meaningful bits of x within the previous window
//!           '110' 5 bits leading zeros (at most 31), 6 bits length (64 as
//!                0), then that many bits
//!           '111' a decimal step: '0' at the previous decimal scale k, or
//!                '1' and 4 bits of a new k; then d, written as a time's
//!                dod is, with v = (round(v_prev * 10^k) + d) / 10^k
//! ```
//!
//! The decimal step is this codec's addition to Gorilla's: exposition
//! values are decimal text, and a counter or gauge moving in whole units
//! or hundredths (bytes, CPU seconds) or a duration such as `4.6998e-05`
//! costs a few bits of decimal difference where its XOR spans most of the
//! mantissa. The encoder writes whichever of the XOR and the decimal step
//! is shorter, and the decimal step only when it gives back the value bit
//! for bit; so values are stored as bits, and NaN payloads (the staleness
//! marker), infinities and -0.0 come back exactly.
//!
//! Pure code: no I/O.

pub use super::bits::{BitReader, BitWriter};

/// The chunk format this code writes and reads.
pub const FORMAT_VERSION: u8 = 1;

/// Bytes before the bit stream: version and count.
pub const HEADER_BYTES: usize = 3;

/// Samples per chunk: a chunk is closed at this count and a new one starts.
pub const CHUNK_SAMPLES: u16 = 120;

/// The state of an open chunk's encoder (what the next sample is written
/// against). It lives beside the bytes, at the end of which it appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoder {
    pub(crate) t: i64,
    pub(crate) delta: i64,
    pub(crate) v: u64,
    /// The previous XOR window: leading zeros (NO_WINDOW: none yet) and
    /// trailing zeros.
    pub(crate) leading: u8,
    pub(crate) trailing: u8,
    /// Unused low bits of the last byte.
    pub(crate) free: u8,
    /// The scale and difference of the last decimal step (0: the last
    /// sample was no decimal step).
    pub(crate) dec_k: u8,
    pub(crate) dec_d: i64,
    pub(crate) count: u16,
}

const NO_WINDOW: u8 = 0xff;

impl Encoder {
    /// The state before any sample.
    pub const EMPTY: Encoder = Encoder {
        t: 0,
        delta: 0,
        v: 0,
        leading: NO_WINDOW,
        trailing: 0,
        free: 0,
        dec_k: 0,
        dec_d: 0,
        count: 0,
    };

    /// Starts a chunk with its first sample at the end of `buf` (which must
    /// end on a chunk boundary).
    pub fn start(buf: &mut Vec<u8>, t: i64, v: f64) -> Encoder {
        reserve(buf, HEADER_BYTES + 16);
        buf.push(FORMAT_VERSION);
        buf.extend_from_slice(&1u16.to_le_bytes());
        buf.extend_from_slice(&t.to_be_bytes());
        buf.extend_from_slice(&v.to_bits().to_be_bytes());
        Encoder {
            t,
            v: v.to_bits(),
            count: 1,
            ..Encoder::EMPTY
        }
    }

    /// Appends a sample to the chunk that starts at `buf[start..]`; `t`
    /// must be after the previous sample.
    pub fn append(&mut self, buf: &mut Vec<u8>, start: usize, t: i64, v: f64) {
        let delta = t.wrapping_sub(self.t);
        let dod = delta.wrapping_sub(self.delta);
        let mut w = BitWriter::new(buf, self.free);
        w.bucket(dod);
        self.write_value(&mut w, v);
        self.free = w.free();
        self.t = t;
        self.delta = delta;
        self.count += 1;
        buf[start + 1..start + 3].copy_from_slice(&self.count.to_le_bytes());
    }

    /// A value codec's state whose previous value is `v` (for
    /// [`Encoder::write_value`] and [`Encoder::read_value`] outside a
    /// chunk: a recording writes each series' values this way).
    pub fn with_value(v: f64) -> Encoder {
        Encoder {
            v: v.to_bits(),
            ..Encoder::EMPTY
        }
    }

    /// Writes `v` against the previous value (XOR or decimal step) and
    /// makes it the previous value; the time fields are untouched.
    #[inline]
    pub fn write_value(&mut self, w: &mut BitWriter, v: f64) {
        let bits = v.to_bits();
        let x = bits ^ self.v;
        let last_d = std::mem::take(&mut self.dec_d);
        if x == 0 {
            w.write(0, 1);
        } else {
            let leading = (x.leading_zeros() as u8).min(31);
            let trailing = x.trailing_zeros() as u8;
            let reuse =
                self.leading != NO_WINDOW && leading >= self.leading && trailing >= self.trailing;
            let xor_cost = if reuse {
                2 + 64 - self.leading as u32 - self.trailing as u32
            } else {
                14 + 64 - leading as u32 - trailing as u32
            };
            match self.decimal(v) {
                Some((k, d, same))
                    if (if same { 4 } else { 8 })
                        + bucket_bits(d.wrapping_sub(if same { last_d } else { 0 }))
                        < xor_cost =>
                {
                    if same {
                        w.write(0b1110, 4);
                        w.bucket(d.wrapping_sub(last_d));
                    } else {
                        w.write((0b1111 << 4) | k as u64, 8);
                        w.bucket(d);
                    }
                    self.dec_k = k;
                    self.dec_d = d;
                }
                _ if reuse => {
                    let n = 64 - self.leading as u32 - self.trailing as u32;
                    w.write(0b10, 2);
                    w.write(x >> self.trailing, n);
                }
                _ => {
                    let n = 64 - leading as u32 - trailing as u32;
                    w.write(
                        (0b110 << 11) | ((leading as u64) << 6) | (n as u64 & 63),
                        14,
                    );
                    w.write(x >> trailing, n);
                    self.leading = leading;
                    self.trailing = trailing;
                }
            }
        }
        self.v = bits;
    }

    /// Reads a value written by [`Encoder::write_value`] and makes it the
    /// previous value.
    #[inline]
    pub fn read_value(&mut self, r: &mut BitReader) -> Result<f64, ChunkError> {
        let last_d = std::mem::take(&mut self.dec_d);
        let bits = if r.take(1)? == 0 {
            self.v
        } else if r.take(1)? == 0 {
            if self.leading == NO_WINDOW {
                return Err(ChunkError::Truncated);
            }
            let n = 64 - self.leading as u32 - self.trailing as u32;
            self.v ^ (r.take(n)? << self.trailing)
        } else if r.take(1)? == 0 {
            let head = r.take(11)?;
            let leading = (head >> 6) as u8;
            let n = match (head & 63) as u32 {
                0 => 64,
                n => n,
            };
            if leading as u32 + n > 64 {
                return Err(ChunkError::Truncated);
            }
            let trailing = 64 - leading as u32 - n;
            self.leading = leading;
            self.trailing = trailing as u8;
            self.v ^ (r.take(n)? << trailing)
        } else {
            let (k, d) = if r.take(1)? == 0 {
                (self.dec_k, r.bucket()?.wrapping_add(last_d))
            } else {
                (r.take(4)? as u8, r.bucket()?)
            };
            if k as usize >= POW10.len() {
                return Err(ChunkError::Truncated);
            }
            self.dec_k = k;
            self.dec_d = d;
            let m = unscaled(f64::from_bits(self.v), k).wrapping_add(d);
            at_scale(m, k).to_bits()
        };
        self.v = bits;
        Ok(f64::from_bits(bits))
    }

    /// The newest sample written.
    pub fn last(&self) -> (i64, f64) {
        (self.t, f64::from_bits(self.v))
    }

    /// `v` as a decimal step from the previous value: the scale, the
    /// difference of the scaled integers, and whether the scale is the
    /// previous step's. None when either value is not such a decimal.
    fn decimal(&self, v: f64) -> Option<(u8, i64, bool)> {
        let prev = f64::from_bits(self.v);
        if let (Some(a), Some(b)) = (scaled(prev, self.dec_k), scaled(v, self.dec_k)) {
            return Some((self.dec_k, b.checked_sub(a)?, true));
        }
        let k = min_scale(prev)?.max(min_scale(v)?);
        let (a, b) = (scaled(prev, k)?, scaled(v, k)?);
        Some((k, b.checked_sub(a)?, k == self.dec_k))
    }
}

/// Powers of ten that are exact in an f64: the decimal scales.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// The integer the decoder reads `v` as at scale `k`.
#[inline]
fn unscaled(v: f64, k: u8) -> i64 {
    (v * POW10[k as usize]).round() as i64
}

/// The value of integer `m` at scale `k`.
#[inline]
fn at_scale(m: i64, k: u8) -> f64 {
    m as f64 / POW10[k as usize]
}

/// `m` such that `m / 10^k` is `v` bit for bit, with `|m| < 2^53`.
#[inline]
fn scaled(v: f64, k: u8) -> Option<i64> {
    let m = unscaled(v, k);
    (m.unsigned_abs() < 1 << 53 && at_scale(m, k).to_bits() == v.to_bits()).then_some(m)
}

/// The smallest scale at which `v` is a decimal.
fn min_scale(v: f64) -> Option<u8> {
    if !v.is_finite() {
        return None;
    }
    (0..POW10.len() as u8).find(|&k| scaled(v, k).is_some())
}

/// Bits [`BitWriter::bucket`] takes for `d`.
fn bucket_bits(d: i64) -> u32 {
    match d {
        0 => 1,
        -64..=63 => 9,
        -256..=255 => 12,
        -2048..=2047 => 16,
        -0x8_0000..=0x7_ffff => 25,
        _ => 76 - d.max(!d).leading_zeros(),
    }
}

/// Grows `buf` to the next size class when full: chunks grow a sample at a
/// time, and doubling would leave a quarter of the memory unused on
/// average.
#[inline]
pub(super) fn reserve(buf: &mut Vec<u8>, more: usize) {
    if buf.capacity() - buf.len() < more {
        let want = buf.len() + more;
        buf.reserve_exact(size_class(want) - buf.len());
    }
}

/// The capacity a buffer of `n` bytes grows to: sizes of four steps per
/// doubling (32, 40, 48, 56, 64, 80, …), each at most a quarter above the
/// last. Every series' buffer grows through the same sizes, so the blocks
/// one gives up are the sizes others grow into and the allocator can reuse
/// them (over 50,700 series and an hour of samples: 185 MiB resident
/// against 190 MiB growing by an eighth).
pub(crate) fn size_class(n: usize) -> usize {
    if n <= 32 {
        return 32;
    }
    let top = usize::BITS - 1 - (n - 1).leading_zeros(); // 2^top < n <= 2^(top+1)
    let quarter = 1usize << (top - 2);
    let base = 1usize << top;
    base + (n - base).div_ceil(quarter) * quarter
}

/// Why bytes are not a chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    #[error(
        "chunk format version {0} is not supported (this build reads version {FORMAT_VERSION})"
    )]
    Version(u8),
    #[error("chunk is truncated")]
    Truncated,
}

/// The samples of one chunk, oldest first.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    r: BitReader<'a>,
    left: u16,
    state: Encoder,
    first: bool,
}

impl<'a> Decoder<'a> {
    /// Reads the header of the chunk at the start of `data`.
    pub fn new(data: &'a [u8]) -> Result<Decoder<'a>, ChunkError> {
        if data.len() < HEADER_BYTES + 16 {
            return Err(ChunkError::Truncated);
        }
        if data[0] != FORMAT_VERSION {
            return Err(ChunkError::Version(data[0]));
        }
        let count = u16::from_le_bytes([data[1], data[2]]);
        let t = i64::from_be_bytes(data[3..11].try_into().expect("8 bytes"));
        let v = u64::from_be_bytes(data[11..19].try_into().expect("8 bytes"));
        Ok(Decoder {
            r: BitReader::new(data, (HEADER_BYTES + 16) * 8),
            left: count,
            state: Encoder {
                t,
                v,
                count: 1,
                ..Encoder::EMPTY
            },
            first: true,
        })
    }

    /// The first sample's time (without decoding).
    pub fn first_time(data: &[u8]) -> i64 {
        i64::from_be_bytes(data[3..11].try_into().expect("a chunk header"))
    }

    /// The sample read last, if any.
    #[inline]
    pub fn last_read(&self) -> Option<(i64, f64)> {
        (!self.first).then(|| self.state.last())
    }

    /// Samples not yet read.
    pub fn remaining(&self) -> u16 {
        self.left
    }

    /// The encoder state after the samples read so far: with every sample
    /// read, what appends to this chunk continue from.
    pub fn state(&self) -> Encoder {
        let mut s = self.state;
        s.free = ((8 - self.r.pos() % 8) % 8) as u8;
        s
    }

    /// The next sample, or an error for bytes that end early.
    pub fn try_next(&mut self) -> Result<Option<(i64, f64)>, ChunkError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        if self.first {
            self.first = false;
            return Ok(Some(self.state.last()));
        }
        let dod = self.r.bucket()?;
        let s_delta = self.state.delta.wrapping_add(dod);
        let t = self.state.t.wrapping_add(s_delta);
        let v = self.state.read_value(&mut self.r)?;
        let s = &mut self.state;
        s.t = t;
        s.delta = s_delta;
        s.count += 1;
        Ok(Some((t, v)))
    }
}

impl Iterator for Decoder<'_> {
    type Item = (i64, f64);

    /// The next sample; a chunk this store wrote never fails to decode
    /// (bytes that do end the iteration).
    #[inline]
    fn next(&mut self) -> Option<(i64, f64)> {
        match self.try_next() {
            Ok(s) => s,
            Err(_) => {
                self.left = 0;
                None
            }
        }
    }
}

/// The chunk's samples, checked: for bytes read from outside.
pub fn decode(data: &[u8]) -> Result<Vec<(i64, f64)>, ChunkError> {
    let mut d = Decoder::new(data)?;
    let mut out = Vec::with_capacity(d.remaining() as usize);
    while let Some(s) = d.try_next()? {
        out.push(s);
    }
    Ok(out)
}

/// Encodes `samples` (strictly increasing times) as one chunk; at most
/// `u16::MAX` of them (a longer slice panics).
pub fn encode(samples: &[(i64, f64)]) -> Vec<u8> {
    assert!(
        samples.len() <= u16::MAX as usize,
        "a chunk holds at most 65,535 samples"
    );
    let mut buf = Vec::new();
    let Some(&(t0, v0)) = samples.first() else {
        return buf;
    };
    let mut e = Encoder::start(&mut buf, t0, v0);
    for &(t, v) in &samples[1..] {
        e.append(&mut buf, 0, t, v);
    }
    buf
}
