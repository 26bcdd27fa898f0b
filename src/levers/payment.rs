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
    //! unreferred penalty and the yearly cap; and the out-of-pocket price of
    //! a self-referred visit that the choice weighs. Its run state is each
    //! resident's fund payments this year, kept only when a cap applies.

    use crate::engine::Sim;
    use crate::engine::state::Kind;
    use crate::policy::{self, Care};
    use crate::scenario::{FacilityId, Scheme};
    use crate::world::{PerFacility, World};

    /// Payment's run state.
    pub(crate) struct Payment {
        /// Out-of-pocket of a self-referred visit, per scheme, facility and severity \[CNY\].
        oop: [PerFacility<[f64; 4]>; 2],
        /// Fund payments per resident this year, when a yearly cap applies \[CNY\].
        fund_this_year: Vec<f32>,
    }

    impl Payment {
        /// The price tables of `world`, and no payments yet for any of its
        /// `residents` residents.
        pub(crate) fn new(world: &World, residents: usize) -> Payment {
            let scenario = &world.scenario;
            let oop = [Scheme::Resident, Scheme::Employee].map(|scheme| {
                world
                    .facilities
                    .iter()
                    .map(|f| {
                        f.price.map(|p| {
                            policy::bill(
                                &scenario.policy,
                                scheme,
                                Care::Outpatient,
                                f.tier,
                                p,
                                true,
                                f64::INFINITY,
                            )
                            .oop
                        })
                    })
                    .collect()
            });
            let capped = scenario.policy.schemes.iter().any(|s| s.annual_cap.is_some());
            Payment {
                oop,
                fund_this_year: if capped { vec![0.0; residents] } else { Vec::new() },
            }
        }

        /// Out-of-pocket of a self-referred outpatient visit under `scheme`,
        /// per facility and severity \[CNY\] (what the choice weighs).
        #[inline]
        pub(crate) fn self_referred_oop(&self, scheme: Scheme) -> &PerFacility<[f64; 4]> {
            &self.oop[scheme as usize]
        }
    }

    impl Sim<'_> {
        /// Hook at service end and discharge: bills `price` for care at `f` to
        /// the episode's resident, within what the yearly cap leaves, and
        /// records it.
        pub(crate) fn charge(&mut self, id: u32, f: FacilityId, care: Care, price: f64, t: f64) {
            let ep = *self.episodes.get(id);
            let r = self.residents.all[ep.resident as usize];
            let info = &self.world.facilities[f];
            let self_referred = ep.self_referred && ep.kind == Kind::Illness;
            let fund_this_year = &mut self.payment.fund_this_year;
            let room = match self.scenario.policy.schemes[r.scheme() as usize].annual_cap {
                Some(cap) => cap - f64::from(fund_this_year[ep.resident as usize]),
                None => f64::INFINITY,
            };
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
                fund_this_year[ep.resident as usize] += pay.fund as f32;
            }
            let alliance = self.world.settlements[r.settlement as usize].alliance.0;
            self.recorder
                .bill(t, f.0, price, pay.fund, care == Care::Inpatient, alliance);
            if let Some(tr) = self.trace.as_deref_mut() {
                tr.paid(id, pay.fund, pay.oop);
            }
            let billed = self.episodes.get_mut(id);
            billed.cost += price;
            billed.oop += pay.oop;
        }

        /// Hook at the end of day `day` (0-based): yearly caps start again
        /// after every 365th day.
        pub(crate) fn payment_day_end(&mut self, day: u32) {
            if (day + 1).is_multiple_of(365) {
                self.payment.fund_this_year.iter_mut().for_each(|x| *x = 0.0);
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
            let oop = capped.self_referred_oop(Scheme::Resident);
            assert_eq!(oop.len(), 1);
            assert!(oop[FacilityId(0)].iter().all(|&x| x >= 0.0));
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
