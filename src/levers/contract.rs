//! `[contract]`: family-doctor contracts. A share of residents contracts
//! with a team: by default the village clinic and township center nearest
//! home (the village doctor and the township center's family doctors);
//! `with` may add the nearest county and regional hospitals ("1+1+1") or
//! name facilities. Choice adds `b_contract` to every team member, and
//! `policy.gatekeeping` (in [`super::payment`]) sends a contracted
//! resident's first visit to the nearest team member able to treat the
//! severity. README: "[contract]"; `docs/model.md`: "Choice".

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
    /// The team a contracted resident contracts with.
    pub with: Vec<Target>,
    /// The entries as written (for the resolved scenario).
    pub with_names: Vec<String>,
}

/// The default team: the village doctor and the township center, the
/// grassroots pair every rural family-doctor team is built on.
fn default_team() -> Vec<String> {
    vec!["village".to_string(), "township".to_string()]
}

impl Lever for Contract {
    type Raw = Option<RawContract>;

    fn check(c: &mut Checker, raw: &Option<RawContract>, ctx: &Context) -> Contract {
        let raw = raw.clone().unwrap_or_default();
        let with_names = raw.with.unwrap_or_else(default_team);
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
    //! set, the contract term of the utility for every team member,
    //! adherence counts (a visit at any team member adheres), and under
    //! `policy.gatekeeping` first contact at the nearest team member able to
    //! treat. No run state: the team is the same for every resident of a
    //! settlement, so it lives in the settlement's choice set (the options
    //! marked `contract`) and a resident holds one bit.

    use crate::engine::Sim;
    use crate::engine::state::Resident;
    use crate::metrics::Who;
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
        /// resident's first visit is at the nearest member of their team
        /// able to treat the episode's severity now (a rotation stint may
        /// raise a member's capability; a tele link's chance of treating
        /// does not count). Returns it and the travel minutes, or `None` to
        /// keep the choice: no gatekeeping, no contract, or no member treats
        /// it (a severe patient of a village and township team goes where
        /// they choose rather than through a triage that must refer them).
        pub(crate) fn gatekeep(&self, id: u32) -> Option<(FacilityId, f64)> {
            let r = self.resident(id);
            if !self.scenario.policy.gatekeeping || !r.contracted() {
                return None;
            }
            let severity = self.episodes.get(id).severity;
            self.world.settlements[r.settlement as usize]
                .options
                .iter()
                .filter(|o| o.contract && self.capability(o.facility) >= severity)
                .min_by(|a, b| {
                    a.travel_minutes
                        .total_cmp(&b.travel_minutes)
                        .then(a.facility.cmp(&b.facility))
                })
                .map(|o| (o.facility, o.travel_minutes))
        }

        /// Hook at each queue arrival of resident `r` at `f`: a contracted
        /// resident's visit counts as adherent when `f` is one they contract with.
        pub(crate) fn contract_visit(&mut self, r: Resident, f: FacilityId, t: f64, who: Who) {
            if r.contracted() {
                let home = &self.world.settlements[r.settlement as usize];
                let adherent = home.options.iter().any(|o| o.contract && o.facility == f);
                self.recorder.contract_visit(t, adherent, who);
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

        use crate::engine;
        use crate::metrics::Scope;
        use crate::scenario::{Scenario, Severity, Tier};
        use crate::testing::region;
        use crate::trace::VisitKind;
        use crate::world::World;

        /// 500 residents at the origin with a village clinic `vc` (mild) and
        /// a township center `thc` (moderate) at the given km, a county
        /// hospital `ch` (severe) at 6 km and a regional center `rmc`
        /// (critical) at 20 km, all open around the clock; `rest` adds
        /// `[contract]`, `[policy]` and choice keys.
        fn county(vc_km: f64, thc_km: f64, rest: &str) -> World {
            let site = |name: &str, tier: &str, km: f64, capability: &str| {
                format!(
                    "[[facility]]\nname = \"{name}\"\ntier = \"{tier}\"\nat_km = [{km:?}, 0.0]\n\
                     hours = \"24h\"\ndoctors = 4\ncapability = \"{capability}\"\n"
                )
            };
            let text = format!(
                "name = \"contract\"\nseed = 3\ndays = 60\nwarmup_days = 0\n\
                 [demand]\nepisodes_per_resident_year = 6.0\n\
                 severity_mix = {{ mild = 0.4, moderate = 0.3, severe = 0.2, critical = 0.1 }}\n\
                 {rest}{}{}{}{}{}",
                region(500),
                site("vc", "village", vc_km, "mild"),
                site("thc", "township", thc_km, "moderate"),
                site("ch", "county", 6.0, "severe"),
                site("rmc", "regional", 20.0, "critical"),
            );
            World::new(&Scenario::from_toml(&text, "test").expect("valid"))
        }

        /// Share of first contacts at `tier` in one replication.
        fn first_contact(w: &World, tier: Tier) -> f64 {
            engine::run(w, 0)
                .get(Scope::Tier(tier), "first_contact_share")
                .expect("reported")
        }

        #[test]
        fn contract_team_covers_village_and_township() {
            let choice = "[choice]\nbeliefs = \"none\"\nb_wait = 0.0\nb_contract = 2.0\n";
            let world = |share: f64| county(1.0, 3.0, &format!("{choice}[contract]\nshare = {share}\n"));
            let (none, all) = (world(0.0), world(1.0));
            let team: Vec<&str> = all.settlements[0]
                .options
                .iter()
                .filter(|o| o.contract)
                .map(|o| all.facilities[o.facility].name.as_str())
                .collect();
            assert_eq!(team, ["vc", "thc"], "the default team");
            // b_contract pulls first contacts to both members, away from the hospitals.
            for tier in [Tier::Village, Tier::Township] {
                let (before, after) = (first_contact(&none, tier), first_contact(&all, tier));
                assert!(after > before, "{tier:?} first contact {before} -> {after}");
            }
            let (before, after) = (first_contact(&none, Tier::County), first_contact(&all, Tier::County));
            assert!(after < before, "county first contact {before} -> {after}");
        }

        /// Facility names of the first visits of each severity's episodes.
        fn first_visits(w: &World) -> [Vec<String>; 4] {
            let (_, rows) = engine::run_traced(w, 0);
            let mut out: [Vec<String>; 4] = Default::default();
            for row in rows.iter().filter(|r| r.kind == VisitKind::FirstContact) {
                out[row.severity as usize].push(w.facilities[row.facility as usize].name.clone());
            }
            out
        }

        #[test]
        fn gatekeeping_sends_the_first_visit_to_the_nearest_team_member_able_to_treat() {
            // No contract bonus, and grassroots never chosen for critical
            // illness: where first visits go is gatekeeping's doing alone.
            let rest = "[choice]\nb_contract = 0.0\n[choice.asc.village]\ncritical = -30.0\n\
                        [choice.asc.township]\ncritical = -30.0\n[policy]\ngatekeeping = true\n\
                        [contract]\nshare = 1.0\nwith = [\"village\", \"township\", \"county\"]\n";
            for (vc_km, thc_km, mild_at) in [(1.0, 3.0, "vc"), (3.0, 1.0, "thc")] {
                let visits = first_visits(&county(vc_km, thc_km, rest));
                let expected = [mild_at, "thc", "ch"];
                for (sev, at) in expected.iter().enumerate() {
                    let name = Severity::ALL[sev].name();
                    assert!(!visits[sev].is_empty(), "no {name} episode");
                    assert!(
                        visits[sev].iter().all(|f| f == at),
                        "vc {vc_km} km, thc {thc_km} km: {name} first visits at {:?}, expected {at}",
                        visits[sev]
                    );
                }
                // Nobody on the team treats critical illness: the choice stands.
                let critical = &visits[Severity::Critical as usize];
                assert!(!critical.is_empty(), "no critical episode");
                assert!(
                    critical.iter().all(|f| f == "ch" || f == "rmc"),
                    "critical first visits at {critical:?}"
                );
            }
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
        assert_eq!(c.with, [Target::Tier(Tier::Village), Target::Tier(Tier::Township)]);
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
