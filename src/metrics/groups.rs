//! Groups of residents (#13): every patient-level system metric by income
//! group, insurance scheme, home region and quintile of travel to the
//! nearest township center; catastrophic health expenditure; and the
//! concentration indices of out-of-pocket spending and travel by income.
//!
//! # Cells
//! A resident's four groups are fixed for the run: income group and
//! scheme from the resident's flags, region and travel quintile from the
//! home settlement ([`crate::world::travel_quintiles`]). The recorder
//! keeps one accumulator per *cell* (a combination of the four) and adds
//! the cells up per group at the end, so each notification updates one
//! accumulator whatever the number of dimensions, and a dimension's groups
//! add up to the system exactly (integer counts and cents).
//!
//! # Years
//! Catastrophic spending is judged per resident and *payment year* (the
//! 365-day years from day 0 in which caps and serious-illness insurance
//! run): a resident's out-of-pocket spending over the measured part of
//! the year (bills after warm-up) against the line of their income over
//! that part (`threshold x income x measured days / 365`). Each
//! resident-year weighs its measured share of a year, so a 365-day run
//! with 30 warm-up days judges 335 days' spending against 335 days'
//! income, and a share is "of resident-years". Two f32 figures per
//! resident are kept for it (after both payers, and after the fund only
//! when there is a serious-illness payer), allocated once.

use crate::levers::catastrophic::Catastrophic;
use crate::world::World;

use super::catalogue::MetricId as M;
use super::{MetricId, Resident, ratio};

/// A way of dividing residents into groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dimension {
    /// Income group (`population.income_group`).
    Income,
    /// Insurance scheme.
    Scheme,
    /// Home region.
    Region,
    /// Quintile of travel from home to the nearest township center.
    TravelQuintile,
}

impl Dimension {
    /// Every dimension, in output order.
    pub const ALL: [Dimension; 4] = [
        Dimension::Income,
        Dimension::Scheme,
        Dimension::Region,
        Dimension::TravelQuintile,
    ];

    /// Its name in the tables (`groups.csv`'s `dimension`, `runs.csv`'s `scope`).
    pub const fn name(self) -> &'static str {
        match self {
            Dimension::Income => "income",
            Dimension::Scheme => "scheme",
            Dimension::Region => "region",
            Dimension::TravelQuintile => "travel_quintile",
        }
    }

    /// The dimension named `name`.
    pub fn from_name(name: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// Quintiles of travel to the nearest township center.
const QUINTILES: u32 = 5;

/// Bills held before they are added to residents' yearly figures (768 KB).
const PENDING: usize = 1 << 16;

/// The name of group `i` of `dim`: the income group's or region's name,
/// `resident` or `employee`, `q1` (nearest) to `q5` (farthest).
pub fn group_name(world: &World, dim: Dimension, i: u32) -> String {
    let s = &world.scenario;
    match dim {
        Dimension::Income => s.population.income_groups[i as usize].name.clone(),
        Dimension::Scheme => ["resident", "employee"][i as usize].to_string(),
        Dimension::Region => s.regions[i as usize].name.clone(),
        Dimension::TravelQuintile => format!("q{}", i + 1),
    }
}

/// The groups reported, in output order: those that can hold residents
/// (an income group of share 0, a scheme no one is in, a region or
/// quintile without residents are left out). The same in every
/// replication, so every replication lays out the same metrics.
pub fn reported(world: &World) -> Vec<(Dimension, u32)> {
    let s = &world.scenario;
    let mut out = Vec::new();
    for (i, g) in s.population.income_groups.iter().enumerate() {
        if g.share > 0.0 {
            out.push((Dimension::Income, i as u32));
        }
    }
    let employee = s.population.employee_share;
    for (i, present) in [employee < 1.0, employee > 0.0].into_iter().enumerate() {
        if present {
            out.push((Dimension::Scheme, i as u32));
        }
    }
    let mut regions = vec![0u64; s.regions.len()];
    let mut quintiles = [0u64; QUINTILES as usize];
    for st in &world.settlements {
        regions[st.region.0 as usize] += u64::from(st.population);
        quintiles[st.travel_quintile as usize] += u64::from(st.population);
    }
    out.extend(
        (0..regions.len())
            .filter(|&r| regions[r] > 0)
            .map(|r| (Dimension::Region, r as u32)),
    );
    out.extend(
        (0..QUINTILES)
            .filter(|&q| quintiles[q as usize] > 0)
            .map(|q| (Dimension::TravelQuintile, q)),
    );
    out
}

/// Whom a notification is about: the resident (for their yearly
/// spending) and their cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Who {
    /// Index of the resident.
    pub resident: u32,
    /// Their cell (see the module notes).
    pub cell: u32,
}

