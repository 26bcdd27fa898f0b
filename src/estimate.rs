//! What a run will cost before it starts: episodes, events and peak
//! memory, and the gate that refuses a run this machine cannot hold.
//!
//! `check` prints the estimate; `run` and `sweep` call [`gate`] before
//! building anything large. Memory is modelled term by term (residents,
//! facility accumulators, episodes under way, results kept for the report)
//! from the sizes of the engine's types; each term names the scenario keys
//! that drive it, so a refusal says what to change. The model was
//! calibrated against measured peak RSS (`/usr/bin/time -v`, see the
//! README): it is meant to be within a factor of about 1.5, erring high.

use std::mem::size_of;

use crate::engine::state::{Episode, Resident};
use crate::scenario::{Facility, Scenario, Settlement};
use crate::world::{ChoiceOption, FacilityInfo, SettlementInfo};

/// Bytes of one facility's wait histogram (HDR, 1 s to 31 days, 3
/// significant digits: 13 buckets of 1,024 `u64` counts).
const HISTOGRAM_BYTES: f64 = 13.0 * 1024.0 * 8.0;
/// Other per-facility state of one replication (queues, accumulators,
/// prices) \[bytes\].
const FACILITY_STATE_BYTES: f64 = 600.0;
/// Values per facility in a replication's results.
const FACILITY_METRICS: f64 = 26.0;
/// Bytes per value of one replication kept for the report (the value and
/// its `runs.csv` line).
const RESULT_BYTES: f64 = 40.0 + 80.0;
/// Bytes per metric summarised over replications (the summary and its
/// `summary.json` entry); measured, see the module docs.
const SUMMARY_BYTES: f64 = 2_400.0;
/// Events per episode, roughly (onset, arrival, service end, referral, ...).
const EVENTS_PER_EPISODE: f64 = 4.0;
/// Bytes per episode under way: its record, its events and queue entry.
const EPISODE_BYTES: f64 = size_of::<Episode>() as f64 + 3.0 * 24.0 + 16.0;
/// Fixed cost of the process (code, thread stacks, allocator) \[bytes\].
const BASE_BYTES: f64 = 30e6;
/// Episodes per replication beyond which a run would take days \[episodes\].
pub const MAX_EPISODES_PER_REPLICATION: f64 = 1e11;

/// One part of the memory estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// What it holds.
    pub what: &'static str,
    /// The scenario keys (or options) that drive it.
    pub keys: &'static str,
    /// Bytes.
    pub bytes: f64,
}

/// The estimated work and memory of running a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Episodes of one replication (expected).
    pub episodes_per_replication: f64,
    /// Episodes of all replications.
    pub episodes: f64,
    /// Events of all replications, roughly.
    pub events: f64,
    /// Replications held in memory at once.
    pub concurrent: u32,
    /// Peak memory, by part.
    pub terms: Vec<Term>,
}

impl Estimate {
    /// Peak memory \[bytes\].
    pub fn peak_bytes(&self) -> f64 {
        BASE_BYTES + self.terms.iter().map(|t| t.bytes).sum::<f64>()
    }

    /// "~1.2 million episodes, ~5 million events, peak memory ~310 MB".
    pub fn summary(&self) -> String {
        format!(
            "~{} episodes, ~{} events, peak memory ~{}",
            count(self.episodes),
            count(self.events),
            bytes(self.peak_bytes())
        )
    }
}

/// Estimates `scenario` run with `threads` workers (replications in parallel).
pub fn estimate(scenario: &Scenario, threads: usize) -> Estimate {
    let reps = f64::from(scenario.replications);
    let concurrent = scenario.replications.min(threads.max(1) as u32);
    let par = f64::from(concurrent);
    let population = scenario.population() as f64;
    let d = &scenario.demand;
    let per_year = d.episodes_per_resident_year * (1.0 - d.chronic_share + d.chronic_share * d.chronic_multiplier);
    let episodes_per_replication = population * per_year * f64::from(scenario.days) / 365.0;
    let followups: f64 = (0..4)
        .map(|s| d.severity_mix[s] * f64::from(scenario.referral.followups[s]))
        .sum();
    let facilities = scenario.facilities.len() as f64;
    let settlements: f64 = scenario.regions.iter().map(|r| r.settlements.len() as f64).sum();
    let options = settlements * f64::from(4 * scenario.choice.nearest_per_tier).min(facilities.max(1.0));
    let capped = scenario.policy.schemes.iter().any(|s| s.annual_cap.is_some());
    // Besides the resident itself, f32 yearly figures: the fund's part
    // under a cap, out-of-pocket for catastrophic spending (always), and
    // with serious-illness insurance the payer's running total and the
    // out-of-pocket before it.
    let serious = scenario.serious_illness.is_some();
    let resident_bytes =
        size_of::<Resident>() as f64 + 4.0 + if capped { 4.0 } else { 0.0 } + if serious { 8.0 } else { 0.0 };
    // Under way at once: about two days of onsets (waits, stays, follow-ups).
    let days = f64::from(scenario.days).max(1.0);
    let in_flight = (episodes_per_replication / days * (2.0 + followups)).min(episodes_per_replication);
    let world = facilities * (size_of::<FacilityInfo>() + 2 * size_of::<Facility>() + 64) as f64
        + settlements * (size_of::<SettlementInfo>() + 2 * size_of::<Settlement>() + 64) as f64
        + options * (size_of::<ChoiceOption>() + 8) as f64;
    let terms = vec![
        Term {
            what: "residents of the replications run at once",
            keys: "region populations ([[region.settlement]] population, [region.generate] population) x replications at once (replications, --threads)",
            bytes: par * population * resident_bytes,
        },
        Term {
            what: "facility accumulators of the replications run at once",
            keys: "facilities ([region.generate] villages and townships, [[facility]]) x replications at once (replications, --threads)",
            bytes: par * facilities * (HISTOGRAM_BYTES + FACILITY_STATE_BYTES),
        },
        Term {
            what: "episodes under way",
            keys: "demand.episodes_per_resident_year x residents (region populations) x replications at once",
            bytes: par * in_flight * EPISODE_BYTES,
        },
        Term {
            what: "results kept for the report",
            keys: "facilities ([region.generate] villages and townships, [[facility]]) x replications",
            bytes: (facilities * FACILITY_METRICS + 200.0) * (SUMMARY_BYTES + reps * RESULT_BYTES)
                + reps * days * 4.0 * 48.0,
        },
        Term {
            what: "the world (facilities, settlements, choice sets)",
            keys: "facilities and settlements ([region.generate] villages, [[facility]], choice.nearest_per_tier)",
            bytes: world,
        },
    ];
    let episodes = episodes_per_replication * reps;
    Estimate {
        episodes_per_replication,
        episodes,
        events: episodes * (EVENTS_PER_EPISODE + followups) + reps * days * (2.0 * facilities + 1.0),
        concurrent,
        terms,
    }
}

