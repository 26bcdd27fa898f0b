//! `[policy]`: reimbursement rates and deductibles per tier, the employee
//! scheme, the annual cap, the referral requirement with its penalty, and
//! gatekeeping (contracted residents go first to the nearest member of
//! their team able to treat; see [`super::contract`]). README: "[policy]"; `docs/model.md`:
//! "Payment".

use super::{Context, Lever};
use crate::scenario::Tier;
use crate::scenario::raw::{PerTier, TierName};
use crate::scenario::validate::Checker;

raw_section! {
    /// `[policy]`
    pub struct RawPolicy {
        pub outpatient: Option<RawPayment>,
        pub inpatient: Option<RawPayment>,
        pub employee: Option<RawSchemePolicy>,
        pub annual_cap: Option<f64>,
        pub referral_required_from: Option<TierName>,
        pub unreferred_penalty: Option<f64>,
        pub gatekeeping: Option<bool>,
    }
}

raw_section! {
    /// `[policy.employee]`: the employee scheme's rates (default: the resident scheme's).
    pub struct RawSchemePolicy {
        pub outpatient: Option<RawPayment>,
        pub inpatient: Option<RawPayment>,
        pub annual_cap: Option<f64>,
    }
}

raw_section! {
    /// `[policy.outpatient]`
    pub struct RawPayment {
        pub rate: Option<PerTier<f64>>,
        pub deductible: Option<PerTier<f64>>,
    }
}

/// Payment rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Policy {
    /// Rates, deductibles and caps per scheme (resident, employee).
    pub schemes: [SchemePolicy; 2],
    /// Self-referred care at this tier or above is reimbursed at a penalty.
    pub referral_required_from: Option<Tier>,
    /// Rate points taken off self-referred care from `referral_required_from` up.
    pub unreferred_penalty: f64,
    /// Contracted residents' first visit goes to the nearest member of their team able to treat.
    pub gatekeeping: bool,
}

/// One scheme's payment rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SchemePolicy {
    /// Outpatient reimbursement rate per tier, in [0, 1].
    pub outpatient_rate: [f64; 4],
    /// Outpatient deductible per visit, per tier \[CNY\].
    pub outpatient_deductible: [f64; 4],
    /// Inpatient reimbursement rate per tier, in [0, 1].
    pub inpatient_rate: [f64; 4],
    /// Inpatient deductible per admission, per tier \[CNY\].
    pub inpatient_deductible: [f64; 4],
    /// Most the fund pays per resident per year \[CNY\]; `None`: no cap.
    pub annual_cap: Option<f64>,
}

/// Rates and deductibles per tier: (rate, deductible).
type Payment = ([f64; 4], [f64; 4]);

/// Outpatient: half of every visit, no deductible.
const OUTPATIENT: Payment = ([0.5; 4], [0.0; 4]);
/// Inpatient defaults follow one example county scheme (docs/data-sources.md):
/// township 90% above 100, county ~70% above 400, regional ~55% above 1,200.
const INPATIENT: Payment = ([0.9, 0.9, 0.7, 0.55], [0.0, 100.0, 400.0, 1200.0]);

fn payment(c: &mut Checker, path: &str, raw: Option<&RawPayment>, base: Payment) -> Payment {
    let raw = raw.cloned().unwrap_or_default();
    (
        c.per_tier(&format!("{path}.rate"), raw.rate.as_ref(), base.0, Checker::probability),
        c.per_tier(
            &format!("{path}.deductible"),
            raw.deductible.as_ref(),
            base.1,
            Checker::non_negative,
        ),
    )
}

fn cap(c: &mut Checker, path: &str, v: Option<f64>, default: Option<f64>) -> Option<f64> {
    v.map(|x| c.non_negative(path, Some(x), 0.0)).or(default)
}