/// Totals of one cell (or of a group, once cells are added up).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct GroupAcc {
    pub(super) residents: u64,
    /// Measured resident-years (see "Years").
    pub(super) resident_years: f64,
    /// Catastrophic resident-years, after both payers and before the second.
    pub(super) catastrophic: f64,
    pub(super) catastrophic_before: f64,
    pub(super) episodes: u64,
    pub(super) first_contact: [u64; 4],
    pub(super) mild: u64,
    pub(super) mild_bypass: u64,
    pub(super) completed: u64,
    pub(super) unmet: u64,
    pub(super) within_county: u64,
    pub(super) cross_region: u64,
    pub(super) travel_minutes: f64,
    pub(super) episode_cost: f64,
    pub(super) arrivals: u64,
    pub(super) grassroots_arrivals: u64,
    pub(super) visits: u64,
    pub(super) visits_in_county: u64,
    pub(super) admissions: u64,
    pub(super) admissions_in_county: u64,
    pub(super) referrals_up: u64,
    pub(super) referrals_down: u64,
    pub(super) transfers: u64,
    pub(super) contract_visits: u64,
    pub(super) contract_adherent: u64,
    /// Money in cents, as the facilities' ledger books it.
    pub(super) cost: i64,
    pub(super) fund: i64,
    pub(super) serious_illness: i64,
    pub(super) oop: i64,
    pub(super) serious_illness_beneficiaries: u64,
    /// Time to capable care per severity: sum of minutes and count.
    pub(super) care_minutes: [f64; 4],
    pub(super) care_n: [u64; 4],
    pub(super) poor_outcomes: f64,
    pub(super) outcome_episodes: u64,
}

impl GroupAcc {
    /// Adds another cell's totals.
    fn add(&mut self, o: &GroupAcc) {
        macro_rules! add {
            ($($f:ident),*) => { $(self.$f += o.$f;)* };
        }
        add!(
            residents,
            resident_years,
            catastrophic,
            catastrophic_before,
            episodes,
            mild,
            mild_bypass,
            completed,
            unmet,
            within_county,
            cross_region,
            travel_minutes,
            episode_cost,
            arrivals,
            grassroots_arrivals,
            visits,
            visits_in_county,
            admissions,
            admissions_in_county,
            referrals_up,
            referrals_down,
            transfers,
            contract_visits,
            contract_adherent,
            cost,
            fund,
            serious_illness,
            oop,
            serious_illness_beneficiaries,
            poor_outcomes,
            outcome_episodes
        );
        for i in 0..4 {
            self.first_contact[i] += o.first_contact[i];
            self.care_minutes[i] += o.care_minutes[i];
            self.care_n[i] += o.care_n[i];
        }
    }

    /// Out-of-pocket spending per measured resident-year \[CNY\].
    fn oop_per_resident_year(&self) -> f64 {
        ratio(self.oop as f64 / 100.0, self.resident_years)
    }

    /// Travel to care per measured resident-year \[minutes\].
    fn travel_per_resident_year(&self) -> f64 {
        ratio(self.travel_minutes, self.resident_years)
    }

