//! `[contract]`: family-doctor contracts. A share of residents contracts
//! with the nearest facility of a tier or with named facilities; choice
//! adds `b_contract` to them, and `policy.gatekeeping` (in
//! [`super::payment`]) sends contracted residents there first. README:
//! "[contract]"; `docs/model.md`: "Choice".

use super::{Context, Lever, Named};
use crate::scenario::limits::MAX_CONTRACT_TARGETS;
use crate::scenario::validate::Checker;
use crate::scenario::{FacilityId, Tier};

raw_section! {
    /// `[contract]`: family-doctor contracts.
    pub struct RawContract {
        pub share: Option<f64>,
        pub with: Option<Vec<String>>,
    }
}

/// A contract or telemedicine target: the nearest facility of a tier, or a named one.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// The nearest facility of this tier (contracts) or every facility of it (telemedicine, rotation).
    Tier(Tier),
    /// One facility.
    Facility(FacilityId),
}

/// Family-doctor contracts.
#[derive(Clone, Debug, PartialEq)]
pub struct Contract {
    /// Share of residents contracted.
    pub share: f64,
    /// What a contracted resident contracts with.
    pub with: Vec<Target>,
    /// The entries as written (for the resolved scenario).
    pub with_names: Vec<String>,
}

impl Lever for Contract {
    type Raw = Option<RawContract>;

    fn check(c: &mut Checker, raw: &Option<RawContract>, ctx: &Context) -> Contract {
        let raw = raw.clone().unwrap_or_default();
        let with_names = raw.with.unwrap_or_else(|| vec!["township".to_string()]);
        if with_names.len() > MAX_CONTRACT_TARGETS {
            c.push(
                "contract.with",
                format!("{} entries: at most {MAX_CONTRACT_TARGETS}", with_names.len()),
            );
        }
        let with = with_names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match ctx.names.lookup(n) {
                Some(Named::Tier(t)) => Some(Target::Tier(t)),
                Some(Named::Active(id)) => Some(Target::Facility(id)),
                Some(Named::Inactive) => None,
                None => {
                    c.push(format!("contract.with[{i}]"), ctx.names.unknown(n));
                    None
                }
            })
            .collect();
        Contract {
            share: c.probability("contract.share", raw.share, 0.0),
            with,
            with_names,
        }
    }

    fn to_raw(&self) -> Option<RawContract> {
        Some(RawContract {
            share: Some(self.share),
            with: Some(self.with_names.clone()),
        })
    }
}

pub(crate) mod run {
    //! Family-doctor contracts and gatekeeping (`docs/model.md`, "Choice" and
    //! "Payment"): contract-only options in a contracted resident's choice
    //! set, the contract term of the utility, adherence counts, and under
    //! `policy.gatekeeping` first contact at the contracted grassroots
    //! facility. No run state.

    use crate::engine::Sim;
    use crate::engine::state::Resident;
    use crate::scenario::FacilityId;
    use crate::world::ChoiceOption;

    /// Whether `opt` is in `r`'s choice set: contract-only options are for
    /// contracted residents.
    #[inline]
    pub(crate) fn offered(opt: &ChoiceOption, r: Resident) -> bool {
        !opt.contract_only || r.contracted()
    }

    /// Whether `r` holds a contract with the option's facility (the contract
    /// term of the utility).
    #[inline]
    pub(crate) fn holds_contract(opt: &ChoiceOption, r: Resident) -> bool {
        opt.contract && r.contracted()
    }

    impl Sim<'_> {
        /// Hook at onset, after the choice (whose uniform is drawn either
        /// way, keeping streams aligned): with gatekeeping, a contracted
        /// resident goes first to their contracted grassroots facility.
        /// Returns it and the travel minutes, or `None` to keep the choice.
        pub(crate) fn gatekeep(&self, id: u32) -> Option<(FacilityId, f64)> {
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
        pub(crate) fn contract_visit(&mut self, r: Resident, f: FacilityId, t: f64) {
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
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn defaults() {
        let c = checked_default::<Contract>();
        assert_eq!(c.share, 0.0);
        assert_eq!(c.with, [Target::Tier(Tier::Township)]);
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<Contract>(&raw("share = 2"), "contract.share");
        let p = refused::<Contract>(&raw("with = [\"townshp\"]"), "contract.with[0]");
        assert!(p.message.contains("township"), "{p:?}");
    }

    #[test]
    fn names_resolve_to_facilities() {
        let s = scenario(&format!("{BASE}[contract]\nshare = 0.5\nwith = [\"C\", \"village\"]\n")).unwrap();
        assert_eq!(
            s.contract.with,
            [Target::Facility(FacilityId(1)), Target::Tier(Tier::Village)]
        );
    }

    #[test]
    fn round_trip() {
        round_trips::<Contract>(&None);
        round_trips::<Contract>(&raw("share = 0.4\nwith = [\"county\", \"township\"]"));
    }
}
