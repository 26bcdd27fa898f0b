//! Collectors the engine feeds, per-replication results, and summaries
//! across replications (mean, sd, 95% t-interval).
//!
//! Warm-up lives here: the engine reports everything, and the recorder
//! keeps only what happens after `warmup_days` (time integrals are clipped
//! at the warm-up boundary; episodes count when their onset is after it).
//! Wait quantiles come from HDR histograms (3 significant digits).

use hdrhistogram::Histogram;

use crate::scenario::Tier;
use crate::world::World;

/// Where a metric applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The whole system.
    System,
    /// One tier.
    Tier(Tier),
    /// One facility (index into the world's facilities).
    Facility(u32),
}

/// One value of one replication.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metric {
    /// Where it applies.
    pub scope: Scope,
    /// Name (see the README's outcome reference).
    pub name: &'static str,
    /// Value; NaN where undefined (e.g. mean wait with no patient served).
    pub value: f64,
}

/// One day of one tier in one replication.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DailyRow {
    /// Day index (warm-up days are not reported).
    pub day: u32,
    /// Tier.
    pub tier: Tier,
    /// Arrivals at the tier's facilities.
    pub arrivals: f64,
    /// Mean wait of patients whose service started that day [minutes].
    pub mean_wait_minutes: f64,
    /// Largest total queue over the tier's facilities that day.
    pub max_queue: f64,
    /// Busy doctor-minutes / staffed doctor-minutes.
    pub utilization: f64,
}

/// Unfiltered counts over the whole run (warm-up included), for
/// conservation checks: every visit and episode is accounted for.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Ledger {
    /// Episodes that began.
    pub episodes_started: u64,
    /// Episodes treated to the end.
    pub episodes_completed: u64,
    /// Episodes that ended without treatment.
    pub episodes_unmet: u64,
    /// Episodes still under way at the horizon.
    pub episodes_open_at_end: u64,
    /// Arrivals at facilities.
    pub visits_arrived: u64,
    /// Consultations finished (treatment or triage).
    pub visits_served: u64,
    /// Patients who left without being seen.
    pub visits_left: u64,
    /// Patients waiting or in service at the horizon.
    pub visits_in_system_at_end: u64,
    /// Sum of prices billed [CNY].
    pub price_total: f64,
    /// Sum paid by the fund [CNY].
    pub fund_total: f64,
    /// Sum paid by patients [CNY].
    pub oop_total: f64,
    /// Smallest wait seen [minutes] (infinity if none).
    pub min_wait_minutes: f64,
}

/// Everything one replication produced.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// Replication index.
    pub replication: u32,
    /// Metrics in a fixed order (the same in every replication).
    pub metrics: Vec<Metric>,
    /// Daily series per tier.
    pub daily: Vec<DailyRow>,
    /// Conservation counts.
    pub ledger: Ledger,
}

impl RunOutput {
    /// The value of a metric, if present.
    pub fn get(&self, scope: Scope, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.scope == scope && m.name == name)
            .map(|m| m.value)
    }
}

/// Time integral of a level, clipped to the measured window.
#[derive(Clone, Copy, Debug, Default)]
struct Integral {
    level: u32,
    last_t: f64,
    area: f64,
    max: u32,
}

impl Integral {
    fn set(&mut self, t: f64, level: u32, from: f64) {
        let start = self.last_t.max(from);
        if t > start {
            self.area += f64::from(self.level) * (t - start);
            // The old level was held inside the window.
            self.max = self.max.max(self.level);
        }
        self.last_t = t;
        self.level = level;
        if t >= from {
            self.max = self.max.max(level);
        }
    }
}

/// Accumulators of one facility.
#[derive(Clone, Debug)]
struct FacilityAcc {
    arrivals: u64,
    served: u64,
    referrals_up_out: u64,
    referrals_up_in: u64,
    left: u64,
    wait_sum: f64,
    waits: Histogram<u64>,
    queue: Integral,
    busy: Integral,
    overtime_minutes: f64,
    cost: f64,
    fund: f64,
    oop: f64,
}

/// Accumulators of one tier for the current day.
#[derive(Clone, Copy, Debug, Default)]
struct DayAcc {
    arrivals: u64,
    wait_sum: f64,
    waits: u64,
    queue: Integral,
    busy: Integral,
}

