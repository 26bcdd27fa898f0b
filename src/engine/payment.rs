//! Payment (`docs/model.md`, "Payment"): every bill split between the
//! fund and the patient under the scheme's rates, deductibles, the
//! unreferred penalty and the yearly cap; and the out-of-pocket price of
//! a self-referred visit that the choice weighs. Its run state is each
//! resident's fund payments this year, kept only when a cap applies.

use super::Sim;
use super::state::Kind;
use crate::policy::{self, Care};
use crate::scenario::{FacilityId, Scheme};
use crate::world::{PerFacility, World};

/// Payment's run state.
pub(super) struct Payment {
    /// Out-of-pocket of a self-referred visit, per scheme, facility and severity \[CNY\].
    oop: [PerFacility<[f64; 4]>; 2],
    /// Fund payments per resident this year, when a yearly cap applies \[CNY\].
    fund_this_year: Vec<f32>,
}

impl Payment {
    /// The price tables of `world`, and no payments yet for any of its
    /// `residents` residents.
    pub(super) fn new(world: &World, residents: usize) -> Payment {
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
    pub(super) fn self_referred_oop(&self, scheme: Scheme) -> &PerFacility<[f64; 4]> {
        &self.oop[scheme as usize]
    }
}

impl Sim<'_> {
    /// Hook at service end and discharge: bills `price` for care at `f` to
    /// the episode's resident, within what the yearly cap leaves, and
    /// records it.
    pub(super) fn charge(&mut self, id: u32, f: FacilityId, care: Care, price: f64, t: f64) {
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
    pub(super) fn payment_day_end(&mut self, day: u32) {
        if (day + 1).is_multiple_of(365) {
            self.payment.fund_this_year.iter_mut().for_each(|x| *x = 0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::stepping::quiet_world;
    use super::*;

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
