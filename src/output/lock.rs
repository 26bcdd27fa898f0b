//! The lock on an output folder: an advisory file lock on `.NAME.lock`
//! beside it, so it survives the folder being swapped out.
//!
//! The lock file names its holder (pid and command line) for the message a
//! second process prints. It is removed when the last holder lets go; a
//! process that locked a file just removed by its previous holder sees that
//! the path no longer leads to the file it holds and starts again.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::OutputError;

/// A held lock; released (and its file removed when no one else holds it)
/// on drop.
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
}

/// How to lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Alone: runs, unsharded sweeps, merges, comparisons.
    Exclusive,
    /// Beside other shared holders: the shards of one sweep writing one folder.
    Shared,
}

impl Lock {
    /// Locks the output folder `target`: refuses at once when another
    /// process holds it, unless `wait`, then blocks until it is free.
    pub fn acquire(target: &Path, mode: Mode, wait: bool) -> Result<Lock, OutputError> {
        let path = lock_path(target);
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(super::io_at(&path))?;
            let got = match (mode, wait) {
                (Mode::Exclusive, true) => file.lock().map(|_| true),
                (Mode::Shared, true) => file.lock_shared().map(|_| true),
                (Mode::Exclusive, false) => untried(file.try_lock()),
                (Mode::Shared, false) => untried(file.try_lock_shared()),
            }
            .map_err(super::io_at(&path))?;
            if !got {
                return Err(OutputError::Busy {
                    path: target.to_path_buf(),
                    holder: holder(&mut file),
                });
            }
            if !same_file(&file, &path) {
                continue; // the previous holder removed it as we locked it
            }
            if mode == Mode::Exclusive {
                describe_self(&mut file).map_err(super::io_at(&path))?;
            }
            return Ok(Lock { file, path });
        }
    }

    /// Turns an exclusive lock into a shared one, letting other shards in.
    pub fn share(&self) -> io::Result<()> {
        self.file.lock_shared()
    }

    /// Makes the lock exclusive if no one else holds it.
    fn try_exclusive(&self) -> bool {
        matches!(self.file.try_lock(), Ok(()))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Remove the file only when alone: another holder would otherwise
        // keep a lock on a file newcomers no longer find.
        if self.try_exclusive() {
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// `.NAME.lock` beside `target`.
pub fn lock_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    target.with_file_name(format!(".{name}.lock"))
}

fn untried(r: Result<(), TryLockError>) -> io::Result<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// What the holder wrote into the lock file.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind().and_then(|_| file.read_to_string(&mut text));
    let text = text.trim();
    if text.is_empty() {
        "a process that has not said who it is".into()
    } else {
        text.to_string()
    }
}

fn describe_self(file: &mut File) -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    file.set_len(0)?;
    file.rewind()?;
    write!(file, "pid {}: {}", std::process::id(), args.join(" "))?;
    file.flush()
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_exclusive_lock_is_refused_naming_the_holder_and_the_file_goes_with_the_last() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let first = Lock::acquire(&target, Mode::Exclusive, false).unwrap();
        match Lock::acquire(&target, Mode::Exclusive, false) {
            Err(OutputError::Busy { holder, .. }) => {
                assert!(holder.contains(&format!("pid {}", std::process::id())), "{holder}")
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        assert!(lock_path(&target).exists());
        drop(first);
        assert!(!lock_path(&target).exists(), "the lock file is removed on release");
        Lock::acquire(&target, Mode::Exclusive, false).unwrap();
    }

    #[test]
    fn shared_holders_coexist_and_keep_exclusive_ones_out() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let a = Lock::acquire(&target, Mode::Shared, false).unwrap();
        let b = Lock::acquire(&target, Mode::Shared, false).unwrap();
        assert!(Lock::acquire(&target, Mode::Exclusive, false).is_err());
        drop(a);
        assert!(lock_path(&target).exists(), "b still holds it");
        assert!(Lock::acquire(&target, Mode::Exclusive, false).is_err());
        drop(b);
        Lock::acquire(&target, Mode::Exclusive, false).unwrap();
    }
}
