//! Finds the torn tail of a SQLite write-ahead log before SQLite opens it, so that what
//! a crash cut off is said, not silently dropped. SQLite itself replays only the frames
//! up to the last valid commit frame and discards the rest; a transaction whose commit
//! frame is missing or damaged never returned from `COMMIT`, so no command in it was
//! acknowledged. This module reads the WAL format (header, frames, salts and the
//! cumulative checksum: <https://www.sqlite.org/fileformat2.html#walformat>) to count
//! what lies after the last commit.

use std::path::Path;

const HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

/// What lies after the last commit in a WAL: the frames SQLite will discard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    /// Frames of the current WAL generation after the last valid commit frame
    /// (uncommitted, damaged, or cut short).
    pub frames: u64,
    /// Their bytes, including a partly written last frame.
    pub bytes: u64,
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// SQLite's WAL checksum, continued from `s` over `data` (a multiple of 8 bytes).
fn checksum(big_endian: bool, mut s: (u32, u32), data: &[u8]) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let word = |w: &[u8]| {
            let w = [w[0], w[1], w[2], w[3]];
            if big_endian {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            }
        };
        s.0 = s.0.wrapping_add(word(&pair[..4])).wrapping_add(s.1);
        s.1 = s.1.wrapping_add(word(&pair[4..])).wrapping_add(s.0);
    }
    s
}

/// The torn tail of the WAL beside the database at `db`, if it has one. `None` when
/// there is no WAL, it is empty or not a valid WAL (SQLite then ignores it), or every
/// frame of its current generation belongs to a committed transaction.
pub fn torn_tail(db: &Path) -> std::io::Result<Option<TornTail>> {
    let mut wal_path = db.as_os_str().to_owned();
    wal_path.push("-wal");
    let wal = match std::fs::read(&wal_path) {
        Ok(w) => w,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(scan(&wal))
}

/// Scans WAL bytes; see [`torn_tail`].
pub fn scan(wal: &[u8]) -> Option<TornTail> {
    if wal.len() < HEADER {
        return None;
    }
    let magic = be32(wal, 0);
    if magic & !1 != 0x377f_0682 {
        return None;
    }
    let big_endian = magic & 1 == 1;
    let page = be32(wal, 8) as usize;
    if !(512..=65_536).contains(&page) || !page.is_power_of_two() {
        return None;
    }
    let salt = (be32(wal, 16), be32(wal, 20));
    let mut sum = checksum(big_endian, (0, 0), &wal[..24]);
    if sum != (be32(wal, 24), be32(wal, 28)) {
        return None;
    }
    let frame = FRAME_HEADER + page;
    let (mut at, mut committed_end) = (HEADER, HEADER);
    // The valid prefix: frames of this generation whose cumulative checksum holds.
    while at + frame <= wal.len() {
        let f = &wal[at..at + frame];
        if (be32(f, 8), be32(f, 12)) != salt {
            break;
        }
        sum = checksum(big_endian, sum, &f[..8]);
        sum = checksum(big_endian, sum, &f[FRAME_HEADER..]);
        if sum != (be32(f, 16), be32(f, 20)) {
            break;
        }
        at += frame;
        if be32(f, 4) != 0 {
            committed_end = at;
        }
    }
    // After it: frames (or a part of one) still of this generation are the torn tail;
    // frames of an older generation are leftovers SQLite never looks at.
    let mut end = committed_end;
    while end < wal.len() {
        let rest = &wal[end..];
        let same = rest.len() >= 16 && (be32(rest, 8), be32(rest, 12)) == salt;
        if !same && end >= at {
            break;
        }
        end = (end + frame).min(wal.len());
    }
    let bytes = (end - committed_end) as u64;
    (bytes > 0).then(|| TornTail {
        frames: bytes.div_ceil(frame as u64),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL of `frames` frames of 512-byte pages, each a commit frame if `commits`.
    fn wal(frames: usize, commit_every: usize) -> Vec<u8> {
        let page = 512;
        let mut w = vec![0u8; HEADER];
        w[..4].copy_from_slice(&0x377f_0682u32.to_be_bytes());
        w[4..8].copy_from_slice(&3_007_000u32.to_be_bytes());
        w[8..12].copy_from_slice(&(page as u32).to_be_bytes());
        w[16..24].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let mut sum = checksum(false, (0, 0), &w[..24]);
        w[24..28].copy_from_slice(&sum.0.to_be_bytes());
        w[28..32].copy_from_slice(&sum.1.to_be_bytes());
        for i in 0..frames {
            let mut f = vec![0u8; FRAME_HEADER + page];
            f[..4].copy_from_slice(&(i as u32 + 1).to_be_bytes());
            if (i + 1) % commit_every == 0 {
                f[4..8].copy_from_slice(&(i as u32 + 1).to_be_bytes());
            }
            f[8..16].copy_from_slice(&w[16..24]);
            f[FRAME_HEADER..].fill(i as u8);
            sum = checksum(false, sum, &f[..8]);
            sum = checksum(false, sum, &f[FRAME_HEADER..]);
            f[16..20].copy_from_slice(&sum.0.to_be_bytes());
            f[20..24].copy_from_slice(&sum.1.to_be_bytes());
            w.extend_from_slice(&f);
        }
        w
    }

    #[test]
    fn a_fully_committed_wal_has_no_torn_tail() {
        assert_eq!(scan(&wal(6, 3)), None);
        assert_eq!(scan(&[]), None);
        assert_eq!(scan(b"not a wal at all, just some bytes"), None);
    }

    #[test]
    fn frames_after_the_last_commit_are_the_torn_tail() {
        let frame = (FRAME_HEADER + 512) as u64;
        // Two transactions of three frames; the second never got its commit frame.
        let w = wal(5, 3);
        assert_eq!(
            scan(&w),
            Some(TornTail {
                frames: 2,
                bytes: 2 * frame
            })
        );
        // The second transaction's commit frame written only in part.
        let w = wal(6, 3);
        let cut = &w[..w.len() - 100];
        assert_eq!(
            scan(cut),
            Some(TornTail {
                frames: 3,
                bytes: 3 * frame - 100
            })
        );
        // A damaged frame: it and what follows are cut.
        let mut w = wal(6, 3);
        let last = w.len() - 10;
        w[last] ^= 0xff;
        assert_eq!(
            scan(&w),
            Some(TornTail {
                frames: 3,
                bytes: 3 * frame
            })
        );
    }

    #[test]
    fn leftover_frames_of_an_older_generation_are_not_a_torn_tail() {
        let mut w = wal(6, 3);
        let frame = FRAME_HEADER + 512;
        // The last transaction's frames carry another salt: an older generation's.
        for f in 0..3 {
            let at = HEADER + (3 + f) * frame;
            w[at + 8] ^= 0xff;
        }
        assert_eq!(scan(&w), None);
    }
}
