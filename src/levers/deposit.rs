//! `[deposit]`: an admission deposit per tier that some residents cannot
//! raise, and the settle-after-discharge reform that removes it (Xining:
//! 96,000 inpatients treated first and billed at discharge). Off unless the
//! section is given. README: "[deposit]"; `docs/model.md`: "Admission
//! deposits".
//!
//! # The rule
//! A patient about to be admitted at a facility of tier `k` is asked for
//! `amount[k]` CNY (none where it is 0, and none anywhere with
//! `settle_after_discharge = true`). A resident of income group `g` cannot
//! raise it with probability
//!
//! `p = min(1, cannot_pay[g] * amount[k] / reference_amount)`:
//!
//! `cannot_pay[g]` is the share of the group unable to raise a deposit of
//! `reference_amount` CNY, and the share grows in proportion to the sum
//! asked (a first-order rule: twice the deposit, twice the residents who
//! cannot find it, capped at everyone). Groups not listed always pay.
//! Of those who cannot pay, `delay_share` go home, raise the money and come
//! back `delay_days` later for their bed (an admission delayed); the rest
//! forgo the admission, and the episode ends unmet. The deposit itself is
//! settled against the bill at discharge, so it moves no money.

use std::collections::BTreeMap;

use super::{Context, Lever};
use crate::scenario::PopulationParams;
use crate::scenario::Tier;
use crate::scenario::error::did_you_mean;
use crate::scenario::limits::MAX_DAYS;
use crate::scenario::raw::PerTier;
use crate::scenario::validate::Checker;

raw_section! {
    /// `[deposit]`
    pub struct RawDeposit {
        pub amount: Option<PerTier<f64>>,
        pub settle_after_discharge: Option<bool>,
        pub cannot_pay: Option<BTreeMap<String, f64>>,
        pub reference_amount: Option<f64>,
        pub delay_share: Option<f64>,
        pub delay_days: Option<f64>,
    }
}

/// Admission deposits (see the module notes for the rule).
#[derive(Clone, Debug, PartialEq)]
pub struct Deposit {
    /// Deposit asked at admission, per tier \[CNY\]; 0: none.
    pub amount: [f64; 4],
    /// The reform: every patient is admitted first and billed at discharge.
    pub settle_after_discharge: bool,
    /// Per income group (by name, sorted): share unable to raise a deposit
    /// of `reference_amount`; groups not listed always pay.
    pub cannot_pay: Vec<(String, f64)>,
    /// The deposit at which `cannot_pay` holds \[CNY\], > 0.
    pub reference_amount: f64,
    /// Of those who cannot pay, the share who come back later.
    pub delay_share: f64,
    /// Days until those who come back return for their bed, > 0.
    pub delay_days: f64,
}

/// Defaults, illustrative: deposits rising by tier, as hospitals commonly
/// ask, and half of those who cannot pay borrowing the sum within days.
const AMOUNT: [f64; 4] = [0.0, 500.0, 3000.0, 10_000.0];
const REFERENCE_AMOUNT: f64 = 3000.0;
const DELAY_SHARE: f64 = 0.5;
const DELAY_DAYS: f64 = 3.0;

impl Deposit {
    /// The deposit a patient admitted at `tier` is asked for \[CNY\]: 0
    /// after the reform or where the tier asks none.
    pub fn asked(&self, tier: Tier) -> f64 {
        if self.settle_after_discharge {
            0.0
        } else {
            self.amount[tier as usize]
        }
    }

    /// P(a resident of a group with `cannot_pay` share cannot raise a
    /// deposit of `amount`): `min(1, cannot_pay * amount / reference_amount)`.
    pub fn cannot_pay_probability(&self, cannot_pay: f64, amount: f64) -> f64 {
        (cannot_pay * amount / self.reference_amount).min(1.0)
    }

    /// `cannot_pay` per income group of `population`, in group order (0
    /// for groups not listed).
    pub fn cannot_pay_by_group(&self, population: &PopulationParams) -> Vec<f64> {
        population
            .income_groups
            .iter()
            .map(|g| {
                self.cannot_pay
                    .iter()
                    .find(|(name, _)| *name == g.name)
                    .map_or(0.0, |(_, p)| *p)
            })
            .collect()
    }
}