    /// A metric's value for the group; `None` for metrics not reported by group.
    pub(super) fn value(&self, id: MetricId) -> Option<f64> {
        let ended = (self.completed + self.unmet) as f64;
        let cny = |cents: i64| cents as f64 / 100.0;
        Some(match id {
            M::Episodes => self.episodes as f64,
            M::FirstContactGrassrootsShare => ratio(
                (self.first_contact[0] + self.first_contact[1]) as f64,
                self.episodes as f64,
            ),
            M::FirstContactTierMean => {
                let levels: u64 = self.first_contact.iter().zip(0u64..).map(|(&n, t)| n * t).sum();
                ratio(levels as f64, self.first_contact.iter().sum::<u64>() as f64)
            }
            M::GrassrootsVisitShare => ratio(self.grassroots_arrivals as f64, self.arrivals as f64),
            M::WithinCountyRate => ratio(self.within_county as f64, self.completed as f64),
            M::CountyTreatmentRateVisits => ratio(self.visits_in_county as f64, self.visits as f64),
            M::CountyTreatmentRateAdmissions => ratio(self.admissions_in_county as f64, self.admissions as f64),
            M::BypassRate => ratio(self.mild_bypass as f64, self.mild as f64),
            M::CrossRegionShare => ratio(self.cross_region as f64, self.completed as f64),
            M::MeanTravelMinutes => ratio(self.travel_minutes, ended),
            M::UnmetEpisodes => self.unmet as f64,
            M::CostPerEpisode => ratio(self.episode_cost, ended),
            M::OopShare => ratio(cny(self.oop), cny(self.cost)),
            M::CostTotal => cny(self.cost),
            M::FundTotal => cny(self.fund),
            M::OopTotal => cny(self.oop),
            M::SeriousIllnessPaid => cny(self.serious_illness),
            M::SeriousIllnessBeneficiaries => self.serious_illness_beneficiaries as f64,
            M::ContractAdherence => ratio(self.contract_adherent as f64, self.contract_visits as f64),
            M::Admissions => self.admissions as f64,
            M::Transfers => self.transfers as f64,
            M::ReferralsUp => self.referrals_up as f64,
            M::ReferralsDown => self.referrals_down as f64,
            M::TimeToCareMildMeanMinutes => self.care_mean(0),
            M::TimeToCareModerateMeanMinutes => self.care_mean(1),
            M::TimeToCareSevereMeanMinutes => self.care_mean(2),
            M::TimeToCareCriticalMeanMinutes => self.care_mean(3),
            M::PoorOutcomes => self.poor_outcomes,
            M::PoorOutcomesPer10k => 10_000.0 * ratio(self.poor_outcomes, self.outcome_episodes as f64),
            M::Residents => self.residents as f64,
            M::OopPerResident => self.oop_per_resident_year(),
            M::CatastrophicShare => ratio(self.catastrophic, self.resident_years),
            M::CatastrophicShareBeforeSeriousIllness => ratio(self.catastrophic_before, self.resident_years),
            _ => return None,
        })
    }

    fn care_mean(&self, severity: usize) -> f64 {
        ratio(self.care_minutes[severity], self.care_n[severity] as f64)
    }
}

/// One income group's part in a concentration index: its income (the
/// rank), its weight (residents) and its mean of the variable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ranked {
    /// The group's income (residents are ranked by it).
    pub income: f64,
    /// Its residents (or population share).
    pub weight: f64,
    /// Its mean of the variable per resident.
    pub mean: f64,
}

/// The concentration index of a variable by income from grouped data:
/// `C = (2 / mu) sum_g f_g mu_g R_g - 1`, `f_g` the groups' population
/// shares, `mu_g` their means, `mu` the population mean and `R_g` the
/// fractional rank of the group's midpoint, residents ranked by income
/// (groups of equal income share one rank: the midpoint of them all).
/// Negative: concentrated among the poor; positive: among the rich. NaN
/// without residents or when the mean is 0.
pub fn concentration_index(groups: &[Ranked]) -> f64 {
    let total: f64 = groups.iter().map(|g| g.weight).sum();
    if total <= 0.0 {
        return f64::NAN;
    }
    // The mean from the same shares as the sum below, so that one group
    // gives exactly 0.
    let mu: f64 = groups.iter().map(|g| g.weight / total * g.mean).sum();
    if !mu.is_finite() || mu == 0.0 {
        return f64::NAN;
    }
    let mut order: Vec<&Ranked> = groups.iter().collect();
    order.sort_by(|a, b| a.income.total_cmp(&b.income));
    let mut sum = 0.0;
    let mut before = 0.0;
    let mut i = 0;
    while i < order.len() {
        let tied = order[i..].iter().take_while(|g| g.income == order[i].income).count();
        let block = &order[i..i + tied];
        let people: f64 = block.iter().map(|g| g.weight).sum();
        let rank = (before + people / 2.0) / total;
        sum += block.iter().map(|g| g.weight / total * g.mean * rank).sum::<f64>();
        before += people;
        i += tied;
    }
    (2.0 * sum - mu) / mu
}

