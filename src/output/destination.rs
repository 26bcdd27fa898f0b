//! Claiming `--out DIR`: the checks, the lock, recovery of what a killed
//! process left, and the staged replacement of a run's folder.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::lock::{Lock, Mode};
use super::{Found, Kind, MARKER, OutputError, crash_point, inspect, io_at, is_tmp_name, write_file_atomic};

/// What a command must not write over: its input files and folders.
#[derive(Clone, Debug, Default)]
pub struct Guard {
    /// Scenario, sweep, base scenario or compared folders.
    pub inputs: Vec<PathBuf>,
    /// Queue behind another tiersim holding the folder instead of refusing.
    pub wait: bool,
    /// Take the lock beside other shards of the same sweep.
    pub shared: bool,
}

/// A claimed destination: checked, locked and cleaned. The lock is held
/// until the claim is dropped.
#[derive(Debug)]
pub struct Claim {
    target: PathBuf,
    kind: Kind,
    /// Held, never read: released when the claim is dropped.
    _lock: Lock,
}

/// Checks `target` as a destination for output of `kind`, locks it,
/// restores or removes what a killed tiersim left there, and refuses a
/// folder tiersim did not write. Nothing is created but the parent folder
/// and the lock file. `note` hears, one sentence each, what was restored or
/// removed (also when the claim is then refused).
pub fn claim(target: &Path, kind: Kind, guard: &Guard, note: &mut dyn FnMut(String)) -> Result<Claim, OutputError> {
    check_place(target, &guard.inputs)?;
    let parent = parent_of(target);
    fs::create_dir_all(parent).map_err(io_at(parent))?;
    let (lock, alone) = if guard.shared {
        // Clean up only when no other shard is running; then share.
        match Lock::acquire(target, Mode::Exclusive, false) {
            Ok(lock) => (lock, true),
            Err(OutputError::Busy { .. }) => (Lock::acquire(target, Mode::Shared, guard.wait)?, false),
            Err(e) => return Err(e),
        }
    } else {
        (Lock::acquire(target, Mode::Exclusive, guard.wait)?, true)
    };
    if alone {
        recover(target, kind, note)?;
    }
    if guard.shared && alone {
        lock.share().map_err(io_at(target))?;
    }
    match fs::symlink_metadata(target) {
        Ok(_) => match inspect(target).map_err(io_at(target))? {
            Found::Empty => {}
            Found::Output(k) if k == kind => {}
            Found::Output(found) => {
                return Err(OutputError::OtherKind {
                    path: target.to_path_buf(),
                    found,
                    wanted: kind,
                });
            }
            Found::Foreign => {
                return Err(OutputError::Foreign {
                    path: target.to_path_buf(),
                    found: describe_entries(target),
                });
            }
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_at(target)(e)),
    }
    Ok(Claim {
        target: target.to_path_buf(),
        kind,
        _lock: lock,
    })
}

/// "notes.txt, data/ and 3 more": what a user would recognise as theirs.
fn describe_entries(dir: &Path) -> String {
    let mut names: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let dir = e.file_type().is_ok_and(|t| t.is_dir());
            format!("{}{}", e.file_name().to_string_lossy(), if dir { "/" } else { "" })
        })
        .collect();
    names.sort();
    let shown = names.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    match names.len() {
        0..=3 => shown,
        n => format!("{shown} and {} more", n - 3),
    }
}

impl Claim {
    /// The destination.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Starts writing a whole new folder into `.NAME.tmp-PID`, to replace
    /// the destination on [`Staged::commit`]. For runs and comparisons.
    pub fn stage(&self) -> Result<Staged<'_>, OutputError> {
        let tmp = sibling(&self.target, &super::tmp_name(&name_of(&self.target)));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(io_at(&tmp))?;
        }
        fs::create_dir(&tmp).map_err(io_at(&tmp))?;
        let staged = Staged {
            claim: self,
            tmp,
            committed: false,
        };
        staged
            .write(MARKER, &self.kind.marker_bytes())
            .map_err(io_at(&staged.tmp))?;
        crash_point("stage:made");
        Ok(staged)
    }

    /// Makes the destination folder (with its marker) for writing in place.
    /// For sweeps.
    pub fn open_in_place(&self) -> Result<&Path, OutputError> {
        fs::create_dir_all(&self.target).map_err(io_at(&self.target))?;
        let marker = self.target.join(MARKER);
        let bytes = self.kind.marker_bytes();
        if fs::read(&marker).ok().as_deref() != Some(bytes.as_slice()) {
            write_file_atomic(&marker, &bytes).map_err(io_at(&marker))?;
        }
        Ok(&self.target)
    }
}

/// A folder being written beside its destination; removed unless committed.
#[derive(Debug)]
pub struct Staged<'c> {
    claim: &'c Claim,
    tmp: PathBuf,
    committed: bool,
}