/// A scheme from its outpatient and inpatient payments and its cap.
fn scheme((out_rate, out_ded): Payment, (in_rate, in_ded): Payment, annual_cap: Option<f64>) -> SchemePolicy {
    SchemePolicy {
        outpatient_rate: out_rate,
        outpatient_deductible: out_ded,
        inpatient_rate: in_rate,
        inpatient_deductible: in_ded,
        annual_cap,
    }
}

/// The employee scheme: the resident scheme's rules where it says nothing.
fn employee(c: &mut Checker, e: Option<&RawSchemePolicy>, resident: &SchemePolicy) -> SchemePolicy {
    let e = e.cloned().unwrap_or_default();
    let outpatient = (resident.outpatient_rate, resident.outpatient_deductible);
    let inpatient = (resident.inpatient_rate, resident.inpatient_deductible);
    let outpatient = payment(c, "policy.employee.outpatient", e.outpatient.as_ref(), outpatient);
    let inpatient = payment(c, "policy.employee.inpatient", e.inpatient.as_ref(), inpatient);
    let annual_cap = cap(c, "policy.employee.annual_cap", e.annual_cap, resident.annual_cap);
    scheme(outpatient, inpatient, annual_cap)
}

fn raw_payment(rate: [f64; 4], deductible: [f64; 4]) -> Option<RawPayment> {
    Some(RawPayment {
        rate: Some(PerTier::full(rate)),
        deductible: Some(PerTier::full(deductible)),
    })
}

impl Lever for Policy {
    type Raw = Option<RawPolicy>;

    fn check(c: &mut Checker, raw: &Option<RawPolicy>, _: &Context) -> Policy {
        let p = raw.clone().unwrap_or_default();
        let outpatient = payment(c, "policy.outpatient", p.outpatient.as_ref(), OUTPATIENT);
        let inpatient = payment(c, "policy.inpatient", p.inpatient.as_ref(), INPATIENT);
        let annual_cap = cap(c, "policy.annual_cap", p.annual_cap, None);
        let resident = scheme(outpatient, inpatient, annual_cap);
        let employee = employee(c, p.employee.as_ref(), &resident);
        Policy {
            schemes: [resident, employee],
            referral_required_from: p.referral_required_from.map(TierName::tier),
            unreferred_penalty: c.probability("policy.unreferred_penalty", p.unreferred_penalty, 0.0),
            gatekeeping: p.gatekeeping.unwrap_or(false),
        }
    }

    fn to_raw(&self) -> Option<RawPolicy> {
        let [r, e] = self.schemes;
        Some(RawPolicy {
            outpatient: raw_payment(r.outpatient_rate, r.outpatient_deductible),
            inpatient: raw_payment(r.inpatient_rate, r.inpatient_deductible),
            employee: Some(RawSchemePolicy {
                outpatient: raw_payment(e.outpatient_rate, e.outpatient_deductible),
                inpatient: raw_payment(e.inpatient_rate, e.inpatient_deductible),
                annual_cap: e.annual_cap,
            }),
            annual_cap: r.annual_cap,
            referral_required_from: self.referral_required_from.map(TierName::of),
            unreferred_penalty: Some(self.unreferred_penalty),
            gatekeeping: Some(self.gatekeeping),
        })
    }
}