/// The run state of groups: cells, and each resident's spending this year.
pub(super) struct Groups {
    /// Per settlement: region x 5 + travel quintile.
    settlement_class: Vec<u32>,
    classes: u32,
    pub(super) cells: Vec<GroupAcc>,
    /// Per resident: out-of-pocket after both payers in the measured part
    /// of this payment year \[CNY\].
    oop_year: Vec<f32>,
    /// The same after the fund only; empty without a serious-illness payer
    /// (then it is `oop_year`).
    oop_year_before: Vec<f32>,
    /// Bills not yet added to the residents' figures: (resident, after,
    /// before). Adding a batch at once lets the processor overlap the
    /// cache misses of scattered residents, which cost ~15% of a run when
    /// taken one bill at a time; the sums come out the same, in bill order.
    pending: Vec<(u32, f32, f32)>,
    /// Income per income group \[CNY per year\].
    incomes: Vec<f64>,
    catastrophic: Catastrophic,
    /// Where the current payment year's measured part began \[minutes\].
    year_from: f64,
}

impl Groups {
    /// Cells for `world`'s groups, counting `residents` in theirs.
    pub(super) fn new(world: &World, residents: &[Resident]) -> Groups {
        let s = &world.scenario;
        let classes = s.regions.len() as u32 * QUINTILES;
        let settlement_class = world
            .settlements
            .iter()
            .map(|st| st.region.0 * QUINTILES + u32::from(st.travel_quintile))
            .collect();
        let cells = s.population.income_groups.len() * 2 * classes as usize;
        let mut groups = Groups {
            settlement_class,
            classes,
            cells: vec![GroupAcc::default(); cells],
            oop_year: vec![0.0; residents.len()],
            oop_year_before: if s.serious_illness.is_some() {
                vec![0.0; residents.len()]
            } else {
                Vec::new()
            },
            pending: Vec::with_capacity(PENDING),
            incomes: s.population.income_groups.iter().map(|g| g.income).collect(),
            catastrophic: s.catastrophic,
            year_from: f64::from(s.warmup_days) * 1440.0,
        };
        for &r in residents {
            let c = groups.cell(r);
            groups.cells[c as usize].residents += 1;
        }
        groups
    }

    /// The cell of resident `r`.
    #[inline]
    pub(super) fn cell(&self, r: Resident) -> u32 {
        let people = (r.income_group() * 2 + r.scheme() as usize) as u32;
        people * self.classes + self.settlement_class[r.settlement as usize]
    }

    /// The group (of `dim`) cell `c` belongs to.
    fn group_of(&self, c: u32, dim: Dimension) -> u32 {
        let (people, class) = (c / self.classes, c % self.classes);
        match dim {
            Dimension::Income => people / 2,
            Dimension::Scheme => people % 2,
            Dimension::Region => class / QUINTILES,
            Dimension::TravelQuintile => class % QUINTILES,
        }
    }

    /// The cells of group `i` of `dim`, added up.
    pub(super) fn total(&self, dim: Dimension, i: u32) -> GroupAcc {
        let mut acc = GroupAcc::default();
        for (c, cell) in self.cells.iter().enumerate() {
            if self.group_of(c as u32, dim) == i {
                acc.add(cell);
            }
        }
        acc
    }

    /// Every cell added up.
    pub(super) fn all(&self) -> GroupAcc {
        let mut acc = GroupAcc::default();
        self.cells.iter().for_each(|c| acc.add(c));
        acc
    }

    /// A measured bill's patient parts: `before` after the fund, `after`
    /// after both payers \[CNY\].
    pub(super) fn spend(&mut self, who: Who, before: f64, after: f64) {
        self.pending.push((who.resident, after as f32, before as f32));
        if self.pending.len() == PENDING {
            self.add_pending();
        }
    }

    /// Adds the pending bills to the residents' figures.
    fn add_pending(&mut self) {
        for &(r, after, before) in &self.pending {
            let i = r as usize;
            self.oop_year[i] += after;
            if let Some(b) = self.oop_year_before.get_mut(i) {
                *b += before;
            }
        }
        self.pending.clear();
    }

