//! The room's own account of its frames for `benches/flood.sh`: with `MODELROOM_FRAME_LOG`
//! set to a file, each frame appends one line of when it was drawn, how long drawing took, the
//! whole process's CPU time so far and how many content chunks had arrived, and so does every
//! thousandth chunk (frames are too few to show the cost along a fast stream). The CPU clock is
//! the kernel's per-process one (all threads, nanoseconds), which `/proc/PID/stat` only shows
//! in 10 ms ticks; per-chunk cost over a stream needs the finer one. A frame's line also says
//! the CPU time the UI thread spent on it: on a shared machine the wall time of a frame
//! includes the moments the thread was not running at all.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustix::time::{ClockId, clock_gettime};

/// The environment variable naming the file the frames are written to.
pub const ENV: &str = "MODELROOM_FRAME_LOG";

/// Every this many chunks, a line without a frame.
const CHUNK_MARK: u64 = 1000;

pub struct FrameLog {
    out: BufWriter<File>,
    /// Content chunks handed to `update` so far, all panes together.
    chunks: u64,
}

/// CPU time the whole process has used (every thread, living or ended).
pub fn process_cpu() -> Duration {
    cpu(ClockId::ProcessCPUTime)
}

/// CPU time the calling thread has used.
pub fn thread_cpu() -> Duration {
    cpu(ClockId::ThreadCPUTime)
}

fn cpu(clock: ClockId) -> Duration {
    let t = clock_gettime(clock);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

impl FrameLog {
    /// The log named by `MODELROOM_FRAME_LOG`, if it is set and the file can be created.
    pub fn from_env() -> Option<Self> {
        let path = std::env::var_os(ENV).filter(|p| !p.is_empty())?;
        match Self::create(Path::new(&path)) {
            Ok(log) => Some(log),
            Err(e) => {
                tracing::warn!("{ENV}: cannot write {}: {e}", Path::new(&path).display());
                None
            }
        }
    }

    pub fn create(path: &Path) -> io::Result<Self> {
        let mut out = BufWriter::new(File::create(path)?);
        writeln!(out, "# kind unix_us draw_us cpu_us chunks draw_cpu_us")?;
        Ok(Self { out, chunks: 0 })
    }

    /// `n` chunks came (a batch brings many); each thousandth still gets its line.
    pub fn chunks(&mut self, n: usize) {
        for _ in 0..n {
            self.chunks += 1;
            if self.chunks % CHUNK_MARK == 0 {
                self.line('c', Duration::ZERO, Duration::ZERO);
            }
        }
    }

    /// One frame drawn in `draw`, of which the UI thread ran for `draw_cpu`.
    pub fn frame(&mut self, draw: Duration, draw_cpu: Duration) {
        self.line('f', draw, draw_cpu);
    }

    /// Written through at once, so a killed room leaves its log.
    fn line(&mut self, kind: char, draw: Duration, draw_cpu: Duration) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let line = writeln!(
            self.out,
            "{kind} {} {} {} {} {}",
            now.as_micros(),
            draw.as_micros(),
            process_cpu().as_micros(),
            self.chunks,
            draw_cpu.as_micros()
        );
        if line.and_then(|()| self.out.flush()).is_err() {
            tracing::warn!("{ENV}: a frame could not be written");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_frame_is_one_line_with_the_chunks_so_far() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frames");
        let mut log = FrameLog::create(&path).unwrap();
        log.frame(Duration::from_micros(1500), Duration::from_micros(900));
        log.chunks(1);
        log.chunks(1);
        log.frame(Duration::from_micros(700), Duration::from_micros(600));
        for _ in 2..CHUNK_MARK {
            log.chunks(1);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let rows: Vec<(&str, Vec<u128>)> = text
            .lines()
            .skip(1)
            .map(|l| {
                let (kind, nums) = l.split_once(' ').unwrap();
                (kind, nums.split(' ').map(|f| f.parse().unwrap()).collect())
            })
            .collect();
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].0, rows[0].1[1], rows[0].1[3]), ("f", 1500, 0));
        assert_eq!(rows[0].1[4], 900);
        assert_eq!((rows[1].0, rows[1].1[1], rows[1].1[3]), ("f", 700, 2));
        assert_eq!((rows[2].0, rows[2].1[3]), ("c", 1000));
        assert!(rows[1].1[2] >= rows[0].1[2], "CPU time never goes back");
    }

    #[test]
    fn a_batch_of_chunks_marks_each_thousandth_it_passes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frames");
        let mut log = FrameLog::create(&path).unwrap();
        log.chunks(999);
        log.chunks(0);
        log.chunks(1002);
        log.frame(Duration::ZERO, Duration::ZERO);
        let text = std::fs::read_to_string(&path).unwrap();
        let counts: Vec<(&str, &str)> = text
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                (f[0], f[4])
            })
            .collect();
        assert_eq!(counts, [("c", "1000"), ("c", "2000"), ("f", "2001")]);
    }
}
