//! Command-line interface: clap types and one handler per subcommand.
//!
//! The only module that knows clap. Each handler maps arguments, makes one
//! library call and names the output path.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::estimate;
use crate::report::{self, OutputDir};
use crate::scenario::limits::{MAX_DAYS, MAX_REPLICATIONS};
use crate::scenario::{Scenario, ScenarioError};
use crate::sweep;

/// The built-in default scenario (the same text as `scenarios/baseline.toml`).
pub const BASELINE: &str = include_str!("../scenarios/baseline.toml");
const BASELINE_ORIGIN: &str = "built-in scenarios/baseline.toml";

/// tiersim: simulate a tiered health system (village clinics, township
/// health centers, county hospitals, regional medical centers) and see what
/// a policy lever does to waits, crowding, costs and where patients go.
#[derive(Debug, Parser)]
#[command(name = "tiersim", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario (the built-in baseline if none is given) and write its outputs.
    Run(RunArgs),
    /// Validate scenario (or sweep) files and report every problem at once (exit 2 if any).
    Check(CheckArgs),
    /// Run a parameter sweep: scenario variants x replications, resumable and shardable.
    Sweep(SweepArgs),
    /// Combine the folders of sharded sweep runs into the tables an unsharded run writes.
    Merge(MergeArgs),
    /// Redraw the charts and report.html of output folders from their saved tables.
    Plot(PlotArgs),
    /// Compare two runs on common seeds: every metric's difference with its 95% interval.
    Compare(CompareArgs),
}

/// `tiersim plot`
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// Output folders of `run`, `sweep` or `compare`.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
}

/// `tiersim compare`
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Output folder of the baseline run.
    pub baseline: PathBuf,
    /// Output folder of the reform run (made with the same seed).
    pub reform: PathBuf,
    /// Where to write compare.csv, the chart and report.html
    /// [default: outputs/compare-<baseline folder>-vs-<reform folder>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// How many of the largest changes to print.
    #[arg(long, default_value_t = 12)]
    pub top: usize,
}

/// `tiersim sweep`
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Sweep file (TOML): a base scenario and the keys to vary.
    pub sweep: PathBuf,
    /// Output folder [default: outputs/<sweep name>]. Finished points are
    /// kept there: running the same sweep again resumes where it stopped.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Run only slice K of N (e.g. 2/8) of the points; combine with `tiersim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<sweep::Shard>,
    /// Keep per-facility metrics in points.csv and runs.csv (large for big worlds).
    #[arg(long)]
    pub facility_metrics: bool,
    /// Write a Slurm job-array script (one task per shard plus a merge job) instead of running.
    #[arg(long)]
    pub emit_slurm: bool,
    /// Array tasks for --emit-slurm.
    #[arg(long, default_value_t = 4, requires = "emit_slurm")]
    pub shards: u32,
    /// CPUs per array task for --emit-slurm.
    #[arg(long, default_value_t = 1, requires = "emit_slurm")]
    pub cpus_per_task: u32,
    /// No progress bar and no summary line; errors only.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Do not draw charts or write report.html.
    #[arg(long)]
    pub no_charts: bool,
}

/// `tiersim merge`
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Sweep output folders of the shards (or one folder they all wrote to).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write the combined tables [default: the first folder].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `tiersim run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML). Omit to run the built-in baseline county.
    pub scenario: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the number of replications.
    #[arg(long, short = 'r')]
    pub replications: Option<u32>,
    /// Override the simulated days (warm-up included).
    #[arg(long)]
    pub days: Option<u32>,
    /// Output folder [default: outputs/<scenario name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// No table and no progress bar; errors only.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Do not draw charts or write report.html.
    #[arg(long)]
    pub no_charts: bool,
}

/// `tiersim check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario or sweep files (TOML).
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
}

/// A failure and the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Bad input: exit 2. Each line is printed after `error: `.
    #[error("{}", .0.join("\n"))]
    Input(Vec<String>),
    /// Anything else: exit 1.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Failure {
    /// Process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Input(_) => 2,
            Failure::Other(_) => 1,
        }
    }
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Failure {
        Failure::Input(e.lines())
    }
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Run(args) => run_cmd(args),
        Command::Check(args) => check_cmd(args),
        Command::Sweep(args) => sweep_cmd(args),
        Command::Merge(args) => merge_cmd(args),
        Command::Plot(args) => plot_cmd(args),
        Command::Compare(args) => compare_cmd(args),
    }
}