/// Memory a sweep's plan and worlds hold besides its runs: one scenario
/// and one world per point \[bytes\].
pub fn sweep_point_bytes(scenario: &Scenario) -> f64 {
    let mut one = estimate(scenario, 1);
    one.terms.retain(|t| t.what.starts_with("the world"));
    one.terms.iter().map(|t| t.bytes).sum()
}

/// Threads a run uses: `--threads`, else every core.
pub fn threads(requested: Option<usize>) -> usize {
    requested.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Memory this machine can give a run now \[bytes\]: `MemAvailable` (else
/// `MemTotal`) of `/proc/meminfo`; `None` where unknown (no gate).
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    meminfo_bytes(&text, "MemAvailable:").or_else(|| meminfo_bytes(&text, "MemTotal:"))
}

fn meminfo_bytes(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
    kb.checked_mul(1024)
}

/// The estimate, or why the run cannot go ahead: more memory than
/// `available` (bytes; `None`: not known, no memory gate) or more
/// episodes than any run could finish. Each line names what drives it.
pub fn gate(est: &Estimate, available: Option<u64>) -> Result<(), Vec<String>> {
    let mut lines = Vec::new();
    if est.episodes_per_replication > MAX_EPISODES_PER_REPLICATION {
        lines.push(format!(
            "~{} episodes per replication: at most {} (lower demand.episodes_per_resident_year, the region populations or days)",
            count(est.episodes_per_replication),
            count(MAX_EPISODES_PER_REPLICATION)
        ));
    }
    if let Some(avail) = available
        && est.peak_bytes() > avail as f64
    {
        let mut terms: Vec<&Term> = est.terms.iter().collect();
        terms.sort_by(|a, b| b.bytes.total_cmp(&a.bytes));
        let drivers: Vec<String> = terms
            .iter()
            .take(2)
            .filter(|t| t.bytes > 0.0)
            .map(|t| format!("{} ~{}, driven by {}", t.what, bytes(t.bytes), t.keys))
            .collect();
        lines.push(format!(
            "the run needs ~{} of memory but this machine has {} available: {}",
            bytes(est.peak_bytes()),
            bytes(avail as f64),
            drivers.join("; ")
        ));
    }
    if lines.is_empty() { Ok(()) } else { Err(lines) }
}

/// "12 thousand", "3.4 million", "1.2e15".
fn count(x: f64) -> String {
    match x {
        x if x < 1e3 => format!("{x:.0}"),
        x if x < 1e6 => format!("{:.1} thousand", x / 1e3),
        x if x < 1e9 => format!("{:.1} million", x / 1e6),
        x if x < 1e12 => format!("{:.1} billion", x / 1e9),
        x => format!("{x:.1e}"),
    }
}

/// "310 MB", "2.1 GB".
fn bytes(x: f64) -> String {
    match x {
        x if x < 1e9 => format!("{:.0} MB", (x / 1e6).max(1.0)),
        x if x < 1e12 => format!("{:.1} GB", x / 1e9),
        x => format!("{:.1} TB", x / 1e12),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_is_read_in_kilobytes() {
        let text = "MemTotal:       16318480 kB\nMemFree:  1 kB\nMemAvailable:   12000000 kB\n";
        assert_eq!(meminfo_bytes(text, "MemAvailable:"), Some(12_000_000 * 1024));
        assert_eq!(meminfo_bytes(text, "Missing:"), None);
    }

    #[test]
    fn numbers_read_as_words() {
        assert_eq!(count(1_234_567.0), "1.2 million");
        assert_eq!(bytes(2.1e9), "2.1 GB");
    }
}