impl Lever for Option<Deposit> {
    type Raw = Option<RawDeposit>;

    fn check(c: &mut Checker, raw: &Option<RawDeposit>, _: &Context) -> Option<Deposit> {
        let d = raw.as_ref()?;
        let cannot_pay = d
            .cannot_pay
            .iter()
            .flatten()
            .map(|(name, p)| (name.clone(), c.probability(&cannot_pay_path(name), Some(*p), 0.0)))
            .collect();
        Some(Deposit {
            amount: c.per_tier("deposit.amount", d.amount.as_ref(), AMOUNT, Checker::non_negative),
            settle_after_discharge: d.settle_after_discharge.unwrap_or(false),
            cannot_pay,
            reference_amount: c.positive("deposit.reference_amount", d.reference_amount, REFERENCE_AMOUNT),
            delay_share: c.probability("deposit.delay_share", d.delay_share, DELAY_SHARE),
            delay_days: c.number(
                "deposit.delay_days",
                d.delay_days,
                DELAY_DAYS,
                |x| x > 0.0 && x <= f64::from(MAX_DAYS),
                &format!("a number of days > 0 and <= {MAX_DAYS}"),
            ),
        })
    }

    fn to_raw(&self) -> Option<RawDeposit> {
        self.as_ref().map(|d| RawDeposit {
            amount: Some(PerTier::full(d.amount)),
            settle_after_discharge: Some(d.settle_after_discharge),
            cannot_pay: Some(d.cannot_pay.iter().cloned().collect()),
            reference_amount: Some(d.reference_amount),
            delay_share: Some(d.delay_share),
            delay_days: Some(d.delay_days),
        })
    }
}

/// The key path of a group's `cannot_pay`, the name quoted as TOML
/// quotes it where it is not a bare key (`deposit.cannot_pay."low income"`).
fn cannot_pay_path(name: &str) -> String {
    let bare = !name.is_empty() && name.chars().all(|ch| ch.is_ascii_alphanumeric() || "_-".contains(ch));
    if bare {
        format!("deposit.cannot_pay.{name}")
    } else {
        format!("deposit.cannot_pay.\"{name}\"")
    }
}

/// `deposit.cannot_pay` may name only income groups of `[population]`
/// (checked after both levers, which know nothing of each other).
pub(crate) fn check_groups(c: &mut Checker, deposit: Option<&Deposit>, population: &PopulationParams) {
    let Some(d) = deposit else { return };
    let groups: Vec<&str> = population.income_groups.iter().map(|g| g.name.as_str()).collect();
    for (name, _) in &d.cannot_pay {
        if groups.contains(&name.as_str()) {
            continue;
        }
        let hint = did_you_mean(name, groups.iter().copied()).unwrap_or_default();
        let listed = groups.iter().map(|g| format!("\"{g}\"")).collect::<Vec<_>>().join(", ");
        c.push(
            cannot_pay_path(name),
            format!("\"{name}\" is not an income group: the groups of [population] are {listed}{hint}"),
        );
    }
}

pub(crate) mod run {
    //! The deposit at admission (`docs/model.md`, "Admission deposits"):
    //! asked after the admission decision, before a bed is requested.

    use rand::RngExt;

    use crate::engine::event::Event;
    use crate::engine::state::Phase;
    use crate::engine::{DAY, Sim};
    use crate::metrics::DepositOutcome;
    use crate::scenario::FacilityId;
    use crate::trace::Outcome;
    use crate::world::World;

    /// The deposit rule resolved for the run: the groups' shares by index.
    pub(crate) struct Deposits {
        /// `cannot_pay` per income group index.
        cannot_pay: Vec<f64>,
    }

    impl Deposits {
        /// The run's deposits; `None` without `[deposit]`.
        pub(crate) fn new(world: &World) -> Option<Deposits> {
            let s = &world.scenario;
            let d = s.deposit.as_ref()?;
            Some(Deposits {
                cannot_pay: d.cannot_pay_by_group(&s.population),
            })
        }
    }

