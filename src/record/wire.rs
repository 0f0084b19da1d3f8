//! The bytes of a recording: the segment header, the framing of records
//! (length, kind, payload, CRC-32) and the small integer and string
//! encodings inside payloads. Pure code: no I/O.

use super::RecordError;

/// The first bytes of every segment: not text, so that a recording is
/// never taken for a page or a config, and a transfer that mangles line
/// ends or the high bit shows.
pub const MAGIC: [u8; 8] = *b"\x89VITALS\n";
/// The format this code writes. A reader takes every minor version of its
/// major one (a newer minor only adds record kinds, which it skips).
pub const MAJOR: u16 = 1;
pub const MINOR: u16 = 0;
/// Magic, major, minor, the segment's first time (ms).
pub const HEADER_BYTES: usize = 8 + 2 + 2 + 8;
/// Length, kind, CRC-32: the bytes a record adds to its payload.
pub const FRAME_BYTES: usize = 4 + 1 + 4;
/// The largest payload a reader accepts: a bad length is not an
/// allocation.
pub const MAX_PAYLOAD: usize = 256 << 20;

/// A segment's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub major: u16,
    pub minor: u16,
    pub start_ms: i64,
}

impl Header {
    pub fn bytes(&self) -> [u8; HEADER_BYTES] {
        let mut b = [0u8; HEADER_BYTES];
        b[..8].copy_from_slice(&MAGIC);
        b[8..10].copy_from_slice(&self.major.to_le_bytes());
        b[10..12].copy_from_slice(&self.minor.to_le_bytes());
        b[12..20].copy_from_slice(&self.start_ms.to_le_bytes());
        b
    }

    /// Reads a header: not a recording, truncated, or newer than this
    /// build reads are errors.
    pub fn parse(b: &[u8]) -> Result<Header, RecordError> {
        let magic_seen = b.len().min(MAGIC.len());
        if b[..magic_seen] != MAGIC[..magic_seen] || b.is_empty() {
            return Err(RecordError::NotARecording);
        }
        if b.len() < HEADER_BYTES {
            return Err(RecordError::TruncatedHeader(b.len()));
        }
        let major = u16::from_le_bytes([b[8], b[9]]);
        let minor = u16::from_le_bytes([b[10], b[11]]);
        if major > MAJOR {
            return Err(RecordError::Newer(major, minor));
        }
        let start_ms = i64::from_le_bytes(b[12..20].try_into().expect("8 bytes"));
        Ok(Header {
            major,
            minor,
            start_ms,
        })
    }
}

/// Appends one framed record: payload length (u32 LE), kind, payload,
/// CRC-32 of kind and payload.
pub fn frame(out: &mut Vec<u8>, kind: u8, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.push(kind);
    out.extend_from_slice(payload);
    let mut h = crc32fast::Hasher::new();
    h.update(&[kind]);
    h.update(payload);
    out.extend_from_slice(&h.finalize().to_le_bytes());
}

/// What is at the start of `b`: a whole record, the end of the data, or a
/// torn one (too short, or its CRC does not match).
pub enum Framed<'a> {
    Record {
        kind: u8,
        payload: &'a [u8],
        len: usize,
    },
    End,
    Torn,
}

pub fn unframe(b: &[u8]) -> Framed<'_> {
    if b.is_empty() {
        return Framed::End;
    }
    if b.len() < FRAME_BYTES {
        return Framed::Torn;
    }
    let n = u32::from_le_bytes(b[..4].try_into().expect("4 bytes")) as usize;
    if n > MAX_PAYLOAD || b.len() < FRAME_BYTES + n {
        return Framed::Torn;
    }
    let kind = b[4];
    let payload = &b[5..5 + n];
    let crc = u32::from_le_bytes(b[5 + n..9 + n].try_into().expect("4 bytes"));
    let mut h = crc32fast::Hasher::new();
    h.update(&[kind]);
    h.update(payload);
    if h.finalize() != crc {
        return Framed::Torn;
    }
    Framed::Record {
        kind,
        payload,
        len: FRAME_BYTES + n,
    }
}

pub fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn put_varint(out: &mut Vec<u8>, v: i64) {
    put_uvarint(out, ((v << 1) ^ (v >> 63)) as u64);
}

pub fn put_str(out: &mut Vec<u8>, s: &str) {
    put_uvarint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// A payload being read; every read checks its bounds.
pub struct Cursor<'a> {
    pub b: &'a [u8],
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(b: &'a [u8]) -> Cursor<'a> {
        Cursor { b, pos: 0 }
    }

    pub fn u8(&mut self) -> Result<u8, RecordError> {
        let v = *self.b.get(self.pos).ok_or(RecordError::Corrupt("short"))?;
        self.pos += 1;
        Ok(v)
    }

    pub fn uvarint(&mut self) -> Result<u64, RecordError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            v |= ((byte & 0x7f) as u64) << shift;
            if byte < 0x80 {
                return Ok(v);
            }
        }
        Err(RecordError::Corrupt("varint"))
    }

    pub fn varint(&mut self) -> Result<i64, RecordError> {
        let u = self.uvarint()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    /// A length that fits in what is left (a count of items at least one
    /// byte each).
    pub fn len(&mut self) -> Result<usize, RecordError> {
        let n = self.uvarint()?;
        if n > (self.b.len() - self.pos) as u64 {
            return Err(RecordError::Corrupt("length"));
        }
        Ok(n as usize)
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], RecordError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.b.len());
        let end = end.ok_or(RecordError::Corrupt("short"))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub fn str(&mut self) -> Result<&'a str, RecordError> {
        let n = self.len()?;
        std::str::from_utf8(self.bytes(n)?).map_err(|_| RecordError::Corrupt("utf-8"))
    }

    pub fn rest(&self) -> &'a [u8] {
        &self.b[self.pos..]
    }
}
