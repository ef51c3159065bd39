//! Reading an imported file: from the disk, or for the language server from
//! the buffers open in the editor first.

use std::io::Read;
use std::path::Path;

/// Reads the text of an imported file, given its path with every link
/// followed.
pub trait Loader {
    fn load(&self, real: &Path) -> std::io::Result<String>;
}

/// Reads files from the disk: regular files only (a FIFO or a device is
/// refused before it is opened, so nothing blocks or streams forever), at
/// most the parser's bound on a file's size, UTF-8.
pub struct Disk;

impl Loader for Disk {
    fn load(&self, real: &Path) -> std::io::Result<String> {
        use std::io::{Error, ErrorKind};
        let not_regular = || Error::new(ErrorKind::InvalidInput, "not a regular file");
        if !std::fs::metadata(real)?.is_file() {
            return Err(not_regular());
        }
        let file = std::fs::File::open(real)?;
        if !file.metadata()?.is_file() {
            return Err(not_regular());
        }
        let limit = crate::syntax::MAX_FILE_BYTES as u64;
        let mut bytes = Vec::new();
        file.take(limit + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limit {
            return Err(Error::new(
                ErrorKind::InvalidData,
                format!("larger than {} MiB", limit / (1024 * 1024)),
            ));
        }
        String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "not UTF-8 text"))
    }
}
