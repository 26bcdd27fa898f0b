//! Output folders (issue 9): `--out` never deletes, renames or mixes what
//! tiersim did not write; a kill at any rename is recovered and a resumed
//! sweep ends byte-identical to an uninterrupted one; a second writer is
//! refused or queues.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output, Stdio};
use std::time::Duration;

use tiersim::output::{self, Guard, Kind};

const BASE: &str = "tests/it/sweeps/tiny_base.toml";
const SWEEP: &str = "tests/it/sweeps/tiny_sweep.toml";

fn tiersim(args: &[&str], cwd: Option<&Path>, crash_at: Option<&str>) -> Output {
    let mut cmd = Process::new(env!("CARGO_BIN_EXE_tiersim"));
    cmd.args(args);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    match crash_at {
        Some(point) => cmd.env("TIERSIM_CRASH_AT", point),
        None => cmd.env_remove("TIERSIM_CRASH_AT"),
    };
    cmd.output().unwrap()
}

fn abs(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel).display().to_string()
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file and folder under `dir` (hidden ones included), with contents.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if p.is_dir() {
                out.insert(rel, None);
                walk(root, &p, out);
            } else {
                out.insert(rel, Some(fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn assert_same_tree(a: &Path, b: &Path) {
    let (ta, tb) = (tree(a), tree(b));
    let names = |t: &BTreeMap<PathBuf, Option<Vec<u8>>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&ta),
        names(&tb),
        "{} and {} hold different files",
        a.display(),
        b.display()
    );
    for (k, v) in &ta {
        assert!(
            v == &tb[k],
            "{} differs between {} and {}",
            k.display(),
            a.display(),
            b.display()
        );
    }
}

/// A folder of the user's own: notes, data, a subfolder.
fn users_folder(dir: &Path) -> PathBuf {
    let p = dir.join("precious");
    fs::create_dir_all(p.join("data")).unwrap();
    fs::write(p.join("notes.txt"), "my notes\n").unwrap();
    fs::write(p.join("data/visits.csv"), "a,b\n1,2\n").unwrap();
    p
}

fn run_into(out: &Path, seed: &str, crash_at: Option<&str>) -> Output {
    tiersim(
        &["run", &abs(BASE), "--seed", seed, "-r", "1", "--out", &path(out), "-q"],
        None,
        crash_at,
    )
}

#[test]
fn out_refuses_a_users_folder_and_leaves_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let precious = users_folder(tmp.path());
    let before = tree(tmp.path());
    for args in [
        vec!["run", BASE, "-r", "1"],
        vec!["sweep", SWEEP],
        vec!["merge", "tests/it/sweeps"],
    ] {
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.extend(["--out".into(), path(&precious)]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = tiersim(&args, Some(Path::new(env!("CARGO_MANIFEST_DIR"))), None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("did not write"), "{}", stderr(&o));
        assert!(stderr(&o).contains("notes.txt"), "names what is there: {}", stderr(&o));
        assert_eq!(tree(tmp.path()), before, "{args:?} touched the user's files");
    }
}

#[test]
fn out_refuses_the_working_directory_its_parents_and_a_folder_holding_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    fs::create_dir_all(work.join("county/inputs")).unwrap();
    fs::copy(abs(BASE), work.join("county/inputs/my.toml")).unwrap();
    let before = tree(tmp.path());
    for (out, why) in [
        (".", "is the working directory"),
        ("..", "holds the working directory"),
        ("county", "an input of this command"),
        ("county/inputs", "an input of this command"),
    ] {
        let o = tiersim(&["run", "county/inputs/my.toml", "--out", out], Some(&work), None);
        assert_eq!(o.status.code(), Some(2), "--out {out}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "--out {out}: {}", stderr(&o));
        assert_eq!(tree(tmp.path()), before, "--out {out} touched files");
    }
}

#[test]
fn out_refuses_an_existing_file_and_touches_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("results.txt");
    fs::write(&file, "keep me\n").unwrap();
    let before = tree(tmp.path());
    for _ in 0..2 {
        let o = run_into(&file, "1", None);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("is a file"), "{}", stderr(&o));
        assert_eq!(tree(tmp.path()), before);
    }
}