    impl Sim<'_> {
        /// Hook before a bed is requested for episode `id` admitted at `f`:
        /// where a deposit is asked, one deposit uniform decides whether the
        /// resident can raise it and, if not, a second whether they come
        /// back `delay_days` later (else the admission is forgone and the
        /// episode ends unmet). Returns whether the patient went home.
        pub(crate) fn deposit_sends_home(&mut self, id: u32, f: FacilityId, t: f64) -> bool {
            let (Some(deposit), Some(run)) = (self.scenario.deposit.as_ref(), self.deposits.as_ref()) else {
                return false;
            };
            let amount = deposit.asked(self.world.facilities[f].tier);
            if amount <= 0.0 {
                return false;
            }
            let group = self.resident(id).income_group();
            let p = deposit.cannot_pay_probability(run.cannot_pay[group], amount);
            let u: f64 = self.rngs.deposit.random();
            if u >= p {
                return false;
            }
            let delay: f64 = self.rngs.deposit.random();
            let (outcome, traced) = if delay < deposit.delay_share {
                (DepositOutcome::Delayed, Outcome::RaisingDeposit)
            } else {
                (DepositOutcome::Forgone, Outcome::AdmissionForgone)
            };
            self.recorder.deposit(t, f.0, outcome);
            if let Some(tr) = self.trace.as_deref_mut() {
                tr.outcome(id, traced);
            }
            match outcome {
                DepositOutcome::Delayed => self.raise_deposit_at_home(id, f, t + deposit.delay_days * DAY),
                DepositOutcome::Forgone => self.end_episode(id, false),
            }
            true
        }

        /// The patient goes home to raise the deposit and comes back to `f`
        /// at `back` (both trips count as travel) to ask for a bed again.
        fn raise_deposit_at_home(&mut self, id: u32, f: FacilityId, back: f64) {
            let home = self.world.settlements[self.resident(id).settlement as usize].at_km;
            let trip = self.scenario.travel.minutes(home, self.world.facilities[f].at_km);
            let ep = self.episodes.get_mut(id);
            ep.phase = Phase::Resting;
            ep.facility = f;
            ep.travel_minutes += 2.0 * trip;
            // Past the horizon the episode stays open at the end.
            if back <= self.horizon {
                self.events.push(back, Event::DepositRaised { episode: id });
            }
        }