fn load(path: Option<&Path>) -> Result<Scenario, ScenarioError> {
    match path {
        Some(p) => Scenario::load(p),
        None => Scenario::from_toml(BASELINE, BASELINE_ORIGIN),
    }
}

fn run_cmd(args: RunArgs) -> Result<(), Failure> {
    let mut scenario = load(args.scenario.as_deref())?;
    apply_overrides(&mut scenario, &args)?;
    fits(&scenario, args.threads, &scenario_origin(args.scenario.as_deref()))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("outputs").join(&scenario.name));
    let dir = OutputDir::prepare(&out).with_context(|| format!("cannot write to {}", out.display()))?;
    let bar = progress_bar(u64::from(scenario.replications), args.quiet);
    let result = sweep::simulate(&scenario, args.threads, || bar.inc(1)).map_err(anyhow::Error::from)?;
    bar.finish_and_clear();
    report::write_run(&dir, &result.world, &result.runs, &result.summaries)
        .with_context(|| format!("writing outputs to {}", out.display()))?;
    if !args.no_charts {
        report::pages::decorate(dir.path()).with_context(|| format!("drawing charts for {}", out.display()))?;
    }
    let written = dir
        .commit()
        .with_context(|| format!("moving outputs into {}", out.display()))?;
    if !args.quiet {
        print!("{}", report::tier_table(&result.world, &result.summaries));
        println!("outputs: {}/", written.display());
    }
    Ok(())
}

fn apply_overrides(s: &mut Scenario, args: &RunArgs) -> Result<(), Failure> {
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    if let Some(r) = args.replications {
        if r == 0 || r > MAX_REPLICATIONS {
            return Err(Failure::Input(vec![format!(
                "--replications {r}: expected a whole number between 1 and {MAX_REPLICATIONS}"
            )]));
        }
        s.replications = r;
    }
    if let Some(d) = args.days {
        if d > MAX_DAYS {
            return Err(Failure::Input(vec![format!(
                "--days {d}: expected a whole number between 1 and {MAX_DAYS}"
            )]));
        }
        if d <= s.warmup_days {
            return Err(Failure::Input(vec![format!(
                "--days {d}: must exceed the scenario's warmup_days ({})",
                s.warmup_days
            )]));
        }
        s.days = d;
    }
    if args.threads == Some(0) {
        return Err(Failure::Input(vec!["--threads 0: expected a whole number >= 1".into()]));
    }
    Ok(())
}

fn check_cmd(args: CheckArgs) -> Result<(), Failure> {
    let mut lines = Vec::new();
    for path in &args.scenarios {
        if is_sweep_file(path) {
            match sweep::plan(path) {
                Ok(p) => match sweep_fits(&p, None, path) {
                    Ok(()) => println!(
                        "ok: {}: sweep \"{}\", {} points x {} replication(s){}",
                        path.display(),
                        p.name,
                        p.points.len(),
                        p.replications(),
                        sweep_estimate(&p, None)
                            .map(|e| format!("; {}", e.summary()))
                            .unwrap_or_default()
                    ),
                    Err(Failure::Input(why)) => lines.extend(why),
                    Err(other) => return Err(other),
                },
                Err(e) => lines.extend(e.lines),
            }
            continue;
        }
        match Scenario::load(path) {
            Ok(s) => {
                let est = estimate::estimate(&s, estimate::threads(None));
                match estimate::gate(&est, estimate::available_memory()) {
                    Ok(()) => println!(
                        "ok: {}: scenario \"{}\", {} residents, {} facilities; {}",
                        path.display(),
                        s.name,
                        report::thousands(s.population() as f64),
                        s.facilities.len(),
                        est.summary()
                    ),
                    Err(why) => lines.extend(why.into_iter().map(|l| format!("{}: {l}", path.display()))),
                }
            }
            Err(e) => lines.extend(e.lines()),
        }
    }
    if lines.is_empty() {
        Ok(())
    } else {
        Err(Failure::Input(lines))
    }
}