pub(crate) mod run {
    //! Payment (`docs/model.md`, "Payment"): every bill split between the
    //! fund and the patient under the scheme's rates, deductibles, the
    //! unreferred penalty and the yearly cap; and the expected out-of-pocket
    //! cost of an episode that the choice weighs. Its run state is each
    //! resident's fund payments this year, kept only when a cap applies.
    //!
    //! # The price of an episode in the choice
    //! A patient choosing facility `f` for an episode of severity `s` weighs
    //! what the whole episode would cost them, billed as a self-referred
    //! patient (unreferred penalty included):
    //!
    //! - `f` treats `s` (base capability, or raised by a rotation stint):
    //!   the visit, plus `admission.prob[s]` x the expected stay (mean
    //!   length of stay x bed-day price, inpatient rate and per-admission
    //!   deductible). The stay is at `f`, or, at a facility without beds,
    //!   at its partner as a transferred (not penalised) patient.
    //! - `f` cannot treat `s`: the triage visit (`triage_factor` x the
    //!   price) plus the episode at the referral target as a referred
    //!   patient (its visit and expected stay, never penalised). The target's
    //!   care is counted because the patient pays it: leaving it out would
    //!   make a facility that cannot help look cheapest and draw severe
    //!   patients to a triage, more so the wider the reimbursement gap; and
    //!   with `referral_required_from` it is what makes entering through the
    //!   grassroots cheaper than self-referral. Nowhere to refer to: the
    //!   triage only.
    //! - One level above capability at a tele site: treated there with
    //!   `telemedicine.success_prob`, else the triage route.
    //!
    //! Both routes are computed once per (scheme, facility, capability,
    //! severity) when the run starts; the resident's remaining yearly cap
    //! is applied at choice time ([`EpisodePrice::oop`]). Follow-up visits,
    //! boarding transfers and queues are not priced.

    use crate::engine::Sim;
    use crate::engine::state::Kind;
    use crate::metrics::Bill;
    use crate::policy::{self, Care};
    use crate::scenario::{FacilityId, Scheme, Severity};
    use crate::world::{PerFacility, World};

    /// The expected bills of one way through an episode: outpatient bills
    /// certain to come, then a stay with probability `admit_prob`.
    #[derive(Clone, Copy, Debug, Default, PartialEq)]
    pub(crate) struct Route {
        /// The outpatient bills (visit; or triage and the visit it refers to), summed.
        visits: policy::Payment,
        /// Probability of an admission.
        admit_prob: f64,
        /// The bill of the expected stay.
        stay: policy::Payment,
    }

    impl Route {
        /// The patient's expected share with no cap.
        fn uncapped_oop(&self) -> f64 {
            self.visits.oop + self.admit_prob * self.stay.oop
        }

        /// The patient's expected share when the fund has `room` left this
        /// year: the visits come first (capping bills one after another
        /// equals capping their sum), the stay gets what they leave.
        fn oop(&self, room: f64) -> f64 {
            let visit_fund = self.visits.fund.min(room.max(0.0));
            let stay_fund = self.stay.fund.min((room - visit_fund).max(0.0));
            let visits_price = self.visits.fund + self.visits.oop;
            let stay_price = self.stay.fund + self.stay.oop;
            (visits_price - visit_fund) + self.admit_prob * (stay_price - stay_fund)
        }
    }

    /// What an episode that starts at one facility is expected to cost the
    /// patient: treated there with probability `treated`, else triaged and
    /// referred.
    #[derive(Clone, Copy, Debug, Default, PartialEq)]
    pub(crate) struct EpisodePrice {
        treated: f64,
        here: Route,
        referred: Route,
        /// The expected out-of-pocket with no cap.
        uncapped: f64,
    }

    impl EpisodePrice {
        fn new(treated: f64, here: Route, referred: Route) -> EpisodePrice {
            // Exactly the one route's figure when the route is certain.
            let uncapped = if treated == 1.0 {
                here.uncapped_oop()
            } else if treated == 0.0 {
                referred.uncapped_oop()
            } else {
                treated * here.uncapped_oop() + (1.0 - treated) * referred.uncapped_oop()
            };
            EpisodePrice {
                treated,
                here,
                referred,
                uncapped,
            }
        }

        /// The expected out-of-pocket when the fund has `room` left of the
        /// resident's yearly cap (infinite without a cap) \[CNY\].
        pub(crate) fn oop(&self, room: f64) -> f64 {
            if room == f64::INFINITY {
                return self.uncapped;
            }
            let p = self.treated;
            p * self.here.oop(room) + (1.0 - p) * self.referred.oop(room)
        }
    }

    /// The bill of `price` for `care` at `f`, uncapped.
    fn bill(
        world: &World,
        scheme: Scheme,
        care: Care,
        f: FacilityId,
        price: f64,
        self_referred: bool,
    ) -> policy::Payment {
        let tier = world.facilities[f].tier;
        policy::bill(
            &world.scenario.policy,
            scheme,
            care,
            tier,
            price,
            self_referred,
            f64::INFINITY,
        )
    }

