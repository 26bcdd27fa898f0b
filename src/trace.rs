//! Visit trace (`tiersim run --trace FILE`): one row per visit of every
//! replication, like Ciw's data records, for checking a model by hand or
//! analysing it outside tiersim.
//!
//! A visit is an arrival of a patient at a facility: at its outpatient queue
//! (first contact, a retry after leaving unseen, a referral up, a follow-up)
//! or, after boarding elsewhere, straight at its beds (a transfer). The
//! engine fills rows through [`Trace`] hooks when, and only when, tracing is
//! on; the hooks draw no random number, so a traced replication gives the
//! same [`crate::metrics::RunOutput`] as an untraced one.
//!
//! Traces are for small runs: [`estimated_visits`] above [`MAX_VISITS`] is
//! refused before simulating.

use std::io;
use std::path::{Path, PathBuf};

use crate::metrics::ArrivalKind;
use crate::report;
use crate::scenario::{FacilityId, Scenario, Severity};
use crate::world::World;

/// The largest run, in estimated visits over all replications, that may be traced.
pub const MAX_VISITS: f64 = 2_000_000.0;

/// Visits per illness episode assumed by [`estimated_visits`], before follow-ups.
pub const VISITS_PER_EPISODE: f64 = 1.5;

/// The trace file's header line (without its line end). An existing file
/// is only ever replaced if it starts with this line.
pub const HEADER: &str = "replication,episode,resident,settlement,facility,tier,severity,kind,\
arrival_minutes,service_start_minutes,service_end_minutes,outcome,referred,fund_cny,oop_cny,\
admission_minutes,discharge_minutes,counted,emergency";

/// How a patient came to a facility.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisitKind {
    /// The episode's first visit.
    FirstContact,
    /// Another facility chosen after leaving one unseen.
    Retry,
    /// Referred up by a facility that could not treat the patient.
    ReferredUp,
    /// A planned follow-up visit after treatment.
    FollowUp,
    /// The first follow-up visit after a referral down to the grassroots.
    ReferredDown,
    /// Moved from boarding elsewhere to this facility's beds (no consultation).
    Transfer,
}

impl VisitKind {
    /// Name in the trace file.
    pub fn name(self) -> &'static str {
        match self {
            VisitKind::FirstContact => "first_contact",
            VisitKind::Retry => "retry",
            VisitKind::ReferredUp => "referred_up",
            VisitKind::FollowUp => "followup",
            VisitKind::ReferredDown => "referred_down",
            VisitKind::Transfer => "transfer",
        }
    }
}

/// How a visit ended, or where it stood at the horizon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Still in the queue at the horizon.
    Waiting,
    /// With a doctor at the horizon.
    InService,
    /// Consultation over: treated (and not admitted), or a follow-up done.
    Served,
    /// Seen, not treatable here, sent to a higher tier (the next row).
    ReferredUp,
    /// Seen, not treatable here, and nowhere to refer to: the episode ends unmet.
    NotReferred,
    /// Left the queue unseen (patience ran out).
    LeftUnseen,
    /// Waiting for a bed here at the horizon.
    Boarding,
    /// Given a bed here (see `admission_minutes`, `discharge_minutes`).
    Admitted,
    /// Needed a bed here and was moved to the partner (the next row).
    Transferred,
    /// Admitted here, could not raise the deposit and went without the
    /// admission (`[deposit]`): the episode ends unmet.
    AdmissionForgone,
    /// Admitted here, went home to raise the deposit and had not come back
    /// at the horizon (one who comes back is `Admitted`, `Boarding` or
    /// `Transferred` on the same row).
    RaisingDeposit,
}

impl Outcome {
    /// Name in the trace file.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Waiting => "waiting",
            Outcome::InService => "in_service",
            Outcome::Served => "served",
            Outcome::ReferredUp => "referred_up",
            Outcome::NotReferred => "not_referred",
            Outcome::LeftUnseen => "left_unseen",
            Outcome::Boarding => "boarding",
            Outcome::Admitted => "admitted",
            Outcome::Transferred => "transferred",
            Outcome::AdmissionForgone => "admission_forgone",
            Outcome::RaisingDeposit => "raising_deposit",
        }
    }
}

