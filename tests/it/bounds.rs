//! What `check` accepts must run: every count has a bound checked before
//! anything is generated, user-driven arithmetic never wraps, and a run
//! that cannot fit in memory is refused with the keys that drive it.

use std::path::{Path, PathBuf};

use tiersim::scenario::{Scenario, ScenarioError};

use crate::support::assert_input_error;

/// One region with a regional center that treats everything; `extra` is
/// appended (more keys or tables), `generate` goes in `[region.generate]`.
fn county(top: &str, generate: &str) -> String {
    format!(
        r#"
name = "bounds"
days = 5
warmup_days = 1
replications = 1
{top}
[[region]]
name = "r"
[region.generate]
radius_km = 10.0
{generate}
[[facility]]
name = "rmc"
tier = "regional"
at_km = [0.0, 0.0]
"#
    )
}

/// Problems of scenario text that must be refused.
fn problems(text: &str) -> Vec<String> {
    match Scenario::from_toml(text, "t") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(ScenarioError::Invalid { problems, .. }) => problems
            .into_iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect(),
        Err(e) => panic!("unexpected error {e}"),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn has(problems: &[String], needles: &[&str]) {
    assert!(
        problems.iter().any(|p| needles.iter().all(|n| p.contains(n))),
        "no problem contains all of {needles:?}: {problems:#?}"
    );
}

#[test]
fn villages_beyond_bound_is_refused_before_generation() {
    // 4e9 villages would allocate 64 GB if generated; the bound comes first.
    let p = problems(&county("", "villages = 4000000000\npopulation = 1000"));
    has(
        &p,
        &[
            "region \"r\" (region[0]).generate.villages",
            "4000000000",
            "between 1 and 200000",
        ],
    );
    // Each region within its bound, but together past the settlement bound:
    // refused from the settings alone, none generated.
    let mut text = county("", "villages = 200000\npopulation = 1000");
    for i in 1..6 {
        text.push_str(&format!(
            "[[region]]\nname = \"r{i}\"\n[region.generate]\nvillages = 200000\npopulation = 1000\n"
        ));
    }
    has(
        &problems(&text),
        &["region", "1200000 settlements in all", "at most 1000000"],
    );
}

#[test]
fn townships_beyond_bound_is_refused_before_generation() {
    let p = problems(&county("", "villages = 10\npopulation = 1000\ntownships = 4000000000"));
    has(&p, &["generate.townships", "between 0 and 20000"]);
}

#[test]
fn residents_beyond_the_32_bit_index_are_refused() {
    // Three settlements of 4e9 residents each used to pass check and abort run.
    let mut text = county("", "villages = 1\npopulation = 0");
    for i in 0..3 {
        text.push_str(&format!(
            "[[region.settlement]]\nname = \"s{i}\"\nat_km = [0.0, 0.0]\npopulation = 4000000000\n"
        ));
    }
    has(
        &problems(&text),
        &["settlement[0].population", "between 0 and 100000000"],
    );
    // Within the per-settlement bound, past the total one.
    let text = text.replace("4000000000", "100000000").replace(
        "[[region.settlement]]\nname = \"s0\"",
        "[[region.settlement]]\nname = \"a\"\nat_km = [1.0, 0.0]\npopulation = 100000000\n\
         [[region.settlement]]\nname = \"b\"\nat_km = [1.0, 0.0]\npopulation = 100000000\n\
         [[region.settlement]]\nname = \"c\"\nat_km = [1.0, 0.0]\npopulation = 100000000\n\
         [[region.settlement]]\nname = \"d\"\nat_km = [1.0, 0.0]\npopulation = 100000000\n\
         [[region.settlement]]\nname = \"e\"\nat_km = [1.0, 0.0]\npopulation = 100000000\n\
         [[region.settlement]]\nname = \"f\"\nat_km = [1.0, 0.0]\npopulation = 100000000\n\
         [[region.settlement]]\nname = \"g\"\nat_km = [1.0, 0.0]\npopulation = 100000000\n\
         [[region.settlement]]\nname = \"h\"\nat_km = [1.0, 0.0]\npopulation = 100000000\n\
         [[region.settlement]]\nname = \"s0\"",
    );
    has(&problems(&text), &["1100000000 residents in all", "at most 1000000000"]);
}

#[test]
fn replications_beyond_bound_are_refused() {
    let p =
        problems(&county("", "villages = 2\npopulation = 10").replace("replications = 1", "replications = 4294967295"));
    has(&p, &["replications", "4294967295", "between 1 and 10000"]);
    let tmp = tempfile::tempdir().unwrap();
    let ok = write(tmp.path(), "ok.toml", &county("", "villages = 2\npopulation = 10"));
    let output = assert_cmd::Command::cargo_bin("tiersim")
        .unwrap()
        .args(["run", "-q", "--no-charts", "--replications", "4294967295", "--out"])
        .arg(tmp.path().join("out"))
        .arg(&ok)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("between 1 and 10000"));
}

#[test]
fn episode_rate_beyond_bound_is_refused() {
    let p = problems(&county(
        "[demand]\nepisodes_per_resident_year = 1e9",
        "villages = 2\npopulation = 10",
    ));
    has(&p, &["demand.episodes_per_resident_year", "between 0 and 100000"]);
}