fn sweep_cmd(args: SweepArgs) -> Result<(), Failure> {
    let plan = sweep::plan(&args.sweep).map_err(|e| Failure::Input(e.lines))?;
    if !args.emit_slurm {
        sweep_fits(&plan, args.threads, &args.sweep)?;
    }
    if args.threads == Some(0) || args.shards == 0 || args.cpus_per_task == 0 {
        return Err(Failure::Input(vec![
            "--threads, --shards and --cpus-per-task take whole numbers >= 1".into(),
        ]));
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("outputs").join(&plan.name));
    if args.emit_slurm {
        return emit_slurm(&args, &plan, &out);
    }
    let bar = progress_bar(0, args.quiet);
    let opts = sweep::SweepOptions {
        out: out.clone(),
        threads: args.threads,
        shard: args.shard,
        facility_metrics: args.facility_metrics,
    };
    let outcome = sweep::run_sweep(&plan, &opts, |jobs| bar.set_length(jobs), || bar.inc(1)).map_err(|e| match e {
        sweep::SweepRunError::Store(m @ sweep::store::StoreError::Mismatch(_)) => Failure::Input(vec![m.to_string()]),
        other => Failure::Other(anyhow::Error::from(other).context(format!("sweep {}", args.sweep.display()))),
    })?;
    bar.finish_and_clear();
    if outcome.assembled && !args.no_charts {
        report::pages::decorate(&out).with_context(|| format!("drawing charts for {}", out.display()))?;
    }
    if !args.quiet {
        let slice = args
            .shard
            .map(|s| format!(" (shard {}/{})", s.index, s.count))
            .unwrap_or_default();
        println!(
            "sweep {}{slice}: {} point(s) run, {} already done, {} in all, {} replication(s) each",
            plan.name,
            outcome.points_run,
            outcome.points_skipped,
            outcome.points_total,
            plan.replications()
        );
        if outcome.assembled {
            println!(
                "outputs: {}/ (points.csv, runs.csv, scenario.toml, report.html)",
                out.display()
            );
        } else {
            println!(
                "saved points in {}/points/; combine shards with: tiersim merge {}",
                out.display(),
                out.display()
            );
        }
    }
    Ok(())
}

fn emit_slurm(args: &SweepArgs, plan: &sweep::SweepPlan, out: &Path) -> Result<(), Failure> {
    let abs = |p: &Path| -> anyhow::Result<PathBuf> {
        Ok(if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()?.join(p)
        })
    };
    let exe = std::env::current_exe().context("locating the tiersim binary")?;
    let workdir = std::env::current_dir().context("reading the working directory")?;
    let (sweep_file, out) = (abs(&args.sweep)?, abs(out)?);
    let path = sweep::slurm::emit(&sweep::slurm::SlurmJob {
        name: &plan.name,
        exe: &exe,
        sweep_file: &sweep_file,
        out: &out,
        workdir: &workdir,
        shards: args.shards,
        cpus_per_task: args.cpus_per_task,
        facility_metrics: args.facility_metrics,
    })
    .map_err(anyhow::Error::from)?;
    println!("wrote {}: submit it with", path.display());
    println!("  sbatch '{}'", path.display());
    Ok(())
}

fn merge_cmd(args: MergeArgs) -> Result<(), Failure> {
    let out = args.out.clone().unwrap_or_else(|| args.dirs[0].clone());
    sweep::store::merge(&args.dirs, &out).map_err(|e| match e {
        sweep::store::StoreError::Incomplete { .. }
        | sweep::store::StoreError::Mismatch(_)
        | sweep::store::StoreError::NotASweep(_) => Failure::Input(vec![e.to_string()]),
        other => Failure::Other(other.into()),
    })?;
    println!(
        "merged {} folder(s) into {}/ (points.csv, runs.csv)",
        args.dirs.len(),
        out.display()
    );
    Ok(())
}