    fn sum(a: policy::Payment, b: policy::Payment) -> policy::Payment {
        policy::Payment {
            fund: a.fund + b.fund,
            oop: a.oop + b.oop,
        }
    }

    /// Treatment of `s` at `f`: the visit, then an admission there (or, at a
    /// facility without beds, at its partner after a transfer).
    fn treated_route(world: &World, scheme: Scheme, f: FacilityId, s: Severity, self_referred: bool) -> Route {
        let info = &world.facilities[f];
        let visits = bill(
            world,
            scheme,
            Care::Outpatient,
            f,
            info.price[s as usize],
            self_referred,
        );
        let (site, stay_self_referred) = match info.partner {
            Some(partner) if info.beds == 0 => (partner, false),
            _ => (f, self_referred),
        };
        let mean_days = world.scenario.facilities[site.0 as usize].los_days[s as usize];
        let stay_price = world.facilities[site].bed_day_price * mean_days;
        Route {
            visits,
            admit_prob: world.scenario.admission.prob[s as usize],
            stay: bill(world, scheme, Care::Inpatient, site, stay_price, stay_self_referred),
        }
    }

    /// A triage of `s` at `f`, then the episode at the referral target.
    fn referred_route(world: &World, scheme: Scheme, f: FacilityId, s: Severity) -> Route {
        let info = &world.facilities[f];
        let triage_price = info.price[s as usize] * world.scenario.referral.triage_factor;
        let triage = bill(world, scheme, Care::Outpatient, f, triage_price, true);
        match info.refer_to[s as usize] {
            Some(target) => {
                let there = treated_route(world, scheme, target, s, false);
                Route {
                    visits: sum(triage, there.visits),
                    ..there
                }
            }
            None => Route {
                visits: triage,
                ..Route::default()
            },
        }
    }

    /// The episode price of `s` at `f` when its capability is raised one
    /// level (`raised`, by a rotation stint) or not.
    fn episode_price(world: &World, scheme: Scheme, f: FacilityId, s: Severity, raised: bool) -> EpisodePrice {
        let info = &world.facilities[f];
        let capability = info.capability as usize + usize::from(raised);
        let treated = match &world.scenario.telemedicine {
            _ if s as usize <= capability => 1.0,
            Some(tm) if info.tele && s as usize == capability + 1 => tm.success_prob,
            _ => 0.0,
        };
        let here = if treated > 0.0 {
            treated_route(world, scheme, f, s, true)
        } else {
            Route::default()
        };
        let referred = if treated < 1.0 {
            referred_route(world, scheme, f, s)
        } else {
            Route::default()
        };
        EpisodePrice::new(treated, here, referred)
    }

    /// Payment's run state.
    pub(crate) struct Payment {
        /// Episode prices per scheme, facility, capability (as built,
        /// raised) and severity.
        episodes: [PerFacility<[[EpisodePrice; 4]; 2]>; 2],
        /// Fund payments per resident this year, when a yearly cap applies \[CNY\].
        fund_this_year: Vec<f32>,
        /// Patients' parts after the fund per resident this year, with
        /// serious-illness insurance (`serious_illness`) \[CNY\].
        pub(crate) oop_this_year: Vec<f32>,
    }

    impl Payment {
        /// The episode prices of `world`, and no payments yet for any of its
        /// `residents` residents.
        pub(crate) fn new(world: &World, residents: usize) -> Payment {
            let episodes = [Scheme::Resident, Scheme::Employee].map(|scheme| {
                world
                    .facilities
                    .ids()
                    .map(|f| {
                        [false, true].map(|raised| Severity::ALL.map(|s| episode_price(world, scheme, f, s, raised)))
                    })
                    .collect()
            });
            let capped = world.scenario.policy.schemes.iter().any(|s| s.annual_cap.is_some());
            Payment {
                episodes,
                fund_this_year: if capped { vec![0.0; residents] } else { Vec::new() },
                oop_this_year: if world.scenario.serious_illness.is_some() {
                    vec![0.0; residents]
                } else {
                    Vec::new()
                },
            }
        }