/// Episode-level accumulators (episodes with onset after warm-up).
#[derive(Clone, Copy, Debug, Default)]
struct SystemAcc {
    episodes: u64,
    first_contact: [u64; 4],
    mild: u64,
    mild_bypass: u64,
    completed: u64,
    within_county: u64,
    cross_region: u64,
    unmet: u64,
    travel_minutes: f64,
    cost: f64,
    fund: f64,
    oop: f64,
}

/// What the engine knows about an episode when it ends.
#[derive(Clone, Copy, Debug)]
pub struct EpisodeEnd {
    /// Onset after warm-up.
    pub counted: bool,
    /// Treated (true) or unmet (false).
    pub completed: bool,
    /// Every visit in the home region at tier <= county.
    pub within_county: bool,
    /// Some visit outside the home region.
    pub cross_region: bool,
    /// Total travel [minutes].
    pub travel_minutes: f64,
    /// Total billed for its visits [CNY].
    pub cost: f64,
    /// Of which paid by the patient [CNY].
    pub oop: f64,
}

/// Feeds on engine notifications; produces a [`RunOutput`].
pub struct Recorder {
    warmup: f64,
    facility_tier: Vec<Tier>,
    facilities: Vec<FacilityAcc>,
    today: [DayAcc; 4],
    /// Staffed doctor-minutes per day per tier.
    staffed_per_day: [f64; 4],
    daily: Vec<DailyRow>,
    system: SystemAcc,
    /// Conservation counts, warm-up included.
    pub ledger: Ledger,
}

impl Recorder {
    /// A recorder for `world`.
    pub fn new(world: &World) -> Recorder {
        let mut staffed_per_day = [0.0; 4];
        for f in &world.facilities {
            staffed_per_day[f.tier as usize] += f64::from(f.doctors) * f.hours.minutes_per_day();
        }
        Recorder {
            warmup: f64::from(world.scenario.warmup_days) * 1440.0,
            facility_tier: world.facilities.iter().map(|f| f.tier).collect(),
            facilities: world
                .facilities
                .iter()
                .map(|_| FacilityAcc {
                    arrivals: 0,
                    served: 0,
                    referrals_up_out: 0,
                    referrals_up_in: 0,
                    left: 0,
                    wait_sum: 0.0,
                    waits: Histogram::new(3).expect("3 significant digits is a valid HDR setting"),
                    queue: Integral::default(),
                    busy: Integral::default(),
                    overtime_minutes: 0.0,
                    cost: 0.0,
                    fund: 0.0,
                    oop: 0.0,
                })
                .collect(),
            today: [DayAcc::default(); 4],
            staffed_per_day,
            daily: Vec::new(),
            system: SystemAcc::default(),
            ledger: Ledger {
                min_wait_minutes: f64::INFINITY,
                ..Ledger::default()
            },
        }
    }

    fn measured(&self, t: f64) -> bool {
        t >= self.warmup
    }

    /// A patient reaches facility `f`; `referred` if sent there.
    pub fn arrival(&mut self, t: f64, f: u32, referred: bool) {
        self.ledger.visits_arrived += 1;
        if self.measured(t) {
            let tier = self.facility_tier[f as usize] as usize;
            let acc = &mut self.facilities[f as usize];
            acc.arrivals += 1;
            acc.referrals_up_in += u64::from(referred);
            self.today[tier].arrivals += 1;
        }
    }

    /// The queue at `f` changed to `len` (tier total `tier_len`).
    pub fn queue(&mut self, t: f64, f: u32, len: u32, tier_len: u32) {
        let tier = self.facility_tier[f as usize] as usize;
        self.facilities[f as usize].queue.set(t, len, self.warmup);
        self.today[tier].queue.set(t, tier_len, self.warmup);
    }

    /// Busy doctors at `f` changed to `busy` (tier total `tier_busy`).
    pub fn busy(&mut self, t: f64, f: u32, busy: u32, tier_busy: u32) {
        let tier = self.facility_tier[f as usize] as usize;
        self.facilities[f as usize].busy.set(t, busy, self.warmup);
        self.today[tier].busy.set(t, tier_busy, self.warmup);
    }

