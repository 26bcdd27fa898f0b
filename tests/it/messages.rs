//! Messages for bad input (issue 9, "Messages"): one problem, one message,
//! of the form `FILE: KEY PATH: VALUE: what is allowed (hint)`, naming the
//! key and the entry it is in.

use std::path::Path;

use tiersim::scenario::{Problem, Scenario, ScenarioError};

fn broken(file: &str) -> std::path::PathBuf {
    Path::new("tests/it/broken").join(file)
}

/// Runs `tiersim ARGS FILE` and returns stderr, asserting exit 2 and a
/// single `error: FILE: ` line that contains every needle.
fn one_input_error(args: &[&str], file: &Path, needles: &[&str]) -> String {
    let output = assert_cmd::Command::cargo_bin("tiersim")
        .unwrap()
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let shown = file.display().to_string();
    assert_eq!(output.status.code(), Some(2), "{shown} {args:?}: stderr:\n{stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{shown} {args:?}: expected one message:\n{stderr}"
    );
    assert!(
        stderr.starts_with(&format!("error: {shown}: ")),
        "{shown} {args:?}: the message must start with the file:\n{stderr}"
    );
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{shown} {args:?}: stderr lacks {needle:?}:\n{stderr}"
        );
    }
    stderr
}

/// Every problem of an invalid scenario text.
fn problems(text: &str) -> Vec<Problem> {
    match Scenario::from_toml(text, "t.toml") {
        Err(ScenarioError::Invalid { problems, .. }) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

fn syntax_error(text: &str) -> String {
    match Scenario::from_toml(text, "t.toml") {
        Err(e @ ScenarioError::Syntax { .. }) => e.to_string(),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

/// A valid one-region, one-facility scenario with `extra` appended to its facility.
fn one_facility(extra: &str) -> String {
    format!(
        r#"name = "one"
[[region]]
name = "r"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 100
[[facility]]
name = "Dongshan THC"
tier = "regional"
{extra}
"#
    )
}

#[test]
fn duplicate_keys_and_tables_are_named() {
    for args in [
        vec!["check"],
        vec!["run", "--quiet", "--out", "/nonexistent/never-written"],
    ] {
        one_input_error(
            &args,
            &broken("duplicate_key.toml"),
            &[
                "TOML syntax error: line 12, column 1: duplicate key `doctors` in table `facility[0]`",
                "(first given on line 11)",
            ],
        );
    }
    one_input_error(
        &["check"],
        &broken("duplicate_table.toml"),
        &["line 13, column 2: duplicate table `[choice]` (first given on line 2)"],
    );
    one_input_error(
        &["check"],
        &broken("sweep_duplicate_key.toml"),
        &["line 6, column 1: duplicate key `path` in table `axis[0]` (first given on line 4)"],
    );
    // Top level, dotted keys, inline tables, and the second entry of an array of tables.
    let cases = [
        (
            "name = \"a\"\nname = \"b\"\n",
            "duplicate key `name` at the top level (first given on line 1)",
        ),
        (
            "a.b = 1\na.b = 2\n",
            "duplicate key `b` in table `a` (first given on line 1)",
        ),
        (
            "x = { a = 1, a = 2 }\n",
            "line 1, column 14: duplicate key `a` in table `x`",
        ),
        (
            "[[facility]]\nname = \"a\"\n[[facility]]\nname = \"b\"\n\"name\" = \"c\"\n",
            "line 5, column 1: duplicate key `name` in table `facility[1]` (first given on line 4)",
        ),
        (
            "[[region]]\n[[region.settlement]]\n[[region]]\n[[region.settlement]]\n[[region.settlement]]\nat_km = [0.0, 0.0]\nat_km = [1.0, 1.0]\n",
            "duplicate key `at_km` in table `region[1].settlement[1]` (first given on line 6)",
        ),
    ];
    for (text, needle) in cases {
        let message = syntax_error(text);
        assert!(message.contains(needle), "{text:?}: {message}");
    }
}

#[test]
fn wrong_type_on_a_sweep_axis_says_what_was_found_and_what_the_key_takes() {
    let stderr = one_input_error(
        &["check"],
        &broken("sweep_wrong_type.toml"),
        &["axis choice.beliefs = 3: found the whole number 3: expected one of none, live, published, word_of_mouth"],
    );
    assert!(!stderr.contains("unit variant"), "{stderr}");
    one_input_error(
        &["sweep", "--quiet", "--out", "/nonexistent/never-written"],
        &broken("sweep_wrong_type_text.toml"),
        &["axis tiers.county.doctors = abc: found text \"abc\": expected a whole number"],
    );
    // The same words in a scenario file, for every kind of value.
    let cases = [
        (
            "beliefs = 3",
            "found the whole number 3: expected one of none, live, published, word_of_mouth",
        ),
        (
            "beliefs = true",
            "found true: expected one of none, live, published, word_of_mouth",
        ),
        ("beliefs = [1]", "found an array of 1 value: expected one of none, live"),
        ("beliefs = { a = 1 }", "found a table: expected one of none, live"),
        ("b_travel = \"abc\"", "found text \"abc\": expected a number"),
        ("b_travel = { a = 1 }", "found a table: expected a number"),
        ("b_travel = 1979-05-27", "found the date 1979-05-27: expected a number"),
    ];
    for (line, needle) in cases {
        let p = problems(&one_facility(&format!("at_km = [0.0, 0.0]\n[choice]\n{line}")));
        assert_eq!(p.len(), 1, "{line}: {p:?}");
        assert!(p[0].message.contains(needle), "{line}: {:?}", p[0]);
    }
}

#[test]
fn one_problem_one_message() {
    for (file, needle) in [
        (
            "tier_capitalised.toml",
            "facility \"Dongshan THC\" (facility[0]).tier: \"Regional\" is not allowed: expected one of village, township, county, regional (did you mean `regional`?)",
        ),
        (
            "region_single_brackets.toml",
            "region: found a table: expected an array of tables: write each entry under [[region]], with double brackets",
        ),
        (
            "at_km_three.toml",
            "facility \"Dongshan THC\" (facility[0]).at_km: found an array of 3 values: expected [x_km, y_km]",
        ),
    ] {
        let stderr = one_input_error(&["check"], &broken(file), &[needle]);
        assert!(!stderr.contains("missing"), "{file}: {stderr}");
    }
    // A bad value under a region is not also a region without residents.
    let p = problems(
        "[[region]]\nname = \"r\"\n[[region.settlement]]\nat_km = [0.0, 0.0]\npopulation = \"many\"\n[[facility]]\nname = \"f\"\ntier = \"regional\"\nat_km = [0.0, 0.0]\n",
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].path, "region \"r\" (region[0]).settlement[0].population");
    // Independent problems are all still reported.
    let p = problems(&one_facility(
        "at_km = [0.0, 0.0, 1.0]\ndoctors = -1\n[choice]\nb_travel = \"x\"",
    ));
    assert_eq!(p.len(), 3, "{p:?}");
}

#[test]
fn type_errors_name_entries_like_range_errors() {
    one_input_error(
        &["check"],
        &broken("doctors_fraction.toml"),
        &["facility \"Dongshan THC\" (facility[0]).doctors: found the number 2.5: expected a whole number"],
    );
    let range = problems(&one_facility("at_km = [0.0, 0.0]\ndoctors = -2"));
    let typed = problems(&one_facility("at_km = [0.0, 0.0]\ndoctors = 2.5"));
    assert_eq!(range[0].path, typed[0].path);
    let p = problems(&one_facility("at_km = [\"a\", 0.0]"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].path, "facility \"Dongshan THC\" (facility[0]).at_km[0]");
    assert_eq!(p[0].plain_path(), "facility[0].at_km[0]");
    let p = problems(&one_facility("at_km = \"north\""));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].message, "found text \"north\": expected [x_km, y_km]");
    // Without a usable name the index alone names the entry.
    let p = problems(&one_facility(
        "at_km = [0.0, 0.0]\n[[facility]]\nname = 7\ntier = \"county\"\nat_km = [0.0, 0.0]",
    ));
    assert_eq!(p[0].path, "facility[1].name", "{p:?}");
    assert_eq!(p[0].message, "found the whole number 7: expected text in quotes");
}

#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
struct WithSource {
    path: std::path::PathBuf,
    source: std::io::Error,
}

#[test]
fn os_errors_are_printed_once() {
    let e = anyhow::Error::from(WithSource {
        path: "out/points".into(),
        source: std::io::Error::from_raw_os_error(20),
    })
    .context("sweep s.toml");
    let text = tiersim::cli::cause_chain(&e);
    assert_eq!(text.matches("os error 20").count(), 1, "{text}");
    assert!(text.starts_with("sweep s.toml: out/points: "), "{text}");
    // Causes that add something are all kept.
    let e = anyhow::Error::from(std::io::Error::from_raw_os_error(2)).context("reading x");
    assert!(tiersim::cli::cause_chain(&e).ends_with("(os error 2)"));
    assert!(tiersim::cli::cause_chain(&e).starts_with("reading x: "));

    // A file where a folder must be made.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let out = file.join("sub");
    for args in [
        vec![
            "sweep",
            "tests/it/sweeps/tiny_sweep.toml",
            "--quiet",
            "--no-charts",
            "--out",
        ],
        vec!["run", "--quiet", "--days", "40", "--replications", "1", "--out"],
    ] {
        let output = assert_cmd::Command::cargo_bin("tiersim")
            .unwrap()
            .args(&args)
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}:\n{stderr}");
        assert!(stderr.matches("os error").count() <= 1, "{args:?}:\n{stderr}");
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

#[test]
fn scenario_and_sweep_files_given_to_the_wrong_command_say_which_to_use() {
    let scenario = Path::new("tests/it/sweeps/tiny_base.toml");
    let stderr = one_input_error(
        &["sweep", "--quiet", "--out", "/nonexistent/never-written"],
        scenario,
        &[
            "is a scenario file, not a sweep file (a sweep names `base = ",
            "run it with `tiersim run tests/it/sweeps/tiny_base.toml`",
        ],
    );
    assert!(!stderr.contains("unknown field"), "{stderr}");
    let sweep = Path::new("tests/it/sweeps/tiny_sweep.toml");
    let stderr = one_input_error(
        &["run", "--quiet", "--out", "/nonexistent/never-written"],
        sweep,
        &[
            "is a sweep file, not a scenario file (it names `base = \"tiny_base.toml\"`)",
            "run it with `tiersim sweep tests/it/sweeps/tiny_sweep.toml`",
        ],
    );
    assert!(!stderr.contains("unknown key"), "{stderr}");
    // `check` knows both.
    for f in [scenario, sweep] {
        assert_cmd::Command::cargo_bin("tiersim")
            .unwrap()
            .arg("check")
            .arg(f)
            .assert()
            .success();
    }
}