        /// The patient is back with the deposit: a bed is requested at the
        /// facility that admitted them (no deposit is asked again).
        pub(crate) fn on_deposit_raised(&mut self, id: u32, t: f64) {
            let f = self.episodes.get(id).facility;
            self.request_bed(id, f, t);
        }
    }

    #[cfg(test)]
    mod tests {
        use crate::engine;
        use crate::engine::state::Residents;
        use crate::metrics::{RunOutput, Scope};
        use crate::scenario::{Scenario, Tier};
        use crate::testing::{facility, region};
        use crate::trace::Outcome;
        use crate::world::World;

        /// 60 days of 2,000 residents next to a county hospital that treats
        /// everything with beds to spare, every episode severe and every
        /// treated one admitted (so who is admitted draws on no stream the
        /// deposit could shift): half the residents "poor", half "rich".
        fn world(deposit: &str) -> World {
            let text = format!(
                "name = \"d\"\ndays = 60\nwarmup_days = 0\n[demand]\nepisodes_per_resident_year = 2.0\n\
                 severity_mix = {{ severe = 1.0 }}\n[admission]\nprob = {{ severe = 1.0 }}\n\
                 [[population.income_group]]\nname = \"poor\"\nshare = 0.5\nincome = 8000\n\
                 [[population.income_group]]\nname = \"rich\"\nshare = 0.5\nincome = 52000\n{deposit}{}{}",
                region(2000),
                facility("ch", "county", 0.0, "hours = \"24h\"\nbeds = 5000\ndoctors = 20\n")
            );
            World::new(&Scenario::from_toml(&text, "test").expect("valid"))
        }

        const DEPOSIT: &str = "[deposit]\namount = { county = 3000 }\ncannot_pay = { poor = 0.6, rich = 0.0 }\n\
                               delay_share = 0.25\ndelay_days = 2\n";

        /// Admissions of each income group (poor, rich) in replication 0,
        /// from the visit trace, and the run's output.
        fn admissions_by_group(w: &World) -> ([u32; 2], RunOutput) {
            let residents = Residents::draw(w, w.scenario.seed, 0);
            let (out, rows) = engine::run_traced(w, 0);
            let mut by_group = [0; 2];
            for row in rows.iter().filter(|r| !r.admission.is_nan()) {
                by_group[residents.all[row.resident as usize].income_group()] += 1;
            }
            let forgone_rows = rows.iter().filter(|r| r.outcome == Outcome::AdmissionForgone).count();
            assert_eq!(Some(forgone_rows as f64), out.get(Scope::System, "admissions_forgone"));
            (by_group, out)
        }

        #[test]
        fn settle_after_discharge_raises_poor_residents_admissions_and_leaves_the_rich_alone() {
            let (with, out) = admissions_by_group(&world(DEPOSIT));
            let settled = format!("{DEPOSIT}settle_after_discharge = true\n");
            let (without, out_settled) = admissions_by_group(&world(&settled));
            let get = |o: &RunOutput, name| o.get(Scope::System, name).expect("reported");
            let forgone = get(&out, "admissions_forgone");
            let delayed = get(&out, "admissions_delayed");
            assert!(forgone > 0.0 && delayed > 0.0, "forgone {forgone}, delayed {delayed}");
            assert_eq!(get(&out_settled, "admissions_forgone"), 0.0);
            assert_eq!(get(&out_settled, "admissions_delayed"), 0.0);
            // 60% of the poor cannot pay and 3 in 4 of them give up.
            let kept = f64::from(with[0]) / f64::from(without[0]);
            assert!(
                (0.45..0.65).contains(&kept),
                "poor admissions kept: {kept} ({with:?} vs {without:?})"
            );
            // The rich always pay: the same patients, admitted all the same.
            assert_eq!(with[1], without[1], "rich admissions");
            eprintln!(
                "60 days, 2,000 residents: admissions poor {} -> {}, rich {} -> {} (deposit -> settled); \
                 forgone {forgone}, delayed {delayed}",
                with[0], without[0], with[1], without[1]
            );
            assert_eq!(
                out.get(Scope::Tier(Tier::County), "admissions_forgone"),
                Some(forgone),
                "the county tier holds every forgone admission"
            );
        }

        /// Defect: a severe patient who could not raise the deposit went
        /// home untreated as an inpatient and the outcome model did not see
        /// it. Everyone here is admitted and nobody can pay or comes back,
        /// so every severe episode ends forgone: each is a poor outcome for
        /// sure, counted once (the chance of its delay to treatment plus
        /// the rest).
        #[test]
        fn forgone_severe_admission_is_one_poor_outcome() {
            let sections = "[deposit]\namount = { county = 3000 }\ncannot_pay = { poor = 1.0, rich = 1.0 }\n\
                            delay_share = 0.0\n[outcome]\nhazard_per_hour = { severe = 0.05 }\n";
            let out = engine::run(&world(sections), 0);
            let get = |name| out.get(Scope::System, name).expect("reported");
            let forgone = get("admissions_forgone");
            assert!(forgone > 100.0, "{forgone} forgone");
            assert_eq!(get("admissions"), 0.0);
            assert_eq!(get("unmet_episodes"), forgone, "each forgone episode ends unmet");
            // Besides them, only the few in treatment at the horizon add
            // the small chance of their delay of minutes.
            let poor = get("poor_outcomes");
            assert!(
                (-1e-6..1.0).contains(&(poor - forgone)),
                "{poor} poor outcomes of {forgone} forgone"
            );
            assert!(get("poor_outcomes_per_10k") > 9_900.0);
        }

        #[test]
        fn without_deposit_section_no_deposit_metric_is_reported() {
            let out = engine::run(&world(""), 0);
            assert!(out.metrics.iter().all(|m| !m.name.starts_with("admissions_")));
        }

        #[test]
        fn a_group_that_can_always_pay_is_admitted_as_without_deposits() {
            let rich_only = |deposit: &str| {
                let w = world(deposit);
                let mut s = w.scenario.clone();
                s.population.income_groups[0].share = 0.0;
                s.population.income_groups[1].share = 1.0;
                engine::run(&World::new(&s), 0)
            };
            let (with, without) = (rich_only(DEPOSIT), rich_only(""));
            let admissions = |o: &RunOutput| o.get(Scope::System, "admissions");
            assert_eq!(admissions(&with), admissions(&without));
            assert_eq!(with.ledger, without.ledger, "the same run, draw for draw");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    type D = Option<Deposit>;

    #[test]
    fn defaults() {
        assert_eq!(check::<D>(&None).0, None);
        let d = accepted::<D>(&raw("")).expect("deposits");
        assert_eq!(d.amount, AMOUNT);
        assert!(!d.settle_after_discharge && d.cannot_pay.is_empty());
        assert_eq!((d.reference_amount, d.delay_share, d.delay_days), (3000.0, 0.5, 3.0));
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<D>(&raw("amount = { county = -1 }"), "deposit.amount.county");
        refused::<D>(&raw("cannot_pay = { low = 1.5 }"), "deposit.cannot_pay.low");
        refused::<D>(
            &raw("cannot_pay = { \"low income\" = -1 }"),
            "deposit.cannot_pay.\"low income\"",
        );
        refused::<D>(&raw("delay_share = -0.1"), "deposit.delay_share");
        refused::<D>(&raw("delay_days = 0"), "deposit.delay_days");
        refused::<D>(&raw("reference_amount = 0"), "deposit.reference_amount");
    }

    #[test]
    fn unknown_income_groups_are_refused_naming_the_groups() {
        let groups = "[[population.income_group]]\nname = \"low\"\nshare = 0.4\nincome = 21691\n\
                      [[population.income_group]]\nname = \"high\"\nshare = 0.6\nincome = 51821\n";
        let text = format!("{BASE}{groups}[deposit]\ncannot_pay = {{ lowe = 0.3 }}\n");
        let problems = scenario(&text).expect_err("no group lowe");
        assert_eq!(only_path(&problems), "deposit.cannot_pay.lowe");
        let m = &problems[0].message;
        assert!(
            m.contains("\"low\", \"high\"") && m.contains("did you mean `low`"),
            "{m}"
        );
        assert!(scenario(&format!("{BASE}{groups}[deposit]\ncannot_pay = {{ low = 0.3 }}\n")).is_ok());
        // Without groups there is one, "all".
        assert!(scenario(&format!("{BASE}[deposit]\ncannot_pay = {{ all = 0.3 }}\n")).is_ok());
    }

    #[test]
    fn unknown_tiers_are_refused() {
        let problems =
            scenario(&format!("{BASE}[deposit]\namount = {{ county = 1, city = 2 }}\n")).expect_err("no tier city");
        assert!(problems[0].path.contains("deposit.amount"), "{problems:?}");
    }

    #[test]
    fn cannot_pay_grows_with_the_deposit_up_to_everyone() {
        let d = accepted::<D>(&raw("reference_amount = 2000")).expect("deposits");
        assert_eq!(d.cannot_pay_probability(0.3, 2000.0), 0.3);
        assert!((d.cannot_pay_probability(0.3, 5000.0) - 0.75).abs() < 1e-12);
        assert_eq!(d.cannot_pay_probability(0.3, 10_000.0), 1.0);
        assert_eq!(d.cannot_pay_probability(0.0, 10_000.0), 0.0);
    }

    #[test]
    fn settle_after_discharge_asks_no_deposit_anywhere() {
        let d = accepted::<D>(&raw("amount = { township = 800 }")).expect("deposits");
        assert_eq!(d.asked(Tier::Township), 800.0);
        assert_eq!(d.asked(Tier::Regional), 10_000.0);
        let reform = accepted::<D>(&raw("settle_after_discharge = true")).expect("deposits");
        assert!(Tier::ALL.iter().all(|&t| reform.asked(t) == 0.0));
    }

    #[test]
    fn groups_not_listed_always_pay() {
        let d = accepted::<D>(&raw("cannot_pay = { b = 0.4 }")).expect("deposits");
        let mut p = checked_default::<PopulationParams>();
        p.income_groups[0].name = "a".into();
        let mut b = p.income_groups[0].clone();
        b.name = "b".into();
        p.income_groups.push(b);
        assert_eq!(d.cannot_pay_by_group(&p), [0.0, 0.4]);
    }

    #[test]
    fn round_trip() {
        round_trips::<D>(&None);
        round_trips::<D>(&raw(
            "amount = { county = 2000, regional = 8000 }\nsettle_after_discharge = true\n\
             cannot_pay = { low = 0.3, \"group 2\" = 0.1 }\nreference_amount = 1000\ndelay_share = 0.2\ndelay_days = 7",
        ));
    }
}
