//! `[contract]`: family-doctor contracts. A share of residents contracts
//! with the nearest facility of a tier or with named facilities; choice
//! adds `b_contract` to them, and `policy.gatekeeping` (in
//! [`super::payment`]) sends contracted residents there first. README:
//! "[contract]"; `docs/model.md`: "Choice".

use serde::{Deserialize, Serialize};

use super::{Context, Lever, Named};
use crate::scenario::limits::MAX_CONTRACT_TARGETS;
use crate::scenario::validate::Checker;
use crate::scenario::{FacilityId, Tier};

/// `[contract]`: family-doctor contracts.
#[allow(missing_docs)] // Keys are documented in README.md ("[contract]").
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawContract {
    pub share: Option<f64>,
    pub with: Option<Vec<String>>,
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn defaults() {
        let (c, problems) = check::<Contract>(&None);
        assert!(problems.is_empty());
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
