//! Reading files that anyone could have put in the data or config directory. Only regular
//! files are read (a FIFO named `x.json` would block forever, a symlink to `/dev/zero` would
//! never end), opened without blocking and read up to a cap. JSON is parsed without serde's
//! recursion limit but after a cheap scan that refuses nesting deeper than `MAX_NESTING`, so
//! whatever the stream accepted loads back and no file can exhaust the stack.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// The largest session, catalog cache or ledger modelroom reads: 256 MiB. A session of eight
/// panes with 2,000 long answers each is about 20 MiB.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// The largest config or theme file read: 1 MiB.
pub const MAX_SETTINGS_BYTES: u64 = 1 << 20;

/// How deeply arrays and objects may nest in a file the store reads. The stream's parser
/// stops at 128 levels for a whole chunk, so anything an answer carries fits with room to
/// spare inside a session's own levels.
pub const MAX_NESTING: usize = 512;

/// What kind of thing `meta` describes, for a person reading an error.
fn kind(meta: &fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

fn check(meta: &fs::Metadata, cap: u64) -> io::Result<()> {
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file ({})", kind(meta)),
        ));
    }
    if meta.len() > cap {
        return Err(too_large(meta.len(), cap));
    }
    Ok(())
}

fn too_large(len: u64, cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "too large ({} MiB; modelroom reads at most {} MiB)",
            len.div_ceil(1 << 20),
            cap >> 20
        ),
    )
}

/// Opens `path` for reading if it is a regular file (a symlink to one is followed) no larger
/// than `cap`. The open never blocks: should the file be swapped for a FIFO between the check
/// and the open, the second check (on what was opened) refuses it.
pub fn open_regular(path: &Path, cap: u64) -> io::Result<File> {
    check(&fs::metadata(path)?, cap)?;
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    check(&file.metadata()?, cap)?;
    Ok(file)
}

/// The whole of a regular file of at most `cap` bytes (it may grow while read: the cap holds).
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path, cap)?;
    let hint = file.metadata().map_or(0, |m| m.len());
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(bytes.len() as u64, cap));
    }
    Ok(bytes)
}

/// A text file of settings (config, theme): regular, at most `MAX_SETTINGS_BYTES`, UTF-8.
pub fn read_settings(path: &Path) -> io::Result<String> {
    let bytes = read_regular(path, MAX_SETTINGS_BYTES)?;
    String::from_utf8(bytes)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("not UTF-8 text: {e}")))
}

/// How deeply arrays and objects nest in `json`, counting no deeper than `limit + 1`. Brackets
/// inside strings do not count. Linear in the length, and much cheaper than the parse: most
/// of a session is the text inside strings, which `memchr` skips to the next quote or
/// backslash.
pub fn nesting(json: &[u8], limit: usize) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut at = 0;
    while let Some(&b) = json.get(at) {
        at += 1;
        match b {
            b'"' => loop {
                // Inside a string: only its end or an escape matters.
                let rest = json.get(at..).unwrap_or_default();
                let Some(n) = memchr::memchr2(b'"', b'\\', rest) else {
                    return deepest;
                };
                at += n + 1;
                if json[at - 1] == b'"' {
                    break;
                }
                at += 1; // the escaped byte
            },
            b'[' | b'{' => {
                depth += 1;
                if depth > deepest {
                    deepest = depth;
                    if deepest > limit {
                        break;
                    }
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Parses `json` as `T` at any nesting up to `MAX_NESTING` (the caller checks the nesting
/// first with `nesting`). The stack grows on the heap as needed, so a deep value parses on a
/// small thread too.
pub fn from_slice_deep<T: serde::de::DeserializeOwned>(json: &[u8]) -> serde_json::Result<T> {
    let mut de = serde_json::Deserializer::from_slice(json);
    de.disable_recursion_limit();
    let value = T::deserialize(serde_stacker::Deserializer::new(&mut de))?;
    de.end()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_brackets_outside_strings_only() {
        assert_eq!(nesting(br#"{"a":[1,{"b":"[[[{"}]}"#, 100), 3);
        assert_eq!(nesting(br#"["\"[", "\\", [[]]]"#, 100), 3);
        assert_eq!(nesting(b"[[[[[[", 3), 4, "stops counting past the limit");
        assert_eq!(nesting(b"12", 3), 0);
        // Escapes: an escaped backslash ends before the quote; a quote escaped is inside.
        assert_eq!(nesting(br#"[["a\\"], ["\"[[["]]"#, 100), 2);
        assert_eq!(nesting(br#"[[["\"#, 100), 3, "an escape cut at the end");
        assert_eq!(nesting(br#"[[["abc"#, 100), 3, "a string never closed");
    }

    #[test]
    fn deep_values_parse_and_the_cap_is_named() {
        let deep = format!("{}1{}", "[".repeat(400), "]".repeat(400));
        let v: serde_json::Value = from_slice_deep(deep.as_bytes()).unwrap();
        assert!(v.is_array());
        assert!(serde_json::from_str::<serde_json::Value>(&deep).is_err());
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b' '; 2048]).unwrap();
        let e = read_regular(&big, 1024).unwrap_err();
        assert!(e.to_string().contains("too large"), "{e}");
        assert_eq!(read_regular(&big, 4096).unwrap().len(), 2048);
        let e = read_regular(dir.path(), 4096).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
    }
}
