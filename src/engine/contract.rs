//! Family-doctor contracts and gatekeeping (`docs/model.md`, "Choice" and
//! "Payment"): contract-only options in a contracted resident's choice
//! set, the contract term of the utility, adherence counts, and under
//! `policy.gatekeeping` first contact at the contracted grassroots
//! facility. No run state.

use super::Sim;
use super::state::Resident;
use crate::scenario::FacilityId;
use crate::world::ChoiceOption;

/// Whether `opt` is in `r`'s choice set: contract-only options are for
/// contracted residents.
#[inline]
pub(super) fn offered(opt: &ChoiceOption, r: Resident) -> bool {
    !opt.contract_only || r.contracted()
}

/// Whether `r` holds a contract with the option's facility (the contract
/// term of the utility).
#[inline]
pub(super) fn holds_contract(opt: &ChoiceOption, r: Resident) -> bool {
    opt.contract && r.contracted()
}

impl Sim<'_> {
    /// Hook at onset, after the choice (whose uniform is drawn either
    /// way, keeping streams aligned): with gatekeeping, a contracted
    /// resident goes first to their contracted grassroots facility.
    /// Returns it and the travel minutes, or `None` to keep the choice.
    pub(super) fn gatekeep(&self, id: u32) -> Option<(FacilityId, f64)> {
        let r = self.resident(id);
        let home = &self.world.settlements[r.settlement as usize];
        match home.contract_grassroots {
            Some(g) if self.scenario.policy.gatekeeping && r.contracted() => {
                let travel = home
                    .options
                    .iter()
                    .find(|o| o.facility == g)
                    .map(|o| o.travel_minutes)
                    .expect("contracted facilities are in the settlement's choice set");
                Some((g, travel))
            }
            _ => None,
        }
    }

    /// Hook at each queue arrival of resident `r` at `f`: a contracted
    /// resident's visit counts as adherent when `f` is one they contract with.
    pub(super) fn contract_visit(&mut self, r: Resident, f: FacilityId, t: f64) {
        if r.contracted() {
            let home = &self.world.settlements[r.settlement as usize];
            let adherent = home.options.iter().any(|o| o.contract && o.facility == f);
            self.recorder.contract_visit(t, adherent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::FacilityId;

    #[test]
    fn contract_only_options_are_for_contracted_residents() {
        let opt = |contract, contract_only| ChoiceOption {
            facility: FacilityId(0),
            travel_minutes: 1.0,
            contract,
            contract_only,
        };
        let (plain, contracted) = (
            Resident {
                settlement: 0,
                flags: 0,
            },
            Resident {
                settlement: 0,
                flags: 4,
            },
        );
        assert!(contracted.contracted() && !plain.contracted());
        assert!(offered(&opt(false, false), plain));
        assert!(!offered(&opt(true, true), plain));
        assert!(offered(&opt(true, true), contracted));
        assert!(holds_contract(&opt(true, false), contracted));
        assert!(!holds_contract(&opt(true, false), plain));
        assert!(!holds_contract(&opt(false, false), contracted));
    }
}