        /// What an episode of severity `s` starting at `f` is expected to
        /// cost, under `scheme`, at `f`'s capability now (`raised` by a
        /// rotation stint or not).
        #[inline]
        pub(crate) fn episode(&self, scheme: Scheme, f: FacilityId, s: Severity, raised: bool) -> &EpisodePrice {
            &self.episodes[scheme as usize][f][usize::from(raised)][s as usize]
        }
    }

    impl Sim<'_> {
        /// What the fund may still pay for `resident` this year (infinite
        /// without a cap).
        pub(crate) fn cap_room(&self, resident: u32) -> f64 {
            let r = self.residents.all[resident as usize];
            match self.scenario.policy.schemes[r.scheme() as usize].annual_cap {
                Some(cap) => cap - f64::from(self.payment.fund_this_year[resident as usize]),
                None => f64::INFINITY,
            }
        }

        /// Hook in the choice: the expected out-of-pocket cost of an episode
        /// of `resident` of severity `s` starting at `f`, with `room` left
        /// of the yearly cap ([`Sim::cap_room`]).
        pub(crate) fn episode_oop(&self, resident: u32, f: FacilityId, s: Severity, room: f64) -> f64 {
            let scheme = self.residents.all[resident as usize].scheme();
            let raised = self.capability(f) > self.world.facilities[f].capability;
            self.payment.episode(scheme, f, s, raised).oop(room)
        }

        /// Hook at service end and discharge: bills `price` (as billed,
        /// after any zero-markup reform) for care at `f` to the episode's
        /// resident, within what the yearly cap leaves; the serious-illness
        /// payer takes its part of the patient's (`serious_illness_pays`,
        /// no draw); records it with the markup it forgoes and the
        /// government's compensation (`drug_markup`, no draw).
        pub(crate) fn charge(&mut self, id: u32, f: FacilityId, care: Care, price: f64, t: f64) {
            let ep = *self.episodes.get(id);
            let r = self.residents.all[ep.resident as usize];
            let info = &self.world.facilities[f];
            let self_referred = ep.self_referred && ep.kind == Kind::Illness;
            let room = self.cap_room(ep.resident);
            let pay = policy::bill(
                &self.scenario.policy,
                r.scheme(),
                care,
                info.tier,
                price,
                self_referred,
                room,
            );
            if room.is_finite() {
                self.payment.fund_this_year[ep.resident as usize] += pay.fund as f32;
            }
            let serious = self.serious_illness_pays(ep.resident, pay.oop, t);
            let oop = pay.oop - serious;
            let markup = self.drug_markup(f, price);
            let bill = Bill {
                price,
                fund: pay.fund,
                serious_illness: serious,
                patient: oop,
                markup_forgone: markup.forgone,
                compensation: markup.compensation,
                inpatient: care == Care::Inpatient,
                alliance: self.world.settlements[r.settlement as usize].alliance.0,
            };
            let who = self.recorder.who(ep.resident, r);
            self.recorder.bill(t, f.0, &bill, who);
            if let Some(tr) = self.trace.as_deref_mut() {
                tr.paid(id, pay.fund, oop);
            }
            let billed = self.episodes.get_mut(id);
            billed.cost += price;
            billed.oop += oop;
        }