    /// Judges every resident's spending of the payment year whose
    /// measured part ends at `t` (a year end or the horizon), then starts
    /// the next year (see "Years").
    pub(super) fn close_year(&mut self, t: f64, warmup: f64, residents: &[Resident]) {
        self.add_pending();
        let from = self.year_from.max(warmup);
        self.year_from = t;
        if t <= from {
            return;
        }
        let years = (t - from) / 525_600.0;
        let lines: Vec<f64> = self.incomes.iter().map(|&y| self.catastrophic.line(y, years)).collect();
        for (i, &r) in residents.iter().enumerate() {
            let c = self.cell(r) as usize;
            let line = lines[r.income_group()];
            let after = f64::from(self.oop_year[i]);
            let before = self.oop_year_before.get(i).map_or(after, |&b| f64::from(b));
            let cell = &mut self.cells[c];
            cell.resident_years += years;
            if self.catastrophic.is_catastrophic(after, line) {
                cell.catastrophic += years;
            }
            if self.catastrophic.is_catastrophic(before, line) {
                cell.catastrophic_before += years;
            }
        }
        self.oop_year.iter_mut().for_each(|x| *x = 0.0);
        self.oop_year_before.iter_mut().for_each(|x| *x = 0.0);
    }

    /// A system-only metric of groups (the concentration indices) or a
    /// group metric's system value; `None` for other metrics.
    pub(super) fn system_value(&self, id: MetricId, world: &World) -> Option<f64> {
        let by_income = |f: fn(&GroupAcc) -> f64| {
            let ranked: Vec<Ranked> = (0..world.scenario.population.income_groups.len() as u32)
                .map(|g| {
                    let acc = self.total(Dimension::Income, g);
                    Ranked {
                        income: self.incomes[g as usize],
                        weight: acc.residents as f64,
                        mean: if acc.residents > 0 { f(&acc) } else { 0.0 },
                    }
                })
                .collect();
            concentration_index(&ranked)
        };
        match id {
            M::OopConcentrationIndex => Some(by_income(GroupAcc::oop_per_resident_year)),
            M::TravelConcentrationIndex => Some(by_income(GroupAcc::travel_per_resident_year)),
            M::Residents | M::OopPerResident | M::CatastrophicShare | M::CatastrophicShareBeforeSeriousIllness => {
                self.all().value(id)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Recorder;
    use crate::scenario::Scenario;
    use crate::world::travel_quintiles;

    fn ranked(income: f64, weight: f64, mean: f64) -> Ranked {
        Ranked { income, weight, mean }
    }

    /// The concentration index by hand. Two halves, the poorer paying 1
    /// and the richer 3 a year: mu = 2, ranks 0.25 and 0.75, C = (2/2)
    /// (0.5 x 1 x 0.25 + 0.5 x 3 x 0.75) - 1 = 0.25. Mirrored (the poor
    /// pay 3): C = -0.25. Equal means: 0.
    #[test]
    fn the_concentration_index_matches_the_hand_computed_value() {
        let c = concentration_index(&[ranked(10.0, 50.0, 1.0), ranked(20.0, 50.0, 3.0)]);
        assert!((c - 0.25).abs() < 1e-12, "{c}");
        // Group order does not matter, income does.
        let c = concentration_index(&[ranked(20.0, 50.0, 1.0), ranked(10.0, 50.0, 3.0)]);
        assert!((c + 0.25).abs() < 1e-12, "{c}");
        let c = concentration_index(&[ranked(10.0, 30.0, 2.0), ranked(20.0, 70.0, 2.0)]);
        assert!(c.abs() < 1e-12, "{c}");
        // Shares 0.2, 0.3, 0.5 with means 0, 2, 4: mu = 2.6; ranks 0.1,
        // 0.35, 0.75; C = (2/2.6)(0.3 x 2 x 0.35 + 0.5 x 4 x 0.75) - 1 = 0.3154.
        let c = concentration_index(&[ranked(1.0, 2.0, 0.0), ranked(2.0, 3.0, 2.0), ranked(3.0, 5.0, 4.0)]);
        assert!((c - (2.0 / 2.6 * (0.21 + 1.5) - 1.0)).abs() < 1e-12, "{c}");
        assert!((c - 0.315_384_615).abs() < 1e-8, "{c}");
    }

    /// Groups of equal income are one rank: the midpoint of both.
    #[test]
    fn tied_incomes_share_the_mid_rank() {
        // Incomes 1, 1, 2 with weights 1, 1, 2 and means 4, 0, 2: mu = 2;
        // the tied pair's rank is 0.25, the last's 0.75; C = (2/2)(0.25 x
        // 4 x 0.25 + 0.5 x 2 x 0.75) - 1 = 0.
        let c = concentration_index(&[ranked(1.0, 1.0, 4.0), ranked(1.0, 1.0, 0.0), ranked(2.0, 2.0, 2.0)]);
        assert!(c.abs() < 1e-12, "{c}");
        // One group, or nothing spent: no inequality to measure.
        assert!(concentration_index(&[ranked(1.0, 10.0, 5.0)]).abs() < 1e-12);
        assert!(concentration_index(&[ranked(1.0, 10.0, 0.0), ranked(2.0, 5.0, 0.0)]).is_nan());
        assert!(concentration_index(&[]).is_nan());
    }

    /// Settlements at 10, 20, 20 and 30 minutes of 100, 100, 100 and 200
    /// residents: midpoints 0.1, 0.4 (the tied pair together) and 0.8.
    #[test]
    fn travel_quintiles_are_population_weighted_and_keep_ties_together() {
        let q = travel_quintiles(&[(30.0, 200), (20.0, 100), (10.0, 100), (20.0, 100), (f64::INFINITY, 0)]);
        assert_eq!(q, [4, 2, 0, 2, 4]);
    }

    /// Two residents of income 36,500 (10%: 10 CNY a day), 500 days with
    /// 100 of warm-up. Year 0 measures 265 days (line 2,650), year 1 135
    /// (line 1,350). Resident 0 spends 2,800 in year 0: catastrophic;
    /// resident 1 spends 10,000 during the warm-up (not counted), 2,600
    /// in year 0 and 1,300 in year 1: never. Catastrophic resident-years
    /// 265/365 of 800/365: 0.33125; out-of-pocket per resident-year
    /// (2,800 + 3,900) / (800/365).
    #[test]
    fn catastrophic_spending_is_judged_per_measured_payment_year() {
        let text = "name = \"t\"\ndays = 500\nwarmup_days = 100\n[demand]\nepisodes_per_resident_year = 0.0\n\
                    [[population.income_group]]\nshare = 1\nincome = 36500\n\
                    [[region]]\nname = \"r\"\n[[region.settlement]]\nat_km = [0.0, 0.0]\npopulation = 2\n\
                    [[facility]]\nname = \"ch\"\ntier = \"county\"\nat_km = [0.0, 0.0]\ncapability = \"critical\"\n";
        let world = World::new(&Scenario::from_toml(text, "t").expect("valid"));
        let residents = [Resident {
            settlement: 0,
            flags: 0,
        }; 2];
        let mut rec = Recorder::new(&world, &residents);
        let day = 1440.0;
        let bill = |rec: &mut Recorder, t: f64, r: u32, amount: f64| {
            let who = rec.who(r, residents[r as usize]);
            let b = crate::metrics::Bill {
                price: amount,
                patient: amount,
                ..Default::default()
            };
            rec.bill(t, 0, &b, who);
        };
        bill(&mut rec, 50.0 * day, 1, 10_000.0);
        bill(&mut rec, 200.0 * day, 0, 2_800.0);
        bill(&mut rec, 200.0 * day, 1, 2_600.0);
        rec.day_end(364, 365.0 * day, &residents);
        bill(&mut rec, 400.0 * day, 1, 1_300.0);
        let out = rec.finish(&world, 0, 500.0 * day, &residents);
        let get = |name| out.get(crate::metrics::Scope::System, name).expect(name);
        assert!((get("catastrophic_share") - 265.0 / 800.0).abs() < 1e-12);
        assert_eq!(
            get("catastrophic_share"),
            get("catastrophic_share_before_serious_illness")
        );
        assert!((get("oop_per_resident") - 6_700.0 / (800.0 / 365.0)).abs() < 1e-9);
        assert_eq!(get("residents"), 2.0);
    }
}
