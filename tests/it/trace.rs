//! The visit trace (`run --trace`, issue 10): it adds up to the metrics,
//! its times are ordered, it changes no draw and no output file, and runs
//! too large for it are refused before simulating.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tiersim::engine;
use tiersim::metrics::{RunOutput, Scope};
use tiersim::scenario::Tier;
use tiersim::trace::{self, Outcome, VisitKind, VisitRow};
use tiersim::world::World;

use crate::support::scenario;

/// Two townships with one bed each, a county hospital and a regional
/// center: queues, patience with retries, triage and referral up, beds with
/// boarding and transfers, follow-ups and referral down.
fn busy_county(warmup_days: u32) -> String {
    format!(
        r#"
name = "trace-county"
seed = 5
days = 40
warmup_days = {warmup_days}
replications = 2
[demand]
episodes_per_resident_year = 5.0
severity_mix = {{ mild = 0.55, moderate = 0.25, severe = 0.15, critical = 0.05 }}
[patience]
mean_minutes = 60
retry_prob = 0.6
[admission]
prob = {{ mild = 0.05, moderate = 0.3, severe = 0.6, critical = 0.9 }}
max_boarding_hours = 6
[referral]
followups = {{ mild = 0, moderate = 2, severe = 2, critical = 2 }}
followup_interval_days = 3
down_referral_prob = 0.5
[tiers.township]
beds = 1
[tiers.county]
beds = 2
[[region]]
name = "r"
[[region.settlement]]
name = "east"
at_km = [0.0, 0.0]
population = 1500
[[region.settlement]]
name = "west"
at_km = [8.0, 3.0]
population = 1000
[[facility]]
name = "thc east"
tier = "township"
at_km = [0.0, 0.0]
doctors = 1
[[facility]]
name = "thc west"
tier = "township"
at_km = [8.0, 3.0]
doctors = 1
[[facility]]
name = "ch"
tier = "county"
at_km = [4.0, 1.0]
doctors = 2
[[facility]]
name = "rmc"
tier = "regional"
at_km = [40.0, 0.0]
doctors = 2
"#
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn traced(text: &str) -> (World, Vec<(RunOutput, Vec<VisitRow>)>) {
    let s = scenario(text);
    let world = World::new(&s);
    let runs = (0..s.replications).map(|r| engine::run_traced(&world, r)).collect();
    (world, runs)
}

#[test]
fn trace_covers_every_kind_and_outcome_and_changes_no_draw() {
    let (world, runs) = traced(&busy_county(5));
    let mut kinds = Vec::new();
    let mut outcomes = Vec::new();
    for (r, (out, rows)) in runs.iter().enumerate() {
        let plain = engine::run(&world, r as u32);
        assert_eq!(
            format!("{out:?}"),
            format!("{plain:?}"),
            "replication {r}: tracing changed the run"
        );
        for row in rows {
            assert_eq!(row.replication, r as u32);
            kinds.push(row.kind);
            outcomes.push(row.outcome);
        }
    }
    for k in [
        VisitKind::FirstContact,
        VisitKind::Retry,
        VisitKind::ReferredUp,
        VisitKind::FollowUp,
        VisitKind::ReferredDown,
        VisitKind::Transfer,
    ] {
        assert!(
            kinds.contains(&k),
            "no {k:?} visit: the scenario should make every kind"
        );
    }
    for o in [
        Outcome::Served,
        Outcome::ReferredUp,
        Outcome::LeftUnseen,
        Outcome::Admitted,
        Outcome::Transferred,
    ] {
        assert!(
            outcomes.contains(&o),
            "no {o:?} visit: the scenario should make every outcome"
        );
    }
}

#[test]
fn trace_rows_add_up_to_arrivals_outcomes_and_payments() {
    let (world, runs) = traced(&busy_county(5));
    for (r, (out, rows)) in runs.iter().enumerate() {
        let l = out.ledger;
        let outpatient = || rows.iter().filter(|v| v.kind != VisitKind::Transfer);
        assert_eq!(outpatient().count() as u64, l.visits_arrived, "replication {r}: visits");
        let count = |o: Outcome| rows.iter().filter(|v| v.outcome == o).count() as u64;
        assert_eq!(count(Outcome::LeftUnseen), l.visits_left, "replication {r}: left");
        assert_eq!(
            count(Outcome::Waiting) + count(Outcome::InService),
            l.visits_in_system_at_end,
            "replication {r}: in the system at the end"
        );
        let served = rows.iter().filter(|v| v.service_end.is_finite()).count() as u64;
        assert_eq!(served, l.visits_served, "replication {r}: served");
        assert_eq!(count(Outcome::Admitted), l.admissions, "replication {r}: admissions");
        assert_eq!(count(Outcome::Transferred), l.transfers, "replication {r}: transfers");
        let discharged = rows.iter().filter(|v| v.discharge.is_finite()).count() as u64;
        assert_eq!(discharged, l.discharges, "replication {r}: discharges");
        assert_eq!(count(Outcome::Boarding), l.boarding_at_end, "replication {r}: boarding");
        let episodes = rows.iter().map(|v| v.episode).max().map_or(0, |e| e + 1);
        assert!(episodes <= l.episodes_started, "replication {r}: episode numbers");
        // Every bill, warm-up included, is on some row.
        let fund: f64 = rows.iter().map(|v| v.fund).sum();
        let oop: f64 = rows.iter().map(|v| v.oop).sum();
        assert!(
            close(fund, l.fund_total),
            "replication {r}: fund {fund} vs {}",
            l.fund_total
        );
        assert!(close(oop, l.oop_total), "replication {r}: oop {oop} vs {}", l.oop_total);
        // Counted arrivals per tier: the `arrivals` metric.
        for tier in Tier::ALL {
            let n = outpatient()
                .filter(|v| v.counted && world.facilities[v.facility as usize].tier == tier)
                .count();
            let metric = out.get(Scope::Tier(tier), "arrivals").unwrap();
            assert_eq!(n as f64, metric, "replication {r}: {tier:?} arrivals");
        }
        assert!(rows.iter().all(|v| v.counted == (v.arrival >= 5.0 * 1440.0)));
    }
}

#[test]
fn trace_payments_per_facility_match_the_facility_metrics() {
    // Without warm-up every bill counts, so each facility's `fund` and
    // `oop` are the sums over its rows (stays on the admitting row). The
    // metrics book each bill in whole cents (price and fund rounded, oop
    // the difference), the trace unrounded: they agree to within a cent
    // per bill, and a row holds at most two bills (visit and stay).
    let (world, runs) = traced(&busy_county(0));
    for (r, (out, rows)) in runs.iter().enumerate() {
        for f in 0..world.facilities.len() as u32 {
            let mine = || rows.iter().filter(|v| v.facility == f);
            let (fund, oop): (f64, f64) = (mine().map(|v| v.fund).sum(), mine().map(|v| v.oop).sum());
            let (mf, mo) = (
                out.get(Scope::Facility(f), "fund").unwrap(),
                out.get(Scope::Facility(f), "oop").unwrap(),
            );
            let cent_per_bill = 0.02 * mine().count() as f64 + 1e-9 * fund.abs().max(oop.abs());
            assert!(
                (fund - mf).abs() <= cent_per_bill,
                "replication {r}, facility {f}: fund {fund} vs {mf}"
            );
            assert!(
                (oop - mo).abs() <= cent_per_bill,
                "replication {r}, facility {f}: oop {oop} vs {mo}"
            );
        }
    }
}

#[test]
fn trace_times_are_ordered_and_waits_match_the_wait_metric() {
    let (world, runs) = traced(&busy_county(5));
    for (r, (out, rows)) in runs.iter().enumerate() {
        for v in rows {
            if v.service_start.is_finite() {
                assert!(v.arrival <= v.service_start, "{v:?}");
            }
            if v.service_end.is_finite() {
                assert!(v.service_start <= v.service_end, "{v:?}");
            }
            if v.outcome == Outcome::Served {
                assert!(v.service_end.is_finite(), "{v:?}");
            }
            if v.discharge.is_finite() {
                assert!(v.admission <= v.discharge, "{v:?}");
            }
            if v.kind == VisitKind::Transfer {
                assert!(v.service_start.is_nan() && v.referred, "{v:?}");
            }
        }
        // Outpatient rows average to the clinic's wait metric, emergency
        // department rows to the department's.
        for (emergency, name) in [(false, "wait_mean_minutes"), (true, "emergency_wait_mean_minutes")] {
            for tier in Tier::ALL {
                let waits: Vec<f64> = rows
                    .iter()
                    .filter(|v| v.counted && v.service_start.is_finite() && v.emergency == emergency)
                    .filter(|v| world.facilities[v.facility as usize].tier == tier)
                    .map(|v| v.service_start - v.arrival)
                    .collect();
                let metric = out.get(Scope::Tier(tier), name).unwrap();
                if waits.is_empty() {
                    assert!(metric.is_nan(), "replication {r}: {tier:?} {name}");
                    continue;
                }
                let mean = waits.iter().sum::<f64>() / waits.len() as f64;
                assert!(
                    close(mean, metric),
                    "replication {r}: {tier:?} {name} {mean} vs {metric}"
                );
            }
        }
    }
}

// The command line.

fn tiersim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tiersim")).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// Every file under `dir` (hidden ones included), with contents.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn run_with_trace_writes_the_same_outputs_and_a_trace_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("county.toml");
    fs::write(&file, busy_county(5)).unwrap();
    let (plain, with) = (tmp.path().join("plain"), tmp.path().join("traced"));
    let visits = tmp.path().join("visits.csv");
    let a = tiersim(&["run", &p(&file), "--out", &p(&plain), "-q", "--no-charts"]);
    assert!(a.status.success(), "{}", stderr(&a));
    let b = tiersim(&[
        "run",
        &p(&file),
        "--out",
        &p(&with),
        "-q",
        "--no-charts",
        "--trace",
        &p(&visits),
    ]);
    assert!(b.status.success(), "{}", stderr(&b));
    let (ta, tb) = (tree(&plain), tree(&with));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (name, bytes) in &ta {
        assert!(bytes == &tb[name], "{} differs with --trace", name.display());
    }
    assert!(!with.join("visits.csv").exists(), "the trace goes where --trace says");

    // The file: the header, then rows in replication order, matching the library's rows.
    let text = fs::read_to_string(&visits).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(trace::HEADER));
    let s = scenario(&busy_county(5));
    let rows = tiersim::replicate::simulate_traced(&s, None, || {}).unwrap().1;
    assert_eq!(lines.clone().count(), rows.len());
    let first = lines.next().unwrap();
    let fields: Vec<&str> = first.split(',').collect();
    assert_eq!(fields.len(), 19, "{first}");
    assert_eq!(&fields[..2], ["0", &rows[0].episode.to_string()]);
    assert!(["east", "west"].contains(&fields[3]), "{first}");
    assert!(
        text.lines()
            .any(|l| l.contains(",transfer,") && l.contains(",admitted,"))
    );

    // A rerun replaces tiersim's own trace, atomically: no temporary is left.
    let c = tiersim(&[
        "run",
        &p(&file),
        "--out",
        &p(&with),
        "-q",
        "--no-charts",
        "--trace",
        &p(&visits),
    ]);
    assert!(c.status.success(), "{}", stderr(&c));
    assert_eq!(fs::read_to_string(&visits).unwrap(), text);
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
}