        /// Hook at the end of day `day` (0-based): yearly caps and
        /// serious-illness years start again after every 365th day.
        pub(crate) fn payment_day_end(&mut self, day: u32) {
            if (day + 1).is_multiple_of(365) {
                self.payment.fund_this_year.iter_mut().for_each(|x| *x = 0.0);
                self.payment.oop_this_year.iter_mut().for_each(|x| *x = 0.0);
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::engine::stepping::quiet_world;

        /// One county hospital; a yearly cap only when `cap` is given.
        fn world(cap: Option<f64>) -> World {
            let cap = cap.map_or(String::new(), |c| format!("[policy]\nannual_cap = {c}\n"));
            let rest =
                format!("[[facility]]\nname = \"ch\"\ntier = \"county\"\nat_km = [0.0, 0.0]\nhours = \"24h\"\n{cap}");
            quiet_world(1, 3, &rest)
        }

        #[test]
        fn payments_are_kept_only_under_a_cap() {
            assert!(Payment::new(&world(None), 3).fund_this_year.is_empty());
            let capped = Payment::new(&world(Some(100.0)), 3);
            assert_eq!(capped.fund_this_year, vec![0.0; 3]);
            for s in Severity::ALL {
                assert!(
                    capped
                        .episode(Scheme::Resident, FacilityId(0), s, false)
                        .oop(f64::INFINITY)
                        >= 0.0
                );
            }
        }

        /// Defect 2 (#12): the choice ignored the yearly cap. A county
        /// visit (300, half reimbursed) costs 150 without a cap, 200 with
        /// 100 of room, and everything once the cap is spent.
        #[test]
        fn the_choice_sees_what_is_left_of_the_cap() {
            let mild = |sim: &Sim| sim.episode_oop(0, FacilityId(0), Severity::Mild, sim.cap_room(0));
            let w = world(None);
            assert_eq!(mild(&Sim::new(&w, 0)), 150.0);
            let w = world(Some(100.0));
            let mut sim = Sim::new(&w, 0);
            assert_eq!(mild(&sim), 200.0);
            sim.payment.fund_this_year[0] = 100.0;
            assert_eq!(mild(&sim), 300.0);
        }

        /// A township center (treats up to moderate, `beds` beds) referring
        /// to a county hospital, under `policy` (TOML lines of `[policy]`).
        fn two_tiers(beds: u32, policy: &str) -> World {
            let rest = format!(
                "[[facility]]\nname = \"thc\"\ntier = \"township\"\nat_km = [0.0, 0.0]\nbeds = {beds}\n\
                 [[facility]]\nname = \"ch\"\ntier = \"county\"\nat_km = [5.0, 0.0]\n\
                 [referral]\ntriage_factor = 0.5\n\
                 [admission]\nprob = {{ mild = 0.0, moderate = 0.1, severe = 0.5, critical = 0.8 }}\n\
                 [policy]\n{policy}\n\
                 [policy.outpatient]\nrate = {{ village = 0.5, township = 0.6, county = 0.4, regional = 0.3 }}\n\
                 [policy.inpatient]\nrate = {{ village = 0.9, township = 0.9, county = 0.6, regional = 0.5 }}\n\
                 deductible = {{ village = 0, township = 100, county = 800, regional = 3000 }}\n"
            );
            quiet_world(1, 1, &rest)
        }

        fn oop(w: &World, f: u32, s: Severity, room: f64) -> f64 {
            Payment::new(w, 1)
                .episode(Scheme::Resident, FacilityId(f), s, false)
                .oop(room)
        }

        /// Defect 2 (#12): the choice weighed one outpatient visit, so
        /// inpatient rates, deductibles and caps never entered it.
        #[test]
        fn inpatient_cost_enters_the_episode_price() {
            let w = two_tiers(45, "");
            // Township, moderate: 85 x 0.4 + 0.1 x (300 x 5 days - 0.9 x (1,500 - 100)).
            let township = 85.0 * 0.4 + 0.1 * (1500.0 - 0.9 * 1400.0);
            assert!((oop(&w, 0, Severity::Moderate, f64::INFINITY) - township).abs() < 1e-9);
            // County, severe: 300 x 0.6 + 0.5 x (700 x 9.2 days - 0.6 x (6,440 - 800)).
            let county = 300.0 * 0.6 + 0.5 * (6440.0 - 0.6 * 5640.0);
            assert!((oop(&w, 1, Severity::Severe, f64::INFINITY) - county).abs() < 1e-9);
            // Mild episodes are never admitted: the visit alone, as before.
            assert_eq!(oop(&w, 1, Severity::Mild, f64::INFINITY), 300.0 * 0.6);
        }

        /// Item 8 (#12): a facility that cannot treat the severity cost the
        /// choice one ordinary visit, not the triage and the care it leads to.
        #[test]
        fn triage_price_enters_the_utility() {
            let w = two_tiers(45, "");
            let county = oop(&w, 1, Severity::Severe, f64::INFINITY);
            let triage = 85.0 * 0.5 * 0.4;
            assert!((oop(&w, 0, Severity::Severe, f64::INFINITY) - (triage + county)).abs() < 1e-9);
            // Self-referral to the county is penalised, the referred route is not:
            // entering through the township becomes the cheaper way to the county.
            let w = two_tiers(45, "referral_required_from = \"county\"\nunreferred_penalty = 0.3");
            assert!(oop(&w, 0, Severity::Severe, f64::INFINITY) < oop(&w, 1, Severity::Severe, f64::INFINITY));
            assert!((oop(&w, 0, Severity::Severe, f64::INFINITY) - (triage + county)).abs() < 1e-9);
        }

        #[test]
        fn a_facility_without_beds_prices_the_stay_at_its_partner() {
            let w = two_tiers(0, "");
            let stay = 700.0 * 7.0 - 0.6 * (4900.0 - 800.0);
            assert!((oop(&w, 0, Severity::Moderate, f64::INFINITY) - (85.0 * 0.4 + 0.1 * stay)).abs() < 1e-9);
        }

        #[test]
        fn the_remaining_cap_limits_what_the_fund_pays() {
            let w = two_tiers(45, "");
            let price = 300.0 + 0.5 * 6440.0;
            // Nothing left: the patient pays everything.
            assert!((oop(&w, 1, Severity::Severe, 0.0) - price).abs() < 1e-9);
            assert!((oop(&w, 1, Severity::Severe, -5.0) - price).abs() < 1e-9);
            // 200 left: the visit's fund share (120) first, 80 towards the stay.
            let expected = (300.0 - 120.0) + 0.5 * (6440.0 - 80.0);
            assert!((oop(&w, 1, Severity::Severe, 200.0) - expected).abs() < 1e-9);
            // A cap far above the bills changes nothing.
            let free = oop(&w, 1, Severity::Severe, f64::INFINITY);
            assert!((oop(&w, 1, Severity::Severe, 1e9) - free).abs() < 1e-9);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn defaults() {
        let p = checked_default::<Policy>();
        assert_eq!(p.schemes[0].outpatient_rate, [0.5; 4]);
        assert_eq!(p.schemes[0].inpatient_deductible, INPATIENT.1);
        assert_eq!(p.schemes[0], p.schemes[1]);
        assert_eq!(p.schemes[0].annual_cap, None);
        assert_eq!(p.referral_required_from, None);
        assert!(!p.gatekeeping);
    }

    #[test]
    fn the_employee_scheme_follows_the_resident_one() {
        let (p, _) = check::<Policy>(&raw("annual_cap = 5000\noutpatient.rate.county = 0.3"));
        assert_eq!(p.schemes[1].annual_cap, Some(5000.0));
        assert_eq!(p.schemes[1].outpatient_rate[2], 0.3);
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<Policy>(
            &raw("employee.inpatient.rate.township = 1.5"),
            "policy.employee.inpatient.rate.township",
        );
        let p = refused::<Policy>(&raw("unreferred_penalty = -0.1"), "policy.unreferred_penalty");
        assert!(p.message.contains("probability"), "{p:?}");
    }

    #[test]
    fn round_trip() {
        round_trips::<Policy>(&None);
        round_trips::<Policy>(&raw(
            "referral_required_from = \"county\"\nunreferred_penalty = 0.2\ngatekeeping = true\nemployee.annual_cap = 9",
        ));
    }
}