    /// Service starts after `wait` minutes for a patient who arrived at `arrived`.
    pub fn service_start(&mut self, t: f64, f: u32, arrived: f64, wait: f64, overtime: f64) {
        self.ledger.min_wait_minutes = self.ledger.min_wait_minutes.min(wait);
        let tier = self.facility_tier[f as usize] as usize;
        let acc = &mut self.facilities[f as usize];
        if self.warmup <= t {
            acc.overtime_minutes += overtime;
        }
        if self.warmup <= arrived {
            acc.wait_sum += wait;
            acc.waits.saturating_record((wait * 60.0).round() as u64);
        }
        if self.warmup <= t {
            self.today[tier].wait_sum += wait;
            self.today[tier].waits += 1;
        }
    }

    /// A consultation ends and is billed.
    pub fn service_end(&mut self, t: f64, f: u32, referred_up: bool, price: f64, fund: f64) {
        let oop = price - fund;
        self.ledger.visits_served += 1;
        self.ledger.price_total += price;
        self.ledger.fund_total += fund;
        self.ledger.oop_total += oop;
        if self.measured(t) {
            let acc = &mut self.facilities[f as usize];
            acc.served += 1;
            acc.referrals_up_out += u64::from(referred_up);
            acc.cost += price;
            acc.fund += fund;
            acc.oop += oop;
        }
    }

    /// A patient left `f` without being seen.
    pub fn left(&mut self, t: f64, f: u32) {
        self.ledger.visits_left += 1;
        if self.measured(t) {
            self.facilities[f as usize].left += 1;
        }
    }

    /// An episode began; `first` is the tier of its first chosen facility.
    pub fn episode_start(&mut self, counted: bool, mild: bool, first: Option<Tier>) {
        self.ledger.episodes_started += 1;
        if !counted {
            return;
        }
        let s = &mut self.system;
        s.episodes += 1;
        if let Some(tier) = first {
            s.first_contact[tier as usize] += 1;
        }
        if mild {
            s.mild += 1;
            s.mild_bypass += u64::from(first.is_some_and(|t| t >= Tier::County));
        }
    }

    /// An episode ended.
    pub fn episode_end(&mut self, e: EpisodeEnd) {
        if e.completed {
            self.ledger.episodes_completed += 1;
        } else {
            self.ledger.episodes_unmet += 1;
        }
        if !e.counted {
            return;
        }
        let s = &mut self.system;
        s.travel_minutes += e.travel_minutes;
        s.cost += e.cost;
        s.oop += e.oop;
        s.fund += e.cost - e.oop;
        if e.completed {
            s.completed += 1;
            s.within_county += u64::from(e.within_county);
            s.cross_region += u64::from(e.cross_region);
        } else {
            s.unmet += 1;
        }
    }

    /// Midnight ending `day`: closes the day's tier series.
    pub fn day_end(&mut self, day: u32, t: f64) {
        for tier in Tier::ALL {
            let acc = &mut self.today[tier as usize];
            acc.queue.set(t, acc.queue.level, self.warmup);
            acc.busy.set(t, acc.busy.level, self.warmup);
            if t > self.warmup {
                let staffed = self.staffed_per_day[tier as usize];
                self.daily.push(DailyRow {
                    day,
                    tier,
                    arrivals: acc.arrivals as f64,
                    mean_wait_minutes: ratio(acc.wait_sum, acc.waits as f64),
                    max_queue: f64::from(acc.queue.max),
                    utilization: ratio(acc.busy.area, staffed),
                });
            }
            *acc = DayAcc {
                queue: Integral {
                    level: acc.queue.level,
                    last_t: t,
                    area: 0.0,
                    max: acc.queue.level,
                },
                busy: Integral {
                    level: acc.busy.level,
                    last_t: t,
                    area: 0.0,
                    max: 0,
                },
                ..DayAcc::default()
            };
        }
    }