impl Staged<'_> {
    /// Writes one file into the folder.
    pub fn write(&self, name: &str, contents: &[u8]) -> io::Result<()> {
        fs::write(self.tmp.join(name), contents)
    }

    /// The folder being written.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Moves the finished folder into place. An older output is first moved
    /// to `.NAME.old-PID`, removed once the new one is in place: a kill in
    /// between leaves both under names the next claim recognises.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let target = self.claim.target.clone();
        if fs::symlink_metadata(&target).is_ok() {
            let old = sibling(&target, &format!(".{}.old-{}", name_of(&target), std::process::id()));
            fs::rename(&target, &old).map_err(io_at(&target))?;
            crash_point("stage:old-moved");
            if let Err(e) = fs::rename(&self.tmp, &target) {
                let _ = fs::rename(&old, &target); // put the older output back
                return Err(io_at(&target)(e));
            }
            crash_point("stage:new-moved");
            self.committed = true;
            fs::remove_dir_all(&old).map_err(io_at(&old))?;
        } else {
            fs::rename(&self.tmp, &target).map_err(io_at(&target))?;
            self.committed = true;
        }
        Ok(target)
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Refuses a destination that is a file, the working directory (or above
/// it), or a folder holding one of the command's inputs.
fn check_place(target: &Path, inputs: &[PathBuf]) -> Result<(), OutputError> {
    let protected = |why: String| OutputError::Protected {
        path: target.to_path_buf(),
        why,
    };
    let not_named = || protected("does not name a folder".into());
    if target.as_os_str().is_empty() {
        return Err(not_named());
    }
    match fs::symlink_metadata(target) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(protected("is a symbolic link; give the folder itself".into()));
        }
        Ok(m) if !m.is_dir() => return Err(OutputError::NotAFolder(target.to_path_buf())),
        Ok(_) => {}
        // A new folder cannot hold anything yet.
        Err(_) => {
            return if target.file_name().is_none() {
                Err(not_named())
            } else {
                Ok(())
            };
        }
    }
    let here = fs::canonicalize(target).map_err(io_at(target))?;
    if let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize) {
        if cwd == here {
            return Err(protected("is the working directory".into()));
        }
        if cwd.starts_with(&here) {
            return Err(protected(format!("holds the working directory {}", cwd.display())));
        }
    }
    if target.file_name().is_none() {
        return Err(not_named());
    }
    for input in inputs {
        if let Ok(p) = fs::canonicalize(input)
            && p.starts_with(&here)
        {
            return Err(protected(format!(
                "holds {}, an input of this command",
                input.display()
            )));
        }
    }
    Ok(())
}

/// Restores an older output a killed replacement left aside, removes
/// unfinished folders and temporary files of killed processes, and says
/// what it did. Called only while holding the lock alone, so everything
/// found belongs to a process that is gone.
fn recover(target: &Path, kind: Kind, note: &mut dyn FnMut(String)) -> Result<(), OutputError> {
    let parent = parent_of(target);
    let name = name_of(target);
    let mut old_copies = Vec::new();
    let mut unfinished = Vec::new();
    for entry in fs::read_dir(parent).map_err(io_at(parent))? {
        let entry = entry.map_err(io_at(parent))?;
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&format!(".{name}.")) else {
            continue;
        };
        let path = sibling(target, &file);
        // Only tiersim's own folders: a marker inside, or nothing at all.
        let ours = path.is_dir() && matches!(inspect(&path), Ok(Found::Empty | Found::Output(_)));
        if !ours {
            continue;
        }
        if pid_suffix(rest, "old-").is_some() || rest.strip_suffix(".old").and_then(|r| pid_suffix(r, "tmp-")).is_some()
        {
            old_copies.push(path);
        } else if pid_suffix(rest, "tmp-").is_some() {
            unfinished.push(path);
        }
    }
    old_copies.sort();
    if fs::symlink_metadata(target).is_err()
        && let Some(old) = old_copies.pop()
    {
        fs::rename(&old, target).map_err(io_at(&old))?;
        note(format!(
            "restored {} from {}, where a tiersim killed while replacing it had left it",
            target.display(),
            old.display()
        ));
    }
    for dir in old_copies.iter().chain(&unfinished) {
        fs::remove_dir_all(dir).map_err(io_at(dir))?;
        note(format!("removed {}, left by a tiersim that was killed", dir.display()));
    }
    if kind == Kind::Sweep && target.is_dir() {
        let removed = remove_tmp_files(target)?;
        if removed > 0 {
            note(format!(
                "removed {removed} temporary file(s) in {} left by a tiersim that was killed",
                target.display()
            ));
        }
    }
    Ok(())
}

/// Removes `.NAME.tmp-PID` files in `dir` and its subfolders.
fn remove_tmp_files(dir: &Path) -> Result<usize, OutputError> {
    let mut removed = 0;
    for entry in fs::read_dir(dir).map_err(io_at(dir))? {
        let entry = entry.map_err(io_at(dir))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(io_at(&path))?;
        if kind.is_dir() {
            removed += remove_tmp_files(&path)?;
        } else if kind.is_file() && is_tmp_name(&entry.file_name().to_string_lossy()) {
            fs::remove_file(&path).map_err(io_at(&path))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// The pid in `prefix<digits>`, if `text` is exactly that.
fn pid_suffix(text: &str, prefix: &str) -> Option<u32> {
    let digits = text.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn parent_of(target: &Path) -> &Path {
    target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn name_of(target: &Path) -> String {
    target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into())
}

fn sibling(target: &Path, name: &str) -> PathBuf {
    target.with_file_name(name)
}