/// One visit. Times are minutes since the start of the run (day 0, 00:00);
/// NaN where it did not happen (written as an empty field).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VisitRow {
    /// Replication index.
    pub replication: u32,
    /// Episode number within the replication, in onset order from 0
    /// (follow-up visits keep their episode's number).
    pub episode: u64,
    /// Resident index within the replication.
    pub resident: u32,
    /// Home settlement (index into [`World::settlements`]).
    pub settlement: u32,
    /// Facility (index into [`World::facilities`]).
    pub facility: u32,
    /// Severity at the visit (follow-up visits are mild).
    pub severity: Severity,
    /// How the patient came.
    pub kind: VisitKind,
    /// How it ended.
    pub outcome: Outcome,
    /// Not self-referred: the self-referral payment penalty does not apply
    /// (referrals up and down, follow-ups, transfers).
    pub referred: bool,
    /// Arrival after warm-up: the visit counts in `arrivals` and wait metrics.
    pub counted: bool,
    /// Seen in the emergency department: its wait counts in the emergency
    /// wait metrics, not the outpatient ones.
    pub emergency: bool,
    /// Arrival \[minutes\].
    pub arrival: f64,
    /// Consultation start \[minutes\].
    pub service_start: f64,
    /// Consultation end \[minutes\].
    pub service_end: f64,
    /// Bed given here \[minutes\].
    pub admission: f64,
    /// Discharge from that bed \[minutes\].
    pub discharge: f64,
    /// Paid by the fund for the consultation and, on the admitting row,
    /// the bed stay \[CNY\].
    pub fund: f64,
    /// Paid by the patient, likewise \[CNY\].
    pub oop: f64,
}

/// Where an episode slot's rows are.
#[derive(Clone, Copy, Debug)]
struct Slot {
    episode: u64,
    /// Row of the current visit; `NONE` before the first.
    row: usize,
}

const NONE: usize = usize::MAX;

/// The trace of one replication in progress, fed by engine hooks keyed by
/// episode slot (slots are reused; [`Trace::onset`] starts a new episode).
#[derive(Debug)]
pub(crate) struct Trace {
    replication: u32,
    warmup: f64,
    next_episode: u64,
    slots: Vec<Slot>,
    rows: Vec<VisitRow>,
}

/// What the engine knows of an arrival.
pub(crate) struct Arrival {
    pub resident: u32,
    pub settlement: u32,
    pub facility: FacilityId,
    pub severity: Severity,
    pub referred: bool,
    pub t: f64,
}

