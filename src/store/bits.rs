//! Bit-level reading and writing for the sample codec ([`super::chunk`])
//! and the recording, which writes values with the same code.

use super::chunk::{reserve, ChunkError};

/// Bits appended to a byte buffer, most significant first.
pub struct BitWriter<'a> {
    buf: &'a mut Vec<u8>,
    free: u8,
}

impl<'a> BitWriter<'a> {
    /// Appends to `buf`, whose last byte has `free` unused low bits.
    pub fn new(buf: &'a mut Vec<u8>, free: u8) -> BitWriter<'a> {
        BitWriter { buf, free }
    }

    /// The unused low bits of the last byte.
    pub fn free(&self) -> u8 {
        self.free
    }

    /// Writes a signed difference in the fewest of the time buckets.
    #[inline]
    pub fn bucket(&mut self, d: i64) {
        match d {
            0 => self.write(0, 1),
            -64..=63 => self.write((0b10 << 7) | low(d, 7), 9),
            -256..=255 => self.write((0b110 << 9) | low(d, 9), 12),
            -2048..=2047 => self.write((0b1110 << 12) | low(d, 12), 16),
            -0x8_0000..=0x7_ffff => self.write((0b11110 << 20) | low(d, 20), 25),
            _ => {
                let n = 65 - d.max(!d).leading_zeros();
                self.write((0b11111 << 6) | (n as u64 & 63), 11);
                self.write(low(d, n), n);
            }
        }
    }

    /// Writes the low `n` bits of `v` (n <= 64), most significant first.
    #[inline]
    pub fn write(&mut self, v: u64, mut n: u32) {
        if n == 0 {
            return;
        }
        let mut v = v & (u64::MAX >> (64 - n));
        let free = self.free as u32;
        if free > 0 {
            // Fill the last byte's unused low bits first.
            let take = n.min(free);
            n -= take;
            let bits = (v >> n) as u8;
            let last = self.buf.len() - 1;
            self.buf[last] |= bits << (free - take);
            self.free -= take as u8;
            if n == 0 {
                return;
            }
            v &= u64::MAX >> (64 - n);
        }
        // Byte-aligned now: the rest as whole bytes, most significant first.
        let bytes = (n as usize).div_ceil(8);
        reserve(self.buf, bytes);
        self.buf
            .extend_from_slice(&(v << (64 - n)).to_be_bytes()[..bytes]);
        self.free = (bytes * 8 - n as usize) as u8;
    }
}

/// Bits read from a byte slice, most significant first.
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    data: &'a [u8],
    /// Bit position in `data`.
    pos: usize,
}

impl<'a> BitReader<'a> {
    /// Reads `data` from bit `pos`.
    pub fn new(data: &'a [u8], pos: usize) -> BitReader<'a> {
        BitReader { data, pos }
    }

    /// The bit position.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// 64 bits from the current position (zeros past the end).
    #[inline]
    fn peek(&self) -> u64 {
        let byte = self.pos >> 3;
        let sh = (self.pos & 7) as u32;
        let d = self.data;
        if byte + 9 <= d.len() {
            let hi = u64::from_be_bytes(d[byte..byte + 8].try_into().expect("8 bytes"));
            if sh == 0 {
                hi
            } else {
                (hi << sh) | (d[byte + 8] as u64 >> (8 - sh))
            }
        } else {
            let mut b = [0u8; 9];
            let n = d.len().saturating_sub(byte).min(9);
            b[..n].copy_from_slice(&d[byte..byte + n]);
            let hi = u64::from_be_bytes(b[..8].try_into().expect("8 bytes"));
            if sh == 0 {
                hi
            } else {
                (hi << sh) | (b[8] as u64 >> (8 - sh))
            }
        }
    }

    /// Consumes `n` bits (1..=64) and returns them.
    #[inline]
    pub fn take(&mut self, n: u32) -> Result<u64, ChunkError> {
        if self.pos + n as usize > self.data.len() * 8 {
            return Err(ChunkError::Truncated);
        }
        let v = self.peek() >> (64 - n);
        self.pos += n as usize;
        Ok(v)
    }

    /// A difference written by [`BitWriter::bucket`].
    #[inline]
    pub fn bucket(&mut self) -> Result<i64, ChunkError> {
        if self.pos >= self.data.len() * 8 {
            return Err(ChunkError::Truncated);
        }
        let p = self.peek();
        if p >> 63 == 0 {
            self.pos += 1;
            return Ok(0);
        }
        let (prefix, n) = match (p >> 59) as u8 {
            0b10000..=0b10111 => (2, 7),
            0b11000..=0b11011 => (3, 9),
            0b11100..=0b11101 => (4, 12),
            0b11110 => (5, 20),
            _ => (5, 0),
        };
        self.pos += prefix;
        let n = match n {
            0 => match self.take(6)? as u32 {
                0 => 64,
                n => n,
            },
            n => n,
        };
        let raw = self.take(n)?;
        // Sign-extend n bits.
        Ok(((raw << (64 - n)) as i64) >> (64 - n))
    }
}

/// The low `n` bits of `x`.
#[inline]
fn low(x: i64, n: u32) -> u64 {
    (x as u64) & (u64::MAX >> (64 - n))
}
