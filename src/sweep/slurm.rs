//! A Slurm job-array script for a sweep: one array task per shard, all
//! writing their finished points into one shared output folder, and a
//! merge job that starts when every task has succeeded.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::store::{StoreError, write_atomic};

/// What goes into the script.
pub struct SlurmJob<'a> {
    /// Sweep name (job names).
    pub name: &'a str,
    /// The tiersim binary (absolute).
    pub exe: &'a Path,
    /// The sweep file (absolute).
    pub sweep_file: &'a Path,
    /// The shared output folder (absolute).
    pub out: &'a Path,
    /// Working directory for the jobs (absolute).
    pub workdir: &'a Path,
    /// Array tasks.
    pub shards: u32,
    /// CPUs (threads) per task.
    pub cpus_per_task: u32,
    /// Include per-facility metrics.
    pub facility_metrics: bool,
}

/// Shell-quotes a path for the script.
fn q(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

/// The script's text.
pub fn script(job: &SlurmJob) -> String {
    let logs = job.out.join("slurm");
    let extra = if job.facility_metrics {
        " --facility-metrics"
    } else {
        ""
    };
    let mut s = String::new();
    let _ = writeln!(s, "#!/bin/bash");
    let _ = writeln!(s, "# tiersim sweep \"{}\" as a Slurm job array. Submit with:", job.name);
    let _ = writeln!(s, "#   sbatch {}", q(&logs.join("sweep.sbatch")));
    let _ = writeln!(
        s,
        "# Task K runs shard K of {}; task 1 also queues the merge, which runs",
        job.shards
    );
    let _ = writeln!(s, "# once every task has succeeded and writes points.csv and runs.csv.");
    let _ = writeln!(
        s,
        "# If a task fails, the merge is cancelled; rerun the failed shard (finished"
    );
    let _ = writeln!(
        s,
        "# points are kept), then merge by hand: tiersim merge {}",
        q(job.out)
    );
    let _ = writeln!(s, "#SBATCH --job-name=tiersim-{}", job.name);
    let _ = writeln!(s, "#SBATCH --array=1-{}", job.shards);
    let _ = writeln!(s, "#SBATCH --cpus-per-task={}", job.cpus_per_task);
    let _ = writeln!(s, "#SBATCH --output=\"{}\"", logs.join("shard-%a.log").display());
    let _ = writeln!(s, "set -euo pipefail");
    let _ = writeln!(s, "cd {}", q(job.workdir));
    let _ = writeln!(s, "TIERSIM={}", q(job.exe));
    let _ = writeln!(s, "if [ \"${{SLURM_ARRAY_TASK_ID}}\" = \"1\" ]; then");
    let _ = writeln!(
        s,
        "  sbatch --dependency=afterok:${{SLURM_ARRAY_JOB_ID}} --kill-on-invalid-dep=yes --job-name=tiersim-{}-merge --output={} --chdir={} --wrap \"'$TIERSIM' merge {}\"",
        job.name,
        q(&logs.join("merge.log")),
        q(job.workdir),
        q(job.out)
    );
    let _ = writeln!(s, "fi");
    let _ = writeln!(
        s,
        "\"$TIERSIM\" sweep {} --shard \"${{SLURM_ARRAY_TASK_ID}}/{}\" --out {} --threads \"${{SLURM_CPUS_PER_TASK:-{}}}\" --quiet{extra}",
        q(job.sweep_file),
        job.shards,
        q(job.out),
        job.cpus_per_task
    );
    s
}

/// Writes `OUT/slurm/sweep.sbatch` and returns its path.
pub fn emit(job: &SlurmJob) -> Result<PathBuf, StoreError> {
    let dir = job.out.join("slurm");
    std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
        path: dir.clone(),
        source,
    })?;
    let path = dir.join("sweep.sbatch");
    write_atomic(&path, script(job).as_bytes())?;
    Ok(path)
}