fn plot_cmd(args: PlotArgs) -> Result<(), Failure> {
    for dir in &args.dirs {
        let kind = report::pages::decorate(dir).map_err(|e| match e {
            report::pages::PageError::Unknown(_) => Failure::Input(vec![e.to_string()]),
            other => Failure::Other(other.into()),
        })?;
        println!("{:?} charts and report.html redrawn in {}/", kind, dir.display());
    }
    Ok(())
}

fn compare_cmd(args: CompareArgs) -> Result<(), Failure> {
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into())
    };
    let out = args.out.clone().unwrap_or_else(|| {
        Path::new("outputs").join(format!("compare-{}-vs-{}", name(&args.baseline), name(&args.reform)))
    });
    let rows =
        crate::compare::compare(&args.baseline, &args.reform).map_err(|e| Failure::Input(vec![e.to_string()]))?;
    report::pages::write_compare(&args.baseline, &args.reform, &out).map_err(anyhow::Error::from)?;
    println!(
        "{:<60} {:>14} {:>14} {:>26}",
        "largest changes (reform - baseline)", "baseline", "reform", "difference [95% CI]"
    );
    for r in crate::compare::largest_changes(&rows, args.top) {
        let c = |x: f64| report::html::cell(&r.metric, x);
        println!(
            "{:<60} {:>14} {:>14} {:>26}",
            r.label(),
            c(r.baseline),
            c(r.reform),
            format!("{} [{}, {}]", c(r.diff), c(r.ci_low), c(r.ci_high))
        );
    }
    println!("outputs: {}/ (compare.csv, report.html)", out.display());
    Ok(())
}

fn scenario_origin(path: Option<&Path>) -> String {
    path.map_or(BASELINE_ORIGIN.to_string(), |p| p.display().to_string())
}

/// Refuses (exit 2) a run that cannot fit in this machine's memory.
fn fits(scenario: &Scenario, threads: Option<usize>, origin: &str) -> Result<(), Failure> {
    let est = estimate::estimate(scenario, estimate::threads(threads));
    estimate::gate(&est, estimate::available_memory())
        .map_err(|why| Failure::Input(why.into_iter().map(|l| format!("{origin}: {l}")).collect()))
}

/// A sweep: its largest point run with `threads`, plus one world per
/// point; episodes and events of all points.
fn sweep_estimate(plan: &sweep::SweepPlan, threads: Option<usize>) -> Option<estimate::Estimate> {
    let threads = estimate::threads(threads);
    let all: Vec<estimate::Estimate> = plan
        .points
        .iter()
        .map(|p| estimate::estimate(&p.scenario, threads))
        .collect();
    let mut est = all
        .iter()
        .max_by(|a, b| a.peak_bytes().total_cmp(&b.peak_bytes()))?
        .clone();
    est.episodes = all.iter().map(|e| e.episodes).sum();
    est.events = all.iter().map(|e| e.events).sum();
    est.terms.push(estimate::Term {
        what: "the sweep's points and their worlds",
        keys: "[[axis]] values (points) x world size",
        bytes: plan
            .points
            .iter()
            .map(|p| estimate::sweep_point_bytes(&p.scenario))
            .sum(),
    });
    Some(est)
}

/// Refuses (exit 2) a sweep that cannot fit in this machine's memory.
fn sweep_fits(plan: &sweep::SweepPlan, threads: Option<usize>, file: &Path) -> Result<(), Failure> {
    let Some(est) = sweep_estimate(plan, threads) else {
        return Ok(());
    };
    estimate::gate(&est, estimate::available_memory())
        .map_err(|why| Failure::Input(why.into_iter().map(|l| format!("{}: {l}", file.display())).collect()))
}

/// A sweep file names a `base` scenario; a scenario file never does.
fn is_sweep_file(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("base"))
}

/// A progress bar on stderr, hidden when quiet or not on a terminal.
fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{spinner} runs {pos}/{len} [{bar:30}] {elapsed_precise} eta {eta}")
            .expect("the progress template is valid")
            .progress_chars("=> "),
    );
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn built_in_baseline_is_valid() {
        Scenario::from_toml(BASELINE, BASELINE_ORIGIN).expect("the built-in baseline must validate");
    }
}