#[test]
fn trace_refuses_a_run_too_large_before_simulating() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, visits) = (tmp.path().join("big"), tmp.path().join("visits.csv"));
    // The baseline: 300,000 residents x 10 replications, about 16 million visits.
    let o = tiersim(&["run", "--out", &p(&out), "-q", "--trace", &p(&visits)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("--trace") && err.contains("2,000,000"), "{err}");
    assert!(err.contains("15,750,000"), "the estimate is named: {err}");
    assert!(fs::read_dir(tmp.path()).unwrap().next().is_none(), "nothing written");
}

#[test]
fn trace_refuses_a_folder_and_a_file_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("county.toml");
    fs::write(&file, busy_county(5)).unwrap();
    let out = tmp.path().join("out");
    let notes = tmp.path().join("notes.csv");
    fs::write(&notes, "my,data\n1,2\n").unwrap();
    for (target, says) in [
        (tmp.path().to_path_buf(), "is a folder"),
        (notes.clone(), "not a tiersim trace"),
        (out.join("visits.csv"), "inside the output folder"),
    ] {
        let o = tiersim(&["run", &p(&file), "--out", &p(&out), "-q", "--trace", &p(&target)]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
        assert!(!out.exists(), "nothing simulated or written");
    }
    assert_eq!(fs::read_to_string(&notes).unwrap(), "my,data\n1,2\n");
}
