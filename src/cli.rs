//! Command-line interface: clap types and one handler per subcommand.
//!
//! The only module that knows clap. Each handler maps arguments, makes one
//! library call and names the output path.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::estimate;
use crate::output::{self, Guard, Kind, OutputError};
use crate::replicate;
use crate::report;
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
    #[command(after_help = "Examples:
  tiersim run                                   # the built-in baseline county
  tiersim run scenarios/county_community.toml -r 20 --out outputs/cc
  tiersim run my_county.toml --seed 7 --days 200 --progress always")]
    Run(RunArgs),
    /// Validate scenario (or sweep) files and report every problem at once (exit 2 if any).
    #[command(after_help = "Examples:
  tiersim check scenarios/*.toml scenarios/sweeps/*.toml
  cat my_county.toml | tiersim check -          # a scenario on standard input")]
    Check(CheckArgs),
    /// Run a parameter sweep: scenario variants x replications, resumable and shardable.
    #[command(after_help = "Examples:
  tiersim sweep scenarios/sweeps/township_rate.toml
  tiersim sweep my_sweep.toml --shard 2/8 --out outputs/big   # then: tiersim merge outputs/big
  tiersim sweep my_sweep.toml --emit-slurm --shards 16")]
    Sweep(SweepArgs),
    /// Combine the folders of sharded sweep runs into the tables an unsharded run writes.
    #[command(after_help = "Examples:
  tiersim merge outputs/big                     # shards that wrote one folder
  tiersim merge node1/big node2/big --out outputs/big")]
    Merge(MergeArgs),
    /// Redraw the charts and report.html of output folders from their saved tables.
    #[command(after_help = "Examples:
  tiersim plot outputs/county-baseline outputs/township-rate")]
    Plot(PlotArgs),
    /// Compare two runs on common seeds: every metric's difference with its 95% interval.
    #[command(after_help = "Examples:
  tiersim run scenarios/reform_vs_baseline/baseline.toml
  tiersim run scenarios/reform_vs_baseline/reform.toml
  tiersim compare outputs/reform-pair-baseline outputs/reform-pair-reform --top 20")]
    Compare(CompareArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "Examples:
  tiersim completions bash > ~/.local/share/bash-completion/completions/tiersim
  tiersim completions zsh > ~/.zfunc/_tiersim
  tiersim completions fish > ~/.config/fish/completions/tiersim.fish")]
    Completions(CompletionsArgs),
}

/// `tiersim completions`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
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
    /// Where to write compare.csv, buys.csv, the chart and report.html
    /// [default: outputs/compare-<baseline folder>-vs-<reform folder>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// How many of the largest other changes to print (after the headline outcomes).
    #[arg(long, default_value_t = 12)]
    pub top: usize,
    /// If another tiersim is writing the same output folder, wait for it
    /// instead of exiting with code 3.
    #[arg(long)]
    pub wait: bool,
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
    /// Progress on stderr: auto (a bar on a terminal), always (plain lines
    /// elsewhere, for notebooks and subprocesses) or never.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto, value_name = "WHEN")]
    pub progress: ProgressMode,
    /// No progress bar and no summary line; errors only.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Charts and the output folder's lock.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What every command that writes an output folder takes.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Do not draw charts or write report.html.
    #[arg(long)]
    pub no_charts: bool,
    /// If another tiersim is writing the same output folder, wait for it
    /// instead of exiting with code 3.
    #[arg(long)]
    pub wait: bool,
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
    /// Charts and the output folder's lock.
    #[command(flatten)]
    pub output: OutputArgs,
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
    /// Progress on stderr: auto (a bar on a terminal), always (plain lines
    /// elsewhere, for notebooks and subprocesses) or never.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto, value_name = "WHEN")]
    pub progress: ProgressMode,
    /// Charts and the output folder's lock.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also write one CSV row per visit to FILE (outside the output
    /// folder); small runs only (at most 2,000,000 estimated visits).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
}

/// `tiersim check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario or sweep files (TOML); `-` reads a scenario from standard input.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Treat warnings (a facility nobody can reach, ...) as errors: exit 2.
    #[arg(long)]
    pub deny_warnings: bool,
    /// `text` (lines for people) or `json` (one JSON object per line on
    /// stdout: file, key, message, value, allowed, hint, severity).
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

/// How `check` prints what it finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// `ok:`, `warning:` and `error:` lines.
    Text,
    /// JSON lines, for editors and scripts.
    Json,
}

/// A failure and the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Bad input: exit 2. Each line is printed after `error: `.
    #[error("{}", .0.join("\n"))]
    Input(Vec<String>),
    /// Another tiersim holds the output folder: exit 3.
    #[error("{0}")]
    Busy(String),
    /// Anything else: exit 1.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Failure {
    /// Process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Input(_) => 2,
            Failure::Busy(_) => 3,
            Failure::Other(_) => 1,
        }
    }

    /// What to print, each line after `error: `.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Failure::Input(lines) => lines.clone(),
            Failure::Busy(message) => vec![message.clone()],
            Failure::Other(e) => vec![cause_chain(e)],
        }
    }
}

/// An error and its causes joined by `: ` (as `{:#}` does), each cause
/// once: one whose text the message before it already shows (an error
/// whose message ends in `: {source}`) is not repeated.
pub fn cause_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    let mut shown = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !shown.is_empty() && shown.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
        shown = text;
    }
    out
}

impl From<OutputError> for Failure {
    fn from(e: OutputError) -> Failure {
        match e.exit_code() {
            2 => Failure::Input(vec![e.to_string()]),
            3 => Failure::Busy(e.to_string()),
            _ => Failure::Other(e.into()),
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
        Command::Completions(args) => {
            use clap::CommandFactory;
            clap_complete::generate(args.shell, &mut Cli::command(), "tiersim", &mut std::io::stdout());
            Ok(())
        }
    }
}

fn load(path: Option<&Path>) -> Result<Scenario, ScenarioError> {
    match path {
        Some(p) => Scenario::load(p),
        None => Scenario::from_toml(BASELINE, BASELINE_ORIGIN),
    }
}

/// Loads the scenario to run, with `--days` applied before its defaults
/// are resolved (so the default warm-up, min(30, days / 4), follows it).
fn load_for_run(args: &RunArgs) -> Result<Scenario, Failure> {
    let Some(days) = args.days else {
        return Ok(load(args.scenario.as_deref())?);
    };
    if days == 0 || days > MAX_DAYS {
        return Err(Failure::Input(vec![format!(
            "--days {days}: expected a whole number between 1 and {MAX_DAYS}"
        )]));
    }
    let (text, origin) = match args.scenario.as_deref() {
        Some(p) => (
            std::fs::read_to_string(p).map_err(|source| ScenarioError::Io {
                file: p.to_path_buf(),
                source,
            })?,
            p.display().to_string(),
        ),
        None => (BASELINE.to_string(), BASELINE_ORIGIN.to_string()),
    };
    Ok(Scenario::from_toml_with_days(
        &text,
        &format!("{origin} (with --days {days})"),
        days,
    )?)
}

fn run_cmd(args: RunArgs) -> Result<(), Failure> {
    let mut scenario = load_for_run(&args)?;
    apply_overrides(&mut scenario, &args)?;
    fits(&scenario, args.threads, &scenario_origin(args.scenario.as_deref()))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("outputs").join(&scenario.name));
    if let Some(path) = &args.trace {
        crate::trace::check_size(&scenario).map_err(|e| Failure::Input(vec![e]))?;
        crate::trace::check_path(path, &out).map_err(|e| Failure::Input(vec![e]))?;
    }
    let guard = Guard {
        inputs: args.scenario.iter().cloned().collect(),
        wait: args.output.wait,
        shared: false,
    };
    let dest = claim(&out, Kind::Run, &guard)?;
    let dir = dest.stage()?;
    let bar = progress_bar(u64::from(scenario.replications), args.progress, args.quiet);
    let (result, visits) = match &args.trace {
        Some(_) => replicate::simulate_traced(&scenario, args.threads, || bar.inc(1)),
        None => replicate::simulate(&scenario, args.threads, || bar.inc(1)).map(|r| (r, Vec::new())),
    }
    .map_err(anyhow::Error::from)?;
    bar.finish_and_clear();
    report::write_run(&dir, &result.world, &result.runs, &result.summaries)
        .with_context(|| format!("writing outputs to {}", out.display()))?;
    if !args.output.no_charts {
        report::pages::decorate(dir.path()).with_context(|| format!("drawing charts for {}", out.display()))?;
    }
    if let Some(path) = &args.trace {
        let bytes = crate::trace::csv(&result.world, &visits).context("formatting the trace")?;
        crate::trace::write(path, &bytes).with_context(|| format!("writing the trace to {}", path.display()))?;
    }
    let written = dir.commit()?;
    if !args.quiet {
        print!("{}", report::tier_table(&result.world, &result.summaries));
        println!("outputs: {}/", written.display());
        if let Some(path) = &args.trace {
            println!(
                "trace: {} ({} visits)",
                path.display(),
                report::thousands(visits.len() as f64)
            );
        }
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
    if args.threads == Some(0) {
        return Err(Failure::Input(vec!["--threads 0: expected a whole number >= 1".into()]));
    }
    Ok(())
}

fn check_cmd(args: CheckArgs) -> Result<(), Failure> {
    let mut out = Diagnostics {
        json: args.format == CheckFormat::Json,
        deny_warnings: args.deny_warnings,
        errors: Vec::new(),
    };
    for path in &args.scenarios {
        if path.as_os_str() == "-" {
            check_stdin(&mut out);
            continue;
        }
        let origin = path.display().to_string();
        if is_sweep_file(path) {
            match sweep::plan(path) {
                Ok(p) => match sweep_fits(&p, None, path) {
                    Ok(est) => out.ok(
                        &origin,
                        format!(
                            "sweep \"{}\", {} points x {} replication(s){}",
                            p.name,
                            p.points.len(),
                            p.replications(),
                            est.map(|e| format!("; {}", e.summary())).unwrap_or_default()
                        ),
                    ),
                    Err(Failure::Input(why)) => why.iter().for_each(|l| out.error_line(&origin, l)),
                    Err(other) => return Err(other),
                },
                Err(e) => e.lines.iter().for_each(|l| out.error_line(&origin, l)),
            }
            continue;
        }
        check_scenario(Scenario::load(path), &origin, &mut out);
    }
    out.finish()
}

/// What `check` found, printed as it goes (text or JSON lines).
struct Diagnostics {
    json: bool,
    deny_warnings: bool,
    /// Error lines, for the exit (text) or the count (JSON).
    errors: Vec<String>,
}

impl Diagnostics {
    fn ok(&self, file: &str, what: String) {
        if self.json {
            self.emit(file, None, &what, "ok");
        } else {
            println!("ok: {file}: {what}");
        }
    }

    /// A problem at a key: an error, or a warning (an error with `--deny-warnings`).
    fn problem(&mut self, file: &str, p: &crate::scenario::Problem, warning: bool) {
        let severity = if warning && !self.deny_warnings {
            "warning"
        } else {
            "error"
        };
        if self.json {
            self.emit(file, Some(&p.path), &p.message, severity);
        } else if severity == "warning" {
            eprintln!("warning: {file}: {}: {}", p.path, p.message);
        }
        if severity == "error" {
            self.errors.push(format!("{file}: {}: {}", p.path, p.message));
        }
    }

    /// An error already written as a line (`FILE: ...`).
    fn error_line(&mut self, file: &str, line: &str) {
        if self.json {
            let message = line
                .strip_prefix(file)
                .and_then(|r| r.strip_prefix(": "))
                .unwrap_or(line);
            self.emit(file, None, message, "error");
        }
        self.errors.push(line.to_string());
    }

    /// One JSON line; `value`, `allowed` and `hint` are split out of
    /// messages of the form "VALUE: what is allowed (did you mean `x`?)".
    fn emit(&self, file: &str, key: Option<&str>, message: &str, severity: &str) {
        let (value, rest) = match message.split_once(": ") {
            // A value is one token (`-2`, `1.3`) or quoted text (`"Regional"`).
            Some((v, r)) if key.is_some() && (!v.contains(' ') || v.starts_with('"')) => (Some(v), r),
            _ => (None, message),
        };
        let hint = message.find("(did you mean").map(|i| {
            let tail = &message[i + 1..];
            tail[..tail.find(')').unwrap_or(tail.len())].to_string()
        });
        let allowed = value.map(|_| rest.split(" (did you mean").next().unwrap_or(rest).to_string());
        let line = serde_json::json!({
            "file": file,
            "key": key,
            "message": message,
            "value": value,
            "allowed": allowed,
            "hint": hint,
            "severity": severity,
        });
        println!("{line}");
    }

    fn finish(self) -> Result<(), Failure> {
        match (self.errors.is_empty(), self.json) {
            (true, _) => Ok(()),
            (false, false) => Err(Failure::Input(self.errors)),
            (false, true) => Err(Failure::Input(vec![format!(
                "{} problem(s); see the JSON lines on stdout",
                self.errors.len()
            )])),
        }
    }
}

/// `tiersim check -`: a scenario on standard input, reported as `<stdin>`.
fn check_stdin(out: &mut Diagnostics) {
    use std::io::Read;
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        return out.error_line("<stdin>", &format!("<stdin>: cannot read standard input: {e}"));
    }
    if text.parse::<toml::Table>().is_ok_and(|t| t.contains_key("base")) {
        return out.error_line(
            "<stdin>",
            "<stdin>: a sweep file names its base scenario relative to itself, so check it from a file: tiersim check SWEEP.toml",
        );
    }
    check_scenario(Scenario::from_toml(&text, "<stdin>"), "<stdin>", out);
}

/// The `ok:` line of a valid scenario (with its estimated work) and its
/// warnings, or its problems, including a run too big for this machine.
fn check_scenario(loaded: Result<Scenario, ScenarioError>, origin: &str, out: &mut Diagnostics) {
    let s = match loaded {
        Ok(s) => s,
        Err(ScenarioError::Invalid { problems, .. }) => {
            return problems.iter().for_each(|p| out.problem(origin, p, false));
        }
        Err(e) => return e.lines().iter().for_each(|l| out.error_line(origin, l)),
    };
    let est = estimate::estimate(&s, estimate::threads(None));
    if let Err(why) = estimate::gate(&est, estimate::available_memory()) {
        return why
            .iter()
            .for_each(|l| out.error_line(origin, &format!("{origin}: {l}")));
    }
    let world = crate::world::World::new(&s);
    for w in crate::lint::warnings(&world) {
        out.problem(origin, &w, true);
    }
    out.ok(
        origin,
        format!(
            "scenario \"{}\", {} residents, {} facilities; {}",
            s.name,
            report::thousands(s.population() as f64),
            s.facilities.len(),
            est.summary()
        ),
    );
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
    let guard = Guard {
        inputs: sweep_inputs(&args.sweep),
        wait: args.output.wait,
        shared: args.shard.is_some(),
    };
    let dest = claim(&out, Kind::Sweep, &guard)?;
    dest.open_in_place()?;
    if args.emit_slurm {
        return emit_slurm(&args, &plan, &out);
    }
    let bar = progress_bar(0, args.progress, args.quiet);
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
    if outcome.assembled && !args.output.no_charts {
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
    let guard = Guard {
        inputs: args.dirs.iter().filter(|d| **d != out).cloned().collect(),
        wait: args.output.wait,
        shared: false,
    };
    let dest = claim(&out, Kind::Sweep, &guard)?;
    sweep::store::merge(&args.dirs, &out).map_err(|e| match e {
        sweep::store::StoreError::Incomplete { .. }
        | sweep::store::StoreError::Mismatch(_)
        | sweep::store::StoreError::NotASweep(_) => Failure::Input(vec![e.to_string()]),
        other => Failure::Other(other.into()),
    })?;
    dest.open_in_place()?;
    if !args.output.no_charts {
        report::pages::decorate(&out).with_context(|| format!("drawing charts for {}", out.display()))?;
    }
    println!(
        "merged {} folder(s) into {}/ (points.csv, runs.csv{})",
        args.dirs.len(),
        out.display(),
        if args.output.no_charts { "" } else { ", report.html" }
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
    let comparison =
        crate::compare::compare_runs(&args.baseline, &args.reform).map_err(|e| Failure::Input(vec![e.to_string()]))?;
    if let Some(note) = comparison.pairing.note() {
        eprintln!("note: {note}");
    }
    let guard = Guard {
        inputs: vec![args.baseline.clone(), args.reform.clone()],
        wait: args.wait,
        shared: false,
    };
    let dest = claim(&out, Kind::Comparison, &guard)?;
    let dir = dest.stage()?;
    report::pages::write_compare(&args.baseline, &args.reform, dir.path()).map_err(anyhow::Error::from)?;
    dir.commit()?;
    let ranked = crate::compare::rank(&comparison.rows, args.top);
    print!(
        "{}",
        report::terminal::comparison(&ranked, &comparison.pairing, &comparison.buys)
    );
    println!("outputs: {}/ (compare.csv, buys.csv, report.html)", out.display());
    Ok(())
}

/// Claims `out` for output of `kind` and prints what was recovered there.
fn claim(out: &Path, kind: Kind, guard: &Guard) -> Result<output::Claim, Failure> {
    Ok(output::claim(out, kind, guard, &mut |note| eprintln!("note: {note}"))?)
}

/// The files a sweep reads (itself, its base scenario and its design), so
/// that `--out` is never a folder holding them.
fn sweep_inputs(sweep: &Path) -> Vec<PathBuf> {
    let dir = sweep.parent().unwrap_or(Path::new("."));
    let table = std::fs::read_to_string(sweep)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .unwrap_or_default();
    let mut inputs = vec![sweep.to_path_buf()];
    for key in ["base", "design"] {
        if let Some(p) = table.get(key).and_then(|v| v.as_str()) {
            inputs.push(dir.join(p));
        }
    }
    inputs
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
/// Returns the estimate (none for a sweep without points).
fn sweep_fits(
    plan: &sweep::SweepPlan,
    threads: Option<usize>,
    file: &Path,
) -> Result<Option<estimate::Estimate>, Failure> {
    let Some(est) = sweep_estimate(plan, threads) else {
        return Ok(None);
    };
    estimate::gate(&est, estimate::available_memory())
        .map_err(|why| Failure::Input(why.into_iter().map(|l| format!("{}: {l}", file.display())).collect()))?;
    Ok(Some(est))
}

/// A sweep file names a `base` scenario; a scenario file never does.
fn is_sweep_file(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("base"))
}

/// When to show progress on stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    /// A bar when stderr is a terminal, nothing otherwise.
    #[default]
    Auto,
    /// Always: a bar on a terminal, else a plain line at most once a second
    /// (notebooks, subprocesses, CI logs).
    Always,
    /// Never.
    Never,
}

/// A progress bar on stderr for `len` runs, drawn as `mode` says (never when quiet).
fn progress_bar(len: u64, mode: ProgressMode, quiet: bool) -> ProgressBar {
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    let (target, template) = match mode {
        _ if quiet => (ProgressDrawTarget::hidden(), BAR),
        ProgressMode::Never => (ProgressDrawTarget::hidden(), BAR),
        ProgressMode::Always if !terminal => (ProgressDrawTarget::term_like_with_hz(Box::new(Lines), 1), LINE),
        _ => (ProgressDrawTarget::stderr(), BAR),
    };
    let bar = ProgressBar::with_draw_target(Some(len), target);
    bar.set_style(
        ProgressStyle::with_template(template)
            .expect("the progress templates are valid")
            .progress_chars("=> "),
    );
    bar
}

const BAR: &str = "{spinner} runs {pos}/{len} [{bar:30}] {elapsed_precise} eta {eta}";
const LINE: &str = "progress: runs {pos}/{len} ({percent}%), {elapsed_precise} elapsed, eta {eta}";

/// A "terminal" that prints each redraw as one plain line on stderr and
/// ignores cursor movement: progress for readers that are not terminals.
#[derive(Debug)]
struct Lines;

impl indicatif::TermLike for Lines {
    fn width(&self) -> u16 {
        120
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, line: &str) -> std::io::Result<()> {
        self.write_str(line)
    }
    fn write_str(&self, line: &str) -> std::io::Result<()> {
        // indicatif writes the last line of a redraw without its newline.
        if line.trim().is_empty() {
            return Ok(());
        }
        use std::io::Write;
        writeln!(std::io::stderr(), "{}", line.trim_end())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
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