#[test]
fn kill_at_every_rename_of_a_run_is_recovered_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("reference");
    assert!(run_into(&reference, "2", None).status.success());
    for point in [
        "stage:made",
        "atomic:tmp-written@2",
        "stage:old-moved",
        "stage:new-moved",
    ] {
        let parent = tmp.path().join(point.replace([':', '@'], "-"));
        let out = parent.join("out");
        assert!(run_into(&out, "1", None).status.success());
        let older = tree(&out);
        let killed = run_into(&out, "2", Some(point));
        assert!(!killed.status.success(), "{point}: the crash point was not reached");
        // Whatever the kill left, the next run restores or removes it...
        let next = run_into(&out, "3", None);
        assert!(next.status.success(), "{point}: {}", stderr(&next));
        if point == "stage:old-moved" {
            assert!(stderr(&next).contains("restored"), "{point}: {}", stderr(&next));
        }
        assert!(
            stderr(&next).contains("removed"),
            "{point}: says what it cleaned: {}",
            stderr(&next)
        );
        assert_ne!(tree(&out), older, "{point}: the new run replaced the older output");
        // ...and leaves exactly what an uninterrupted run leaves.
        assert!(run_into(&out, "2", None).status.success());
        assert_same_tree(&out, &reference);
        let left: Vec<_> = fs::read_dir(&parent).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("out")],
            "{point}: leftovers beside --out"
        );
    }
}

#[test]
fn a_run_killed_between_the_renames_leaves_the_older_output_recoverable() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(run_into(&out, "1", None).status.success());
    let older = tree(&out);
    assert!(!run_into(&out, "2", Some("stage:old-moved")).status.success());
    assert!(!out.exists(), "the kill came after the older output was moved aside");
    // A sweep or a comparison claiming the same name also restores it first.
    let o = tiersim(&["sweep", &abs(SWEEP), "--out", &path(&out)], None, None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("restored"), "{}", stderr(&o));
    assert_eq!(tree(&out), older, "the older run output is back, untouched");
}

fn sweep_into(out: &Path, crash_at: Option<&str>) -> Output {
    tiersim(
        &["sweep", &abs(SWEEP), "--out", &path(out), "-j", "1", "-q"],
        None,
        crash_at,
    )
}

#[test]
fn killed_sweep_resumes_byte_identical_to_an_uninterrupted_one() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("reference");
    assert!(sweep_into(&reference, None).status.success());
    // Kill at the k-th atomic write, for every k until the sweep finishes
    // before reaching it.
    let mut killed = 0;
    for k in 1..200 {
        let out = tmp.path().join(format!("k{k}"));
        let first = sweep_into(&out, Some(&format!("atomic:tmp-written@{k}")));
        if first.status.success() {
            break;
        }
        killed += 1;
        let resumed = sweep_into(&out, None);
        assert!(resumed.status.success(), "k={k}: {}", stderr(&resumed));
        assert_same_tree(&out, &reference);
    }
    assert!(
        killed > 10,
        "only {killed} kill points: the sweep writes more files than that"
    );
}

#[test]
fn sweep_refuses_a_run_folder_and_run_refuses_a_sweep_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let swept = tmp.path().join("swept");
    assert!(run_into(&run, "1", None).status.success());
    assert!(sweep_into(&swept, None).status.success());
    let before = tree(tmp.path());
    let o = sweep_into(&run, None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not of `tiersim sweep`"), "{}", stderr(&o));
    let o = run_into(&swept, "1", None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = tiersim(
        &["compare", &path(&run), &path(&run), "--out", &path(&swept)],
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = tiersim(&["compare", &path(&run), &path(&run), "--out", &path(&run)], None, None);
    assert_eq!(o.status.code(), Some(2), "compare into its own input: {}", stderr(&o));
    assert_eq!(tree(tmp.path()), before);
}

#[test]
fn second_writer_of_one_out_is_refused_with_exit_3_or_waits() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let held = output::claim(&out, Kind::Run, &Guard::default(), &mut |_| {}).unwrap();
    let o = run_into(&out, "1", None);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("pid {}", std::process::id())),
        "names the holder: {}",
        stderr(&o)
    );
    assert!(!out.exists());
    let mut waiting = Process::new(env!("CARGO_BIN_EXE_tiersim"))
        .args(["run", &abs(BASE), "-r", "1", "--out", &path(&out), "-q", "--wait"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(waiting.try_wait().unwrap().is_none(), "--wait queues behind the holder");
    drop(held);
    assert!(waiting.wait().unwrap().success());
    assert!(out.join("summary.json").is_file());
}

#[test]
fn concurrent_runs_to_one_out_with_wait_all_succeed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let children: Vec<_> = (0..4)
        .map(|i| {
            Process::new(env!("CARGO_BIN_EXE_tiersim"))
                .args(["run", &abs(BASE), "-r", "1", "--seed", &i.to_string()])
                .args(["--out", &path(&out), "-q", "--wait", "--no-charts"])
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let left: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("out")]);
    assert!(out.join("summary.json").is_file());
}