#[test]
fn check_prints_the_estimated_work() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "s.toml", &county("", "villages = 20\npopulation = 2000"));
    let output = assert_cmd::Command::cargo_bin("tiersim")
        .unwrap()
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    for needle in ["ok:", "episodes", "events", "peak memory ~"] {
        assert!(stdout.contains(needle), "{needle:?} missing from {stdout}");
    }
}

#[test]
fn a_run_that_cannot_fit_in_memory_is_refused_naming_its_keys() {
    // 100,000 facilities x 10,000 replications of results: petabytes.
    let tmp = tempfile::tempdir().unwrap();
    let text = county("", "villages = 100000\npopulation = 100000").replace("replications = 1", "replications = 10000");
    let file = write(tmp.path(), "huge.toml", &text);
    let needles = [
        "of memory but this machine has",
        "replications",
        "[region.generate] villages",
    ];
    assert_input_error(&["check"], &file, &needles);
    let out = tmp.path().join("out");
    assert_input_error(&["run", "-q", "--out", out.to_str().unwrap()], &file, &needles);
    assert!(!out.exists(), "nothing is written for a refused run");
}

#[test]
fn rotation_doctor_sum_does_not_wrap() {
    // 65,536 township sites x 65,536 doctors each = 2^32, which a 32-bit
    // sum wraps to 0: the source's 10 doctors must be found wanting.
    let mut text = String::from(
        r#"
name = "rotation-wrap"
days = 5
warmup_days = 1
[[facility]]
name = "src"
tier = "county"
region = "r0"
at_km = [0.0, 0.0]
doctors = 10
capability = "critical"
[[rotation]]
from = "src"
to = ["township"]
doctors_per_site = 65536
"#,
    );
    for i in 0..4 {
        text.push_str(&format!(
            "[[region]]\nname = \"r{i}\"\nalliance = \"a\"\n[region.generate]\nvillages = 1\npopulation = 10\n\
             townships = 16384\nvillage_clinics = false\ncounty_hospital = false\ncenter_km = [{i}.0, 0.0]\n"
        ));
    }
    has(
        &problems(&text),
        &[
            "rotation[0].doctors_per_site",
            "src has 10 doctors",
            "would send 4294967296 away",
        ],
    );
    // The original report: 2^31 doctors to two townships summed to 0.
    let two = text
        .replace("townships = 16384", "townships = 1")
        .replace("65536", "2147483648");
    has(
        &problems(&two),
        &["rotation[0].doctors_per_site", "between 1 and 100000"],
    );
}

/// A sweep over the tiny base with `axes` (TOML) in a fresh folder.
fn sweep_file(dir: &Path, axes: &str) -> PathBuf {
    let base = std::fs::read_to_string("tests/it/sweeps/tiny_base.toml").unwrap();
    write(dir, "base.toml", &base);
    write(
        dir,
        "sweep.toml",
        &format!("name = \"s\"\nbase = \"base.toml\"\n{axes}"),
    )
}

#[test]
fn sweep_range_point_count_does_not_wrap() {
    // 1.8e19 values used to wrap to 385 points and panic allocating.
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(
        tmp.path(),
        "[[axis]]\npath = \"seed\"\nrange = { start = 0, stop = 18000000000000000000.0, step = 1 }\n",
    );
    assert_input_error(&["check"], &file, &["axis[0] (seed).range", "values: at most 1000000"]);
}

#[test]
fn sweep_grid_is_counted_before_it_is_built() {
    // 10^6 x 100 points used to be built (3.9 GB) before the limit was checked.
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(
        tmp.path(),
        "[[axis]]\npath = \"seed\"\nrange = { start = 1, stop = 1000000, step = 1 }\n\
         [[axis]]\npath = \"demand.chronic_share\"\nrange = { start = 0.01, stop = 1.0, step = 0.01 }\n",
    );
    assert_input_error(&["check"], &file, &["1000000 x 100 points", "at most 1000000"]);
}

#[test]
fn sweep_range_decimal_overflow_says_the_numbers_are_too_large() {
    let tmp = tempfile::tempdir().unwrap();
    let digits = sweep_file(
        tmp.path(),
        "[[axis]]\npath = \"seed\"\nrange = { start = \"1\", stop = \"999999999999999999999999999999999999999999\", step = \"1\" }\n",
    );
    assert_input_error(&["check"], &digits, &["range", "too many digits"]);
    let scaled = sweep_file(
        tmp.path(),
        "[[axis]]\npath = \"demand.chronic_share\"\nrange = { start = \"0.000000000000000001\", stop = \"170141183460469231732\", step = \"1\" }\n",
    );
    assert_input_error(&["check"], &scaled, &["range", "do not fit in an exact decimal"]);
}

#[test]
fn service_spread_beyond_bound_is_refused_not_a_panic_at_run() {
    // cv = 1e300 passed check and panicked building the lognormal sampler (found by the fuzz test).
    let p = problems(&county(
        "[tiers.county]\nservice = { dist = \"lognormal\", mean_minutes = 10.0, cv = 1e300 }\n[admission]\nlos_cv = 0.0000001",
        "villages = 2\npopulation = 10",
    ));
    has(&p, &["tiers.county.service.cv", "between 0.001 and 100"]);
    has(&p, &["admission.los_cv", "between 0.001 and 100"]);
}