    /// Closes integrals at the horizon and lays out the metrics.
    pub fn finish(mut self, world: &World, replication: u32, horizon: f64) -> RunOutput {
        let measured_minutes = horizon - self.warmup;
        let measured_days = measured_minutes / 1440.0;
        let mut metrics = Vec::new();
        for acc in &mut self.facilities {
            acc.queue.set(horizon, acc.queue.level, self.warmup);
            acc.busy.set(horizon, acc.busy.level, self.warmup);
        }
        let s = self.system;
        let ended = (s.completed + s.unmet) as f64;
        let mut push = |scope, name, value| metrics.push(Metric { scope, name, value });
        push(Scope::System, "episodes", s.episodes as f64);
        push(
            Scope::System,
            "first_contact_grassroots_share",
            ratio((s.first_contact[0] + s.first_contact[1]) as f64, s.episodes as f64),
        );
        push(
            Scope::System,
            "within_county_rate",
            ratio(s.within_county as f64, s.completed as f64),
        );
        push(Scope::System, "bypass_rate", ratio(s.mild_bypass as f64, s.mild as f64));
        push(
            Scope::System,
            "cross_region_share",
            ratio(s.cross_region as f64, s.completed as f64),
        );
        push(Scope::System, "mean_travel_minutes", ratio(s.travel_minutes, ended));
        push(Scope::System, "unmet_episodes", s.unmet as f64);
        push(Scope::System, "cost_per_episode", ratio(s.cost, ended));
        push(Scope::System, "oop_share", ratio(s.oop, s.cost));
        push(Scope::System, "cost_total", s.cost);
        push(Scope::System, "fund_total", s.fund);
        push(Scope::System, "oop_total", s.oop);
        let mut tier_accs: Vec<Option<FacilityAcc>> = vec![None, None, None, None];
        let mut staffed = [0.0; 4];
        for (i, acc) in self.facilities.iter().enumerate() {
            let f = &world.facilities[i];
            let t = f.tier as usize;
            let staffed_here = f64::from(f.doctors) * f.hours.minutes_per_day() * measured_days;
            staffed[t] += staffed_here;
            match &mut tier_accs[t] {
                None => tier_accs[t] = Some(acc.clone()),
                Some(sum) => sum.add(acc),
            }
        }
        for tier in Tier::ALL {
            let scope = Scope::Tier(tier);
            push(
                scope,
                "first_contact_share",
                ratio(s.first_contact[tier as usize] as f64, s.episodes as f64),
            );
            match &tier_accs[tier as usize] {
                Some(acc) => facility_metrics(&mut push, scope, acc, staffed[tier as usize], measured_minutes),
                None => facility_metrics(&mut push, scope, &FacilityAcc::empty(), 0.0, measured_minutes),
            }
        }
        for (i, acc) in self.facilities.iter().enumerate() {
            let f = &world.facilities[i];
            let staffed_here = f64::from(f.doctors) * f.hours.minutes_per_day() * measured_days;
            facility_metrics(
                &mut push,
                Scope::Facility(i as u32),
                acc,
                staffed_here,
                measured_minutes,
            );
        }
        RunOutput {
            replication,
            metrics,
            daily: self.daily,
            ledger: self.ledger,
        }
    }
}

impl FacilityAcc {
    fn empty() -> FacilityAcc {
        FacilityAcc {
            arrivals: 0,
            served: 0,
            referrals_up_out: 0,
            referrals_up_in: 0,
            left: 0,
            wait_sum: 0.0,
            waits: Histogram::new(3).expect("3 significant digits is a valid HDR setting"),
            queue: Integral::default(),
            busy: Integral::default(),
            overtime_minutes: 0.0,
            cost: 0.0,
            fund: 0.0,
            oop: 0.0,
        }
    }

    /// Adds another facility's totals (for tier aggregates). A tier's
    /// `queue_max` is the largest queue at any one of its facilities.
    fn add(&mut self, o: &FacilityAcc) {
        self.arrivals += o.arrivals;
        self.served += o.served;
        self.referrals_up_out += o.referrals_up_out;
        self.referrals_up_in += o.referrals_up_in;
        self.left += o.left;
        self.wait_sum += o.wait_sum;
        self.waits.add(&o.waits).expect("auto-resizing histograms always add");
        self.queue.area += o.queue.area;
        self.queue.max = self.queue.max.max(o.queue.max);
        self.busy.area += o.busy.area;
        self.overtime_minutes += o.overtime_minutes;
        self.cost += o.cost;
        self.fund += o.fund;
        self.oop += o.oop;
    }
}