impl Trace {
    pub(crate) fn new(replication: u32, warmup: f64) -> Trace {
        Trace {
            replication,
            warmup,
            next_episode: 0,
            slots: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// A new episode takes `slot`.
    pub(crate) fn onset(&mut self, slot: u32) {
        let s = slot as usize;
        if s >= self.slots.len() {
            self.slots.resize(s + 1, Slot { episode: 0, row: NONE });
        }
        self.slots[s] = Slot {
            episode: self.next_episode,
            row: NONE,
        };
        self.next_episode += 1;
    }

    /// An arrival at an outpatient queue.
    pub(crate) fn arrival(&mut self, slot: u32, a: Arrival, kind: ArrivalKind) {
        let kind = if kind.referred_down {
            VisitKind::ReferredDown
        } else if kind.followup {
            VisitKind::FollowUp
        } else if kind.referred_up {
            VisitKind::ReferredUp
        } else if self.slot(slot).row != NONE {
            VisitKind::Retry
        } else {
            VisitKind::FirstContact
        };
        self.push(slot, a, kind);
    }

    /// An arrival at the beds after a transfer.
    pub(crate) fn transfer_arrival(&mut self, slot: u32, a: Arrival) {
        self.push(slot, a, VisitKind::Transfer);
    }

    fn push(&mut self, slot: u32, a: Arrival, kind: VisitKind) {
        let episode = self.slot(slot).episode;
        self.rows.push(VisitRow {
            replication: self.replication,
            episode,
            resident: a.resident,
            settlement: a.settlement,
            facility: a.facility.0,
            severity: a.severity,
            kind,
            outcome: Outcome::Waiting,
            referred: a.referred,
            counted: a.t >= self.warmup,
            emergency: false,
            arrival: a.t,
            service_start: f64::NAN,
            service_end: f64::NAN,
            admission: f64::NAN,
            discharge: f64::NAN,
            fund: 0.0,
            oop: 0.0,
        });
        let row = self.rows.len() - 1;
        self.slots[slot as usize].row = row;
    }

    fn slot(&self, slot: u32) -> Slot {
        self.slots
            .get(slot as usize)
            .copied()
            .expect("every traced episode starts with an onset")
    }

    /// The current visit of `slot`.
    fn row(&mut self, slot: u32) -> &mut VisitRow {
        let row = self.slot(slot).row;
        &mut self.rows[row]
    }

    /// The current visit is in the emergency department.
    pub(crate) fn emergency(&mut self, slot: u32) {
        self.row(slot).emergency = true;
    }

    pub(crate) fn service_start(&mut self, slot: u32, t: f64) {
        let r = self.row(slot);
        r.service_start = t;
        r.outcome = Outcome::InService;
    }

    /// The consultation ended; `triage` if the patient is referred on.
    pub(crate) fn service_end(&mut self, slot: u32, t: f64, triage: bool) {
        let r = self.row(slot);
        r.service_end = t;
        r.outcome = if triage { Outcome::ReferredUp } else { Outcome::Served };
    }

    pub(crate) fn outcome(&mut self, slot: u32, outcome: Outcome) {
        self.row(slot).outcome = outcome;
    }

    /// A bill for the current visit (or the stay of its admission).
    pub(crate) fn paid(&mut self, slot: u32, fund: f64, oop: f64) {
        let r = self.row(slot);
        r.fund += fund;
        r.oop += oop;
    }

    pub(crate) fn admitted(&mut self, slot: u32, t: f64) {
        let r = self.row(slot);
        r.admission = t;
        r.outcome = Outcome::Admitted;
    }

    pub(crate) fn discharged(&mut self, slot: u32, t: f64) {
        self.row(slot).discharge = t;
    }

    pub(crate) fn into_rows(self) -> Vec<VisitRow> {
        self.rows
    }
}

/// Expected visits of a run over all replications: expected episodes
/// (population x `episodes_per_resident_year`, chronic residents weighted
/// by `chronic_multiplier`, x days / 365 x replications) x
/// ([`VISITS_PER_EPISODE`] + the expected follow-up visits per episode).
pub fn estimated_visits(s: &Scenario) -> f64 {
    let d = &s.demand;
    let rate = d.episodes_per_resident_year * (1.0 - d.chronic_share + d.chronic_share * d.chronic_multiplier);
    let episodes = s.population() as f64 * rate * f64::from(s.days) / 365.0 * f64::from(s.replications);
    let followups: f64 = d
        .severity_mix
        .iter()
        .zip(s.referral.followups)
        .map(|(p, n)| p * f64::from(n))
        .sum();
    episodes * (VISITS_PER_EPISODE + followups)
}

/// Refuses a run too large to trace: the message names `--trace`, the
/// estimate and the limit.
pub fn check_size(s: &Scenario) -> Result<(), String> {
    let visits = estimated_visits(s);
    if visits <= MAX_VISITS {
        return Ok(());
    }
    Err(format!(
        "--trace: this run would trace about {} visits ({} residents, {} replication(s) of {} days), \
         above the limit of {}; trace a smaller run (fewer --replications or --days, or a smaller scenario)",
        report::thousands(visits),
        report::thousands(s.population() as f64),
        s.replications,
        s.days,
        report::thousands(MAX_VISITS)
    ))
}

/// Refuses a trace path that is a folder, lies in a folder that does not
/// exist, lies inside the output folder `out` (which a run replaces), or
/// is an existing file that does not start with [`HEADER`] (tiersim
/// replaces only its own traces).
pub fn check_path(path: &Path, out: &Path) -> Result<(), String> {
    let shown = path.display();
    if path.is_dir() {
        return Err(format!(
            "--trace {shown}: is a folder; give a file path, such as {}",
            path.join("visits.csv").display()
        ));
    }
    let Some(name) = path.file_name() else {
        return Err(format!("--trace {shown}: expected a file path, such as visits.csv"));
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if resolve(&parent).join(name).starts_with(resolve(out)) {
        return Err(format!(
            "--trace {shown}: lies inside the output folder {}, which a run replaces; write the trace beside it",
            out.display()
        ));
    }
    if !parent.is_dir() {
        return Err(format!("--trace {shown}: folder {} does not exist", parent.display()));
    }
    if path.exists() && !starts_with_header(path) {
        return Err(format!(
            "--trace {shown}: exists and is not a tiersim trace; tiersim replaces only its own traces \
             (files starting with its header line): remove it or choose another path"
        ));
    }
    Ok(())
}

/// Whether the file at `path` starts with the line [`HEADER`].
fn starts_with_header(path: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::with_capacity(HEADER.len() + 1);
    let read = std::fs::File::open(path).and_then(|f| f.take(HEADER.len() as u64 + 1).read_to_end(&mut head));
    read.is_ok() && head.starts_with(HEADER.as_bytes()) && matches!(head.get(HEADER.len()), Some(b'\n' | b'\r') | None)
}

/// `p` made absolute, through symbolic links as far as it exists.
fn resolve(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut rest = Vec::new();
    let mut base = abs.as_path();
    loop {
        if let Ok(c) = base.canonicalize() {
            return rest.iter().rev().fold(c, |acc: PathBuf, name| acc.join(name));
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                base = parent;
            }
            _ => return abs,
        }
    }
}

/// The trace file: [`HEADER`], then every row in replication and arrival order.
pub fn csv(world: &World, rows: &[VisitRow]) -> io::Result<Vec<u8>> {
    let settlements: Vec<&str> = world
        .scenario
        .regions
        .iter()
        .flat_map(|r| &r.settlements)
        .map(|s| s.name.as_str())
        .collect();
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 120 + HEADER.len() + 1));
    w.write_record(HEADER.split(','))?;
    for r in rows {
        let f = &world.facilities[r.facility as usize];
        w.write_record([
            r.replication.to_string().as_str(),
            &r.episode.to_string(),
            &r.resident.to_string(),
            settlements.get(r.settlement as usize).copied().unwrap_or(""),
            &f.name,
            f.tier.name(),
            r.severity.name(),
            r.kind.name(),
            &report::num(r.arrival),
            &report::num(r.service_start),
            &report::num(r.service_end),
            r.outcome.name(),
            if r.referred { "true" } else { "false" },
            &report::num(r.fund),
            &report::num(r.oop),
            &report::num(r.admission),
            &report::num(r.discharge),
            if r.counted { "true" } else { "false" },
            if r.emergency { "true" } else { "false" },
        ])?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// Writes the trace file atomically (a temporary sibling, then a rename).
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    crate::output::write_file_atomic(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(days: u32, reps: u32) -> Scenario {
        let text = format!(
            r#"
name = "size"
days = {days}
warmup_days = 0
replications = {reps}
[demand]
episodes_per_resident_year = 2.0
chronic_share = 0.5
chronic_multiplier = 3.0
{}{}"#,
            crate::testing::region(100_000),
            crate::testing::facility("c", "county", 0.0, "")
        );
        Scenario::from_toml(&text, "test").expect("valid")
    }

    #[test]
    fn estimate_weighs_chronic_residents_days_and_replications() {
        // 100,000 x 2 x (0.5 + 0.5 x 3) x 73 / 365 x 2 x 1.5 = 240,000.
        let v = estimated_visits(&scenario(73, 2));
        assert!((v - 240_000.0).abs() < 1e-6, "{v}");
        assert!(check_size(&scenario(73, 2)).is_ok());
        let big = check_size(&scenario(365, 4)).unwrap_err();
        assert!(
            big.contains("--trace") && big.contains("2,400,000") && big.contains("2,000,000"),
            "{big}"
        );
    }

    #[test]
    fn header_is_one_line_of_the_documented_columns() {
        assert_eq!(HEADER.split(',').count(), 19);
        assert!(!HEADER.contains(char::is_whitespace));
    }

    #[test]
    fn paths_refused_folder_missing_parent_inside_out_and_foreign_file() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        assert!(check_path(tmp.path(), &out).unwrap_err().contains("is a folder"));
        let missing = tmp.path().join("nowhere/visits.csv");
        assert!(check_path(&missing, &out).unwrap_err().contains("does not exist"));
        assert!(
            check_path(&out.join("visits.csv"), &out)
                .unwrap_err()
                .contains("inside the output folder")
        );
        std::fs::create_dir(&out).unwrap();
        assert!(
            check_path(&out.join("visits.csv"), &out)
                .unwrap_err()
                .contains("inside the output folder")
        );
        assert!(check_path(&out, &out).unwrap_err().contains("is a folder"));
        let mine = tmp.path().join("notes.csv");
        std::fs::write(&mine, "a,b\n1,2\n").unwrap();
        assert!(check_path(&mine, &out).unwrap_err().contains("not a tiersim trace"));
        let longer = tmp.path().join("longer.csv");
        std::fs::write(&longer, format!("{HEADER},extra\n")).unwrap();
        assert!(check_path(&longer, &out).is_err());
        let old = tmp.path().join("old.csv");
        std::fs::write(&old, format!("{HEADER}\n0,0\n")).unwrap();
        assert!(check_path(&old, &out).is_ok());
        assert!(check_path(&tmp.path().join("new.csv"), &out).is_ok());
    }
}
