//! Output folders: what tiersim may write, replace or delete, and how it
//! survives being killed at any moment.
//!
//! The rules, in the order they are applied to `--out DIR`:
//! 1. `DIR` must not be a file, the working directory or a folder above it,
//!    nor hold the scenario (or sweep) file being run.
//! 2. A lock (`.DIR.lock` beside `DIR`) is taken; a second tiersim writing
//!    the same folder is refused with the holder's pid and command
//!    ([`OutputError::Busy`], exit code 3), or waits with `--wait`.
//! 3. Leftovers of a process that died while writing `DIR` are restored or
//!    removed, and each is reported.
//! 4. An existing `DIR` must be empty or a tiersim output folder of the same
//!    [`Kind`], known by its marker file [`MARKER`] (or, for folders written
//!    before markers, by holding nothing but tiersim's own files). Anything
//!    else is refused: tiersim never deletes or renames what it did not write.
//!
//! A run's folder is then written whole into `.DIR.tmp-PID` and swapped in by
//! two renames ([`Staged::commit`]); sweeps update their folder in place
//! through atomic file writes ([`write_file_atomic`]). Either way a kill
//! leaves only names that the next run recognises and cleans up.

mod destination;
mod lock;

use std::fs;
use std::io;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use destination::{Claim, Guard, Staged, claim};
pub use lock::Lock;

/// The marker file every tiersim output folder holds: its [`Kind`] and the
/// tiersim version that wrote it.
pub const MARKER: &str = ".tiersim-output.json";

/// What an output folder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `tiersim run`: replaced whole on every run.
    Run,
    /// `tiersim sweep` and `merge`: updated in place, resumable.
    Sweep,
    /// `tiersim compare`: replaced whole.
    Comparison,
}

impl Kind {
    /// The word in the marker file and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
            Kind::Comparison => "comparison",
        }
    }

    /// The subcommand that writes this kind.
    pub fn command(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
            Kind::Comparison => "compare",
        }
    }

    fn from_name(name: &str) -> Option<Kind> {
        [Kind::Run, Kind::Sweep, Kind::Comparison]
            .into_iter()
            .find(|k| k.name() == name)
    }

    /// The marker file's bytes: the same for every folder of a kind written
    /// by one version, so resumed and uninterrupted outputs are identical.
    pub fn marker_bytes(self) -> Vec<u8> {
        format!(
            "{{\n  \"tiersim_output\": \"{}\",\n  \"version\": \"{}\"\n}}\n",
            self.name(),
            env!("CARGO_PKG_VERSION")
        )
        .into_bytes()
    }

    /// Top-level entries a folder of this kind holds when tiersim wrote it
    /// (used to recognise folders written before marker files existed).
    fn own_entries(self) -> &'static [&'static str] {
        match self {
            Kind::Run => &[
                "summary.json",
                "tiers.csv",
                "facilities.csv",
                "alliances.csv",
                "system.csv",
                "groups.csv",
                "runs.csv",
                "runs_wide.csv",
                "daily.csv",
                "scenario.toml",
                "report.html",
                "charts",
            ],
            Kind::Sweep => &[
                "points",
                "points.csv",
                "points_wide.csv",
                "runs.csv",
                "scenario.toml",
                "report.html",
                "charts",
                "slurm",
            ],
            Kind::Comparison => &["compare.csv", "buys.csv", "compare.toml", "report.html", "charts"],
        }
    }

    /// The file whose presence, with nothing foreign beside it, marks a
    /// folder of this kind written before marker files.
    fn legacy_sign(self) -> &'static str {
        match self {
            Kind::Run => "summary.json",
            Kind::Sweep => "points/manifest.json",
            Kind::Comparison => "compare.csv",
        }
    }
}

/// What an existing folder is, as far as tiersim can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// Nothing in it.
    Empty,
    /// A tiersim output folder of this kind.
    Output(Kind),
    /// Something else: a user's folder.
    Foreign,
}

/// Reads what the existing folder `dir` holds.
pub fn inspect(dir: &Path) -> io::Result<Found> {
    let names: Vec<String> = fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<io::Result<_>>()?;
    if names.is_empty() {
        return Ok(Found::Empty);
    }
    if let Ok(text) = fs::read_to_string(dir.join(MARKER)) {
        let kind = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("tiersim_output")?.as_str().and_then(Kind::from_name));
        return Ok(kind.map_or(Found::Foreign, Found::Output));
    }
    let legacy = [Kind::Run, Kind::Sweep, Kind::Comparison]
        .into_iter()
        .find(|k| dir.join(k.legacy_sign()).is_file() && names.iter().all(|n| k.own_entries().contains(&n.as_str())));
    Ok(legacy.map_or(Found::Foreign, Found::Output))
}