fn facility_metrics(
    push: &mut impl FnMut(Scope, &'static str, f64),
    scope: Scope,
    a: &FacilityAcc,
    staffed_minutes: f64,
    measured_minutes: f64,
) {
    let n = a.waits.len();
    let q = |p: f64| {
        if n == 0 {
            f64::NAN
        } else {
            a.waits.value_at_quantile(p) as f64 / 60.0
        }
    };
    push(scope, "arrivals", a.arrivals as f64);
    push(scope, "served", a.served as f64);
    push(scope, "referrals_up_out", a.referrals_up_out as f64);
    push(scope, "referrals_up_in", a.referrals_up_in as f64);
    push(scope, "left_without_being_seen", a.left as f64);
    push(scope, "wait_mean_minutes", ratio(a.wait_sum, n as f64));
    push(scope, "wait_p50_minutes", q(0.50));
    push(scope, "wait_p90_minutes", q(0.90));
    push(scope, "wait_p95_minutes", q(0.95));
    push(scope, "queue_mean", ratio(a.queue.area, measured_minutes));
    push(scope, "queue_max", f64::from(a.queue.max));
    push(scope, "utilization", ratio(a.busy.area, staffed_minutes));
    push(scope, "overtime_minutes", a.overtime_minutes);
    push(scope, "cost", a.cost);
    push(scope, "fund", a.fund);
    push(scope, "oop", a.oop);
}

/// a / b, NaN when b is 0 (an undefined rate, reported as null).
pub fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// A metric summarised across replications.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Where it applies.
    pub scope: Scope,
    /// Name.
    pub name: &'static str,
    /// Mean over replications with a defined value.
    pub mean: f64,
    /// Sample standard deviation (NaN for n < 2).
    pub sd: f64,
    /// Lower end of the 95% t-interval (NaN for n < 2).
    pub ci_low: f64,
    /// Upper end of the 95% t-interval (NaN for n < 2).
    pub ci_high: f64,
    /// Replications with a defined value.
    pub n: u32,
}

/// Mean, sd and 95% t-interval of the finite values.
pub fn describe(values: impl IntoIterator<Item = f64>) -> (f64, f64, f64, f64, u32) {
    let v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    let n = v.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN, f64::NAN, 0);
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::NAN, f64::NAN, f64::NAN, 1);
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half = t_quantile_975((n - 1) as u32) * sd / (n as f64).sqrt();
    (mean, sd, mean - half, mean + half, n as u32)
}

/// Summarises replications metric by metric, in the order of the first
/// run's metrics. Sequential on purpose: float sums in a fixed order keep
/// outputs identical on any thread count.
pub fn summarise(runs: &[RunOutput]) -> Vec<Summary> {
    let Some(first) = runs.first() else { return Vec::new() };
    first
        .metrics
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (mean, sd, ci_low, ci_high, n) = describe(runs.iter().map(|r| r.metrics[i].value));
            Summary {
                scope: m.scope,
                name: m.name,
                mean,
                sd,
                ci_low,
                ci_high,
                n,
            }
        })
        .collect()
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
/// Exact table to df = 30 (Abramowitz & Stegun, table 26.10), then the
/// Cornish-Fisher expansion (A&S 26.7.5), accurate to ~1e-4 there.
pub fn t_quantile_975(df: u32) -> f64 {
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010, 2.1788, 2.1604,
        2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518,
        2.0484, 2.0452, 2.0423,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df as usize - 1],
        _ => {
            let z: f64 = 1.959_963_984_540_054;
            let n = f64::from(df);
            let g1 = (z.powi(3) + z) / 4.0;
            let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
            let g3 = (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / 384.0;
            z + g1 / n + g2 / n.powi(2) + g3 / n.powi(3)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t_quantile_975(1) - 12.7062).abs() < 1e-4);
        assert!((t_quantile_975(9) - 2.2622).abs() < 1e-4);
        // A&S: t(0.975; 40) = 2.0211, t(0.975; 120) = 1.9799.
        assert!((t_quantile_975(40) - 2.0211).abs() < 2e-4);
        assert!((t_quantile_975(120) - 1.9799).abs() < 2e-4);
    }

    #[test]
    fn describe_gives_t_interval() {
        let (mean, sd, lo, hi, n) = describe([1.0, 2.0, 3.0, f64::NAN]);
        assert_eq!((mean, n), (2.0, 3));
        assert!((sd - 1.0).abs() < 1e-12);
        let half = 4.3027 / 3f64.sqrt();
        assert!((lo - (2.0 - half)).abs() < 1e-9 && (hi - (2.0 + half)).abs() < 1e-9);
    }

    #[test]
    fn integral_clips_at_warmup() {
        let mut i = Integral::default();
        i.set(0.0, 2, 10.0);
        i.set(20.0, 0, 10.0);
        assert_eq!(i.area, 20.0);
        assert_eq!(i.max, 2);
    }
}