/// Why an output folder cannot be written. Every variant but `Io` is
/// refused before anything is simulated or written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The destination is a file (or something else that is not a folder).
    #[error("--out {}: is a file, not a folder; tiersim writes a folder there and never replaces a file: choose another --out", .0.display())]
    NotAFolder(std::path::PathBuf),
    /// The destination is the working directory, holds it, or holds an input.
    #[error("--out {}: {why}; tiersim replaces its output folder as a whole, so give it a folder of its own, e.g. --out outputs/NAME", path.display())]
    Protected {
        /// The destination.
        path: std::path::PathBuf,
        /// What it holds.
        why: String,
    },
    /// The destination holds something tiersim did not write.
    #[error("--out {}: exists and holds files tiersim did not write ({found}); tiersim only replaces folders it wrote ({MARKER} marks them): choose another --out, or empty or remove that folder yourself", path.display())]
    Foreign {
        /// The destination.
        path: std::path::PathBuf,
        /// What is there.
        found: String,
    },
    /// The destination holds tiersim output of another kind.
    #[error("--out {}: holds the output of `tiersim {}`, not of `tiersim {}`; tiersim never mixes the two in one folder: choose another --out", path.display(), found.command(), wanted.command())]
    OtherKind {
        /// The destination.
        path: std::path::PathBuf,
        /// What is there.
        found: Kind,
        /// What this command writes.
        wanted: Kind,
    },
    /// Another tiersim is writing the destination.
    #[error("--out {}: in use by another tiersim ({holder}); wait for it to finish, pass --wait to queue behind it, or choose another --out", path.display())]
    Busy {
        /// The destination.
        path: std::path::PathBuf,
        /// Who holds the lock, as it wrote itself into the lock file.
        holder: String,
    },
    /// The file system refused.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: std::path::PathBuf,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
}

impl OutputError {
    /// Process exit code: 3 when busy, 1 for file-system failures, 2 for a
    /// destination that is refused.
    pub fn exit_code(&self) -> i32 {
        match self {
            OutputError::Busy { .. } => 3,
            OutputError::Io { .. } => 1,
            _ => 2,
        }
    }
}

/// Attaches a path to an I/O error.
pub(crate) fn io_at(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The name `.NAME.tmp-PID` of this process's temporary sibling of `path`.
pub(crate) fn tmp_name(name: &str) -> String {
    format!(".{name}.tmp-{}", std::process::id())
}

/// Whether `file_name` is a temporary name `.NAME.tmp-PID` (of any process).
pub(crate) fn is_tmp_name(file_name: &str) -> bool {
    file_name.starts_with('.')
        && file_name
            .rsplit_once(".tmp-")
            .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes `bytes` to `path` through a temporary sibling and a rename, so a
/// reader never sees half a file; the temporary is removed when writing
/// fails (a full disk, say).
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(tmp_name(&name));
    if let Err(e) = fs::write(&tmp, bytes) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    crash_point("atomic:tmp-written");
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// Test hook for kill trials: with `TIERSIM_CRASH_AT=NAME` (or `NAME@K`)
/// in the environment the process aborts, as `kill -9` would (no
/// destructors, no cleanup), the first (K-th) time it reaches the crash
/// point `NAME`. Points: `atomic:tmp-written` (every atomic file write,
/// before its rename), `stage:made` (a run's temporary folder created),
/// `stage:old-moved` and `stage:new-moved` (between and after the two
/// renames that replace an older run folder).
pub fn crash_point(name: &str) {
    static SPEC: OnceLock<Option<(String, usize)>> = OnceLock::new();
    static HITS: AtomicUsize = AtomicUsize::new(0);
    let spec = SPEC.get_or_init(|| {
        let text = std::env::var("TIERSIM_CRASH_AT").ok()?;
        Some(match text.rsplit_once('@') {
            Some((n, k)) => (n.to_string(), k.parse().unwrap_or(1)),
            None => (text, 1),
        })
    });
    if let Some((point, k)) = spec
        && point == name
        && HITS.fetch_add(1, Ordering::SeqCst) + 1 == *k
    {
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_recognised_and_nothing_else() {
        assert!(is_tmp_name(&tmp_name("runs.csv")));
        assert!(is_tmp_name(".p0000002.csv.tmp-41"));
        assert!(!is_tmp_name("runs.csv"));
        assert!(!is_tmp_name(".notes.tmp-"));
        assert!(!is_tmp_name(".notes.tmp-12a"));
        assert!(!is_tmp_name("x.tmp-12"));
    }

    #[test]
    fn folders_are_recognised_by_marker_or_by_their_own_files_only() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        assert_eq!(inspect(d).unwrap(), Found::Empty);
        fs::write(d.join("summary.json"), "{}").unwrap();
        fs::write(d.join("runs.csv"), "").unwrap();
        assert_eq!(inspect(d).unwrap(), Found::Output(Kind::Run));
        fs::write(d.join("notes.txt"), "mine").unwrap();
        assert_eq!(inspect(d).unwrap(), Found::Foreign);
        fs::write(d.join(MARKER), Kind::Sweep.marker_bytes()).unwrap();
        assert_eq!(inspect(d).unwrap(), Found::Output(Kind::Sweep));
        fs::write(d.join(MARKER), "{\"tiersim_output\": \"elsewhere\"}").unwrap();
        assert_eq!(inspect(d).unwrap(), Found::Foreign);
    }
}
